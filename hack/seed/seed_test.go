package main

import (
	"context"
	"fmt"
	"sort"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// fakeCluster is a fake clientset that, like an API server, gives created objects a UID.
func fakeCluster() *fake.Clientset {
	c := fake.NewClientset(&v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}})
	n := 0
	c.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj := a.(k8stesting.CreateAction).GetObject().(metav1.Object)
		if obj.GetUID() == "" {
			n++
			obj.SetUID(types.UID(fmt.Sprintf("uid-%d", n)))
		}
		return false, nil, nil
	})
	return c
}

func testOptions() options {
	return options{node: "testbed-node", lokiIP: "10.213.77.10", lokiPort: 3100, gatewayIP: "10.213.77.11", gatewayPort: 8080}
}

func TestSeedBuildsOwnedWorkloads(t *testing.T) {
	ctx := context.Background()
	client := fakeCluster()
	s := &seeder{client: client, o: testOptions()}
	if err := s.seed(ctx); err != nil {
		t.Fatal(err)
	}
	byNS := map[string][]string{}
	for _, p := range s.pods {
		byNS[p.Namespace] = append(byNS[p.Namespace], p.Name)
		if p.Spec.NodeName != "testbed-node" {
			t.Errorf("pod %s on node %q", podKey(p), p.Spec.NodeName)
		}
	}
	for ns, want := range map[string]int{"shop": 5, "payments": 3, "kube-system": 1, "monitoring": 3, "logs-test": 7} {
		if len(byNS[ns]) != want {
			t.Errorf("%s has %d pods %v, want %d", ns, len(byNS[ns]), byNS[ns], want)
		}
	}
	sort.Strings(byNS["logs-test"])
	if fmt.Sprint(byNS["logs-test"]) != "[bulk cut fast hostile multi restarter waiting]" {
		t.Errorf("logs-test pods: %v", byNS["logs-test"])
	}

	// Every owned pod points at an object that exists, by its real UID.
	uidOf := func(kind, ns, name string) types.UID {
		var obj metav1.Object
		var err error
		switch kind {
		case "ReplicaSet":
			obj, err = client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		case "StatefulSet":
			obj, err = client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		case "DaemonSet":
			obj, err = client.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		case "Job":
			obj, err = client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		case "Deployment":
			obj, err = client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		default:
			t.Fatalf("unexpected owner kind %s", kind)
		}
		if err != nil {
			t.Fatalf("%s %s/%s: %v", kind, ns, name, err)
		}
		return obj.GetUID()
	}
	for _, p := range s.pods {
		if p.Namespace == "logs-test" {
			continue
		}
		if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Controller == nil || !*p.OwnerReferences[0].Controller {
			t.Fatalf("pod %s owners %+v", podKey(p), p.OwnerReferences)
		}
		o := p.OwnerReferences[0]
		if uid := uidOf(o.Kind, p.Namespace, o.Name); uid == "" || uid != o.UID {
			t.Errorf("pod %s owner %s/%s UID %s, stored %s", podKey(p), o.Kind, o.Name, o.UID, uid)
		}
		if o.Kind == "ReplicaSet" {
			rs, _ := client.AppsV1().ReplicaSets(p.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
			ro := rs.OwnerReferences[0]
			if ro.Kind != "Deployment" || uidOf("Deployment", p.Namespace, ro.Name) != ro.UID {
				t.Errorf("replicaset %s owner %+v", rs.Name, ro)
			}
		}
	}

	// Loki's Endpoints point at loki-0 by UID, with the Service's port name.
	ep, err := client.CoreV1().Endpoints("monitoring").Get(ctx, "loki", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loki, _ := client.CoreV1().Pods("monitoring").Get(ctx, "loki-0", metav1.GetOptions{})
	addr := ep.Subsets[0].Addresses[0]
	if addr.IP != "10.213.77.10" || addr.TargetRef.UID != loki.UID || ep.Subsets[0].Ports[0].Name != "http-metrics" {
		t.Errorf("loki endpoints %+v", ep.Subsets)
	}
	if loki.Annotations[testbedspec.AnnotationPodIP] != "10.213.77.10" || loki.Labels["app.kubernetes.io/component"] != "single-binary" {
		t.Errorf("loki-0 meta %v %v", loki.Labels, loki.Annotations)
	}

	// A second run changes nothing and fails on nothing.
	first := map[string]types.UID{}
	for _, p := range s.pods {
		first[podKey(p)] = p.UID
	}
	again := &seeder{client: client, o: testOptions()}
	if err := again.seed(ctx); err != nil {
		t.Fatalf("second run: %v", err)
	}
	for _, p := range again.pods {
		if first[podKey(p)] != p.UID {
			t.Errorf("pod %s replaced on the second run", podKey(p))
		}
	}
}

func TestNotStarted(t *testing.T) {
	spec := v1.PodSpec{Containers: []v1.Container{{Name: "app"}}}
	running := v1.ContainerStatus{Name: "app", State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
	waiting := v1.ContainerStatus{Name: "app", State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	tests := []struct {
		name    string
		status  v1.PodStatus
		started bool
	}{
		{"no status", v1.PodStatus{Phase: v1.PodPending}, false},
		{"running", v1.PodStatus{Phase: v1.PodRunning, ContainerStatuses: []v1.ContainerStatus{running}}, true},
		{"succeeded", v1.PodStatus{Phase: v1.PodSucceeded, ContainerStatuses: []v1.ContainerStatus{running}}, true},
		{"scripted to wait", v1.PodStatus{Phase: v1.PodPending, ContainerStatuses: []v1.ContainerStatus{waiting}}, true},
		{"failed", v1.PodStatus{Phase: v1.PodFailed, ContainerStatuses: []v1.ContainerStatus{running}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why := notStarted(&v1.Pod{Spec: spec, Status: tt.status})
			if (why == "") != tt.started {
				t.Fatalf("notStarted = %q", why)
			}
		})
	}
}

func TestGeneratedNames(t *testing.T) {
	if templateHash("shop", "web", "x") != templateHash("shop", "web", "x") || suffix("a", "0") != suffix("a", "0") {
		t.Fatal("names are not stable")
	}
	for _, s := range []string{templateHash("shop", "web", "x"), suffix("web-1", "0")} {
		for _, c := range s {
			if !containsRune(safeAlphabet, c) {
				t.Fatalf("%q has %q outside the safe alphabet", s, c)
			}
		}
	}
	if len(suffix("x")) != 5 {
		t.Fatal("suffix is not 5 characters")
	}
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
