package main

import (
	"fmt"
	"hash/fnv"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// safeAlphabet is the alphabet Kubernetes uses for generated name suffixes: no vowels
// (no words) and no look-alike characters.
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// templateHash returns a pod-template-hash-like string for a workload: stable across
// runs, so the seed is idempotent, and shaped like the controller's.
func templateHash(parts ...string) string {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	s := strconv.FormatUint(uint64(h.Sum32()), 10)
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = safeAlphabet[int(s[i])%len(safeAlphabet)]
	}
	return string(out)
}

// suffix returns the 5-character random-looking suffix of generated pod names.
func suffix(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	v := h.Sum64()
	out := make([]byte, 5)
	for i := range out {
		out[i] = safeAlphabet[v%uint64(len(safeAlphabet))]
		v /= uint64(len(safeAlphabet))
	}
	return string(out)
}

// ctr describes one container and its scripted log.
type ctr struct {
	name, image string
	logs        string // logs annotation value; "" keeps the kubelet's defaults
	port        int32
	portName    string
	sidecar     bool // an init container with restartPolicy Always
}

func (c ctr) container() v1.Container {
	out := v1.Container{Name: c.name, Image: c.image, ImagePullPolicy: v1.PullIfNotPresent}
	if c.port != 0 {
		out.Ports = []v1.ContainerPort{{Name: c.portName, ContainerPort: c.port, Protocol: v1.ProtocolTCP}}
	}
	if c.sidecar {
		always := v1.ContainerRestartPolicyAlways
		out.RestartPolicy = &always
	}
	return out
}

// podTemplate describes a pod: its containers, labels and test-bed annotations.
type podTemplate struct {
	labels      map[string]string
	annotations map[string]string
	init        []ctr
	containers  []ctr
	restart     v1.RestartPolicy
}

func (t podTemplate) spec(node string) v1.PodSpec {
	spec := v1.PodSpec{NodeName: node, RestartPolicy: t.restart, TerminationGracePeriodSeconds: ptr(int64(30))}
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = v1.RestartPolicyAlways
	}
	for _, c := range t.init {
		spec.InitContainers = append(spec.InitContainers, c.container())
	}
	for _, c := range t.containers {
		spec.Containers = append(spec.Containers, c.container())
	}
	return spec
}

// templateSpec is the template a workload object carries: no node, no test-bed
// annotations (those belong to each pod).
func (t podTemplate) templateSpec() v1.PodTemplateSpec {
	spec := t.spec("")
	return v1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: copyMap(t.labels)}, Spec: spec}
}

// pod builds one pod of the template, with per-pod overrides of the logs annotations.
func (t podTemplate) pod(ns, name, node string, extraLabels map[string]string, logs map[string]string, owner *metav1.OwnerReference) *v1.Pod {
	ann := copyMap(t.annotations)
	for _, c := range append(append([]ctr(nil), t.init...), t.containers...) {
		if c.logs != "" {
			ann[testbedspec.LogsAnnotation(c.name)] = c.logs
		}
	}
	for c, v := range logs {
		ann[testbedspec.LogsAnnotation(c)] = v
	}
	labels := copyMap(t.labels)
	for k, v := range extraLabels {
		labels[k] = v
	}
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels, Annotations: ann},
		Spec:       t.spec(node),
	}
	if owner != nil {
		p.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	return p
}

func ownerRef(apiVersion, kind, name string, uid types.UID) *metav1.OwnerReference {
	return &metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid,
		Controller: ptr(true), BlockOwnerDeletion: ptr(true)}
}

func deployment(ns, name string, replicas int32, t podTemplate) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(t.labels),
			Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: copyMap(t.labels)},
			Template: t.templateSpec(),
		},
	}
}

func replicaSet(d *appsv1.Deployment, hash string) *appsv1.ReplicaSet {
	labels := copyMap(d.Spec.Template.Labels)
	labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	tmpl := *d.Spec.Template.DeepCopy()
	tmpl.Labels = copyMap(labels)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: d.Namespace, Name: d.Name + "-" + hash, Labels: labels,
			Annotations: map[string]string{
				"deployment.kubernetes.io/desired-replicas": strconv.Itoa(int(*d.Spec.Replicas)),
				"deployment.kubernetes.io/max-replicas":     strconv.Itoa(int(*d.Spec.Replicas) + 1),
				"deployment.kubernetes.io/revision":         "1",
			},
			OwnerReferences: []metav1.OwnerReference{*ownerRef("apps/v1", "Deployment", d.Name, d.UID)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: d.Spec.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: copyMap(labels)},
			Template: tmpl,
		},
	}
}

func statefulSet(ns, name string, replicas int32, t podTemplate) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(t.labels)},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: copyMap(t.labels)},
			Template:    t.templateSpec(),
		},
	}
}

func daemonSet(ns, name string, t podTemplate) *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(t.labels),
			Annotations: map[string]string{"deprecated.daemonset.template.generation": "1"}},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: copyMap(t.labels)},
			Template: t.templateSpec(),
		},
	}
}

// svcPort is one port of a Service and of its endpoints.
type svcPort struct {
	name string
	port int32
}

func service(ns, name string, labels, selector map[string]string, headless bool, ports ...svcPort) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(labels)},
		Spec:       v1.ServiceSpec{Selector: copyMap(selector), Type: v1.ServiceTypeClusterIP},
	}
	if headless {
		s.Spec.ClusterIP = v1.ClusterIPNone
	}
	for _, p := range ports {
		s.Spec.Ports = append(s.Spec.Ports, v1.ServicePort{Name: p.name, Port: p.port, Protocol: v1.ProtocolTCP,
			TargetPort: intstr.FromString(p.name)})
	}
	return s
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func podKey(p *v1.Pod) string { return fmt.Sprintf("%s/%s", p.Namespace, p.Name) }
