package ui

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

// This file runs sources and brings what they produce to the UI: every
// source of every pane sinks into one hub through a paneSink, and a single
// re-armed command (waitForBatch) takes one batch per frame out of it.

// routeTable maps the origins the UI hands out to the pane they belong to.
type routeTable struct {
	m sync.Map // *stream.Origin → paneID
}

func (t *routeTable) pane(o *stream.Origin) (paneID, bool) {
	v, ok := t.m.Load(o)
	if !ok {
		return 0, false
	}
	return v.(paneID), true
}

// forget removes every route to pane id.
func (t *routeTable) forget(id paneID) {
	t.m.Range(func(k, v any) bool {
		if v.(paneID) == id {
			t.m.Delete(k)
		}
		return true
	})
}

// paneSink is the stream.Sink the sources of one pane write to. It replaces
// each origin by a copy that belongs to the pane, so that lines are routed by
// pointer even if a Catalog shares Origins between sources, then hands the
// batch to the hub. It never blocks: the hub drops the oldest lines instead.
type paneSink struct {
	pane   paneID
	routes *routeTable
	out    stream.Sink

	mu    sync.Mutex
	clone map[*stream.Origin]*stream.Origin
}

func newPaneSink(id paneID, routes *routeTable, out stream.Sink) *paneSink {
	return &paneSink{pane: id, routes: routes, out: out, clone: map[*stream.Origin]*stream.Origin{}}
}

// own returns the pane's copy of o; the caller holds s.mu.
func (s *paneSink) own(o *stream.Origin) *stream.Origin {
	if c, ok := s.clone[o]; ok {
		return c
	}
	c := &stream.Origin{}
	if o != nil {
		*c = *o
	}
	s.clone[o] = c
	s.routes.m.Store(c, s.pane)
	return c
}

// Lines implements stream.Sink.
func (s *paneSink) Lines(batch []stream.Line) {
	if len(batch) == 0 {
		return
	}
	s.mu.Lock()
	var last, lastOwn *stream.Origin
	for i := range batch {
		o := batch[i].Origin
		if o != last || lastOwn == nil {
			last, lastOwn = o, s.own(o)
		}
		batch[i].Origin = lastOwn
	}
	s.mu.Unlock()
	s.out.Lines(batch)
}

// Status implements stream.Sink.
func (s *paneSink) Status(st stream.Status) {
	s.mu.Lock()
	st.Origin = s.own(st.Origin)
	s.mu.Unlock()
	s.out.Status(st)
}

// sourceSink is the sink one source writes to: it notes whether the source
// ever reported a state, so that a source that ends without a word still
// shows as ended.
type sourceSink struct {
	*paneSink
	spoke atomic.Bool
}

// Status implements stream.Sink.
func (s *sourceSink) Status(st stream.Status) {
	s.spoke.Store(true)
	s.paneSink.Status(st)
}

// batchMsg carries one frame's worth of lines and statuses, and when it was
// taken from the hub.
type batchMsg struct {
	b  stream.Batch
	at time.Time
}

// waitForBatch waits for the next batch, no earlier than notBefore (the time
// the previous one was taken plus a frame). The hub measures frames on the
// wall clock, so at is read from it here, in the command goroutine, and
// never in Update.
func waitForBatch(ctx context.Context, h *stream.Hub, notBefore time.Time) tea.Cmd {
	return func() tea.Msg {
		b, ok := h.Next(ctx, notBefore)
		if !ok {
			return nil
		}
		return batchMsg{b: b, at: time.Now()}
	}
}

// runSources starts the sources of pane p, each in its own goroutine, and
// returns the function that stops them. A source that fails, or panics, is
// reported on the pane as a failed source with an error marker.
func runSources(ctx context.Context, id paneID, srcs []stream.Source, routes *routeTable, out stream.Sink, now func() time.Time) context.CancelFunc {
	ctx, cancel := context.WithCancel(ctx)
	sink := newPaneSink(id, routes, out)
	for i, src := range srcs {
		self := &stream.Origin{ID: fmt.Sprintf("tailui/pane-%d/source-%d", id, i), Name: fmt.Sprintf("source %d", i+1)}
		go func() {
			ss := &sourceSink{paneSink: sink}
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("source panicked: %v", r)
					}
				}()
				return src.Run(ctx, ss)
			}()
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				if !ss.spoke.Load() {
					sink.Lines([]stream.Line{{Origin: self, Kind: stream.KindEnded, Text: "ended", Time: now()}})
					sink.Status(stream.Status{Origin: self, State: stream.StateEnded, At: now()})
				}
				return
			}
			msg := clean(err.Error())
			sink.Lines([]stream.Line{{Origin: self, Kind: stream.KindError, Text: msg, Time: now()}})
			sink.Status(stream.Status{Origin: self, State: stream.StateFailed, Err: msg, At: now()})
		}()
	}
	return cancel
}
