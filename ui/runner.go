package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

// This file runs sources and brings what they produce to the UI: the sources
// of each pane sink into that pane's own hub, and a single re-armed command
// (waitForBatch) takes, once per frame, what every pane's hub holds. Each batch
// says which pane it is for, so nothing is looked up on the way.

// paneHubs holds one bounded, drop-oldest stream.Hub per pane. The hubs share
// one ready channel, so that one goroutine waits for any of them. Panes are
// added and removed in Update; next reads the list from the command goroutine,
// hence the lock (taken once per frame, never per line).
type paneHubs struct {
	capacity int
	ready    chan struct{}

	mu   sync.Mutex
	hubs []paneFeed
}

// paneFeed is one pane and the hub its sources write to. The command goroutine
// only carries the pane pointer; it never reads the pane.
type paneFeed struct {
	p   *pane
	hub *stream.Hub
}

// paneBatch is what one pane's hub held.
type paneBatch struct {
	p *pane
	b stream.Batch
}

func newPaneHubs(capacity int) *paneHubs {
	return &paneHubs{capacity: capacity, ready: make(chan struct{}, 1)}
}

// add gives p a hub of its own and returns it.
func (s *paneHubs) add(p *pane) *stream.Hub {
	h := stream.NewHub(stream.HubOptions{Capacity: s.capacity, Policy: stream.PolicyDropOldest, Ready: s.ready})
	s.mu.Lock()
	s.hubs = append(s.hubs, paneFeed{p: p, hub: h})
	s.mu.Unlock()
	return h
}

// remove closes p's hub and forgets it: what its sources still send is
// discarded.
func (s *paneHubs) remove(p *pane) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.hubs {
		if f.p == p {
			f.hub.Close()
			s.hubs = slices.Delete(s.hubs, i, i+1)
			return
		}
	}
}

// take returns, without waiting, what each pane's hub holds; nil when none
// holds anything.
func (s *paneHubs) take() []paneBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []paneBatch
	for _, f := range s.hubs {
		if b, ok := f.hub.Take(); ok {
			out = append(out, paneBatch{p: f.p, b: b})
		}
	}
	return out
}

// next waits until a hub holds something and the clock has reached notBefore,
// then takes what every hub holds. It reports false when ctx is done.
func (s *paneHubs) next(ctx context.Context, notBefore time.Time) ([]paneBatch, bool) {
	for {
		select {
		case <-s.ready:
		case <-ctx.Done():
			return nil, false
		}
		if d := time.Until(notBefore); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, false
			}
		}
		if out := s.take(); out != nil {
			return out, true
		}
	}
}

// sourceSink is the sink one source writes to: it notes whether the source
// ever reported a state, so that a source that ends without a word still
// shows as ended.
type sourceSink struct {
	stream.Sink
	spoke atomic.Bool
}

// Status implements stream.Sink.
func (s *sourceSink) Status(st stream.Status) {
	s.spoke.Store(true)
	s.Sink.Status(st)
}

// batchMsg carries one frame's worth of lines and statuses, per pane, and
// when it was taken from the hubs.
type batchMsg struct {
	batches []paneBatch
	at      time.Time
}

// waitForBatch waits for the next batch, no earlier than notBefore (the time
// the previous one was taken plus a frame). Frames are measured on the wall
// clock, so at is read from it here, in the command goroutine, and never in
// Update.
func waitForBatch(ctx context.Context, h *paneHubs, notBefore time.Time) tea.Cmd {
	return func() tea.Msg {
		bs, ok := h.next(ctx, notBefore)
		if !ok {
			return nil
		}
		return batchMsg{batches: bs, at: time.Now()}
	}
}

// OnScreenSource is a source that can hear whether its pane is on screen, so that
// it opens the streams the user sees before those of hidden panes (kube's
// Follower paces its stream opens that way). The model tells it before it runs
// and whenever that changes: a zoom, the sources panel over the panes.
type OnScreenSource interface {
	stream.Source
	SetOnScreen(on bool)
}

// runSources starts the sources of pane id, each in its own goroutine writing
// to sink (the pane's hub), and returns the function that stops them. A source
// that fails, or panics, is reported on the pane as a failed source with an
// error marker.
func runSources(ctx context.Context, id paneID, srcs []stream.Source, sink stream.Sink, now func() time.Time) context.CancelFunc {
	ctx, cancel := context.WithCancel(ctx)
	for i, src := range srcs {
		self := &stream.Origin{ID: fmt.Sprintf("tailui/pane-%d/source-%d", id, i), Name: fmt.Sprintf("source %d", i+1)}
		go func() {
			ss := &sourceSink{Sink: sink}
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
