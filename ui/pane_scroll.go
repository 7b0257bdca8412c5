package ui

import (
	"fmt"
	"regexp"

	tea "charm.land/bubbletea/v2"
)

// scrollX scrolls long lines sideways when they are cut, not wrapped.
func (p *pane) scrollX(d int) {
	if p.wrap {
		return
	}
	if x := max(p.xoff+d, 0); x != p.xoff {
		p.xoff = x
		p.invalidate()
	}
}

// jumpMatch moves to the next (newer) or previous (older) search match.
func (p *pane) jumpMatch(forward bool) {
	if p.buf.search == nil {
		return
	}
	from := p.cur
	if from < 0 {
		if first, last, ok := p.visibleRange(); ok {
			from = last + 1
			if forward {
				from = first - 1
			}
		}
	}
	abs, ok := p.buf.matchFrom(from, forward)
	if !ok {
		return
	}
	p.cur = abs
	p.invalidate()
	p.reveal(abs)
}

// jumpLevel moves to the next (or previous) line at level min or above, from the
// line jumped to last or, the first time, from the edge of the screen, and marks it.
func (p *pane) jumpLevel(min level, forward bool) tea.Cmd {
	from := p.spot
	if first, last, ok := p.visibleRange(); ok && (from < first || from > last) {
		from = last + 1
		if forward {
			from = first - 1
		}
	}
	abs, ok := p.buf.levelFrom(from, forward, min)
	if !ok {
		dir := "after"
		if !forward {
			dir = "before"
		}
		return statusCmd(fmt.Sprintf("no %s or above %s this point", min, dir), false)
	}
	p.spot = abs
	p.invalidate()
	p.reveal(abs)
	return nil
}

// target is the line a mark applies to: the spot when it is on screen, else the
// last line on screen.
func (p *pane) target() (int64, bool) {
	first, last, ok := p.visibleRange()
	if !ok {
		return 0, false
	}
	if p.spot >= first && p.spot <= last {
		return p.spot, true
	}
	return last, true
}

// mark marks or unmarks the target line, or marks every line of the selection.
func (p *pane) mark() tea.Cmd {
	if p.selecting {
		a, b := min(p.selA, p.selB), max(p.selA, p.selB)
		n := 0
		for k, cnt := p.buf.indexOf(a), p.buf.count(); k < cnt && p.buf.absAt(k) <= b; k++ {
			if abs := p.buf.absAt(k); !p.buf.marked(abs) {
				p.buf.toggleMark(abs)
				n++
			}
		}
		p.selecting = false
		p.invalidate()
		return statusCmd(fmt.Sprintf("%s marked (%d in all)", plural(n, "line"), len(p.buf.marks)), false)
	}
	abs, ok := p.target()
	if !ok {
		return statusCmd("no line to mark", true)
	}
	on := p.buf.toggleMark(abs)
	p.spot = abs
	p.invalidate()
	if !on {
		return statusCmd(fmt.Sprintf("mark removed (%d left)", len(p.buf.marks)), false)
	}
	return statusCmd(fmt.Sprintf("line marked (%d in all): u/U jump between marks", len(p.buf.marks)), false)
}

// jumpMark moves the spot to the next or previous mark.
func (p *pane) jumpMark(forward bool) tea.Cmd {
	if len(p.buf.marks) == 0 {
		return statusCmd("no marks: M marks a line", false)
	}
	from := p.spot
	if first, last, ok := p.visibleRange(); ok && (from < first || from > last) {
		from = last + 1
		if forward {
			from = first - 1
		}
	}
	abs, ok := p.buf.markFrom(from, forward)
	if !ok {
		return statusCmd("no more marks that way", false)
	}
	p.spot = abs
	p.invalidate()
	p.reveal(abs)
	return nil
}

// fieldsMsg sets what fields mode shows, in every pane (a fieldView spec).
type fieldsMsg struct{ spec string }

// followIDMsg asks every pane to show only lines holding value (an ID taken from a
// line); an empty value stops following.
type followIDMsg struct{ field, value string }

// followID takes the ID of the target line (a trace, span or request ID field, or
// else the first UUID or long hex token) and asks every pane to filter for it.
func (p *pane) followID() tea.Cmd {
	abs, ok := p.target()
	if !ok {
		return statusCmd("no line to take an ID from", true)
	}
	e, _ := p.buf.get(abs)
	field, value := lineID(e.plain())
	if value == "" {
		return statusCmd("no ID in this line (a trace_id, request_id or span_id field, a UUID or a long hex value)", true)
	}
	p.spot = abs
	p.invalidate()
	return func() tea.Msg { return followIDMsg{field, value} }
}

// setFollow replaces the pane's follow rule (see followIDMsg).
func (p *pane) setFollow(value string) {
	rules := p.rules[:0]
	for _, r := range p.rules {
		if !r.follow {
			rules = append(rules, r)
		}
	}
	p.rules = rules
	if value != "" {
		pat := regexp.QuoteMeta(value)
		p.rules = append(p.rules, rule{kind: ruleInclude, pattern: pat, m: newMatcher(pat), follow: true})
	}
	p.applyRules(nil)
}

// jumpTime moves the spot to the line nearest the time the user typed.
func (p *pane) jumpTime(value string) tea.Cmd {
	t, err := parseJumpTime(value, p.c.now, p.c.loc)
	if err != nil {
		return statusCmd(err.Error(), true)
	}
	abs, ok := p.buf.nearestTime(t)
	if !ok {
		return statusCmd("no line with a time to jump to", true)
	}
	p.spot = abs
	p.invalidate()
	p.reveal(abs)
	e, _ := p.buf.get(abs)
	return statusCmd(fmt.Sprintf("the nearest line to %s is at %s", t.In(p.c.loc).Format("2006-01-02 15:04:05"), e.time().In(p.c.loc).Format("15:04:05.000")), false)
}

// minLevels is the order L cycles the minimum level through.
var minLevels = [...]level{levelNone, levelInfo, levelWarn, levelError}

// cycleMinLevel sets the next minimum level and applies it as a filter.
func (p *pane) cycleMinLevel() tea.Cmd {
	i := 0
	for j, l := range minLevels {
		if l == p.minLevel {
			i = j
		}
	}
	p.minLevel = minLevels[(i+1)%len(minLevels)]
	p.applyRules(nil)
	if p.minLevel == levelNone {
		return statusCmd("every level shown", false)
	}
	return statusCmd(fmt.Sprintf("%s and above: %d of %d lines shown (lines with no level are hidden)", p.minLevel, p.buf.count(), p.buf.kept()), false)
}

// toggleSelecting starts or ends line selection; it starts on the last line
// on screen.
func (p *pane) toggleSelecting() {
	if p.selecting {
		p.selecting = false
		p.invalidate()
		return
	}
	if _, last, ok := p.visibleRange(); ok {
		p.selecting = true
		p.selA, p.selB = last, last
		p.invalidate()
	}
}

// moveSelection moves the moving end of the selection by d visible lines,
// scrolling to keep it on screen.
func (p *pane) moveSelection(d int) {
	k := p.buf.indexOf(p.selB) + d
	k = min(max(k, 0), p.buf.count()-1)
	if k < 0 {
		return
	}
	p.selB = p.buf.absAt(k)
	p.invalidate()
	first, last, ok := p.visibleRange()
	switch {
	case !ok:
	case p.selB < first:
		p.scrollUp(1)
	case p.selB > last:
		p.scrollDown(1)
	}
}

// selectRows selects the lines shown between two content rows (mouse drag).
func (p *pane) selectRows(fromRow, toRow int) {
	at := func(r int) int64 {
		if len(p.rowAbs) == 0 {
			return -1
		}
		r = min(max(r, 0), len(p.rowAbs)-1)
		for r > 0 && p.rowAbs[r] < 0 {
			r--
		}
		return p.rowAbs[r]
	}
	a, b := at(fromRow), at(toRow)
	if a < 0 || b < 0 {
		return
	}
	p.selecting, p.selA, p.selB = true, a, b
	p.invalidate()
}
