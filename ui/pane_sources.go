package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tailui/tailui/stream"
)

// receive takes lines that arrived at now. Once the pane has lines of more
// than one origin they pass through a stream.Merger, which holds each for a
// short window so that lines of different streams come out in time order.
func (p *pane) receive(lines []stream.Line, now time.Time) {
	if p.merger == nil {
		for i := range lines {
			if o := lines[i].Origin; lines[i].Kind == stream.KindLog && o != nil && !p.originSet[o] && len(p.origins)+1 >= 2 {
				p.merger = stream.NewMerger(0)
				break
			}
		}
	}
	if p.merger == nil {
		p.ingest(lines)
		return
	}
	p.merger.Add(lines, now)
	p.release(now)
}

// release moves lines that are due out of the merger.
func (p *pane) release(now time.Time) {
	if p.merger == nil || p.merger.Len() == 0 {
		return
	}
	p.scratch = p.merger.Release(now, p.scratch[:0])
	p.ingest(p.scratch)
	clear(p.scratch)
}

// holding reports whether the merger holds lines not yet shown.
func (p *pane) holding() bool { return p.merger != nil && p.merger.Len() > 0 }

// ingest adds lines to the pane.
func (p *pane) ingest(lines []stream.Line) {
	newOrigin := false
	for i := range lines {
		l := &lines[i]
		if l.Kind == stream.KindLog {
			p.linesSinceTick++
			if o := l.Origin; o != nil && !p.originSet[o] {
				p.originSet[o] = true
				p.origins = append(p.origins, o)
				newOrigin = true
			}
		}
		e := newEntry(*l)
		if l.Kind == stream.KindLog {
			t := l.Time
			if t.IsZero() {
				t = p.c.now
			}
			p.rates.add(t, e.lvl >= levelError)
		}
		if p.buf.push(e) && !p.follow {
			p.newSince++
		}
	}
	p.buf.trim()
	if newOrigin {
		if tw := p.computeTagWidth(); tw != p.tagWidth || len(p.origins) == 2 {
			p.tagWidth = tw
			p.invalidate()
		}
	}
	if len(lines) > 0 {
		p.dirty = true
	}
}

// noteDropped records lines the hub dropped for one of the pane's origins,
// as a marker in the log.
func (p *pane) noteDropped(o *stream.Origin, n int) {
	p.hubDrops += n
	p.ingest([]stream.Line{{
		Origin: o, Kind: stream.KindDropped, Count: n, Time: p.c.now,
		Text: fmt.Sprintf("dropped %d lines: the screen fell behind", n),
	}})
}

// computeTagWidth sizes the origin tag column and recomputes the tags: the
// longest tag, at most 24 cells and a quarter of the pane.
func (p *pane) computeTagWidth() int {
	names := make([]string, len(p.origins))
	for i, o := range p.origins {
		names[i] = clean(o.Name)
	}
	tags := shortTags(names)
	// A pane that holds lines of several clusters tags each with its cluster too.
	mixed := slices.ContainsFunc(p.origins, func(o *stream.Origin) bool { return o.Context != p.origins[0].Context })
	p.tags = make(map[*stream.Origin]string, len(tags))
	w := 0
	for i, o := range p.origins {
		if mixed {
			tags[i] = "[" + clean(o.Context) + "] " + tags[i]
		}
		p.tags[o] = tags[i]
		w = max(w, measure(tags[i]))
	}
	return max(min(w, 24, p.width/4), 1)
}

// shortTags shortens origin names to what tells them apart: the part they
// all share at the start (up to a '-' or '/') and at the end (from a '/')
// is dropped, so "web-7d9f-x2kq4/app" and "web-7d9f-p8m2z/app" become
// "x2kq4" and "p8m2z", and one pod's containers become their names.
func shortTags(names []string) []string {
	out := slices.Clone(names)
	if len(names) < 2 {
		return out
	}
	prefix := names[0]
	for _, n := range names[1:] {
		i := 0
		for i < len(prefix) && i < len(n) && prefix[i] == n[i] {
			i++
		}
		prefix = prefix[:i]
	}
	cut := strings.LastIndexAny(prefix, "-/") + 1
	suffix := ""
	if i := strings.LastIndexByte(names[0], '/'); i >= 0 {
		suffix = names[0][i:]
		for _, n := range names[1:] {
			if !strings.HasSuffix(n, suffix) {
				suffix = ""
				break
			}
		}
	}
	seen := map[string]bool{}
	for i, n := range names {
		t := strings.TrimSuffix(n[cut:], suffix)
		if t == "" || seen[t] {
			return slices.Clone(names)
		}
		seen[t] = true
		out[i] = t
	}
	return out
}
