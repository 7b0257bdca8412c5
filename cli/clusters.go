package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// openClusters builds a client per --context (the current context without one).
// With one cluster its failure is the command's, exactly as before several clusters
// were possible; with several, a cluster that cannot be used keeps its Err and the
// others go on.
func openClusters(f *rootFlags) ([]*kube.Cluster, error) {
	cls, err := kube.NewClusters(f.kube, f.contexts)
	switch {
	case err != nil && len(cls) == 1:
		return nil, cls[0].Err
	case len(cls) > 1:
		return cls, nil // each cluster's failure is its own
	}
	return cls, err
}

// clusterPart is one cluster's share of the plain output: its source, or why it has
// none.
type clusterPart struct {
	context string
	src     stream.Source
	err     error
}

// multiSource runs one source per cluster, each tagged with its context, and
// reports a cluster that fails (at start or later) as an error marker of that
// cluster while the others go on. It fails when any cluster failed, once the others
// are done, so that a script sees it.
type multiSource struct {
	parts []clusterPart
	now   func() time.Time
}

var _ stream.Source = (*multiSource)(nil)

// Run implements stream.Source.
func (m *multiSource) Run(ctx context.Context, sink stream.Sink) error {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []string
	)
	fail := func(name string, err error) {
		sink.Lines([]stream.Line{{
			Origin: &stream.Origin{ID: "tailui", Name: "tailui", Fields: map[string]string{}, Context: name},
			Time:   m.now(), Kind: stream.KindError, Text: errorText(err),
		}})
		mu.Lock()
		failed = append(failed, name)
		mu.Unlock()
	}
	for _, p := range m.parts {
		if p.err != nil {
			fail(p.context, p.err)
			continue
		}
		wg.Go(func() {
			if err := (stream.ContextSource{Source: p.src, Context: p.context}).Run(ctx, sink); err != nil {
				fail(p.context, err)
			}
		})
	}
	wg.Wait()
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d clusters failed: %s (the reasons are above)", len(failed), len(m.parts), strings.Join(failed, ", "))
	}
	return nil
}

// clusterSources builds each cluster's source with build; a cluster that has no
// client, or whose source cannot be built, is reported by the multiSource.
func clusterSources(cls []*kube.Cluster, build func(*kube.Cluster) (stream.Source, error)) stream.Source {
	m := &multiSource{now: time.Now}
	for _, cl := range cls {
		p := clusterPart{context: cl.Context, err: cl.Err}
		if p.err == nil {
			p.src, p.err = build(cl)
		}
		m.parts = append(m.parts, p)
	}
	return m
}
