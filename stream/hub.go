package stream

import (
	"context"
	"sync"
	"time"
)

// DefaultHubCapacity is the number of pending lines a Hub holds when HubOptions gives
// none: about half a second of a very busy cluster.
const DefaultHubCapacity = 1 << 16

// Policy says what a Hub does when Capacity lines are pending.
type Policy int

// Hub policies.
const (
	// PolicyBlock makes Lines wait for the consumer: backpressure, nothing lost.
	// For plain output.
	PolicyBlock Policy = iota
	// PolicyDropOldest never blocks Lines: the oldest pending lines are dropped and
	// counted per Origin. For the UI.
	PolicyDropOldest
)

// String returns the lowercase name of p.
func (p Policy) String() string {
	switch p {
	case PolicyBlock:
		return "block"
	case PolicyDropOldest:
		return "drop-oldest"
	}
	return "unknown"
}

// HubOptions configures a Hub.
type HubOptions struct {
	// Capacity is the number of pending lines at which Lines blocks or drops;
	// <= 0 means DefaultHubCapacity.
	Capacity int
	Policy   Policy
	// Ready, when set, is signalled (without blocking) when something becomes
	// pending, in place of a channel of the Hub's own. Several hubs may share it,
	// so that one consumer waits for any of them and drains each with Take. It
	// needs a buffer of one.
	Ready chan struct{}
}

// Batch is everything a Hub had pending when the consumer asked. The consumer owns it.
type Batch struct {
	// Lines in the order they reached the hub (the order of each source is kept).
	// Markers saved from dropped lines come first (see Hub).
	Lines []Line
	// Statuses in arrival order, coalesced (see Hub.Status).
	Statuses []Status
	// Dropped counts, per Origin, the lines dropped since the last batch because
	// the consumer fell behind; nil when none were. The UI shows a KindDropped marker.
	Dropped map[*Origin]int
}

// Empty reports whether b carries nothing.
func (b Batch) Empty() bool {
	return len(b.Lines) == 0 && len(b.Statuses) == 0 && len(b.Dropped) == 0
}

// Hub is the Sink that many sources write to concurrently and one consumer drains
// with Next, one Batch at a time (for the UI, at most one per frame).
//
// Lines keeps the caller's slice (a Sink owns what it is given) and copies nothing;
// Next hands it on as is when it is the only one pending. With PolicyBlock, Lines
// waits while Capacity or more lines are pending, then takes the whole batch, so
// pending lines may exceed Capacity by one batch. With PolicyDropOldest, Lines never
// waits: once more than Capacity lines are pending the oldest are dropped and counted
// per Origin in Batch.Dropped. Markers (lines of any kind but KindLog) are not
// dropped but saved, up to Capacity of them, and delivered at the front of the next
// Batch: they are older than every line still pending, so order is kept.
//
// Lines and Status sanitize the Text of markers and Status.Err (SanitizeMarkers),
// so every marker the consumer gets keeps the promise of Line.Text.
//
// Close the Hub when either side stops: Close wakes blocked sources, which then
// discard what they send, and lets Next drain what is pending.
type Hub struct {
	capacity int
	policy   Policy

	mu       sync.Mutex
	chunks   [][]Line // pending batches, oldest first; chunks[0] may have been cut
	n        int      // lines in chunks
	rescued  []Line   // markers saved from dropped lines
	statuses []Status
	latest   map[*Origin]int // index in statuses of an origin's replaceable status
	dropped  map[*Origin]int
	closed   bool

	ready chan struct{} // holds a token when something became pending
	done  chan struct{} // closed by Close
	space chan struct{} // closed when room frees up; nil when no source waits
}

var _ Sink = (*Hub)(nil)

// NewHub returns an open Hub.
func NewHub(opt HubOptions) *Hub {
	c := opt.Capacity
	if c <= 0 {
		c = DefaultHubCapacity
	}
	ready := opt.Ready
	if ready == nil {
		ready = make(chan struct{}, 1)
	}
	return &Hub{
		capacity: c,
		policy:   opt.Policy,
		latest:   make(map[*Origin]int),
		ready:    ready,
		done:     make(chan struct{}),
	}
}

// Lines queues batch for the consumer; see Hub for when it blocks or drops. It does
// nothing once the Hub is closed.
func (h *Hub) Lines(batch []Line) {
	if len(batch) == 0 {
		return
	}
	SanitizeMarkers(batch)
	h.mu.Lock()
	if h.policy == PolicyBlock {
		for h.n >= h.capacity && !h.closed {
			if h.space == nil {
				h.space = make(chan struct{})
			}
			space := h.space
			h.mu.Unlock()
			<-space
			h.mu.Lock()
		}
	}
	if h.closed {
		h.mu.Unlock()
		return
	}
	wasEmpty := !h.pendingLocked()
	h.chunks = append(h.chunks, batch)
	h.n += len(batch)
	if h.policy == PolicyDropOldest && h.n > h.capacity {
		h.dropLocked(h.n - h.capacity)
	}
	h.mu.Unlock()
	if wasEmpty {
		h.wake()
	}
}

// dropLocked drops the k oldest pending lines, saving markers.
func (h *Hub) dropLocked(k int) {
	h.n -= k
	var run *Origin // count runs of one origin before touching the map
	count := 0
	for k > 0 {
		c := h.chunks[0]
		take := min(k, len(c))
		for i := range c[:take] {
			l := &c[i]
			if l.Kind != KindLog && len(h.rescued) < h.capacity {
				h.rescued = append(h.rescued, *l)
				continue
			}
			if l.Origin != run {
				if count > 0 {
					h.countDropped(run, count)
				}
				run, count = l.Origin, 0
			}
			count++
		}
		k -= take
		if take == len(c) {
			h.chunks[0] = nil
			h.chunks = h.chunks[1:]
		} else {
			h.chunks[0] = c[take:]
		}
	}
	if count > 0 {
		h.countDropped(run, count)
	}
}

func (h *Hub) countDropped(o *Origin, n int) {
	if h.dropped == nil {
		h.dropped = make(map[*Origin]int)
	}
	h.dropped[o] += n
}

// Status queues s for the consumer. Statuses are coalesced per Origin: a pending
// status is replaced by a newer one of the same Origin, unless it is StateFailed or
// StateEnded, which are always delivered. It does nothing once the Hub is closed.
func (h *Hub) Status(s Status) {
	s = SanitizeStatus(s)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	wasEmpty := !h.pendingLocked()
	i, ok := h.latest[s.Origin]
	if ok {
		h.statuses[i] = s
	} else {
		i = len(h.statuses)
		h.statuses = append(h.statuses, s)
	}
	if s.State == StateFailed || s.State == StateEnded {
		delete(h.latest, s.Origin)
	} else {
		h.latest[s.Origin] = i
	}
	h.mu.Unlock()
	if wasEmpty {
		h.wake()
	}
}

func (h *Hub) wake() {
	select {
	case h.ready <- struct{}{}:
	default:
	}
}

func (h *Hub) pendingLocked() bool {
	return h.n > 0 || len(h.rescued) > 0 || len(h.statuses) > 0 || len(h.dropped) > 0
}

// Next waits until something is pending and the clock has reached notBefore, then
// returns everything pending as one Batch. The UI passes the time of its last
// delivery plus one frame, so that it gets at most one message per frame; plain
// output passes the zero time. Once the Hub is closed, what is pending is delivered
// without waiting for notBefore. Next reports false when the Hub is closed and
// drained, or when ctx is done. Only one goroutine may call Next.
func (h *Hub) Next(ctx context.Context, notBefore time.Time) (Batch, bool) {
	for {
		if ctx.Err() != nil {
			return Batch{}, false
		}
		h.mu.Lock()
		pending, closed := h.pendingLocked(), h.closed
		if pending && (closed || !time.Now().Before(notBefore)) {
			b := h.takeLocked()
			h.mu.Unlock()
			return b, true
		}
		h.mu.Unlock()
		switch {
		case pending:
			t := time.NewTimer(time.Until(notBefore))
			select {
			case <-t.C:
			case <-h.done:
			case <-ctx.Done():
			}
			t.Stop()
		case closed:
			return Batch{}, false
		default:
			select {
			case <-h.ready:
			case <-h.done:
			case <-ctx.Done():
			}
		}
	}
}

// Take returns everything pending as one Batch without waiting, and reports
// false when nothing is. With a shared HubOptions.Ready, the consumer waits on
// that channel and then takes from each hub; Next must not be used then.
func (h *Hub) Take() (Batch, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.pendingLocked() {
		return Batch{}, false
	}
	return h.takeLocked(), true
}

func (h *Hub) takeLocked() Batch {
	var b Batch
	switch {
	case len(h.rescued) == 0 && len(h.chunks) == 1:
		b.Lines = h.chunks[0]
	case len(h.rescued)+h.n > 0:
		b.Lines = make([]Line, 0, len(h.rescued)+h.n)
		b.Lines = append(b.Lines, h.rescued...)
		for _, c := range h.chunks {
			b.Lines = append(b.Lines, c...)
		}
	}
	clear(h.chunks)
	h.chunks = h.chunks[:0]
	h.n = 0
	h.rescued = nil
	b.Statuses = h.statuses
	h.statuses = nil
	clear(h.latest)
	b.Dropped = h.dropped
	h.dropped = nil
	if h.space != nil {
		close(h.space)
		h.space = nil
	}
	return b
}

// Close closes the Hub: blocked and later calls of Lines and Status discard what
// they are given, and Next delivers what is pending, then reports false. Close may
// be called more than once.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	if h.space != nil {
		close(h.space)
		h.space = nil
	}
}
