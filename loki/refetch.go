package loki

import (
	"context"
	"sync"
	"time"

	"github.com/tailui/tailui/stream"
)

// Refetcher reads again, from where they came from, the entries a Loki tail
// dropped (kube.PodRefetcher reads them from their pod).
type Refetcher interface {
	// Names reports whether o's labels name something Refetch can read.
	Names(o *stream.Origin) bool
	// Refetch returns o's lines from the second of the earliest of at (Unix ns)
	// until the latest, with their timestamps.
	Refetch(ctx context.Context, o *stream.Origin, at []int64) ([]stream.Line, error)
}

// refetchTimeout bounds one refetch: the tail's output waits for it.
const refetchTimeout = 10 * time.Second

// dropTable hands the timestamps of a tail's dropped entries from the socket
// reader to the sink side, per origin, in order.
type dropTable struct {
	mu sync.Mutex
	m  map[*stream.Origin][][]int64
}

func (d *dropTable) put(o *stream.Origin, at []int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = make(map[*stream.Origin][][]int64)
	}
	d.m[o] = append(d.m[o], at)
}

func (d *dropTable) take(o *stream.Origin) []int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.m[o]
	if len(q) == 0 {
		return nil
	}
	at := q[0]
	if len(q) == 1 {
		delete(d.m, o)
	} else {
		d.m[o] = q[1:]
	}
	return at
}

// dropSink sits in front of a Loki tail's sink: each dropped-entries marker with
// timestamps (Window set) is replaced by the entries refetched from the pod
// (stream.SpliceDropped), in place, before the lines after it.
type dropSink struct {
	stream.Sink
	ctx   context.Context
	drops *dropTable
	p     Refetcher
}

func (s *dropSink) Lines(batch []stream.Line) {
	start := 0
	for i := range batch {
		l := &batch[i]
		if l.Kind != stream.KindDropped || !l.Window {
			continue
		}
		if start < i {
			s.Sink.Lines(batch[start:i])
		}
		start = i + 1
		at := s.drops.take(l.Origin)
		var got []stream.Line
		var err error
		if len(at) > 0 {
			ctx, cancel := context.WithTimeout(s.ctx, refetchTimeout)
			got, err = s.p.Refetch(ctx, l.Origin, at)
			cancel()
		}
		s.Sink.Lines(stream.SpliceDropped(*l, at, got, err, "the pod", stream.FilledFromPod))
	}
	if start < len(batch) {
		s.Sink.Lines(batch[start:])
	}
}
