package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/tailui/tailui/stream"
)

func TestPanelGroupsByCluster(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	run := func(ctx, name string) PodInfo {
		return PodInfo{Context: ctx, Namespace: "shop", Name: name, Workload: "Deployment/web", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"app"}}
	}
	send(m, podsMsg{pods: []PodInfo{run("west", "web-b"), run("east", "web-a"), run("west", "web-c")}})
	sp := m.panel

	var got []string
	for i, r := range sp.rows {
		switch r.kind {
		case rowNamespace:
			got = append(got, "ns:"+strings.TrimSpace(strings.Split(ansi.Strip(sp.rowView(i)), "  ")[0]))
		case rowWorkload:
			got = append(got, "wl")
		case rowPod:
			got = append(got, sp.pods[r.pod].Context+"/"+sp.pods[r.pod].Name)
		}
	}
	want := "ns:[east] shop wl east/web-a ns:[west] shop wl west/web-b west/web-c"
	if strings.Join(got, " ") != want {
		t.Fatalf("rows %q, want %q", strings.Join(got, " "), want)
	}

	// The west workload row opens west's web, titled with the cluster.
	for i, r := range sp.rows {
		if r.kind == rowWorkload && strings.HasPrefix(r.ns, "west") {
			sp.cursor = i
		}
	}
	items := sp.items()
	if len(items) != 1 || items[0].title != "[west] Deployment/web" {
		t.Fatalf("items %+v, want west's workload", items)
	}
	if w := items[0].sel.Workloads; len(w) != 1 || w[0] != (WorkloadRef{Context: "west", Namespace: "shop", Workload: "Deployment/web"}) {
		t.Fatalf("workload ref %+v", w)
	}

	// Same-named pods of two clusters are two pods: selecting one leaves the other.
	send(m, podsMsg{pods: []PodInfo{run("west", "web-a"), run("east", "web-a")}})
	for i, r := range sp.rows {
		if r.kind == rowPod && sp.pods[r.pod].Context == "east" {
			sp.toggle(i)
		}
	}
	items = sp.items()
	if len(items) != 1 || items[0].sel.Pods[0].Context != "east" || items[0].title != "[east] web-a" {
		t.Fatalf("items %+v, want east's web-a only", items)
	}
}

func TestInitialPanesNameTheCluster(t *testing.T) {
	req := initialRequest(Selection{Workloads: []WorkloadRef{
		QueryRef("east", "shop", "deploy/web"),
		QueryRef("west", "shop", "deploy/web"),
	}}, true)
	if strings.Join(req.titles, "|") != "[east] Query/deploy/web|[west] Query/deploy/web" {
		t.Fatalf("titles %q", req.titles)
	}
	one := initialRequest(Selection{Pods: []PodRef{{Namespace: "shop", Name: "web-a"}}}, false)
	if one.titles[0] != "web-a" {
		t.Fatalf("one cluster: title %q, want no cluster", one.titles[0])
	}
}

func TestMergedPaneTagsTheCluster(t *testing.T) {
	names := func(p *pane) []string {
		var out []string
		for _, o := range p.origins {
			out = append(out, p.tags[o])
		}
		return out
	}
	p := &pane{width: 200}
	east := &stream.Origin{ID: "shop/web-a/app", Name: "web-7d9f-x2kq4/app", Context: "east"}
	west := &stream.Origin{ID: "shop/web-b/app", Name: "web-5b8c-q7r2m/app", Context: "west"}
	p.origins = []*stream.Origin{east}
	p.computeTagWidth()
	if got := names(p); got[0] != "web-7d9f-x2kq4/app" {
		t.Fatalf("one cluster: tag %q, want no cluster", got[0])
	}
	p.origins = []*stream.Origin{east, west}
	p.computeTagWidth()
	if got := strings.Join(names(p), "|"); got != "[east] 7d9f-x2kq4|[west] 5b8c-q7r2m" {
		t.Fatalf("two clusters in one pane: tags %q", got)
	}
}
