package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/ui"
)

// Open picks what to run by the ref's Kind, never by the text of its title.
func TestCatalogOpenByKind(t *testing.T) {
	cl := &kube.Cluster{Client: &kube.Client{Namespace: "ns"}}
	q := kube.Query{Namespaces: []string{"shop"}, PodName: regexp.MustCompile("^web-")}
	c := &catalog{ctx: context.Background(), clusters: []*kube.Cluster{cl}, flags: &rootFlags{}, query: q}

	srcs, err := c.Open(ui.Selection{Workloads: []ui.WorkloadRef{ui.QueryRef("", "shop", "^web-")}})
	if err != nil || len(srcs) != 1 {
		t.Fatalf("Open(QueryRef) = %v, %v", srcs, err)
	}
	if f, ok := srcs[0].(*kube.Follower); !ok || f.Query.PodName != q.PodName || !f.RetryStart {
		t.Errorf("QueryRef opened %#v, want a Follower of the command line's query", srcs[0])
	}

	srcs, err = c.Open(ui.Selection{Workloads: []ui.WorkloadRef{{Namespace: "shop", Workload: "Deployment/web"}}})
	if err != nil || len(srcs) != 1 {
		t.Fatalf("Open(Deployment/web) = %v, %v", srcs, err)
	}
	if f, ok := srcs[0].(*kube.Follower); !ok || f.Query.Workload != "deployment/web" {
		t.Errorf("Deployment/web opened %#v", srcs[0])
	}

	// A title that looks like a query's is only a title: a workload kind tailui
	// does not know.
	if _, err := c.Open(ui.Selection{Workloads: []ui.WorkloadRef{{Namespace: "shop", Workload: ui.QueryTitle + "x"}}}); err == nil ||
		!strings.Contains(err.Error(), "not a workload tailui knows") {
		t.Errorf("a workload titled Query/x: error %v", err)
	}

	srcs, err = c.Open(ui.Selection{Pods: []ui.PodRef{{Namespace: "shop", Name: "web-1", Containers: []string{"init:migrate"}}}})
	if err != nil || len(srcs) != 1 {
		t.Fatalf("Open(pod) = %v, %v", srcs, err)
	}
	if f, ok := srcs[0].(*kube.Follower); !ok || f.Query.FieldSelector != "metadata.name=web-1" || f.Query.Container.String() != "^(migrate)$" {
		t.Errorf("pod web-1 opened %#v", srcs[0])
	}
}

// TestTaggedFollowerHearsOnScreen: with several clusters a pane's Follower is
// tagged with its context, and the tag still passes on whether the pane is on
// screen (streams on screen open first).
func TestTaggedFollowerHearsOnScreen(t *testing.T) {
	c := &catalog{clusters: []*kube.Cluster{{Context: "a"}, {Context: "b"}}}
	f := &kube.Follower{}
	src, ok := c.tag(c.clusters[1], f).(ui.OnScreenSource)
	if !ok {
		t.Fatalf("a tagged Follower is not a ui.OnScreenSource")
	}
	src.SetOnScreen(false)
	if f.OnScreen() {
		t.Errorf("SetOnScreen(false) did not reach the Follower")
	}
	src.SetOnScreen(true)
	if !f.OnScreen() {
		t.Errorf("SetOnScreen(true) did not reach the Follower")
	}
}
