package kube

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// ContainerKind tells regular, init and ephemeral containers apart.
type ContainerKind int

// Container kinds.
const (
	Regular ContainerKind = iota
	Init
	Ephemeral
)

var containerKindNames = [...]string{"regular", "init", "ephemeral"}

// String returns the lowercase name of k.
func (k ContainerKind) String() string { return containerKindNames[k] }

// Target is one container whose log is followed.
type Target struct {
	Namespace, Pod, Container string
	PodUID                    string
	Kind                      ContainerKind
	// Node, Labels and Annotations are the pod's, for what shows lines (templates).
	Node                string
	Labels, Annotations map[string]string
}

// Key is the target's stable identity: namespace/pod/container.
func (t Target) Key() string { return t.Namespace + "/" + t.Pod + "/" + t.Container }

// Query says which pods and containers to follow, in stern's vocabulary.
type Query struct {
	// Namespaces to look in; empty with AllNamespaces false means the kubeconfig's.
	Namespaces    []string
	AllNamespaces bool
	// PodName matches pod names (nil: all pods).
	PodName *regexp.Regexp
	// Workload is TYPE/NAME (deploy/web, sts/db, ds/x, job/x, svc/x, rs/x, pod/x),
	// resolved to its selector at start.
	Workload      string
	LabelSelector string
	FieldSelector string
	ExcludePods   []*regexp.Regexp
	// Container matches container names (nil: all).
	Container         *regexp.Regexp
	ExcludeContainers []*regexp.Regexp
	// InitContainers and EphemeralContainers include those kinds of containers.
	InitContainers      bool
	EphemeralContainers bool
}

// workloadKinds maps the short and long TYPE names kubectl accepts to a canonical kind.
var workloadKinds = map[string]string{
	"deploy": "deployment", "deployment": "deployment", "deployments": "deployment",
	"sts": "statefulset", "statefulset": "statefulset", "statefulsets": "statefulset",
	"ds": "daemonset", "daemonset": "daemonset", "daemonsets": "daemonset",
	"rs": "replicaset", "replicaset": "replicaset", "replicasets": "replicaset",
	"job": "job", "jobs": "job",
	"svc": "service", "service": "service", "services": "service",
	"po": "pod", "pod": "pod", "pods": "pod",
}

// ParseQuery reads the positional QUERY: TYPE/NAME for a workload, otherwise a
// regular expression on pod names.
func ParseQuery(q string, into *Query) error {
	if q == "" {
		return nil
	}
	if typ, name, ok := strings.Cut(q, "/"); ok {
		if _, known := workloadKinds[strings.ToLower(typ)]; known && name != "" {
			into.Workload = strings.ToLower(typ) + "/" + name
			return nil
		}
	}
	re, err := regexp.Compile(q)
	if err != nil {
		return fmt.Errorf("query %q is neither TYPE/NAME (deploy/web, sts/db, svc/api, ...) nor a valid regular expression: %w", q, err)
	}
	into.PodName = re
	return nil
}

// resolveWorkload turns TYPE/NAME into the label selector (or, for pods, the field
// selector) that picks its pods in namespace ns.
func (c *Client) resolveWorkload(ctx context.Context, ns, workload string) (labelSel, fieldSel string, err error) {
	typ, name, _ := strings.Cut(workload, "/")
	var sel *metav1.LabelSelector
	switch workloadKinds[typ] {
	case "pod":
		return "", "metadata.name=" + name, nil
	case "deployment":
		o, err := c.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err
		}
		sel = o.Spec.Selector
	case "statefulset":
		o, err := c.Clientset.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err
		}
		sel = o.Spec.Selector
	case "daemonset":
		o, err := c.Clientset.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err
		}
		sel = o.Spec.Selector
	case "replicaset":
		o, err := c.Clientset.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err
		}
		sel = o.Spec.Selector
	case "job":
		o, err := c.Clientset.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err
		}
		sel = o.Spec.Selector
	case "service":
		o, err := c.Clientset.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err
		}
		if len(o.Spec.Selector) == 0 {
			return "", "", fmt.Errorf("service %s/%s has no selector, so no pods belong to it", ns, name)
		}
		return labels.SelectorFromSet(o.Spec.Selector).String(), "", nil
	default:
		return "", "", fmt.Errorf("unknown workload type in %q", workload)
	}
	if sel == nil {
		return "", "", fmt.Errorf("%s in namespace %s has no selector", workload, ns)
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "", "", fmt.Errorf("%s: selector: %w", workload, err)
	}
	return s.String(), "", nil
}

// andSelectors joins two selectors of the same kind.
func andSelectors(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "," + b
}

// podMatches reports whether the pod passes the name filters.
func (q *Query) podMatches(p *corev1.Pod) bool {
	if q.PodName != nil && !q.PodName.MatchString(p.Name) {
		return false
	}
	for _, re := range q.ExcludePods {
		if re.MatchString(p.Name) {
			return false
		}
	}
	return true
}

// containerMatches reports whether a container of the given kind and name is followed.
func (q *Query) containerMatches(kind ContainerKind, name string) bool {
	if kind == Init && !q.InitContainers || kind == Ephemeral && !q.EphemeralContainers {
		return false
	}
	if q.Container != nil && !q.Container.MatchString(name) {
		return false
	}
	for _, re := range q.ExcludeContainers {
		if re.MatchString(name) {
			return false
		}
	}
	return true
}

// containerState is what a tail needs to know about its container right now.
type containerState struct {
	ID            string // current container ID ("" before the first start)
	Restarts      int32
	Running       bool
	Terminated    *corev1.ContainerStateTerminated
	WaitingMsg    string // "waiting to start: ContainerCreating" etc.
	LastID        string // the previous container's ID, from lastState, if any
	PodFinished   bool   // the pod succeeded or failed: nothing will run again
	WillRestart   bool   // once terminated, the kubelet starts this container again
	PodDeleted    bool
	PodDeleting   bool
	ContainerGone bool // the pod no longer has this container
}

// stateOf reads the container's state out of the pod.
func stateOf(p *corev1.Pod, kind ContainerKind, name string) containerState {
	var st containerState
	if p == nil {
		st.PodDeleted = true
		return st
	}
	st.PodFinished = p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	st.PodDeleting = p.DeletionTimestamp != nil
	var list []corev1.ContainerStatus
	switch kind {
	case Init:
		list = p.Status.InitContainerStatuses
	case Ephemeral:
		list = p.Status.EphemeralContainerStatuses
	default:
		list = p.Status.ContainerStatuses
	}
	for i := range list {
		cs := &list[i]
		if cs.Name != name {
			continue
		}
		st.ID = cs.ContainerID
		st.Restarts = cs.RestartCount
		if t := cs.LastTerminationState.Terminated; t != nil {
			st.LastID = t.ContainerID
		}
		switch {
		case cs.State.Running != nil:
			st.Running = true
		case cs.State.Terminated != nil:
			st.Terminated = cs.State.Terminated
			st.WillRestart = willRestart(p, kind, name, cs.State.Terminated.ExitCode)
		case cs.State.Waiting != nil:
			st.WaitingMsg = "waiting to start: " + cs.State.Waiting.Reason
			if cs.State.Waiting.Message != "" {
				st.WaitingMsg += " (" + cs.State.Waiting.Message + ")"
			}
		}
		return st
	}
	// No status yet is normal for a pod the kubelet has not started: the container
	// is gone only when the pod's spec no longer names it.
	st.ContainerGone = !specHas(p, kind, name)
	return st
}

// specHas reports whether the pod's spec has a container of that kind and name.
func specHas(p *corev1.Pod, kind ContainerKind, name string) bool {
	switch kind {
	case Init:
		for _, c := range p.Spec.InitContainers {
			if c.Name == name {
				return true
			}
		}
	case Ephemeral:
		for _, c := range p.Spec.EphemeralContainers {
			if c.Name == name {
				return true
			}
		}
	default:
		for _, c := range p.Spec.Containers {
			if c.Name == name {
				return true
			}
		}
	}
	return false
}

// willRestart reports whether the kubelet will start a terminated container again,
// from the pod's (or, for native sidecars, the container's) restart policy.
func willRestart(p *corev1.Pod, kind ContainerKind, name string, exit int32) bool {
	if kind == Ephemeral || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	if kind == Init {
		for _, c := range p.Spec.InitContainers {
			if c.Name == name && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				return true // a native sidecar
			}
		}
		// A plain init container runs again only after a failure.
		return exit != 0 && p.Spec.RestartPolicy != corev1.RestartPolicyNever
	}
	switch p.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exit != 0
	}
	return true
}

// targetsOf lists the followed containers of a pod that have started at least once
// (a container without an ID has no log yet; stern ignores them too).
func (q *Query) targetsOf(p *corev1.Pod) []Target {
	var out []Target
	add := func(kind ContainerKind, statuses []corev1.ContainerStatus) {
		for _, cs := range statuses {
			if !q.containerMatches(kind, cs.Name) {
				continue
			}
			out = append(out, Target{Namespace: p.Namespace, Pod: p.Name, PodUID: string(p.UID), Container: cs.Name, Kind: kind,
				Node: p.Spec.NodeName, Labels: p.Labels, Annotations: p.Annotations})
		}
	}
	add(Init, p.Status.InitContainerStatuses)
	add(Regular, p.Status.ContainerStatuses)
	add(Ephemeral, p.Status.EphemeralContainerStatuses)
	// Containers the kubelet has not reported yet are still targets: their tails wait.
	seen := map[string]bool{}
	for _, t := range out {
		seen[t.Container] = true
	}
	addSpec := func(kind ContainerKind, name string) {
		if !seen[name] && q.containerMatches(kind, name) {
			seen[name] = true
			out = append(out, Target{Namespace: p.Namespace, Pod: p.Name, PodUID: string(p.UID), Container: name, Kind: kind,
				Node: p.Spec.NodeName, Labels: p.Labels, Annotations: p.Annotations})
		}
	}
	for _, c := range p.Spec.InitContainers {
		addSpec(Init, c.Name)
	}
	for _, c := range p.Spec.Containers {
		addSpec(Regular, c.Name)
	}
	for _, c := range p.Spec.EphemeralContainers {
		addSpec(Ephemeral, c.Name)
	}
	return out
}
