package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/ui"
)

// queryWorkload is the Workload kind under which the command line's own query is
// handed to the UI: Open turns it back into a Follower with every selection flag.
const queryWorkload = "Query/"

// catalog adapts package kube to the UI's Catalog: ui never sees client-go, kube
// never sees ui.
type catalog struct {
	ctx    context.Context
	client *kube.Client
	flags  *rootFlags
	query  kube.Query // the command line's query and flags
	log    kube.LogOptions
}

var _ ui.Catalog = (*catalog)(nil)

// WatchPods implements ui.Catalog: the pods of the namespaces the flags name.
func (c *catalog) WatchPods(ctx context.Context) (<-chan []ui.PodInfo, error) {
	in, err := c.client.WatchPodSummaries(ctx, c.query.Namespaces, c.query.AllNamespaces, 250*time.Millisecond)
	if err != nil {
		return nil, err
	}
	out := make(chan []ui.PodInfo, 1)
	go func() {
		defer close(out)
		for snap := range in {
			infos := make([]ui.PodInfo, len(snap))
			for i, s := range snap {
				infos[i] = ui.PodInfo(s)
			}
			select {
			case out <- infos:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Open implements ui.Catalog: one Follower per pod or workload, one tail per query.
func (c *catalog) Open(sel ui.Selection) ([]stream.Source, error) {
	log := c.log
	log.Follow = true
	var out []stream.Source
	for _, p := range sel.Pods {
		q := kube.Query{Namespaces: []string{p.Namespace}, FieldSelector: "metadata.name=" + p.Name,
			InitContainers: true, EphemeralContainers: true}
		if len(p.Containers) > 0 {
			names := make([]string, len(p.Containers))
			for i, n := range p.Containers {
				_, bare, ok := strings.Cut(n, ":")
				if !ok {
					bare = n
				}
				names[i] = regexp.QuoteMeta(bare)
			}
			q.Container = regexp.MustCompile("^(" + strings.Join(names, "|") + ")$")
		}
		out = append(out, &kube.Follower{Client: c.client, Query: q, Log: log, MaxStreams: c.flags.maxStreams, RetryStart: true})
	}
	for _, w := range sel.Workloads {
		if node, ok := strings.CutPrefix(w.Workload, nodeWorkload); ok { // nodelog_cli.go
			src, err := c.flags.nodeLogs(c.client, node, log)
			if err != nil {
				return nil, err
			}
			out = append(out, src)
			continue
		}
		if strings.HasPrefix(w.Workload, queryWorkload) {
			q := c.query // already holds the parsed QUERY and every selection flag
			out = append(out, &kube.Follower{Client: c.client, Query: q, Log: c.log, MaxStreams: c.flags.maxStreams, RetryStart: true})
			continue
		}
		kind, name, _ := strings.Cut(w.Workload, "/")
		q := kube.Query{Namespaces: []string{w.Namespace}, InitContainers: true, EphemeralContainers: true}
		if err := kube.ParseQuery(strings.ToLower(kind)+"/"+name, &q); err != nil || q.Workload == "" {
			return nil, fmt.Errorf("cannot follow %s: not a workload tailui knows", w.Workload)
		}
		out = append(out, &kube.Follower{Client: c.client, Query: q, Log: log, MaxStreams: c.flags.maxStreams, RetryStart: true})
	}
	for _, lq := range sel.LokiQueries {
		l := c.flags.loki
		l.query = lq
		src, err := l.source(c.ctx, c.client, log)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// Loki implements ui.Catalog: Loki found the way --loki-via says (auto: the
// gateway, then port-forward, then polling), for the Loki section's label browser.
func (c *catalog) Loki() (ui.LokiCatalog, error) {
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	l, err := c.flags.loki.open(ctx, c.client, 0)
	if err != nil {
		return nil, err
	}
	return l, nil
}
