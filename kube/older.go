package kube

// Older lines for the TUI: a pane asks each container for at most what it keeps
// (LogOptions.TailLines, MaxHistory), and scrolled to its top it may ask for what
// came before (ui.OlderSource). The Follower remembers, for each container it
// started, its target and whether its first read was bounded; ReadOlder reads that
// container's log once more, further back, through the same request code as the
// stream (ContainerStream.open: the transports, sanitizing, timestamps).

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/tailui/tailui/stream"
)

// olderIndex maps the origins a Follower started to what reading them again takes.
type olderIndex struct {
	mu sync.Mutex
	m  map[*stream.Origin]olderEntry
}

type olderEntry struct {
	target  Target
	opts    LogOptions
	bounded bool // the first read asked for the last lines only (or a time window)
}

// add records the container of cs.
func (x *olderIndex) add(cs *ContainerStream) {
	o := cs.opts
	bounded := !cs.fresh && (o.TailLines >= 0 || o.Since > 0) || o.MaxHistory > 0
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m == nil {
		x.m = map[*stream.Origin]olderEntry{}
	}
	x.m[cs.origin] = olderEntry{target: cs.target, opts: o, bounded: bounded && !o.Previous}
}

func (x *olderIndex) get(o *stream.Origin) (olderEntry, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.m[o]
	return e, ok
}

// MayHaveOlder implements ui.OlderSource: o is a container this Follower started
// whose first read asked for its last lines (or a window of time) only.
func (f *Follower) MayHaveOlder(o *stream.Origin) bool {
	e, ok := f.older.get(o)
	return ok && e.bounded
}

// ReadOlder implements ui.OlderSource: the last n lines of o's container, read
// once, without following, with their times, as the stream reads them.
func (f *Follower) ReadOlder(ctx context.Context, o *stream.Origin, n int64) ([]stream.Line, error) {
	e, ok := f.older.get(o)
	if !ok {
		return nil, fmt.Errorf("%s is not a container of this pane", o.Name)
	}
	return readOlder(ctx, f.Client, e.target, e.opts, o, n)
}

// readOlder reads the last n lines of t's log once, lines carrying origin.
func readOlder(ctx context.Context, c *Client, t Target, opts LogOptions, origin *stream.Origin, n int64) ([]stream.Line, error) {
	opts.Fill, opts.LimitBytes, opts.Follow = nil, 0, false
	cs := NewContainerStream(c, t, opts, origin)
	sink := &olderSink{}
	r := &runner{ContainerStream: cs, sink: sink}
	r.partialRetried = true // a last line cut short is newer than anything asked for
	plo := &corev1.PodLogOptions{Container: t.Container, Timestamps: true, TailLines: &n}
	_, err := r.open(ctx, plo, readDrain)
	if errors.Is(err, errCutMidLine) {
		err = nil
	}
	switch {
	case err == nil:
		return sink.lines, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("pod %q is gone: its log cannot be read any more", t.Pod)
	}
	return nil, errors.New(Explain(err))
}

// olderSink keeps the log lines of one read; statuses and markers are not kept.
type olderSink struct {
	mu    sync.Mutex
	lines []stream.Line
}

func (s *olderSink) Lines(batch []stream.Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range batch {
		if l.Kind == stream.KindLog {
			s.lines = append(s.lines, l)
		}
	}
}

func (s *olderSink) Status(stream.Status) {}
