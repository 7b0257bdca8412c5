package kube

import (
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
)

// labelled returns a running pod with one container "app" (ID containerd://NAME) and
// the label app=APP.
func labelled(fa *fakeAPI, name, app string, entries []logEntry) *corev1.Pod {
	p := runningPod("ns", name, "app")
	p.Labels = map[string]string{"app": app}
	p.Status.ContainerStatuses[0].ContainerID = "containerd://" + name
	fa.setLog("containerd://"+name, entries, false)
	return p
}

// Two Followers of one client in one namespace share one informer: one watch
// request, each Follower filtering by its own selector; the informer stops with its
// last Follower and a later Follower starts a new one.
func TestFollowersShareOneWatch(t *testing.T) {
	noWatchList(t)
	fa := newFakeAPI(t)
	web := numbered("web", 0, 4, t0, time.Millisecond)
	db := numbered("db", 0, 3, t0, time.Millisecond)
	fa.addPod(labelled(fa, "web-1", "web", web))
	fa.addPod(labelled(fa, "db-0", "db", db))
	var watches atomic.Int32
	watched := make(chan struct{}, 8)
	fa.store.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w := a.(k8stesting.WatchAction)
		if r := w.GetWatchRestrictions(); !r.Labels.Empty() || !r.Fields.Empty() || a.GetNamespace() != "ns" {
			t.Errorf("watch of namespace %q with labels %q, fields %q; want namespace ns, no selector",
				a.GetNamespace(), r.Labels, r.Fields)
		}
		watches.Add(1)
		watched <- struct{}{}
		return false, nil, nil // on to the store's own watch
	})
	client := fa.discoveryClient()
	lo := LogOptions{Follow: true, TailLines: -1}
	webSink, dbSink := newLogSink(), newLogSink()
	fWeb := startSource(t, &Follower{Client: client, Query: Query{LabelSelector: "app=web"}, Log: lo}, webSink)
	fDB := startSource(t, &Follower{Client: client, Query: Query{LabelSelector: "app=db"}, Log: lo}, dbSink)
	webSink.waitFor(t, "web-1's lines", func() bool { return len(logsOf(webSink, "web-1/app")) == len(web) })
	dbSink.waitFor(t, "db-0's lines", func() bool { return len(logsOf(dbSink, "db-0/app")) == len(db) })

	// A pod that appears later reaches the Follower whose selector it matches only.
	web2 := labelled(fa, "web-2", "web", numbered("web2", 0, 2, t0.Add(time.Minute), time.Millisecond))
	web2.CreationTimestamp = metav1.Now()
	fa.addPod(web2)
	webSink.waitFor(t, "web-2's lines", func() bool { return len(logsOf(webSink, "web-2/app")) == 2 })
	if n := watches.Load(); n != 1 {
		t.Errorf("two Followers in one namespace opened %d watches, want 1", n)
	}
	if err := fWeb.stop(); err != nil {
		t.Errorf("web Follower: %v", err)
	}
	if n := client.podWatchers().active(); n != 1 {
		t.Errorf("%d informers run while the db Follower still does, want 1", n)
	}
	if err := fDB.stop(); err != nil {
		t.Errorf("db Follower: %v", err)
	}
	if got := logsOf(dbSink, "web-1/app"); len(got) > 0 {
		t.Errorf("the db Follower got %d lines of web-1", len(got))
	}
	if got := logsOf(dbSink, "web-2/app"); len(got) > 0 {
		t.Errorf("the db Follower got %d lines of web-2", len(got))
	}
	if n := client.podWatchers().active(); n != 0 {
		t.Errorf("%d informers run after the last Follower left, want 0", n)
	}

	// The next Follower starts a new informer, with its own watch.
	again := newLogSink()
	startSource(t, &Follower{Client: client, Query: Query{LabelSelector: "app=db"}, Log: lo}, again)
	again.waitFor(t, "db-0's lines again", func() bool { return len(logsOf(again, "db-0/app")) == len(db) })
	<-watched // the first informer's
	select {
	case <-watched:
	case <-time.After(30 * time.Second):
	}
	if n := watches.Load(); n != 2 {
		t.Errorf("after the last Follower left, a new one opened %d watches in all, want 2", n)
	}
}

// slimPod keeps every field tailui reads: a pod with a full spec reads the same
// before and after, in its summary, its field-selector fields, its targets and each
// container's state, and slimming twice changes nothing more.
func TestSlimPodKeepsWhatTailuiReads(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	yes := true
	now := metav1.NewTime(time.Unix(1_700_000_000, 0))
	full := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-7c9d8f6b5-x2x9k", Namespace: "shop", UID: "uid-1", ResourceVersion: "42",
			CreationTimestamp: now, DeletionTimestamp: &now,
			Labels:          map[string]string{"app": "web", "pod-template-hash": "7c9d8f6b5"},
			Annotations:     map[string]string{"kubectl.kubernetes.io/default-container": "app"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-7c9d8f6b5", Controller: &yes}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}},
		},
		Spec: corev1.PodSpec{
			NodeName: "node-1", RestartPolicy: corev1.RestartPolicyOnFailure, SchedulerName: "default-scheduler",
			ServiceAccountName: "web", HostNetwork: true,
			Volumes: []corev1.Volume{{Name: "data"}},
			InitContainers: []corev1.Container{
				{Name: "migrate", Image: "migrate:1", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
				{Name: "proxy", Image: "envoy", RestartPolicy: &always},
			},
			Containers: []corev1.Container{
				{Name: "app", Image: "web:2", Command: []string{"/web"}, Ports: []corev1.ContainerPort{{ContainerPort: 80}}},
				{Name: "sidecar", Image: "log:1"},
			},
			EphemeralContainers: []corev1.EphemeralContainer{{
				EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox"},
				TargetContainerName:      "app",
			}},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, Reason: "", PodIPs: []corev1.PodIP{{IP: "10.0.0.7"}}, NominatedNodeName: "node-2",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "migrate", ContainerID: "containerd://m", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
				{Name: "proxy", ContainerID: "containerd://p", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}},
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", ContainerID: "containerd://a2", RestartCount: 3,
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, ContainerID: "containerd://a1"}}},
			},
			EphemeralContainerStatuses: []corev1.ContainerStatus{
				{Name: "debugger", ContainerID: "containerd://d", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}},
			},
		},
	}
	type reading struct {
		Summary PodSummary
		Fields  string
		Targets []Target
		States  map[string]containerState
		Spec    map[string]bool
		Restart map[string]bool
	}
	q := &Query{InitContainers: true, EphemeralContainers: true}
	read := func(p *corev1.Pod) reading {
		r := reading{Summary: Summarize(p), Fields: podFields(p).String(), Targets: q.targetsOf(p),
			States: map[string]containerState{}, Spec: map[string]bool{}, Restart: map[string]bool{}}
		for _, c := range []struct {
			kind ContainerKind
			name string
		}{{Init, "migrate"}, {Init, "proxy"}, {Regular, "app"}, {Regular, "sidecar"}, {Ephemeral, "debugger"}, {Regular, "gone"}} {
			k := c.kind.String() + "/" + c.name
			r.States[k] = stateOf(p, c.kind, c.name)
			r.Spec[k] = specHas(p, c.kind, c.name)
			r.Restart[k+" exit 0"] = willRestart(p, c.kind, c.name, 0)
			r.Restart[k+" exit 2"] = willRestart(p, c.kind, c.name, 2)
		}
		return r
	}
	want := read(full)
	slim, _ := slimPod(full.DeepCopy())
	sp := slim.(*corev1.Pod)
	if got := read(sp); !reflect.DeepEqual(got, want) {
		t.Fatalf("slimmed pod reads differently:\n got %+v\nwant %+v", got, want)
	}
	if sp.ManagedFields != nil || sp.Spec.Volumes != nil || sp.Spec.Containers[0].Image != "" || sp.Status.Conditions != nil {
		t.Errorf("slimPod kept what tailui does not read: %+v", sp)
	}
	again, _ := slimPod(sp.DeepCopy())
	if !reflect.DeepEqual(again, sp) {
		t.Errorf("slimPod is not idempotent")
	}
	if o, _ := slimPod(cache.DeletedFinalStateUnknown{Key: "shop/x"}); o != (cache.DeletedFinalStateUnknown{Key: "shop/x"}) {
		t.Errorf("slimPod changed an object that is not a pod: %#v", o)
	}
}
