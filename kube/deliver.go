package kube

import (
	"fmt"
	"sync"
	"time"

	"github.com/tailui/tailui/stream"
)

// deliverer turns raw chunks into lines: reassembly, timestamps, exact-resume skips,
// sanitizing, batching.
type deliverer struct {
	s        *ContainerStream
	sink     stream.Sink
	resume   *stream.PodResume
	split    stream.Splitter
	batch    []stream.Line
	batchCap int // the length of the last batch: the capacity of the next
	sess     session
	resuming bool
	skipped  int // repeats dropped on resume
	attempt  int // reconnect attempts it took to get here
	start    time.Time
	noTime   int // lines without a parseable timestamp

	shortShown bool // the gap marker of a resume that found too few repeats was written
	// since says the request had a since time: the kubelet filters its CRI records
	// one by one, so the first it sends may be the rest of a line split into partial
	// records, without a timestamp (ReadLogs prefixes only a record that starts a
	// line). Such a piece, before the first stamped line, is dropped: its line began
	// before the since time (delivered already, or older than asked for).
	since     bool
	timedSeen bool
	openOnce  sync.Once
}

// opened is called once the stream is established, or the API server is known to
// be waiting for the kubelet's first byte; it reports the stream live once.
func (d *deliverer) opened() {
	d.openOnce.Do(func() {
		d.sink.Status(stream.Status{Origin: d.s.origin, State: stream.StateLive, At: d.s.opts.now()})
	})
}

func (d *deliverer) feed(chunk []byte) {
	d.split.Feed(chunk)
	for {
		raw, ok := d.split.Next()
		if !ok {
			return
		}
		d.line(raw)
	}
}

func (d *deliverer) flushPartial() {
	if raw, ok := d.split.Flush(); ok {
		d.line(raw)
	}
}

func (d *deliverer) line(raw []byte) {
	t, rest, ok := stream.SplitTimestamp(raw)
	if !ok && d.since && !d.timedSeen {
		d.skipped++
		return
	}
	d.timedSeen = d.timedSeen || ok
	if !ok {
		d.noTime++
		rest = raw
	} else if d.resume.Skip(t) {
		d.skipped++
		return
	}
	if d.resuming {
		d.resuming = false
		since, _ := d.resume.SinceTime()
		text := fmt.Sprintf("resumed from %s: %d repeated line(s) skipped", since.Format(time.RFC3339), d.skipped)
		if d.resume.Anchored() {
			text = fmt.Sprintf("resumed from %s, when the stream opened (no line had arrived before the break): lines written in that second just before it opened may appear too", since.Format(time.RFC3339))
		}
		if d.attempt > 1 {
			text += fmt.Sprintf(" (after %d attempts)", d.attempt)
		}
		d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t, Kind: stream.KindResume, Count: d.skipped, Text: text})
	}
	if d.resume.Short() && !d.shortShown {
		// The repeats ended early, at this line: the gap is here, not at the end
		// of a stream that may stay open for hours.
		d.shortShown = true
		d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t, Kind: stream.KindGap, Window: ok,
			Text: "lines shown before the break were not all found again on resume: the log was rotated or truncated at the source, and lines may be missing"})
	}
	if ok {
		d.resume.Observe(t)
	}
	if d.batch == nil {
		d.batch = make([]stream.Line, 0, max(d.batchCap, 1))
	}
	d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t,
		Text: stream.Sanitize(rest, stream.SanitizeOptions{KeepSGR: d.s.opts.KeepSGR})})
	d.sess.lines++
	if len(d.batch) >= 512 {
		d.flush()
	}
}

func (d *deliverer) flush() {
	if len(d.batch) == 0 {
		return
	}
	d.sink.Lines(d.batch)
	// The sink owns the batch. The next one is made when its first line comes, the
	// size of this one: a busy stream allocates once per batch (not the doubling
	// of append) and a quiet one holds nothing between frames.
	d.batchCap = len(d.batch)
	d.batch = nil
}
