package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/ui"
)

// catalog adapts package kube to the UI's Catalog: ui never sees client-go, kube
// never sees ui.
//
// With several clusters (--context more than once) every pod carries its context,
// every source is tagged with it (stream.ContextSource), and a cluster that cannot
// be used fails its own sources only.
type catalog struct {
	ctx      context.Context
	clusters []*kube.Cluster // one, or one per --context
	fill     fills           // each cluster's gap filling (cmd_fill.go)
	flags    *rootFlags
	query    kube.Query // the command line's query and flags
	log      kube.LogOptions
}

var (
	_ ui.Catalog     = (*catalog)(nil)
	_ ui.OlderSource = (*kube.Follower)(nil) // a pane loads older lines through its Followers
)

func (c *catalog) multi() bool { return len(c.clusters) > 1 }

// cluster returns the cluster of a context name ("" is the only cluster).
func (c *catalog) cluster(name string) (*kube.Cluster, error) {
	if !c.multi() {
		return c.clusters[0], c.clusters[0].Err
	}
	for _, cl := range c.clusters {
		if cl.Context == name {
			if cl.Err != nil {
				return cl, fmt.Errorf("[%s] %w", cl.Context, cl.Err)
			}
			return cl, nil
		}
	}
	return nil, fmt.Errorf("context %q is not one of those given with --context", name)
}

// tag wraps src so that its lines carry the cluster's context, with several clusters.
func (c *catalog) tag(cl *kube.Cluster, src stream.Source) stream.Source {
	if !c.multi() {
		return src
	}
	cs := stream.ContextSource{Source: src, Context: cl.Context}
	if f, ok := src.(*kube.Follower); ok {
		return onScreenContext{cs, f}
	}
	return cs
}

// onScreenContext is a cluster's tagged Follower that still hears whether its pane
// is on screen (ui.OnScreenSource): streams on screen open first.
type onScreenContext struct {
	stream.ContextSource
	f *kube.Follower
}

// SetOnScreen implements ui.OnScreenSource.
func (s onScreenContext) SetOnScreen(on bool) { s.f.SetOnScreen(on) }

var (
	_ ui.OnScreenSource = onScreenContext{}
	_ ui.OnScreenSource = (*kube.Follower)(nil)
)

// failedSource is a source that fails at once: a cluster that cannot be used fails
// its pane's source, and the pane says why, while the other clusters' sources run.
type failedSource struct{ err error }

func (f failedSource) Run(context.Context, stream.Sink) error { return f.err }

// WatchPods implements ui.Catalog: the pods of the namespaces the flags name, in
// every cluster. A cluster whose pods cannot be listed is left out, and named in
// the error returned with the others' pods; only when no cluster can be listed is
// there no channel.
func (c *catalog) WatchPods(ctx context.Context) (<-chan []ui.PodInfo, error) {
	var (
		ins   []<-chan []kube.PodSummary
		names []string
		errs  []error
	)
	for _, cl := range c.clusters {
		if cl.Err != nil {
			errs = append(errs, fmt.Errorf("[%s] %w", cl.Context, cl.Err))
			continue
		}
		in, err := cl.Client.WatchPodSummaries(ctx, c.query.Namespaces, c.query.AllNamespaces, 250*time.Millisecond)
		if err != nil {
			if c.multi() {
				err = fmt.Errorf("[%s] %w", cl.Context, err)
			}
			errs = append(errs, err)
			continue
		}
		ins, names = append(ins, in), append(names, cl.Context)
	}
	if len(ins) == 0 {
		return nil, errors.Join(errs...)
	}
	out := make(chan []ui.PodInfo, 1)
	var warn error
	if len(errs) > 0 {
		warn = errors.Join(errs...)
	}
	var (
		mu      sync.Mutex
		snaps   = make([][]kube.PodSummary, len(ins))
		changed = make(chan struct{}, 1)
		wg      sync.WaitGroup
	)
	for i, in := range ins {
		wg.Go(func() {
			for snap := range in {
				mu.Lock()
				snaps[i] = snap
				mu.Unlock()
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	go func() {
		defer close(out)
		for {
			select {
			case <-changed:
			case <-done:
				return
			case <-ctx.Done():
				return
			}
			mu.Lock()
			var infos []ui.PodInfo
			for i, snap := range snaps {
				for _, s := range snap {
					if c.multi() {
						s.Context = names[i]
					}
					infos = append(infos, ui.PodInfo(s)) // the same shape (kube/pods.go)
				}
			}
			mu.Unlock()
			select {
			case out <- infos:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, warn
}

// Open implements ui.Catalog: one Follower per pod or workload, one tail per query.
func (c *catalog) Open(sel ui.Selection) ([]stream.Source, error) {
	log := c.log
	log.Follow = true
	var out []stream.Source
	for _, p := range sel.Pods {
		cl, err := c.cluster(p.Context)
		if err != nil {
			out = append(out, failedSource{err})
			continue
		}
		q := kube.QueryForPod(p.Namespace, p.Name, p.Containers)
		out = append(out, c.tag(cl, &kube.Follower{Client: cl.Client, Query: q, Log: c.fill.log(cl, log), MaxStreams: c.flags.maxStreams, RetryStart: true}))
	}
	for _, w := range sel.Workloads {
		if w.Kind == ui.KindNode { // nodelog_cli.go
			// The node of w's cluster, or of every cluster given when w names none.
			for _, cl := range c.clusters {
				if w.Context != "" && c.multi() && cl.Context != w.Context {
					continue
				}
				if cl.Err != nil {
					out = append(out, failedSource{fmt.Errorf("[%s] %w", cl.Context, cl.Err)})
					continue
				}
				src, err := c.flags.nodeLogs(cl.Client, w.Node, log)
				if err != nil {
					return nil, err
				}
				out = append(out, c.tag(cl, src))
			}
			continue
		}
		cl, err := c.cluster(w.Context)
		if err != nil {
			out = append(out, failedSource{err})
			continue
		}
		if w.Kind == ui.KindQuery {
			q := c.query // already holds the parsed QUERY and every selection flag
			out = append(out, c.tag(cl, &kube.Follower{Client: cl.Client, Query: q, Log: c.fill.log(cl, c.log), MaxStreams: c.flags.maxStreams, RetryStart: true}))
			continue
		}
		q, err := kube.QueryForWorkload(w.Namespace, w.Workload)
		if err != nil {
			return nil, err
		}
		out = append(out, c.tag(cl, &kube.Follower{Client: cl.Client, Query: q, Log: c.fill.log(cl, log), MaxStreams: c.flags.maxStreams, RetryStart: true}))
	}
	for _, lq := range sel.LokiQueries {
		l := c.flags.loki
		l.query = lq
		// A query runs against the Loki of every cluster (each found in its cluster).
		for _, cl := range c.clusters {
			if cl.Err != nil {
				out = append(out, failedSource{fmt.Errorf("[%s] %w", cl.Context, cl.Err)})
				continue
			}
			l := c.fill.loki(cl, l)
			src, err := l.source(c.ctx, cl.Client, log)
			switch {
			case err != nil && !c.multi():
				return nil, err
			case err != nil:
				out = append(out, failedSource{fmt.Errorf("[%s] %w", cl.Context, err)})
			default:
				out = append(out, c.tag(cl, src))
			}
		}
	}
	return out, nil
}

// Loki implements ui.Catalog: Loki found the way --loki-via says (auto: the
// gateway, then port-forward, then polling), for the Loki section's label browser.
func (c *catalog) Loki() (ui.LokiCatalog, error) {
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	// With several clusters, the label browser uses the first cluster whose Loki
	// is found (queries opened from it run against every cluster's Loki).
	var errs []error
	for _, cl := range c.clusters {
		if cl.Err != nil {
			errs = append(errs, fmt.Errorf("[%s] %w", cl.Context, cl.Err))
			continue
		}
		l, err := c.flags.loki.open(ctx, cl.Client, 0)
		if err == nil {
			return l, nil
		}
		if c.multi() {
			err = fmt.Errorf("[%s] %w", cl.Context, err)
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
