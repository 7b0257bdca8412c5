package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestQueryForPod(t *testing.T) {
	q := QueryForPod("shop", "web-1", nil)
	if len(q.Namespaces) != 1 || q.Namespaces[0] != "shop" || q.FieldSelector != "metadata.name=web-1" ||
		q.Container != nil || !q.InitContainers || !q.EphemeralContainers {
		t.Errorf("QueryForPod(shop, web-1, nil) = %+v", q)
	}

	// The names the sources panel has come from Summarize: prefixes and all.
	p := runningPod("shop", "web-1", "app", "app2", "side.car")
	p.Spec.InitContainers = []corev1.Container{{Name: "migrate"}}
	p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "x"}}}
	names := Summarize(p).Containers
	if len(names) != 5 || names[0] != "init:migrate" || names[4] != "debug:x" {
		t.Fatalf("Summarize's containers %q", names)
	}
	q = QueryForPod("shop", "web-1", []string{"init:migrate", "app", "side.car", "debug:x"})
	for _, tt := range []struct {
		kind ContainerKind
		name string
		want bool
	}{
		{Init, "migrate", true},
		{Regular, "app", true},
		{Regular, "app2", false}, // names are whole, not prefixes
		{Regular, "side.car", true},
		{Regular, "sideXcar", false}, // a dot is a dot
		{Ephemeral, "x", true},
		{Regular, "migrate2", false},
	} {
		if got := q.containerMatches(tt.kind, tt.name); got != tt.want {
			t.Errorf("container %s: matched %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestQueryForWorkload(t *testing.T) {
	for _, tt := range []struct {
		workload, want, err string
	}{
		{"Deployment/web", "deployment/web", ""},
		{"StatefulSet/db", "statefulset/db", ""},
		{"DaemonSet/agent", "daemonset/agent", ""},
		{"ReplicaSet/web-7c9d", "replicaset/web-7c9d", ""},
		{"Job/migrate", "job/migrate", ""},
		{"Node/n1", "", "cannot follow Node/n1: not a workload tailui knows"}, // a mirror pod's owner
		{"Deployment/", "", "cannot follow Deployment/: not a workload tailui knows"},
		{"web", "", "cannot follow web: not a workload tailui knows"},
	} {
		q, err := QueryForWorkload("shop", tt.workload)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: error %v, want %q", tt.workload, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.workload, err)
		case q.Workload != tt.want || len(q.Namespaces) != 1 || q.Namespaces[0] != "shop" || !q.InitContainers || !q.EphemeralContainers:
			t.Errorf("%s: query %+v, want workload %s in shop with every kind of container", tt.workload, q, tt.want)
		}
	}
}
