package stream

import (
	"context"
	"sync"
)

// ContextSink tags what one cluster's sources produce with the cluster's context:
// every Origin that passes is replaced by a copy whose Context is set, made once per
// Origin, so that the hub, the printers and the panes see which cluster a line came
// from and two clusters' same-named pods stay apart (their Origins differ). Nothing
// is allocated per line; the copies live as long as the sink (one per container or
// Loki stream seen, as the sources' own Origins do).
type ContextSink struct {
	out     Sink
	context string

	mu    sync.Mutex
	clone map[*Origin]*Origin
}

var _ Sink = (*ContextSink)(nil)

// NewContextSink returns a sink that tags Origins with context and passes on to out.
func NewContextSink(context string, out Sink) *ContextSink {
	return &ContextSink{out: out, context: context, clone: map[*Origin]*Origin{}}
}

// tagged returns the tagged copy of o; the caller holds s.mu.
func (s *ContextSink) tagged(o *Origin) *Origin {
	if o == nil || o.Context == s.context {
		return o
	}
	if c, ok := s.clone[o]; ok {
		return c
	}
	c := new(Origin)
	*c = *o
	c.Context = s.context
	s.clone[o] = c
	return c
}

// Lines implements Sink. The batch is the sink's after the call (see Sink), so the
// Origins are replaced in place.
func (s *ContextSink) Lines(batch []Line) {
	s.mu.Lock()
	var last, lastTagged *Origin
	for i := range batch {
		if o := batch[i].Origin; o != last || lastTagged == nil {
			last, lastTagged = o, s.tagged(o)
		}
		batch[i].Origin = lastTagged
	}
	s.mu.Unlock()
	s.out.Lines(batch)
}

// Status implements Sink.
func (s *ContextSink) Status(st Status) {
	s.mu.Lock()
	st.Origin = s.tagged(st.Origin)
	s.mu.Unlock()
	s.out.Status(st)
}

// ContextSource runs Source with its lines tagged by Context (see ContextSink).
type ContextSource struct {
	Source  Source
	Context string
}

var _ Source = ContextSource{}

// Run implements Source.
func (c ContextSource) Run(ctx context.Context, sink Sink) error {
	return c.Source.Run(ctx, NewContextSink(c.Context, sink))
}
