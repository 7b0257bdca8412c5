package kube

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestSummarize(t *testing.T) {
	owner := func(kind, name string, controller bool) metav1.OwnerReference {
		c := controller
		return metav1.OwnerReference{Kind: kind, Name: name, Controller: &c}
	}
	waiting := func(name, reason string, restarts int32, ready bool) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, RestartCount: restarts, Ready: ready,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
	}
	terminated := func(name, reason string) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason}}}
	}
	running := func(name string, restarts int32, ready bool) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, RestartCount: restarts, Ready: ready,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	}
	cases := []struct {
		name string
		pod  corev1.Pod
		want PodSummary
	}{
		{
			name: "deployment pod",
			pod: corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-7c9d8f6b5-x2x", Labels: map[string]string{"pod-template-hash": "7c9d8f6b5"},
					OwnerReferences: []metav1.OwnerReference{owner("ReplicaSet", "web-7c9d8f6b5", true)}},
				Spec: corev1.PodSpec{
					InitContainers:      []corev1.Container{{Name: "setup"}},
					Containers:          []corev1.Container{{Name: "app"}, {Name: "proxy"}},
					EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "dbg"}}},
				},
				Status: corev1.PodStatus{Phase: corev1.PodRunning,
					InitContainerStatuses: []corev1.ContainerStatus{terminated("setup", "Completed")},
					ContainerStatuses:     []corev1.ContainerStatus{running("app", 2, true), running("proxy", 1, false)}},
			},
			want: PodSummary{Namespace: "shop", Name: "web-7c9d8f6b5-x2x", Workload: "Deployment/web", Phase: "Running",
				Ready: 1, Total: 2, Restarts: 3, Containers: []string{"init:setup", "app", "proxy", "debug:dbg"}},
		},
		{
			name: "replica set without the hash label stays a replica set",
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "rs-abc", OwnerReferences: []metav1.OwnerReference{
				owner("Node", "n1", false), owner("ReplicaSet", "rs", true)}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}},
			want: PodSummary{Name: "rs-abc", Workload: "ReplicaSet/rs", Phase: "Pending", Total: 1, Containers: []string{"app"}},
		},
		{
			name: "crash loop",
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-0", OwnerReferences: []metav1.OwnerReference{owner("StatefulSet", "db", true)}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db"}, {Name: "exporter"}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
					terminated("exporter", "Error"), waiting("db", "CrashLoopBackOff", 7, false)}}},
			want: PodSummary{Name: "db-0", Workload: "StatefulSet/db", Phase: "Running", Total: 2, Restarts: 7,
				Reason: "CrashLoopBackOff", Containers: []string{"db", "exporter"}},
		},
		{
			name: "evicted and being deleted",
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "job-x", DeletionTimestamp: &metav1.Time{},
				OwnerReferences: []metav1.OwnerReference{owner("Job", "report", true)}},
				Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "main"}}},
				Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", ContainerStatuses: []corev1.ContainerStatus{terminated("main", "Completed")}}},
			want: PodSummary{Name: "job-x", Workload: "Job/report", Phase: "Failed", Total: 1, Reason: "Evicted", Deleted: true, Containers: []string{"main"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summarize(&tc.pod); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Summarize:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestWatchPodSummaries(t *testing.T) {
	noWatchList(t)
	cs := fake.NewClientset(
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "web-2"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web-1"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "c", Name: "elsewhere"}},
	)
	c := &Client{Clientset: cs, Namespace: "a"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	snaps, err := c.WatchPodSummaries(ctx, []string{"a", "b"}, false, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// next returns the names in the first snapshot that satisfies want.
	next := func(what string, want func([]string) bool) []string {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case s, ok := <-snaps:
				if !ok {
					t.Fatalf("%s: channel closed", what)
				}
				var names []string
				for _, p := range s {
					names = append(names, p.Namespace+"/"+p.Name)
				}
				if want(names) {
					return names
				}
			case <-deadline:
				t.Fatalf("%s: never", what)
			}
		}
	}
	eq := func(w ...string) func([]string) bool { return func(n []string) bool { return slices.Equal(n, w) } }
	next("both pods, sorted", eq("a/web-1", "b/web-2"))
	if _, err := cs.CoreV1().Pods("a").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "api-1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	next("a new pod", eq("a/api-1", "a/web-1", "b/web-2"))
	if err := cs.CoreV1().Pods("b").Delete(ctx, "web-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	next("a deleted pod gone", eq("a/api-1", "a/web-1"))
	cancel()
	for range snaps { // the channel closes when ctx ends
	}

	// A namespace the user may not list fails at once.
	cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "",
			errString(`User "nobody" cannot list resource "pods" in API group "" in the namespace "a"`))
	})
	if _, err := c.WatchPodSummaries(context.Background(), nil, false, time.Millisecond); err == nil || !strings.Contains(err.Error(), `user "nobody" cannot list pods in namespace "a"`) {
		t.Errorf("WatchPodSummaries without rights: %v", err)
	}
}
