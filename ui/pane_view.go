package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/tailui/tailui/stream"
)

// This file holds a pane's scrolling arithmetic and how it draws lines.
// Positions are (k, r): visible line k, row r of that line (a line takes
// several rows when wrapped or expanded). Only lines that reach the screen
// are ever rendered, and each rendering is cached until something that
// changes it (width, toggles, search, rules) bumps the pane's generation.

// contentHeight returns the rows available for lines.
func (p *pane) contentHeight() int {
	h := p.height - p.contentTop() // title bar, rates row
	if p.mode != inputNone {
		h--
	}
	if p.rulesOpen {
		h -= p.rulesHeight()
	}
	return max(h, 0)
}

// contentTop is the first content row below the title bar (and the rates row).
func (p *pane) contentTop() int {
	top := 1
	if p.showRates {
		top = 2
	}
	if p.olderRowShown(top) { // the row offering older lines (pane_older.go)
		top++
	}
	return top
}

// invalidate drops every cached rendering.
func (p *pane) invalidate() {
	p.gen++
	p.dirty = true
}

// lineRows returns the rendered rows of the line at abs.
func (p *pane) lineRows(abs int64) []string {
	if p.cacheGen != p.gen || p.cache == nil {
		p.cache = make(map[int64][]string, 2*p.height+16)
		p.cacheGen = p.gen
	}
	if r, ok := p.cache[abs]; ok {
		return r
	}
	e, ok := p.buf.get(abs)
	if !ok {
		return []string{strings.Repeat(" ", max(p.width, 0))}
	}
	r := p.renderEntry(abs, &e)
	if len(p.cache) > 8*p.height+256 {
		clear(p.cache)
	}
	p.cache[abs] = r
	return r
}

// rowCount returns how many rows the line at abs takes, rendering it only
// when its stored width cannot tell.
func (p *pane) rowCount(abs int64) int {
	if !p.wrap && p.pretty != prettyExpanded {
		return 1
	}
	if p.pretty == prettyOff {
		if e, ok := p.buf.get(abs); ok && !e.kind.IsMarker() && p.prefixWidth()+int(e.width) <= p.width {
			return 1
		}
	}
	return len(p.lineRows(abs))
}

// window returns the position at the top of the view. A following pane shows
// the last rows; a paused one starts at its anchor, unless too little is left
// below the anchor to fill the view, in which case it shows the last rows too.
func (p *pane) window() (k, r int) {
	n, h := p.buf.count(), p.contentHeight()
	if n == 0 || h == 0 {
		return 0, 0
	}
	if !p.follow {
		k = p.buf.indexOf(p.top)
		if k < n && p.buf.absAt(k) == p.top {
			r = min(p.topRow, p.rowCount(p.top)-1)
		}
		if k < n && p.rowsFrom(k, r, h) >= h {
			return k, r
		}
	}
	need := h
	for k := n - 1; k >= 0; k-- {
		c := p.rowCount(p.buf.absAt(k))
		if c >= need {
			return k, c - need
		}
		need -= c
	}
	return 0, 0
}

// rowsFrom counts the rows from (k, r) to the end, stopping once it reaches
// limit.
func (p *pane) rowsFrom(k, r, limit int) int {
	total := 0
	for n := p.buf.count(); k < n && total < limit; k++ {
		total += p.rowCount(p.buf.absAt(k)) - r
		r = 0
	}
	return total
}

// up moves (k, r) up by d rows, stopping at the top.
func (p *pane) up(k, r, d int) (int, int) {
	for ; d > 0; d-- {
		if r > 0 {
			r--
			continue
		}
		if k == 0 {
			break
		}
		k--
		r = p.rowCount(p.buf.absAt(k)) - 1
	}
	return k, r
}

// scrollUp scrolls up d rows and pauses the pane. It does nothing when the
// top is already shown.
func (p *pane) scrollUp(d int) {
	if p.buf.count() == 0 {
		return
	}
	k, r := p.window()
	if k == 0 && r == 0 {
		return
	}
	k, r = p.up(k, r, d)
	p.pauseAt(k, r)
}

// scrollDown scrolls down d rows; reaching the bottom resumes following.
func (p *pane) scrollDown(d int) {
	if p.follow || p.buf.count() == 0 {
		return
	}
	k, r := p.window()
	n := p.buf.count()
	for ; d > 0; d-- {
		if r < p.rowCount(p.buf.absAt(k))-1 {
			r++
			continue
		}
		if k >= n-1 {
			break
		}
		k, r = k+1, 0
	}
	p.top, p.topRow = p.buf.absAt(k), r
	p.dirty = true
	if h := p.contentHeight(); p.rowsFrom(k, r, h+1) <= h {
		p.resume()
	}
}

// toTop shows the oldest line kept.
func (p *pane) toTop() {
	if h := p.contentHeight(); p.buf.count() > 0 && p.rowsFrom(0, 0, h+1) > h {
		p.pauseAt(0, 0)
	}
}

// pauseAt stops following and anchors the view at (k, r).
func (p *pane) pauseAt(k, r int) {
	if p.follow {
		p.follow = false
		p.newSince = 0
	}
	p.top, p.topRow = p.buf.absAt(k), r
	p.dirty = true
}

// resume follows the tail again.
func (p *pane) resume() {
	p.follow = true
	p.newSince = 0
	p.dirty = true
}

// visibleRange returns the absolute indexes of the first and last line on
// screen; ok is false when nothing is.
func (p *pane) visibleRange() (first, last int64, ok bool) {
	n, h := p.buf.count(), p.contentHeight()
	if n == 0 || h == 0 {
		return 0, 0, false
	}
	k, r := p.window()
	first = p.buf.absAt(k)
	rows := 0
	for ; k < n; k++ {
		rows += p.rowCount(p.buf.absAt(k)) - r
		r = 0
		last = p.buf.absAt(k)
		if rows >= h {
			break
		}
	}
	return first, last, true
}

// reveal scrolls so that the line at abs is on screen, a third of the way
// down, unless it is on screen already.
func (p *pane) reveal(abs int64) {
	if first, last, ok := p.visibleRange(); ok && abs >= first && abs <= last {
		p.dirty = true
		return
	}
	k := p.buf.indexOf(abs)
	if k >= p.buf.count() {
		return
	}
	k, r := p.up(k, 0, p.contentHeight()/3)
	p.pauseAt(k, r)
}

// contentRows draws the visible rows, exactly contentHeight of them, each
// exactly width cells wide, and records which line each row shows.
func (p *pane) contentRows() []string {
	h, w := p.contentHeight(), max(p.width, 0)
	rows := make([]string, 0, h)
	p.rowAbs = p.rowAbs[:0]
	n := p.buf.count()
	if n == 0 {
		msg := "waiting for lines…"
		switch {
		case p.buf.filtered && p.buf.kept() > 0:
			msg = fmt.Sprintf("no line of %d matches the filters", p.buf.kept())
		case p.ended():
			msg = "no lines"
		}
		blank := strings.Repeat(" ", w)
		for i := range h {
			if i == h/2 {
				var rw rowWriter
				rw.reset(w, false)
				pad := max((w-measure(msg))/2, 0)
				rw.write(strings.Repeat(" ", pad)+msg, p.c.styles.pFaint)
				rows = append(rows, rw.finish()...)
			} else {
				rows = append(rows, blank)
			}
			p.rowAbs = append(p.rowAbs, -1)
		}
		return rows
	}
	k, r := p.window()
	for ; k < n && len(rows) < h; k++ {
		abs := p.buf.absAt(k)
		lr := p.lineRows(abs)
		if r >= len(lr) {
			r = 0
		}
		end := min(len(lr), r+h-len(rows))
		for _, row := range lr[r:end] {
			rows = append(rows, row)
			p.rowAbs = append(p.rowAbs, abs)
		}
		r = 0
	}
	blank := strings.Repeat(" ", w)
	for len(rows) < h {
		rows = append(rows, blank)
		p.rowAbs = append(p.rowAbs, -1)
	}
	return rows
}

// showTags reports whether lines carry their origin's tag: when the pane has
// seen more than one origin.
func (p *pane) showTags() bool { return len(p.origins) > 1 }

// prefixWidth returns the width of the timestamp and tag columns.
func (p *pane) prefixWidth() int {
	n := 0
	if p.ts != TimestampsOff {
		n += timestampWidth(p.ts) + 1
	}
	if p.showTags() {
		n += p.tagWidth + 1
	}
	return n
}

func timestampWidth(m TimestampMode) int {
	switch m {
	case TimestampsLocal:
		return 12
	case TimestampsUTC:
		return 13
	case TimestampsRelative, TimestampsSinceMark:
		return 7
	}
	return 0
}

// formatTime renders t for the timestamp column, exactly
// timestampWidth(p.ts) cells wide.
func (p *pane) formatTime(abs int64, t time.Time) string {
	wd := timestampWidth(p.ts)
	if t.IsZero() {
		return strings.Repeat(" ", wd)
	}
	var s string
	switch p.ts {
	case TimestampsSinceMark:
		s = "-"
		if m, ok := p.buf.markBefore(abs); ok {
			if me, ok := p.buf.get(m); ok && !me.time().IsZero() {
				s = relativeTime(me.time().Sub(t))
			}
		}
	case TimestampsLocal:
		s = t.In(p.c.loc).Format("15:04:05.000")
	case TimestampsUTC:
		s = t.UTC().Format("15:04:05.000Z")
	case TimestampsRelative:
		s = relativeTime(p.c.now.Sub(t))
	}
	if n := len(s); n < wd {
		s = strings.Repeat(" ", wd-n) + s
	}
	return s
}

// relativeTime formats an age in at most 7 cells: -4.2s, -42s, -12m03s,
// -5h03m, -3d05h; a line from the future (clock skew) gets a plus sign.
func relativeTime(d time.Duration) string {
	sign := "-"
	if d < 0 {
		sign, d = "+", -d
	}
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%s%.1fs", sign, d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%s%ds", sign, int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%s%dm%02ds", sign, int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%s%dh%02dm", sign, int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%s%dd%02dh", sign, int(d.Hours())/24, int(d.Hours())%24)
}

// tag returns the origin's tag, padded or cut to the tag column.
func (p *pane) tag(o *stream.Origin) string {
	name, ok := p.tags[o]
	if !ok {
		name = "?"
		if o != nil {
			name = clean(o.Name)
		}
	}
	return fitWidth(name, p.tagWidth)
}

// renderEntry draws one line into rows.
func (p *pane) renderEntry(abs int64, e *entry) []string {
	st := p.c.styles
	w := &p.rw
	w.reset(p.width, p.wrap)
	w.rows = make([]string, 0, 1)
	switch {
	case p.isSelected(abs) || abs == p.spot:
		w.base = st.pSelected
	case p.buf.marked(abs):
		w.base = st.pMarked
	case p.buf.isContext(e):
		w.base = st.pTimestamp // faint: shown as context of a kept line
	}
	prefix := 0
	if p.ts != TimestampsOff {
		w.write(p.formatTime(abs, e.time()), st.pTimestamp)
		w.write(" ", "")
		prefix += timestampWidth(p.ts) + 1
	}
	if p.showTags() {
		var op paint
		if e.origin != nil {
			op = st.originPaint(e.origin.ID)
		}
		w.write(p.tag(e.origin), op)
		w.write(" ", "")
		prefix += p.tagWidth + 1
	}
	w.indent = prefix
	if e.kind.IsMarker() {
		p.writeMarker(w, abs, e, prefix)
		return w.finish()
	}
	if !p.wrap {
		w.skip, w.skipped = p.xoff, 0
	}
	if e.filled != stream.NotFilled {
		// Spliced in from another source to fill a gap: a faint tag says which.
		w.write("["+e.filled.String()+"] ", st.pTimestamp)
	}
	p.writeBody(w, abs, e)
	return w.finish()
}

// writeBody draws a log line: pretty-printed when asked and possible, with
// its level coloured, search matches and highlights on top.
func (p *pane) writeBody(w *rowWriter, abs int64, e *entry) {
	st := p.c.styles
	plain := e.plain()
	var base []span
	pretty := false
	if p.pretty != prettyOff {
		var out styled
		if prettyJSON(plain, p.pretty, p.c.fields, st, &out) || prettyLogfmt(plain, p.c.fields, st, &out) {
			plain, base, pretty = out.b.String(), out.spans, true
		}
	}
	if !pretty && e.lvl != levelNone {
		base = []span{{int(e.lvlStart), int(e.lvlEnd), st.pLevel[e.lvl]}}
	}
	over := p.overlays(abs, plain)
	if !pretty && len(over) == 0 && e.flags&entSGR != 0 {
		// The source kept the line's own colours; show them as they are.
		w.write(e.text(), "")
		return
	}
	for _, s := range overlay(plain, base, over) {
		w.write(s.text, s.p)
	}
}

// overlays returns the spans of plain that search and highlights paint.
func (p *pane) overlays(abs int64, plain string) []span {
	st := p.c.styles
	var over []span
	add := func(m *stream.Matcher, pt paint) {
		if m == nil {
			return
		}
		for _, loc := range m.MatchIndex(plain) {
			over = append(over, span{loc[0], loc[1], pt})
		}
	}
	for _, r := range p.rules {
		if r.kind == ruleHighlight {
			add(r.m, r.p)
		}
	}
	if p.live != nil {
		add(p.live, st.pMatch)
	} else if p.buf.search != nil {
		pt := st.pMatch
		if abs == p.cur {
			pt = st.pMatchCurrent
		}
		add(p.buf.search, pt)
	}
	return over
}

// writeMarker draws a marker line: "── text ──────".
func (p *pane) writeMarker(w *rowWriter, abs int64, e *entry, prefix int) {
	st := p.c.styles
	pt := st.pMarker
	if e.kind == stream.KindError {
		pt = st.pMarkerError
	}
	head := "── " + markerText(e.line(), e.plain()) + " "
	s := head + strings.Repeat("─", max(p.width-prefix-measure(head), 2))
	for _, sg := range overlay(s, []span{{0, len(s), pt}}, p.overlays(abs, s)) {
		w.write(sg.text, sg.p)
	}
}

// markerText is what a marker line says: its text, or a default per kind.
func markerText(l stream.Line, text string) string {
	if text != "" {
		return text
	}
	switch l.Kind {
	case stream.KindReconnect:
		return "reconnecting"
	case stream.KindResume:
		return "resumed"
	case stream.KindGap:
		if l.Count > 0 {
			return fmt.Sprintf("gap: %d lines lost", l.Count)
		}
		return "gap: lines may be missing"
	case stream.KindRestart:
		return "container restarted"
	case stream.KindDropped:
		return fmt.Sprintf("dropped %d lines", l.Count)
	case stream.KindEnded:
		return "ended"
	case stream.KindError:
		return "error"
	}
	return l.Kind.String()
}
