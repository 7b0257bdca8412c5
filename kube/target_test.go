package kube

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		in           string
		workload     string
		podRE        string // "" for none
		matches, not string // pod names the regular expression matches and does not
		err          bool
	}{
		{in: ""},
		{in: "deploy/web", workload: "deploy/web"},
		{in: "Deployment/Web", workload: "deployment/Web"},
		{in: "sts/db", workload: "sts/db"},
		{in: "statefulsets/db", workload: "statefulsets/db"},
		{in: "ds/agent", workload: "ds/agent"},
		{in: "job/report", workload: "job/report"},
		{in: "rs/web-7d9f", workload: "rs/web-7d9f"},
		{in: "svc/api", workload: "svc/api"},
		{in: "po/web-0", workload: "po/web-0"},
		{in: "pod/web-0", workload: "pod/web-0"},
		// Not TYPE/NAME: a regular expression on pod names.
		{in: "web", podRE: "web", matches: "web-1", not: "db-0"},
		{in: "web|api", podRE: "web|api", matches: "api-2", not: "db-0"},
		{in: "^web-[0-9]+$", podRE: "^web-[0-9]+$", matches: "web-12", not: "web-x"},
		{in: "front/web", podRE: "front/web", matches: "front/web", not: "web"},
		{in: "deploy/", podRE: "deploy/", matches: "deploy/", not: "deploy"},
		{in: "web[", err: true},
		{in: "(", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			var q Query
			err := ParseQuery(tc.in, &q)
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "neither TYPE/NAME") {
					t.Fatalf("ParseQuery(%q) error %v, want one explaining both forms", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Workload != tc.workload {
				t.Errorf("workload %q, want %q", q.Workload, tc.workload)
			}
			switch {
			case tc.podRE == "" && q.PodName != nil:
				t.Errorf("pod regexp %q, want none", q.PodName)
			case tc.podRE != "":
				if q.PodName == nil || q.PodName.String() != tc.podRE {
					t.Fatalf("pod regexp %v, want %q", q.PodName, tc.podRE)
				}
				if !q.PodName.MatchString(tc.matches) || q.PodName.MatchString(tc.not) {
					t.Errorf("%q should match %q and not %q", tc.podRE, tc.matches, tc.not)
				}
			}
		})
	}
}

func TestResolveWorkload(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	exprSel := &metav1.LabelSelector{
		MatchLabels:      map[string]string{"app": "db"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}},
	}
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: "ns", Name: name} }
	cs := fake.NewClientset(
		&appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{Selector: sel}},
		&appsv1.StatefulSet{ObjectMeta: meta("db"), Spec: appsv1.StatefulSetSpec{Selector: exprSel}},
		&appsv1.DaemonSet{ObjectMeta: meta("agent"), Spec: appsv1.DaemonSetSpec{Selector: sel}},
		&appsv1.ReplicaSet{ObjectMeta: meta("web-7d9f"), Spec: appsv1.ReplicaSetSpec{Selector: sel}},
		&appsv1.ReplicaSet{ObjectMeta: meta("nosel")},
		&batchv1.Job{ObjectMeta: meta("report"), Spec: batchv1.JobSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "u1"}}}},
		&corev1.Service{ObjectMeta: meta("api"), Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "api", "tier": "front"}}},
		&corev1.Service{ObjectMeta: meta("external")},
	)
	c := &Client{Clientset: cs, Namespace: "ns"}
	cases := []struct {
		workload     string
		labels, flds string
		err          string
	}{
		{workload: "deploy/web", labels: "app=web"},
		{workload: "deployments/web", labels: "app=web"},
		{workload: "sts/db", labels: "app=db,tier in (a,b)"},
		{workload: "ds/agent", labels: "app=web"},
		{workload: "rs/web-7d9f", labels: "app=web"},
		{workload: "job/report", labels: "batch.kubernetes.io/controller-uid=u1"},
		{workload: "svc/api", labels: "app=api,tier=front"},
		{workload: "pod/web-0", flds: "metadata.name=web-0"},
		{workload: "po/web-0", flds: "metadata.name=web-0"},
		{workload: "deploy/nope", err: "not found"},
		{workload: "svc/external", err: "has no selector"},
		{workload: "rs/nosel", err: "has no selector"},
		{workload: "cm/x", err: "unknown workload type"},
	}
	for _, tc := range cases {
		t.Run(tc.workload, func(t *testing.T) {
			ls, fs, err := c.resolveWorkload(context.Background(), "ns", tc.workload)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ls != tc.labels || fs != tc.flds {
				t.Errorf("selectors %q, %q; want %q, %q", ls, fs, tc.labels, tc.flds)
			}
		})
	}
}

func TestResolveScopes(t *testing.T) {
	cs := fake.NewClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}})
	c := &Client{Clientset: cs, Namespace: "home"}
	cases := []struct {
		name string
		q    Query
		want []scope
		desc string
		err  string
	}{
		{name: "the kubeconfig's namespace", q: Query{}, want: []scope{{namespace: "home"}}, desc: "any pod in namespace home"},
		{name: "several namespaces", q: Query{Namespaces: []string{"a", "b"}, LabelSelector: "x=y"},
			want: []scope{{"a", "x=y", ""}, {"b", "x=y", ""}}, desc: "labels x=y in namespace a, namespace b"},
		{name: "all namespaces", q: Query{AllNamespaces: true, Namespaces: []string{"a"}, PodName: regexp.MustCompile("web"), FieldSelector: "spec.nodeName=n1"},
			want: []scope{{"", "", "spec.nodeName=n1"}}, desc: `name ~ "web", fields spec.nodeName=n1 in all namespaces`},
		{name: "a workload adds its selector", q: Query{Namespaces: []string{"shop"}, Workload: "deploy/web", LabelSelector: "tier=front"},
			want: []scope{{"shop", "tier=front,app=web", ""}}, desc: "deploy/web, labels tier=front in namespace shop"},
		{name: "a pod adds a field selector", q: Query{Namespaces: []string{"shop"}, Workload: "pod/web-0", FieldSelector: "status.phase=Running"},
			want: []scope{{"shop", "", "status.phase=Running,metadata.name=web-0"}}},
		{name: "a workload that is not there", q: Query{Namespaces: []string{"home"}, Workload: "deploy/web"}, err: `deploy/web not found in namespace "home"`},
		{name: "a workload in all namespaces", q: Query{AllNamespaces: true, Workload: "deploy/web"}, err: "use -n instead of -A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.resolveScopes(context.Background(), &tc.q)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("scopes %+v, want %+v", got, tc.want)
			}
			if tc.desc != "" {
				if d := describeScopes(&tc.q, got); d != tc.desc {
					t.Errorf("describeScopes %q, want %q", d, tc.desc)
				}
			}
		})
	}
}

func TestQueryMatches(t *testing.T) {
	q := Query{
		PodName:           regexp.MustCompile("^web-"),
		ExcludePods:       []*regexp.Regexp{regexp.MustCompile("canary")},
		Container:         regexp.MustCompile("^(app|init-db|debugger|istio-proxy)$"),
		ExcludeContainers: []*regexp.Regexp{regexp.MustCompile("istio")},
	}
	pods := []struct {
		name string
		want bool
	}{{"web-1", true}, {"web-canary-2", false}, {"api-1", false}, {"my-web-1", false}}
	for _, p := range pods {
		if got := q.podMatches(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.name}}); got != p.want {
			t.Errorf("podMatches(%s) = %v", p.name, got)
		}
	}
	ctrs := []struct {
		kind        ContainerKind
		name        string
		init, ephem bool
		want        bool
	}{
		{Regular, "app", false, false, true},
		{Regular, "sidecar", false, false, false}, // not in -c
		{Regular, "istio-proxy", false, false, false},
		{Init, "init-db", false, false, false}, // init containers not asked for
		{Init, "init-db", true, false, true},
		{Ephemeral, "debugger", false, false, false},
		{Ephemeral, "debugger", false, true, true},
	}
	for _, c := range ctrs {
		q := q
		q.InitContainers, q.EphemeralContainers = c.init, c.ephem
		if got := q.containerMatches(c.kind, c.name); got != c.want {
			t.Errorf("containerMatches(%s %s, init=%v ephemeral=%v) = %v", c.kind, c.name, c.init, c.ephem, got)
		}
	}
	if empty := (Query{}); !empty.podMatches(&corev1.Pod{}) || !empty.containerMatches(Regular, "x") {
		t.Error("an empty query should match every pod and regular container")
	}
}

func TestTargetsOf(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-1", UID: "u1"},
		Spec: corev1.PodSpec{
			InitContainers:      []corev1.Container{{Name: "setup"}, {Name: "proxy"}},
			Containers:          []corev1.Container{{Name: "app"}, {Name: "late"}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug"}}},
		},
		Status: corev1.PodStatus{
			InitContainerStatuses:      []corev1.ContainerStatus{{Name: "setup", ContainerID: "c://s"}, {Name: "proxy", ContainerID: "c://p"}},
			ContainerStatuses:          []corev1.ContainerStatus{{Name: "app", ContainerID: "c://a"}},
			EphemeralContainerStatuses: []corev1.ContainerStatus{{Name: "debug", ContainerID: "c://d"}},
		},
	}
	names := func(ts []Target) []string {
		var out []string
		for _, t := range ts {
			if t.Namespace != "ns" || t.Pod != "web-1" || t.PodUID != "u1" {
				panic("target without its pod")
			}
			out = append(out, t.Kind.String()+":"+t.Container)
		}
		return out
	}
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{name: "everything", q: Query{InitContainers: true, EphemeralContainers: true},
			// "late" is in the spec only: the kubelet has not reported it yet, its tail waits.
			want: []string{"init:setup", "init:proxy", "regular:app", "ephemeral:debug", "regular:late"}},
		{name: "regular only", q: Query{}, want: []string{"regular:app", "regular:late"}},
		{name: "-c", q: Query{InitContainers: true, Container: regexp.MustCompile("^(app|proxy)$")}, want: []string{"init:proxy", "regular:app"}},
		{name: "-E", q: Query{InitContainers: true, EphemeralContainers: true, ExcludeContainers: []*regexp.Regexp{regexp.MustCompile("a")}},
			want: []string{"init:setup", "init:proxy", "ephemeral:debug"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(tc.q.targetsOf(p)); !slices.Equal(got, tc.want) {
				t.Errorf("targets %v, want %v", got, tc.want)
			}
		})
	}
	if k := (Target{Namespace: "ns", Pod: "p", Container: "c"}).Key(); k != "ns/p/c" {
		t.Errorf("Key() = %q", k)
	}
}

func TestStateOf(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	exited := func(code int32) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "c://1", ExitCode: code, Reason: "Error"}}
	}
	pod := func(policy corev1.RestartPolicy, phase corev1.PodPhase, kind ContainerKind, cs corev1.ContainerStatus) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: policy,
			InitContainers: []corev1.Container{{Name: "sidecar", RestartPolicy: &always}, {Name: "c"}}},
			Status: corev1.PodStatus{Phase: phase}}
		switch kind {
		case Init:
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{cs}
		case Ephemeral:
			p.Status.EphemeralContainerStatuses = []corev1.ContainerStatus{cs}
		default:
			p.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
		}
		return p
	}
	status := func(name string, state corev1.ContainerState) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, ContainerID: "c://1", RestartCount: 3, State: state,
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "c://0"}}}
	}
	cases := []struct {
		name string
		pod  *corev1.Pod
		kind ContainerKind
		ctr  string
		want containerState
	}{
		{name: "pod gone", pod: nil, ctr: "c", want: containerState{PodDeleted: true}},
		{name: "running", pod: pod("", corev1.PodRunning, Regular, status("c", running)), ctr: "c",
			want: containerState{ID: "c://1", Restarts: 3, Running: true, LastID: "c://0"}},
		{name: "waiting", ctr: "c", pod: pod("", corev1.PodPending, Regular, status("c", corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 5m0s"}})),
			want: containerState{ID: "c://1", Restarts: 3, LastID: "c://0", WaitingMsg: "waiting to start: CrashLoopBackOff (back-off 5m0s)"}},
		{name: "created, not started: no status yet", ctr: "c", pod: &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}},
			want: containerState{}},
		{name: "container not in the pod", ctr: "other", pod: pod("", corev1.PodRunning, Regular, status("c", running)),
			want: containerState{ContainerGone: true}},
		{name: "init container looked up as regular", ctr: "c", kind: Regular, pod: pod("", corev1.PodRunning, Init, status("c", running)),
			want: containerState{ContainerGone: true}},
		{name: "deleting", ctr: "c", pod: func() *corev1.Pod {
			p := pod("", corev1.PodRunning, Ephemeral, status("c", running))
			p.DeletionTimestamp = &metav1.Time{}
			return p
		}(), kind: Ephemeral, want: containerState{ID: "c://1", Restarts: 3, Running: true, LastID: "c://0", PodDeleting: true}},
	}
	// Terminated containers: will the kubelet start them again?
	restarts := []struct {
		policy corev1.RestartPolicy
		phase  corev1.PodPhase
		kind   ContainerKind
		ctr    string
		exit   int32
		want   bool
	}{
		{corev1.RestartPolicyAlways, corev1.PodRunning, Regular, "c", 0, true},
		{"", corev1.PodRunning, Regular, "c", 0, true},
		{corev1.RestartPolicyOnFailure, corev1.PodRunning, Regular, "c", 1, true},
		{corev1.RestartPolicyOnFailure, corev1.PodRunning, Regular, "c", 0, false},
		{corev1.RestartPolicyNever, corev1.PodRunning, Regular, "c", 1, false},
		{corev1.RestartPolicyAlways, corev1.PodFailed, Regular, "c", 1, false},
		{corev1.RestartPolicyAlways, corev1.PodSucceeded, Regular, "c", 0, false},
		{corev1.RestartPolicyAlways, corev1.PodRunning, Ephemeral, "c", 1, false},
		{corev1.RestartPolicyAlways, corev1.PodPending, Init, "c", 1, true},
		{corev1.RestartPolicyAlways, corev1.PodPending, Init, "c", 0, false},
		{corev1.RestartPolicyNever, corev1.PodPending, Init, "c", 1, false},
		{corev1.RestartPolicyNever, corev1.PodRunning, Init, "sidecar", 0, true}, // a native sidecar
	}
	for _, r := range restarts {
		st := exited(r.exit)
		cs := status(r.ctr, st)
		finished := r.phase == corev1.PodSucceeded || r.phase == corev1.PodFailed
		cases = append(cases, struct {
			name string
			pod  *corev1.Pod
			kind ContainerKind
			ctr  string
			want containerState
		}{
			name: fmt.Sprintf("terminated %s/%s/%s/%s/exit %d", r.policy, r.phase, r.kind, r.ctr, r.exit),
			pod:  pod(r.policy, r.phase, r.kind, cs), kind: r.kind, ctr: r.ctr,
			want: containerState{ID: "c://1", Restarts: 3, LastID: "c://0", Terminated: st.Terminated, WillRestart: r.want, PodFinished: finished},
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := stateOf(tc.pod, tc.kind, tc.ctr); got != tc.want {
				t.Errorf("stateOf:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestContainerKindString(t *testing.T) {
	for k, want := range map[ContainerKind]string{Regular: "regular", Init: "init", Ephemeral: "ephemeral"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
}

func TestOriginFor(t *testing.T) {
	o := OriginFor(Target{Namespace: "ns", Pod: "web-1", Container: "app", Kind: Init})
	if o.ID != "ns/web-1/app" || o.Name != "web-1/app" {
		t.Errorf("origin %+v", o)
	}
	want := map[string]string{"namespace": "ns", "pod": "web-1", "container": "app", "kind": "init"}
	for k, v := range want {
		if o.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, o.Fields[k], v)
		}
	}
}
