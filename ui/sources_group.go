package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// rowKind is the kind of a row in the pods list.
type rowKind int

const (
	rowNamespace rowKind = iota
	rowWorkload
	rowPod
	rowContainer
)

// panelRow is one row of the pods list.
type panelRow struct {
	kind      rowKind
	ns        string
	workload  string // "Kind/name", "" for bare pods
	pod       int    // index in sourcesPanel.pods, for pods and containers
	container string
}

// key returns the selection key of a row.
func (r panelRow) key(pods []PodInfo) string {
	switch r.kind {
	case rowNamespace:
		return "ns:" + r.ns
	case rowWorkload:
		return "wl:" + r.ns + "/" + r.workload
	case rowPod:
		return "pod:" + pods[r.pod].Key()
	}
	return "ctr:" + pods[r.pod].Key() + "/" + r.container
}

// fuzzyTerm reports whether term matches one of the parts: as a substring of
// any, or as a subsequence within one (so "wbp" finds "web-p7x", but letters
// are never collected across namespace, workload and pod name).
func fuzzyTerm(term string, parts ...string) bool {
	for _, p := range parts {
		if strings.Contains(p, term) {
			return true
		}
	}
	for _, p := range parts {
		i := 0
		for _, r := range p {
			if i < len(term) {
				tr, n := utf8.DecodeRuneInString(term[i:])
				if r == tr {
					i += n
				}
			}
		}
		if i == len(term) {
			return true
		}
	}
	return false
}

// podMatches reports whether pod matches every term of the filter.
func podMatches(p *PodInfo, terms []string) bool {
	ns, wl, name := strings.ToLower(p.Namespace), strings.ToLower(p.Workload), strings.ToLower(p.Name)
	full := ns + "/" + wl + "/" + name
	cl := strings.ToLower(p.Context)
	if cl != "" {
		full = cl + "/" + full
	}
	for _, t := range terms {
		if !strings.Contains(full, t) && !fuzzyTerm(t, cl, ns, wl, name) {
			return false
		}
	}
	return true
}

// openMode is how a selection is spread over panes.
type openMode int

const (
	openMerged      openMode = iota // everything in one pane
	openPerPod                      // one pane per pod, workload or query
	openPerWorkload                 // one pane per workload; bare pods one each
)

// item is one selected thing: a workload, or a pod with some containers.
type item struct {
	title string
	group string // workload key for openPerWorkload
	sel   Selection
}

// groupItems spreads items over panes.
func groupItems(items []item, mode openMode) openRequest {
	var req openRequest
	switch mode {
	case openPerPod:
		for _, it := range items {
			req.sels = append(req.sels, it.sel)
			req.titles = append(req.titles, it.title)
		}
	case openPerWorkload:
		idx := map[string]int{}
		var groups [][]item
		for _, it := range items {
			i, ok := idx[it.group]
			if !ok {
				i = len(groups)
				idx[it.group] = i
				groups = append(groups, nil)
			}
			groups[i] = append(groups[i], it)
		}
		for _, g := range groups {
			sel, title := mergeItems(g)
			if len(g) > 1 && g[0].sel.Workloads == nil {
				if _, wl, ok := strings.Cut(g[0].group, "/"); ok && wl != "" {
					title = wl + fmt.Sprintf(" (%d pods)", len(g))
				}
			}
			req.sels = append(req.sels, sel)
			req.titles = append(req.titles, title)
		}
	default:
		sel, title := mergeItems(items)
		req.sels = []Selection{sel}
		req.titles = []string{title}
	}
	return req
}

// mergeItems merges items into one Selection with a short title.
func mergeItems(items []item) (Selection, string) {
	var sel Selection
	var names []string
	for _, it := range items {
		sel.Pods = append(sel.Pods, it.sel.Pods...)
		sel.Workloads = append(sel.Workloads, it.sel.Workloads...)
		sel.LokiQueries = append(sel.LokiQueries, it.sel.LokiQueries...)
		names = append(names, it.title)
	}
	sel.Merged = len(items) > 1
	title := strings.Join(names, ", ")
	if len(names) > 2 {
		title = names[0] + ", " + names[1] + fmt.Sprintf(" +%d", len(names)-2)
	}
	return sel, title
}

// sortPods returns a cleaned copy of pods in the panel's order: by cluster,
// namespace, workload (bare pods last) and name.
func sortPods(pods []PodInfo) []PodInfo {
	pods = slices.Clone(pods)
	for i := range pods {
		pods[i].Namespace = clean(pods[i].Namespace)
		pods[i].Context = clean(pods[i].Context)
		pods[i].Name = clean(pods[i].Name)
		pods[i].Workload = clean(pods[i].Workload)
		pods[i].Reason = clean(pods[i].Reason)
		pods[i].Phase = clean(pods[i].Phase)
		cs := make([]string, len(pods[i].Containers))
		for j, c := range pods[i].Containers {
			cs[j] = clean(c)
		}
		pods[i].Containers = cs
	}
	sort.SliceStable(pods, func(a, b int) bool {
		pa, pb := pods[a], pods[b]
		if pa.Context != pb.Context { // grouped by cluster first
			return pa.Context < pb.Context
		}
		if pa.Namespace != pb.Namespace {
			return pa.Namespace < pb.Namespace
		}
		if (pa.Workload == "") != (pb.Workload == "") {
			return pa.Workload != ""
		}
		if pa.Workload != pb.Workload {
			return pa.Workload < pb.Workload
		}
		return pa.Name < pb.Name
	})
	return pods
}

// groupRows appends to rows the list's rows for pods (sorted by sortPods): a
// row per namespace of each cluster, per workload, per pod matching every term,
// and per container of the pods expanded.
func groupRows(rows []panelRow, pods []PodInfo, terms []string, expanded map[string]bool) []panelRow {
	lastNS, lastWL := "\x00", "\x00"
	for i := range pods {
		p := &pods[i]
		if !podMatches(p, terms) {
			continue
		}
		ns := nsKey(p.Context, p.Namespace) // a namespace of each cluster is a group of its own
		if ns != lastNS {
			rows = append(rows, panelRow{kind: rowNamespace, ns: ns})
			lastNS, lastWL = ns, "\x00"
		}
		if p.Workload != lastWL {
			if p.Workload != "" {
				rows = append(rows, panelRow{kind: rowWorkload, ns: ns, workload: p.Workload})
			}
			lastWL = p.Workload
		}
		rows = append(rows, panelRow{kind: rowPod, ns: ns, workload: p.Workload, pod: i})
		if expanded[p.Key()] {
			for _, c := range p.Containers {
				rows = append(rows, panelRow{kind: rowContainer, ns: ns, workload: p.Workload, pod: i, container: c})
			}
		}
	}
	return rows
}

// items returns what is selected, or the row under the cursor when nothing
// is.
func (sp *sourcesPanel) items() []item {
	var out []item
	byPod := map[string]int{}
	addPod := func(p *PodInfo, container string) {
		if i, ok := byPod[p.Key()]; ok {
			if container != "" && len(out[i].sel.Pods[0].Containers) > 0 {
				out[i].sel.Pods[0].Containers = append(out[i].sel.Pods[0].Containers, container)
				out[i].title = clusterTitle(p.Context, p.Name+" ["+strings.Join(out[i].sel.Pods[0].Containers, ",")+"]")
			} else if container == "" {
				out[i].sel.Pods[0].Containers = nil
				out[i].title = clusterTitle(p.Context, p.Name)
			}
			return
		}
		ref := PodRef{Context: p.Context, Namespace: p.Namespace, Name: p.Name}
		title := p.Name
		if container != "" {
			ref.Containers = []string{container}
			title += " [" + container + "]"
		}
		title = clusterTitle(p.Context, title)
		group := nsKey(p.Context, p.Namespace) + "/" + p.Workload
		if p.Workload == "" {
			group = "pod:" + p.Key()
		}
		byPod[p.Key()] = len(out)
		out = append(out, item{title: title, group: group, sel: Selection{Pods: []PodRef{ref}}})
	}
	addWorkload := func(key, wl string) { // key: the namespace's nsKey
		cl, ns := splitNSKey(key)
		out = append(out, item{title: clusterTitle(cl, wl), group: key + "/" + wl,
			sel: Selection{Workloads: []WorkloadRef{{Context: cl, Namespace: ns, Workload: wl}}}})
	}
	if len(sp.selected) == 0 {
		r, ok := sp.row(sp.cursor)
		if !ok {
			return nil
		}
		switch r.kind {
		case rowNamespace:
			for _, c := range sp.rows {
				if c.ns == r.ns && c.kind == rowWorkload {
					addWorkload(c.ns, c.workload)
				}
				if c.ns == r.ns && c.kind == rowPod && c.workload == "" {
					addPod(&sp.pods[c.pod], "")
				}
			}
		case rowWorkload:
			addWorkload(r.ns, r.workload)
		case rowPod:
			addPod(&sp.pods[r.pod], "")
		case rowContainer:
			addPod(&sp.pods[r.pod], r.container)
		}
		return out
	}
	// Selected workloads first, then pods not covered by them.
	wls := map[string]bool{}
	for i := range sp.pods {
		p := &sp.pods[i]
		k := "wl:" + nsKey(p.Context, p.Namespace) + "/" + p.Workload
		if p.Workload != "" && sp.selected[k] && !wls[k] {
			wls[k] = true
			addWorkload(nsKey(p.Context, p.Namespace), p.Workload)
		}
	}
	for i := range sp.pods {
		p := &sp.pods[i]
		if wls["wl:"+nsKey(p.Context, p.Namespace)+"/"+p.Workload] {
			continue
		}
		if sp.selected["pod:"+p.Key()] {
			addPod(p, "")
			continue
		}
		for _, c := range p.Containers {
			if sp.selected["ctr:"+p.Key()+"/"+c] {
				addPod(p, c)
			}
		}
	}
	return out
}
