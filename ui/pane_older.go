package ui

// Loading older lines: a pane whose first lines came from a read bounded by a line
// count (--tail, or the pane's scrollback, which is all a pane asks for on open)
// shows a faint row at its top, "↑ older lines: o loads N more", and the key reads
// each such container's log once more, further back (OlderSource.ReadOlder), keeps
// exactly the lines before the first one the pane holds of it (stream.LinesBefore:
// by timestamp, and by count within a timestamp), merges them by time across the
// pane's containers and puts them where they belong, before what the pane holds.
//
// The pane's capacity grows by what is loaded, up to olderGrowth times its
// scrollback: the loaded lines are an explicit request, and are not dropped at
// once to make room. As new lines arrive the oldest go first again, the loaded
// ones before any other. At the bound the row says so and nothing more is loaded.
// A container whose log no longer reaches back to the pane's first line (rotated,
// truncated) or whose pod is gone gets a row saying so; nothing the pane holds is
// lost. Loki panes are not offered older lines (the row says so).

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tailui/tailui/stream"
)

const (
	// olderGrowth bounds how far loads grow a pane: olderGrowth times its scrollback.
	olderGrowth = 4
	// olderChunkMax bounds the lines one key press loads (the scrollback otherwise).
	olderChunkMax = 50_000
	// olderReaders is how many containers are read at once.
	olderReaders = 4
	// olderTimeout bounds one load.
	olderTimeout = 2 * time.Minute
)

// olderState is a pane's bookkeeping for loading older lines.
type olderState struct {
	base    int // the pane's capacity before any load
	loading bool
	// done holds the origins not to load again: their log's start was reached, it
	// was rotated past the pane's first line, or it cannot be read.
	done map[*stream.Origin]bool
	note string // the row's text after a load: what it did, or why it did not
	// offer caches whether an origin may have older lines, for the origins seen.
	offer     bool
	offerSeen int
}

// olderReq is one container's part of a load, worked out in Update.
type olderReq struct {
	src      OlderSource
	origin   *stream.Origin
	first    time.Time // the time of the pane's first line of origin
	sameTime int       // lines of origin the pane holds at that time, to the nanosecond
	n        int64     // lines to read: those held of origin and a chunk
}

// olderResult is what a load found for one container.
type olderResult struct {
	olderReq
	before []stream.Line
	found  bool // the read reached the pane's first line
	short  bool // the read returned fewer lines than asked: the log's start is in it
	err    error
}

// olderLoadedMsg brings the results of a load to its pane.
type olderLoadedMsg struct {
	pane    paneID
	chunk   int
	results []olderResult
}

// setSources records the pane's sources (Catalog.Open's), to load older lines from.
func (p *pane) setSources(srcs []stream.Source) { p.sources = srcs }

// olderSource returns the source that can load older lines of o, or nil.
func (p *pane) olderSource(o *stream.Origin) OlderSource {
	for _, s := range p.sources {
		if os, ok := s.(OlderSource); ok && os.MayHaveOlder(o) {
			return os
		}
	}
	return nil
}

func (p *pane) olderBase() int {
	if p.older.base == 0 {
		p.older.base = p.buf.ring.Cap()
	}
	return p.older.base
}

// olderOffered reports whether some origin of the pane may have older lines not
// loaded yet.
func (p *pane) olderOffered() bool {
	if p.older.offerSeen != len(p.origins) {
		// Recomputed when an origin appears, and after a load (done changes).
		p.older.offerSeen = len(p.origins)
		p.older.offer = false
		for _, o := range p.origins {
			if !p.older.done[o] && p.olderSource(o) != nil {
				p.older.offer = true
				break
			}
		}
	}
	return p.older.offer
}

// olderText is the text of the row at the top of the pane, "" for none.
func (p *pane) olderText() string {
	key := p.c.keys.Older.Help().Key
	switch {
	case p.older.loading:
		return "↑ loading older lines…"
	case p.older.note != "":
		return p.older.note
	case p.olderOffered():
		return fmt.Sprintf("↑ older lines: press %s to load %d more", key, p.olderChunk())
	case len(p.sel.LokiQueries) > 0:
		return "↑ older lines are not offered for Loki panes"
	}
	return ""
}

// olderActive reports whether olderText has something to say, without building it
// (contentTop asks on every frame).
func (p *pane) olderActive() bool {
	return p.older.loading || p.older.note != "" || p.olderOffered() || len(p.sel.LokiQueries) > 0
}

// olderChunk is how many lines a key press loads.
func (p *pane) olderChunk() int { return min(p.olderBase(), olderChunkMax) }

// olderRowShown reports whether the row is drawn: the pane shows its first line
// and there is something to say. top is the first row below the title (and rates).
func (p *pane) olderRowShown(top int) bool {
	if p.buf.count() == 0 || !p.olderActive() {
		return false
	}
	if !p.follow {
		return p.top <= p.buf.absAt(0) && p.topRow == 0
	}
	h := p.height - top - 1
	if p.mode != inputNone {
		h--
	}
	if p.rulesOpen {
		h -= p.rulesHeight()
	}
	return h > 0 && p.rowsFrom(0, 0, h+1) <= h
}

// olderRow draws the row.
func (p *pane) olderRow() string {
	var rw rowWriter
	rw.reset(max(p.width, 0), false)
	rw.write(p.olderText(), p.c.styles.pFaint)
	return rw.finish()[0]
}

// loadOlder starts a load of older lines for every origin that may have some.
func (p *pane) loadOlder() tea.Cmd {
	if p.older.loading {
		return statusCmd("older lines are loading", false)
	}
	bound := olderGrowth * p.olderBase()
	room := bound - p.buf.kept()
	if room <= 0 {
		p.older.note = fmt.Sprintf("↑ the pane holds its most, %d lines (%d× --scrollback): no older lines are loaded", bound, olderGrowth)
		p.dirty = true
		return nil
	}
	chunk := min(p.olderChunk(), room)
	type held struct {
		n, same int
		first   int64
	}
	hs := map[*stream.Origin]*held{}
	for _, e := range p.buf.ring.All() {
		if e.kind != stream.KindLog || e.origin == nil || p.older.done[e.origin] {
			continue
		}
		h := hs[e.origin]
		if h == nil {
			h = &held{first: e.ts}
			hs[e.origin] = h
		}
		h.n++
		if e.ts == h.first {
			h.same++
		}
	}
	var reqs []olderReq
	for _, o := range p.origins {
		h := hs[o]
		if h == nil || p.older.done[o] {
			continue
		}
		src := p.olderSource(o)
		if src == nil {
			continue
		}
		if h.first == noTime {
			continue // its first line has no time to find it by
		}
		reqs = append(reqs, olderReq{src: src, origin: o, first: time.Unix(0, h.first).UTC(),
			sameTime: h.same, n: int64(h.n + chunk)})
	}
	if len(reqs) == 0 {
		if len(p.sel.LokiQueries) > 0 {
			return statusCmd("older lines are not offered for Loki panes", false)
		}
		return statusCmd("no older lines to load: every source's log was read from its start", false)
	}
	p.older.loading, p.older.note = true, ""
	p.dirty = true
	id := p.id
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), olderTimeout)
		defer cancel()
		res := make([]olderResult, len(reqs))
		next := make(chan int)
		var wg sync.WaitGroup
		for range min(olderReaders, len(reqs)) {
			wg.Go(func() {
				for i := range next {
					r := olderResult{olderReq: reqs[i]}
					lines, err := r.src.ReadOlder(ctx, r.origin, r.n)
					r.err = err
					if err == nil {
						r.before, r.found = stream.LinesBefore(lines, r.first, r.sameTime)
						r.short = int64(len(lines)) < r.n
						if len(r.before) > chunk {
							r.before = r.before[len(r.before)-chunk:]
							r.short = false
						}
					}
					res[i] = r
				}
			})
		}
		for i := range reqs {
			next <- i
		}
		close(next)
		wg.Wait()
		return olderLoadedMsg{pane: id, chunk: chunk, results: res}
	}
}

// olderLoaded puts what a load found in front of the pane's lines.
func (p *pane) olderLoaded(msg olderLoadedMsg) tea.Cmd {
	p.older.loading = false
	p.dirty = true
	if p.older.done == nil {
		p.older.done = map[*stream.Origin]bool{}
	}
	var per [][]stream.Line
	var whole []*olderResult // results that reached their log's start
	var notes []string
	for i := range msg.results {
		r := &msg.results[i]
		name := r.origin.Name
		switch {
		case r.err != nil:
			p.older.done[r.origin] = true
			notes = append(notes, fmt.Sprintf("%s: %s", name, r.err))
		case !r.found && r.short:
			p.older.done[r.origin] = true
			notes = append(notes, fmt.Sprintf("%s: its log no longer reaches back to %s (rotated or truncated): nothing older to load",
				name, r.first.In(p.c.loc).Format("15:04:05.000")))
		case !r.found:
			notes = append(notes, fmt.Sprintf("%s wrote more than %d lines meanwhile: press %s again", name, r.n, p.c.keys.Older.Help().Key))
		default:
			if r.short {
				whole = append(whole, r)
			}
			per = append(per, r.before)
		}
	}
	merged := stream.MergeOlder(per)
	bound := olderGrowth * p.olderBase()
	if room := bound - p.buf.kept(); len(merged) > room {
		merged = merged[len(merged)-max(room, 0):] // the newest: each origin's kept lines touch what it holds
	}
	// An origin is done when its log's start was read and none of it was cut.
	kept := map[*stream.Origin]int{}
	for i := range merged {
		kept[merged[i].Origin]++
	}
	for _, r := range whole {
		if kept[r.origin] == len(r.before) {
			p.older.done[r.origin] = true
		}
	}
	if len(merged) > 0 {
		es := make([]entry, len(merged))
		for i := range merged {
			es[i] = newEntry(merged[i])
		}
		// A view anchored at a line the ring dropped since shows its first line:
		// anchor it there, so that it stays put with the older lines above it.
		p.top = max(p.top, p.buf.ring.First())
		remap := p.buf.insertOlder(es, min(bound, max(p.buf.ring.Cap(), p.buf.kept()+len(es))))
		p.top = remap(p.top)
		for _, a := range []*int64{&p.cur, &p.spot, &p.selA, &p.selB} {
			if *a >= 0 {
				*a = remap(*a)
			}
		}
		p.invalidate()
	}
	p.older.offerSeen = -1 // done changed
	var b strings.Builder
	if len(merged) == 0 && len(notes) > 0 {
		b.WriteString("↑ no older lines loaded")
	} else {
		fmt.Fprintf(&b, "↑ %s loaded", plural(len(merged), "older line"))
	}
	if p.buf.ring.Cap() > p.olderBase() {
		fmt.Fprintf(&b, " (the pane keeps %d lines now)", p.buf.ring.Cap())
	}
	switch {
	case p.olderOffered():
		fmt.Fprintf(&b, " · %s loads %d more", p.c.keys.Older.Help().Key, min(p.olderChunk(), max(bound-p.buf.kept(), 0)))
	case len(notes) == 0:
		b.WriteString(" · the start of the log: nothing older")
	}
	for _, n := range notes {
		b.WriteString(" · ")
		b.WriteString(n)
	}
	p.older.note = clean(b.String())
	return statusCmd(strings.TrimPrefix(p.older.note, "↑ "), false)
}

// insertOlder merges es, older lines in time order, into the lines held, each
// before the first held line later than it, growing the ring to capacity (at
// least what is held and es). It returns how absolute indexes held before map to
// those after; the filter's and search's indexes are rebuilt.
func (b *buffer) insertOlder(es []entry, capacity int) func(int64) int64 {
	r := b.ring
	first, n := r.First(), r.Len()
	held := make([]entry, 0, n)
	for _, e := range r.All() {
		held = append(held, e)
	}
	merged := make([]entry, 0, n+len(es))
	newPos := make([]int, n)
	i, at := 0, int64(noTime)
	tsOf := func(i int) int64 { // an untimed line goes with the one before it
		if es[i].ts != noTime {
			at = es[i].ts
		}
		return at
	}
	for j := range held {
		if hts := held[j].ts; hts != noTime {
			for i < len(es) && tsOf(i) <= hts {
				merged = append(merged, es[i])
				i++
			}
		}
		newPos[j] = len(merged)
		merged = append(merged, held[j])
	}
	merged = append(merged, es[i:]...)
	k := len(es)
	r.Grow(max(capacity, n+k))
	if got := r.PushFront(es); got != k {
		panic("ui: ring has no room for older lines")
	}
	b.broughtBack(k)
	if n > 0 && newPos[0] != k { // not all in front: lay the merge out
		for x := range merged {
			*r.Ptr(first + int64(x)) = merged[x]
		}
	}
	for x := range es {
		b.levels[es[x].lvl]++
	}
	remap := func(a int64) int64 {
		switch {
		case a < first:
			return a
		case a >= first+int64(n):
			return a + int64(k)
		}
		return first + int64(newPos[a-first])
	}
	for x, a := range b.marks {
		b.marks[x] = remap(a)
	}
	b.rebuildVisible()
	b.rebuildMatches()
	return remap
}
