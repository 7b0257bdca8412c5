package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/tailui/tailui/stream"
)

// rules helpers.

// addRules adds include, exclude and where rules (the command line's filters) and
// applies them. An expression that does not parse is left out: the command line
// checked it already.
func (p *pane) addRules(include, exclude []string, where string) {
	for _, v := range include {
		p.rules = append(p.rules, rule{kind: ruleInclude, pattern: v, m: newMatcher(v)})
	}
	for _, v := range exclude {
		p.rules = append(p.rules, rule{kind: ruleExclude, pattern: v, m: newMatcher(v)})
	}
	if w, err := stream.ParseWhere(where); where != "" && err == nil {
		p.rules = append(p.rules, rule{kind: ruleWhere, pattern: where, w: w})
	}
	if len(p.rules) > 0 {
		p.applyRules(nil)
	}
}

func (p *pane) rulesHeight() int {
	return min(len(p.rules)+1, max(p.height/2, 2))
}

func (p *pane) applyRules(extra *rule) {
	var inc, exc []string
	var where []*stream.Where
	rules := p.rules
	if extra != nil {
		rules = append(rules[:len(rules):len(rules)], *extra)
	}
	for _, r := range rules {
		switch r.kind {
		case ruleInclude:
			inc = append(inc, r.pattern)
		case ruleExclude:
			exc = append(exc, r.pattern)
		case ruleWhere:
			where = append(where, r.w)
		}
	}
	if p.minLevel != levelNone {
		w, _ := stream.ParseWhere("level>=" + p.minLevel.String())
		where = append(where, w)
	}
	p.buf.setFilter(inc, exc, where)
	p.keepSearchPlace()
	p.invalidate()
}

// keepSearchPlace keeps the search where it was after the visible lines changed:
// the current match stays current, or the nearest match after it (before it, at
// the end) takes its place, and a paused pane shows it.
func (p *pane) keepSearchPlace() {
	if p.cur < 0 {
		return
	}
	if p.buf.matchRank(p.cur) == 0 {
		if abs, ok := p.buf.matchFrom(p.cur, true); ok {
			p.cur = abs
		} else if abs, ok := p.buf.matchFrom(p.cur, false); ok {
			p.cur = abs
		} else {
			p.cur = -1
			return
		}
	}
	if !p.follow {
		p.reveal(p.cur)
	}
}

// toggleContext shows or hides the lines around each line the filter keeps.
func (p *pane) toggleContext() tea.Cmd {
	n := 0
	if p.buf.context == 0 {
		n = p.c.contextLines
	}
	p.buf.setContext(n)
	p.keepSearchPlace()
	p.invalidate()
	switch {
	case n == 0:
		return statusCmd("context off: only the lines the filters keep", false)
	case !p.buf.filtered:
		return statusCmd(fmt.Sprintf("context on: %d lines around each line a filter keeps, once there is a filter", n), false)
	}
	return statusCmd(fmt.Sprintf("context on: %d lines before and after each line the filters keep, drawn faint", n), false)
}

func (p *pane) handleRulesKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.keys
	switch {
	case key.Matches(msg, k.Up):
		p.rulesCursor = max(p.rulesCursor-1, 0)
	case key.Matches(msg, k.Down):
		p.rulesCursor = min(p.rulesCursor+1, len(p.rules)-1)
	case key.Matches(msg, k.RemoveRule):
		if p.rulesCursor < len(p.rules) {
			p.rules = append(p.rules[:p.rulesCursor], p.rules[p.rulesCursor+1:]...)
			p.applyRules(nil)
			p.rulesCursor = min(p.rulesCursor, len(p.rules)-1)
		}
	case key.Matches(msg, k.ClearRules):
		p.rules = nil
		p.applyRules(nil)
	case key.Matches(msg, k.Cancel), key.Matches(msg, k.Rules), key.Matches(msg, k.Accept):
		p.rulesOpen = false
	}
	if len(p.rules) == 0 {
		p.rulesOpen = false
	}
	p.dirty = true
	return nil
}

// prompts.

func (p *pane) openInput(m inputMode) tea.Cmd {
	ti := newTextInput(p.c.styles, "", "") // prompt and placeholder per mode below
	switch m {
	case inputSearch:
		ti.Prompt = "/"
		ti.Placeholder = "search (regexp, smart case)"
		if p.buf.search != nil {
			ti.SetValue(p.buf.search.Pattern())
		}
	case inputInclude:
		ti.Prompt = "filter+ "
		ti.Placeholder = "show only lines matching"
	case inputExclude:
		ti.Prompt = "filter− "
		ti.Placeholder = "hide lines matching"
	case inputHighlight:
		ti.Prompt = "highlight "
		ti.Placeholder = "colour matches of"
	case inputWhere:
		ti.Prompt = "where "
		ti.Placeholder = "fields, e.g. level>=warn && status>=500"
	case inputSave:
		ti.Prompt = "save to "
		if n := len(p.buf.marks); n > 0 {
			ti.Prompt = fmt.Sprintf("save %s to ", plural(n, "marked line"))
		}
		ti.SetValue(p.defaultSavePath())
	case inputFields:
		ti.Prompt = "fields "
		ti.Placeholder = "level msg trace_id shows only those; -caller -ts hides those; empty: all"
		ti.SetValue(p.c.fields.String())
	case inputTime:
		ti.Prompt = "jump to "
		ti.Placeholder = "a time: 10:42, 10:42:05, 2026-12-01T10:42:05Z, -5m"
	}
	p.mode = m
	p.input = ti
	p.input.SetWidth(max(p.width-lipgloss.Width(ti.Prompt)-1, 1))
	p.dirty = true
	return p.input.Focus()
}

func (p *pane) closeInput() {
	p.mode = inputNone
	p.live = nil
	p.input.Blur()
	p.invalidate()
}

// filterDebounceMsg applies a filter being typed once typing pauses.
type filterDebounceMsg struct {
	pane paneID
	seq  int
}

// Filtering a big buffer with a regular expression takes tens of
// milliseconds; past this many lines a filter being typed waits for a pause.
const (
	debounceLines = 20_000
	debounceDelay = 150 * time.Millisecond
)

// inputChanged applies what is being typed: searches and highlights light
// up as they are typed, filters apply live (after a short pause when the
// buffer is big and the pattern a regular expression).
func (p *pane) inputChanged() tea.Cmd {
	if p.mode == inputWhere {
		p.filterSeq++
		if p.buf.kept() > debounceLines {
			return p.c.after(debounceDelay, filterDebounceMsg{p.id, p.filterSeq})
		}
		p.applyPending(p.filterSeq)
		return nil
	}
	m := newMatcher(p.input.Value())
	p.live = m
	p.invalidate()
	if p.mode != inputInclude && p.mode != inputExclude {
		return nil
	}
	p.filterSeq++
	if m != nil && p.buf.kept() > debounceLines && strings.ContainsAny(m.Pattern(), `\.+*?()|[]{}^$`) {
		return p.c.after(debounceDelay, filterDebounceMsg{p.id, p.filterSeq})
	}
	p.applyPending(p.filterSeq)
	return nil
}

// applyPending applies the filter being typed, unless typing went on since.
func (p *pane) applyPending(seq int) {
	if seq != p.filterSeq || (p.mode != inputInclude && p.mode != inputExclude && p.mode != inputWhere) {
		return
	}
	if p.mode == inputWhere {
		// An expression applies as soon as it parses; while it does not, the
		// lines shown stay those of the rules already there.
		w, err := stream.ParseWhere(strings.TrimSpace(p.input.Value()))
		if err != nil {
			p.applyRules(nil)
			return
		}
		p.applyRules(&rule{kind: ruleWhere, pattern: w.String(), w: w})
		return
	}
	m := newMatcher(p.input.Value())
	if m == nil {
		p.applyRules(nil)
		return
	}
	kind := ruleInclude
	if p.mode == inputExclude {
		kind = ruleExclude
	}
	p.applyRules(&rule{kind: kind, pattern: m.Pattern(), m: m})
}

func (p *pane) handleInputKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.keys
	switch {
	case key.Matches(msg, k.Cancel):
		mode := p.mode
		p.closeInput()
		if mode == inputInclude || mode == inputExclude || mode == inputWhere {
			p.applyRules(nil)
		}
		return nil
	case key.Matches(msg, k.Accept):
		return p.acceptInput()
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() != before {
		cmd = tea.Batch(cmd, p.inputChanged())
	}
	p.dirty = true
	return cmd
}

func (p *pane) acceptInput() tea.Cmd {
	mode, value := p.mode, strings.TrimSpace(p.input.Value())
	if mode == inputWhere && value != "" {
		w, err := stream.ParseWhere(value)
		if err != nil {
			// Keep the prompt open, with what was typed, and say what is wrong.
			return statusCmd("where: "+err.Error(), true)
		}
		p.closeInput()
		p.rules = append(p.rules, rule{kind: ruleWhere, pattern: value, w: w})
		p.applyRules(nil)
		return statusCmd(fmt.Sprintf("where %s: %d of %d lines shown", value, p.buf.count(), p.buf.kept()), false)
	}
	p.closeInput()
	switch mode {
	case inputSearch:
		m := newMatcher(value)
		p.buf.setSearch(m)
		p.cur = -1
		if m == nil {
			return nil
		}
		// Start from the newest match at or above the bottom of the screen.
		if _, last, ok := p.visibleRange(); ok {
			if abs, ok := p.buf.matchFrom(last+1, false); ok {
				p.cur = abs
				p.reveal(abs)
			}
		}
		n := len(p.buf.matches)
		msg := fmt.Sprintf("/%s: %s", value, plural(n, "matching line"))
		if m.Err() != nil {
			msg += " (not a valid regexp: matched as text)"
		}
		return statusCmd(msg, n == 0)
	case inputInclude, inputExclude, inputHighlight:
		if value == "" {
			p.applyRules(nil)
			return nil
		}
		kind := map[inputMode]ruleKind{inputInclude: ruleInclude, inputExclude: ruleExclude, inputHighlight: ruleHighlight}[mode]
		r := rule{kind: kind, pattern: value, m: newMatcher(value)}
		if kind == ruleHighlight {
			hs := p.c.styles.pHighlights
			r.p = hs[p.nextColor%len(hs)]
			p.nextColor++
		}
		p.rules = append(p.rules, r)
		p.applyRules(nil)
		if kind != ruleHighlight {
			return statusCmd(fmt.Sprintf("%s %q: %d of %d lines shown", kind, value, p.buf.count(), p.buf.kept()), false)
		}
	case inputSave:
		if value == "" {
			return nil
		}
		return p.save(value)
	case inputTime:
		if value == "" {
			return nil
		}
		return p.jumpTime(value)
	case inputFields:
		if p.pretty != prettyFields {
			p.pretty = prettyFields
			p.invalidate()
		}
		return func() tea.Msg { return fieldsMsg{value} }
	}
	return nil
}

// inputView draws the prompt row.
func (p *pane) inputView() string {
	v := p.input.View()
	return cutRow(v, p.width)
}

// rulesRows draws the list of filters and highlights.
func (p *pane) rulesRows() []string {
	st := p.c.styles
	h := p.rulesHeight()
	rows := []string{padRight(st.Accent.Render(" filters & highlights — d remove · D all · esc close"), p.width, 0)}
	start := max(0, p.rulesCursor-(h-2))
	for i := start; i < len(p.rules) && len(rows) < h; i++ {
		r := p.rules[i]
		line := fmt.Sprintf("  %-9s %s", r.kind, r.pattern)
		if r.m != nil && r.m.Err() != nil {
			line += "  (not a regexp: matched as text)"
		}
		line = fitWidth(clean(line), p.width)
		if i == p.rulesCursor {
			line = st.PanelCursor.Render(line)
		}
		rows = append(rows, line)
	}
	for i, r := range rows {
		rows[i] = fitRow(r, p.width)
	}
	return rows
}
