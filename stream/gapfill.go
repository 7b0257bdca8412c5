package stream

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// GapWindow is where a gap lies in one origin's stream: between the last log line
// delivered before it (From) and the first delivered after it (To). Both boundary
// lines were delivered: a fill holds only what lies strictly between them.
type GapWindow struct {
	From, To Line
}

// FillResult is what a Filler fetched for a window.
type FillResult struct {
	// Lines are the other source's lines with times in [From.Time, To.Time], in
	// its order (ascending time), boundary lines included when it holds them. Their
	// Origin is the other source's; the splice puts the gap's own in their place.
	Lines []Line
	// Truncated says the filler stopped at its limit before the end of the window:
	// Lines are the window's first ones.
	Truncated bool
	// Limit is that limit, for the marker.
	Limit int
}

// Filler fetches from another source the lines a gap in one origin's stream lost.
// It returns what it got even when it fails part way (err then says why the rest
// is missing). Implementations must honour ctx: the stream waits for them.
type Filler interface {
	Fill(ctx context.Context, o *Origin, w GapWindow) (FillResult, error)
}

// Splice returns the lines of got (ascending time) that belong strictly inside w,
// in order, each once: lines outside the window are dropped, and at each
// boundary's own timestamp the boundary line itself (same time and text) and what
// the other source orders on its side of it. hasFrom and hasTo report whether got
// holds the boundary lines: only when it holds both does it cover the whole window.
// A line at To's timestamp when got does not hold To cannot be placed (before or
// after To?) and is dropped; lines at From's timestamp when got does not hold From
// are kept. got is not modified.
func Splice(w GapWindow, got []Line) (fill []Line, hasFrom, hasTo bool) {
	if !slices.IsSortedFunc(got, byTime) {
		got = slices.Clone(got)
		slices.SortStableFunc(got, byTime)
	}
	from, to := w.From.Time, w.To.Time
	lo := 0 // first candidate: after From's time, or after the From line at its time
	for lo < len(got) && got[lo].Time.Before(from) {
		lo++
	}
	for i := lo; i < len(got) && got[i].Time.Equal(from); i++ {
		if got[i].Text == w.From.Text && got[i].Kind == KindLog {
			hasFrom, lo = true, i+1
			break
		}
	}
	hi := lo // end of the candidates: the To line at its time, or To's time
	for hi < len(got) && got[hi].Time.Before(to) {
		hi++
	}
	for i := hi; i < len(got) && got[i].Time.Equal(to); i++ {
		if got[i].Text == w.To.Text && got[i].Kind == KindLog {
			hasTo, hi = true, i
			break
		}
	}
	if !to.After(from) {
		// Both boundaries in one nanosecond: only what lies between the two
		// boundary lines, when both are found, is inside.
		if !hasFrom || !hasTo {
			return nil, hasFrom, hasTo
		}
	}
	for _, l := range got[lo:max(lo, hi)] {
		if l.Kind != KindLog {
			continue
		}
		fill = append(fill, l)
	}
	return fill, hasFrom, hasTo
}

func byTime(a, b Line) int { return a.Time.Compare(b.Time) }

// SpliceGap builds what stands in the stream in place of the window gap marker gap,
// given what a Filler returned for w (res, err) from the source named src ("Loki").
// With nothing to splice it is the gap marker, saying why it was not filled.
// Otherwise it is a KindFill marker, the spliced lines (the gap's origin, Filled
// set to filled), a closing KindFill marker, and a KindGap marker for each end of
// the window the fill does not reach (the other source does not hold the boundary
// line, it stopped at its limit, or failed part way).
func SpliceGap(gap Line, w GapWindow, res FillResult, err error, src string, filled Filled) []Line {
	fill, hasFrom, hasTo := Splice(w, res.Lines)
	const layout = time.RFC3339Nano
	o := gap.Origin
	if len(fill) == 0 {
		g := gap
		g.Window = false
		switch {
		case err != nil:
			g.Text += fmt.Sprintf(" (not filled from %s: %v)", src, err)
		case hasFrom && hasTo:
			g.Text += fmt.Sprintf(" (%s holds no line between %s and %s either)", src, w.From.Time.UTC().Format(layout), w.To.Time.UTC().Format(layout))
		default:
			g.Text += fmt.Sprintf(" (not filled: %s holds no line of this window)", src)
		}
		return []Line{g}
	}
	out := make([]Line, 0, len(fill)+4)
	first, last := fill[0].Time, fill[len(fill)-1].Time
	if !hasFrom {
		out = append(out, Line{Origin: o, Time: gap.Time, Kind: KindGap,
			Text: fmt.Sprintf("%s does not hold the last line shown before the gap (%s): lines before %s may be missing",
				src, w.From.Time.UTC().Format(layout), first.UTC().Format(layout))})
	}
	out = append(out, Line{Origin: o, Time: first, Kind: KindFill, Count: len(fill),
		Text: fmt.Sprintf("gap filled from %s: %d line(s) from %s to %s follow", src, len(fill), first.UTC().Format(layout), last.UTC().Format(layout))})
	for _, l := range fill {
		l.Origin, l.Filled, l.Window = o, filled, false
		out = append(out, l)
	}
	out = append(out, Line{Origin: o, Time: last, Kind: KindFill, Count: len(fill),
		Text: fmt.Sprintf("end of the %d line(s) from %s", len(fill), src)})
	var why string
	switch {
	case err != nil:
		why = fmt.Sprintf("%s failed part way: %v", src, err)
	case res.Truncated:
		why = fmt.Sprintf("the fill stops at its limit of %d lines", res.Limit)
	case !hasTo:
		why = fmt.Sprintf("%s does not hold the first line shown after the gap (%s)", src, w.To.Time.UTC().Format(layout))
	}
	if why != "" {
		out = append(out, Line{Origin: o, Time: last, Kind: KindGap,
			Text: fmt.Sprintf("lines after %s may still be missing: %s", last.UTC().Format(layout), why)})
	}
	return out
}

// GapSplicerOptions configure a GapSplicer.
type GapSplicerOptions struct {
	Filler Filler
	// Source names the other source in markers ("Loki").
	Source string
	// Filled marks the spliced lines.
	Filled Filled
	// Timeout bounds one fill: the stream waits for it (0: 10 s).
	Timeout time.Duration
}

// GapSplicer is a Sink in front of another for one origin's stream: it passes
// everything on, except that a window gap marker (Line.Window) is held until the
// first log line after it arrives, then replaced by what SpliceGap makes of the
// Filler's answer for the window between the last log line before it and that
// one. The fill runs in the Lines call that delivers the line after the gap, so the
// stream's later lines wait behind it (bounded by the timeout) and cannot overtake
// it: nothing is lost or repeated whether the filler answers, fails or is slow.
// Call Flush when the stream ends, to release a gap marker still held. A
// GapSplicer serves one stream: its Lines calls come from one goroutine.
type GapSplicer struct {
	ctx  context.Context
	sink Sink
	opts GapSplicerOptions

	mu      sync.Mutex // guards held against a Flush from another goroutine
	last    Line       // the last log line read from the stream itself
	hasLast bool
	held    *Line // a window gap marker waiting for the line after it
}

var _ Sink = (*GapSplicer)(nil)

// NewGapSplicer returns a GapSplicer in front of sink; ctx bounds its fills.
func NewGapSplicer(ctx context.Context, sink Sink, opts GapSplicerOptions) *GapSplicer {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	return &GapSplicer{ctx: ctx, sink: sink, opts: opts}
}

// Status passes s on.
func (g *GapSplicer) Status(s Status) { g.sink.Status(s) }

// Lines passes batch on, filling window gaps.
func (g *GapSplicer) Lines(batch []Line) {
	g.mu.Lock()
	defer g.mu.Unlock()
	start := 0
	for i := range batch {
		l := &batch[i]
		switch {
		case l.Kind == KindGap && l.Window && g.hasLast:
			g.pass(batch[start:i])
			g.release() // two gaps without a line between: the first stays as it is
			h := *l
			g.held, start = &h, i+1
		case l.Kind == KindLog && g.held != nil:
			g.pass(batch[start:i])
			start = i
			if l.Time.IsZero() || l.Origin != g.held.Origin {
				g.release()
				break
			}
			gap := *g.held
			g.held = nil
			g.sink.Lines(g.fill(gap, GapWindow{From: g.last, To: *l}))
		case l.Kind != KindLog && l.Kind != KindResume && g.held != nil:
			// The stream broke or ended before a line came after the gap.
			g.pass(batch[start:i])
			start = i
			g.release()
		}
		if l.Kind == KindLog && !l.Time.IsZero() {
			g.last, g.hasLast = *l, true
		}
	}
	g.pass(batch[start:])
}

// Flush releases a gap marker still held, unfilled.
func (g *GapSplicer) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.release()
}

func (g *GapSplicer) pass(b []Line) {
	if len(b) > 0 {
		g.sink.Lines(b)
	}
}

func (g *GapSplicer) release() {
	if g.held != nil {
		h := *g.held
		h.Window = false
		g.held = nil
		g.sink.Lines([]Line{h})
	}
}

func (g *GapSplicer) fill(gap Line, w GapWindow) []Line {
	ctx, cancel := context.WithTimeout(g.ctx, g.opts.Timeout)
	defer cancel()
	res, err := g.opts.Filler.Fill(ctx, gap.Origin, w)
	if err != nil && ctx.Err() != nil && g.ctx.Err() == nil {
		err = fmt.Errorf("no complete answer within %s (%w)", g.opts.Timeout, err)
	}
	return SpliceGap(gap, w, res, err, cmp.Or(g.opts.Source, "another source"), g.opts.Filled)
}

// SpliceDropped builds what stands in the stream in place of the KindDropped
// marker drop, given the timestamps (Unix ns) of the entries the source dropped
// (at) and the lines refetched for them from another source named src ("the pod"),
// got, or the error that stopped the refetch. A line of got is spliced when its
// time is one of at, each timestamp as many times as it occurs in at: nothing the
// tail delivered comes again, whatever else got holds. With nothing to splice it
// is the marker, saying why; otherwise a KindFill marker, the lines (the marker's
// origin, Filled set to filled), a closing KindFill marker and, when some entries
// were not found, a KindDropped marker counting them.
func SpliceDropped(drop Line, at []int64, got []Line, err error, src string, filled Filled) []Line {
	want := make(map[int64]int, len(at))
	for _, ts := range at {
		want[ts]++
	}
	var fill []Line
	for _, l := range got {
		ts := l.Time.UnixNano()
		if l.Kind != KindLog || l.Time.IsZero() || want[ts] == 0 {
			continue
		}
		want[ts]--
		l.Origin, l.Filled, l.Window = drop.Origin, filled, false
		fill = append(fill, l)
	}
	slices.SortStableFunc(fill, byTime)
	d := drop
	d.Window = false
	if len(fill) == 0 {
		switch {
		case err != nil:
			d.Text += fmt.Sprintf(" (not refetched from %s: %v)", src, err)
		case len(at) == 0:
			d.Text += " (Loki did not say when: not refetched)"
		default:
			d.Text += fmt.Sprintf(" (%s no longer holds them)", src)
		}
		return []Line{d}
	}
	out := make([]Line, 0, len(fill)+3)
	out = append(out, Line{Origin: drop.Origin, Time: fill[0].Time, Kind: KindFill, Count: len(fill),
		Text: fmt.Sprintf("%d dropped entr%s refetched from %s follow", len(fill), plural(len(fill), "y", "ies"), src)})
	out = append(out, fill...)
	out = append(out, Line{Origin: drop.Origin, Time: fill[len(fill)-1].Time, Kind: KindFill, Count: len(fill),
		Text: fmt.Sprintf("end of the %d entr%s from %s", len(fill), plural(len(fill), "y", "ies"), src)})
	if left := max(len(at), drop.Count) - len(fill); left > 0 {
		why := fmt.Sprintf("%s no longer holds them", src)
		if err != nil {
			why = fmt.Sprintf("%s failed part way: %v", src, err)
		} else if len(at) < drop.Count {
			why = "Loki did not say when all of them were"
		}
		d.Count = left
		d.Text = fmt.Sprintf("%d dropped entr%s still missing: %s", left, plural(left, "y", "ies"), why)
		out = append(out, d)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
