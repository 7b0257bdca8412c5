package ui

import (
	"slices"
	"testing"
)

// TestGroupRows checks the pods list's grouping: pods sorted by cluster,
// namespace, workload (bare pods last) and name; one row per namespace of each
// cluster and per workload; containers only under expanded pods; the filter
// keeps the groups of the pods it matches and nothing else.
func TestGroupRows(t *testing.T) {
	pods := sortPods([]PodInfo{
		{Namespace: "shop", Name: "solo"},
		{Namespace: "shop", Name: "web-b", Workload: "Deployment/web", Containers: []string{"app", "sidecar"}},
		{Namespace: "shop", Name: "web-a", Workload: "Deployment/web"},
		{Namespace: "shop", Name: "db-0", Workload: "StatefulSet/db"},
		{Context: "b", Namespace: "shop", Name: "web-c", Workload: "Deployment/web"},
		{Namespace: "auth", Name: "idp-0", Workload: "StatefulSet/idp"},
	})
	var names []string
	for _, p := range pods {
		names = append(names, p.Context+"/"+p.Name)
	}
	if want := []string{"/idp-0", "/web-a", "/web-b", "/db-0", "/solo", "b/web-c"}; !slices.Equal(names, want) {
		t.Fatalf("order = %q, want %q", names, want)
	}

	show := func(rows []panelRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.key(pods))
		}
		return out
	}
	web := pods[1].Key()
	rows := groupRows(nil, pods, nil, map[string]bool{pods[2].Key(): true})
	want := []string{
		"ns:auth", "wl:auth/StatefulSet/idp", "pod:auth/idp-0",
		"ns:shop", "wl:shop/Deployment/web", "pod:" + web, "pod:shop/web-b", "ctr:shop/web-b/app", "ctr:shop/web-b/sidecar",
		"wl:shop/StatefulSet/db", "pod:shop/db-0", "pod:shop/solo",
		"ns:b\x1fshop", "wl:b\x1fshop/Deployment/web", "pod:b\x1fshop/web-c",
	}
	if got := show(rows); !slices.Equal(got, want) {
		t.Fatalf("rows =\n%q\nwant\n%q", got, want)
	}

	rows = groupRows(rows[:0], pods, []string{"web"}, nil)
	want = []string{
		"ns:shop", "wl:shop/Deployment/web", "pod:shop/web-a", "pod:shop/web-b",
		"ns:b\x1fshop", "wl:b\x1fshop/Deployment/web", "pod:b\x1fshop/web-c",
	}
	if got := show(rows); !slices.Equal(got, want) {
		t.Fatalf("filtered rows =\n%q\nwant\n%q", got, want)
	}
}
