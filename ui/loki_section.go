package ui

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// lokiLevel is how deep the Loki browser is.
type lokiLevel int

const (
	lokiLabels lokiLevel = iota // label names
	lokiValues                  // values of one label
	lokiSeries                  // label sets matching a selector
)

// String returns the name of l.
func (l lokiLevel) String() string {
	switch l {
	case lokiLabels:
		return "labels"
	case lokiValues:
		return "values"
	}
	return "series"
}

// lokiTimeout bounds each label-index request.
const lokiTimeout = 15 * time.Second

// lokiReadyMsg reports the outcome of Catalog.Loki.
type lokiReadyMsg struct {
	lc  LokiCatalog
	err error
}

// lokiListMsg carries one label-index answer; req drops stale answers.
type lokiListMsg struct {
	req   int
	level lokiLevel
	items []string
	err   error
}

// lokiSection browses Loki's label index: label names, then values, then
// series, each lazily loaded; and takes LogQL queries typed by hand.
type lokiSection struct {
	c             *common
	width, height int

	ready    bool // Catalog.Loki has answered
	lc       LokiCatalog
	why      string // why there is no Loki
	describe string

	level    lokiLevel
	label    string // label whose values are listed
	selector string // selector whose series are listed
	items    []string
	shown    []int // indexes into items passing the filter
	loading  bool
	err      string
	req      int
	cursor   int
	offset   int
	selected map[string]bool

	filter textinput.Model // always has the keyboard unless querying

	query    textinput.Model
	querying bool
	history  []string
	histPos  int

	consumedEsc bool // the last esc did something here
}

func newLokiSection(c *common) *lokiSection {
	ls := &lokiSection{c: c, selected: map[string]bool{}}
	ls.filter = newTextInput(c.styles, "› ", "type to filter")
	ls.filter.Focus()
	ls.query = newTextInput(c.styles, "LogQL › ", `{namespace="prod"} |= "error"`)
	ls.history = append(ls.history, c.queryHistory...)
	ls.histPos = len(ls.history)
	return ls
}

func (ls *lokiSection) setSize(w, h int) {
	ls.width, ls.height = w, h
	ls.filter.SetWidth(max(w-4, 1))
	ls.query.SetWidth(max(w-10, 1))
}

// setCatalog records the outcome of Catalog.Loki.
func (ls *lokiSection) setCatalog(lc LokiCatalog, err error) {
	ls.ready = true
	ls.lc = lc
	if lc == nil {
		ls.why = "no Loki found"
		if err != nil {
			ls.why = clean(err.Error())
		}
		return
	}
	ls.describe = clean(lc.Describe())
}

func (ls *lokiSection) capturesKeys() bool { return ls.querying }

// activate loads label names the first time the section is shown.
func (ls *lokiSection) activate() tea.Cmd {
	if ls.lc == nil || ls.loading || len(ls.items) > 0 || ls.err != "" {
		return nil
	}
	return ls.load(lokiLabels, "", "")
}

// load fetches a list in a command goroutine.
func (ls *lokiSection) load(level lokiLevel, label, selector string) tea.Cmd {
	if ls.lc == nil {
		return nil
	}
	ls.req++
	req, lc, ctx := ls.req, ls.lc, ls.c.ctx
	ls.level, ls.label, ls.selector = level, label, selector
	ls.items, ls.shown, ls.err, ls.loading = nil, nil, "", true
	ls.cursor, ls.offset = 0, 0
	clear(ls.selected)
	ls.filter.SetValue("")
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, lokiTimeout)
		defer cancel()
		var items []string
		var err error
		switch level {
		case lokiLabels:
			items, err = lc.Labels(ctx)
		case lokiValues:
			items, err = lc.Values(ctx, label)
		case lokiSeries:
			var sets []map[string]string
			sets, err = lc.Series(ctx, selector)
			for _, s := range sets {
				items = append(items, selectorOf(s))
			}
		}
		return lokiListMsg{req: req, level: level, items: items, err: err}
	}
}

// setList applies a lokiListMsg.
func (ls *lokiSection) setList(msg lokiListMsg) {
	if msg.req != ls.req {
		return
	}
	ls.loading = false
	if msg.err != nil {
		ls.err = clean(msg.err.Error())
		return
	}
	items := make([]string, len(msg.items))
	for i, s := range msg.items {
		items[i] = clean(s)
	}
	sort.Strings(items)
	ls.items = items
	ls.refilter()
}

// selectorOf builds the LogQL stream selector of a label set.
func selectorOf(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(labels[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// valuesSelector builds the selector for some values of a label.
func valuesSelector(label string, values []string) string {
	if len(values) == 1 {
		return "{" + label + "=" + strconv.Quote(values[0]) + "}"
	}
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = regexp.QuoteMeta(v)
	}
	return "{" + label + "=~" + strconv.Quote(strings.Join(q, "|")) + "}"
}

func (ls *lokiSection) refilter() {
	terms := strings.Fields(strings.ToLower(ls.filter.Value()))
	ls.shown = ls.shown[:0]
	for i, it := range ls.items {
		l := strings.ToLower(it)
		ok := true
		for _, t := range terms {
			ok = ok && fuzzyTerm(t, l)
		}
		if ok {
			ls.shown = append(ls.shown, i)
		}
	}
	ls.clamp()
}

func (ls *lokiSection) listHeight() int { return max(ls.height-6, 1) }

func (ls *lokiSection) clamp() {
	ls.cursor = min(max(ls.cursor, 0), max(len(ls.shown)-1, 0))
	lh := ls.listHeight()
	if ls.cursor < ls.offset {
		ls.offset = ls.cursor
	}
	if ls.cursor >= ls.offset+lh {
		ls.offset = ls.cursor - lh + 1
	}
}

func (ls *lokiSection) current() (string, bool) {
	if ls.cursor < 0 || ls.cursor >= len(ls.shown) {
		return "", false
	}
	return ls.items[ls.shown[ls.cursor]], true
}

// chosen returns the selected items, or the one under the cursor.
func (ls *lokiSection) chosen() []string {
	var out []string
	for _, it := range ls.items {
		if ls.selected[it] {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		if it, ok := ls.current(); ok {
			out = append(out, it)
		}
	}
	return out
}

// selectorNow is the selector the current list stands for, used to prefill
// the query input.
func (ls *lokiSection) selectorNow() string {
	switch ls.level {
	case lokiValues:
		if c := ls.chosen(); len(c) > 0 {
			return valuesSelector(ls.label, c)
		}
	case lokiSeries:
		if c := ls.chosen(); len(c) == 1 {
			return c[0]
		}
		return ls.selector
	}
	return ""
}

// Update handles keys for the section.
func (ls *lokiSection) Update(msg tea.Msg) (*lokiSection, tea.Cmd) {
	ls.consumedEsc = false
	k := ls.c.keys
	switch msg := msg.(type) {
	case tea.PasteMsg:
		var cmd tea.Cmd
		if ls.querying {
			ls.query, cmd = ls.query.Update(msg)
			return ls, cmd
		}
		ls.filter, cmd = ls.filter.Update(msg)
		ls.refilter()
		return ls, cmd
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			ls.cursor -= 3
		case tea.MouseWheelDown:
			ls.cursor += 3
		}
		ls.clamp()
		return ls, nil
	case tea.KeyPressMsg:
		if ls.querying {
			return ls, ls.queryKey(msg)
		}
		lh := ls.listHeight()
		if c, ok := listMove(msg, k, ls.cursor, lh, len(ls.shown)); ok {
			ls.cursor = c
			ls.clamp()
			return ls, nil
		}
		switch {
		case key.Matches(msg, k.LokiQuery):
			ls.querying = true
			ls.filter.Blur()
			ls.query.SetValue(ls.selectorNow())
			ls.query.CursorEnd()
			ls.histPos = len(ls.history)
			return ls, ls.query.Focus()
		case key.Matches(msg, k.Toggle):
			if it, ok := ls.current(); ok && ls.level != lokiLabels {
				ls.selected[it] = !ls.selected[it]
				if !ls.selected[it] {
					delete(ls.selected, it)
				}
				ls.cursor++
			}
		case key.Matches(msg, k.LokiBack) && (msg.String() == "left" || ls.filter.Value() == ""):
			switch ls.level {
			case lokiValues:
				return ls, ls.load(lokiLabels, "", "")
			case lokiSeries:
				return ls, ls.load(lokiValues, ls.label, "")
			}
		case key.Matches(msg, k.OpenSplit):
			return ls, ls.open(true)
		case key.Matches(msg, k.Accept):
			it, ok := ls.current()
			if !ok {
				return ls, nil
			}
			switch ls.level {
			case lokiLabels:
				return ls, ls.load(lokiValues, it, "")
			case lokiValues:
				return ls, ls.load(lokiSeries, ls.label, valuesSelector(ls.label, ls.chosen()))
			case lokiSeries:
				return ls, ls.open(false)
			}
		case key.Matches(msg, k.Cancel):
			if ls.filter.Value() != "" {
				ls.consumedEsc = true
				ls.filter.SetValue("")
				ls.refilter()
			} else if len(ls.selected) > 0 {
				ls.consumedEsc = true
				clear(ls.selected)
			}
			return ls, nil
		default:
			before := ls.filter.Value()
			var cmd tea.Cmd
			ls.filter, cmd = ls.filter.Update(msg)
			if ls.filter.Value() != before {
				ls.refilter()
				ls.cursor = 0
			}
			return ls, cmd
		}
		ls.clamp()
	}
	return ls, nil
}

// queryKey handles keys in the query input: enter runs, up and down walk the
// history, esc cancels.
func (ls *lokiSection) queryKey(msg tea.KeyPressMsg) tea.Cmd {
	k := ls.c.keys
	switch {
	case key.Matches(msg, k.Cancel):
		ls.consumedEsc = true
		ls.querying = false
		ls.query.Blur()
		ls.filter.Focus()
		return nil
	case key.Matches(msg, k.Accept):
		q := strings.TrimSpace(ls.query.Value())
		if q == "" {
			return nil
		}
		ls.querying = false
		ls.query.Blur()
		ls.filter.Focus()
		if n := len(ls.history); n == 0 || ls.history[n-1] != q {
			ls.history = append(ls.history, q)
		}
		ls.histPos = len(ls.history)
		req := openRequest{sels: []Selection{{LokiQueries: []string{q}}}, titles: []string{q}}
		open := func() tea.Msg { return openPanesMsg(req) }
		if save := ls.c.saveQuery; save != nil {
			return tea.Batch(open, func() tea.Msg { save(q); return nil })
		}
		return open
	case key.Matches(msg, k.HistoryPrev):
		if ls.histPos > 0 {
			ls.histPos--
			ls.query.SetValue(ls.history[ls.histPos])
			ls.query.CursorEnd()
		}
		return nil
	case key.Matches(msg, k.HistoryNext):
		if ls.histPos < len(ls.history)-1 {
			ls.histPos++
			ls.query.SetValue(ls.history[ls.histPos])
		} else {
			ls.histPos = len(ls.history)
			ls.query.SetValue("")
		}
		ls.query.CursorEnd()
		return nil
	}
	var cmd tea.Cmd
	ls.query, cmd = ls.query.Update(msg)
	return cmd
}

// open asks for panes: values and series become selectors, each one query.
func (ls *lokiSection) open(split bool) tea.Cmd {
	var queries []string
	switch ls.level {
	case lokiLabels:
		return nil
	case lokiValues:
		for _, v := range ls.chosen() {
			queries = append(queries, valuesSelector(ls.label, []string{v}))
		}
	case lokiSeries:
		queries = ls.chosen()
	}
	if len(queries) == 0 {
		return nil
	}
	clear(ls.selected)
	var req openRequest
	if split {
		for _, q := range queries {
			req.sels = append(req.sels, Selection{LokiQueries: []string{q}})
			req.titles = append(req.titles, q)
		}
	} else {
		title := queries[0]
		if len(queries) > 1 {
			title += fmt.Sprintf(" +%d", len(queries)-1)
		}
		req.sels = []Selection{{LokiQueries: queries, Merged: len(queries) > 1}}
		req.titles = []string{title}
	}
	return func() tea.Msg { return openPanesMsg(req) }
}

// clickRow moves the cursor to the row at y, counted from the section's
// first row (where Loki is described; the list starts three rows below).
func (ls *lokiSection) clickRow(y int) {
	i := ls.offset + y - 3
	if i >= 0 && i < len(ls.shown) {
		ls.cursor = i
	}
}

// viewRows draws the section in h rows.
func (ls *lokiSection) viewRows(h int) []string {
	st := ls.c.styles
	var rows []string
	switch {
	case !ls.ready:
		rows = append(rows, st.Faint.Render(" looking for Loki…"))
	case ls.lc == nil:
		rows = append(rows, st.Warn.Render(" Loki: not available — "+ls.why))
	default:
		rows = append(rows, st.Faint.Render(" "+ls.describe))
	}
	crumb := " labels"
	switch ls.level {
	case lokiValues:
		crumb += " › " + ls.label
	case lokiSeries:
		crumb += " › " + ls.label + " › " + ls.selector
	}
	rows = append(rows, st.Accent.Render(crumb))
	switch {
	case ls.querying:
		rows = append(rows, " "+ls.query.View())
	case ls.filter.Value() != "":
		rows = append(rows, " "+ls.filter.View())
	default:
		rows = append(rows, " "+ls.filter.View()+st.Faint.Render("   : types a LogQL query (↑/↓ history)"))
	}
	lh := max(h-len(rows)-1, 1)
	switch {
	case ls.lc == nil:
	case ls.loading:
		rows = append(rows, st.Faint.Render("  loading "+ls.level.String()+"…"))
	case ls.err != "":
		rows = append(rows, st.Error.Render("  "+ls.err))
	case len(ls.shown) == 0:
		rows = append(rows, st.Faint.Render("  nothing here"))
	}
	for i := ls.offset; i < len(ls.shown) && i < ls.offset+lh; i++ {
		it := ls.items[ls.shown[i]]
		mark := "    "
		if ls.level != lokiLabels {
			mark = "[ ] "
			if ls.selected[it] {
				mark = "[x] "
			}
		}
		r := fitRow("  "+mark+it, ls.width)
		if i == ls.cursor {
			r = st.PanelCursor.Render(r)
		}
		rows = append(rows, r)
	}
	for len(rows) < h-1 {
		rows = append(rows, "")
	}
	var hint string
	switch ls.level {
	case lokiLabels:
		hint = " enter values · : query · tab pods"
	case lokiValues:
		hint = " space select · enter series · O pane per value · ← back · : query"
	case lokiSeries:
		hint = " space select · enter one merged pane · O pane each · ← back · : query"
	}
	if ls.lc == nil {
		hint = " : LogQL query needs Loki · tab pods"
	}
	rows = append(rows[:max(min(len(rows), h-1), 0)], st.Faint.Render(hint))
	return rows
}

// ShortHelp implements help.KeyMap.
func (ls *lokiSection) ShortHelp() []key.Binding {
	k := ls.c.keys
	if ls.querying {
		run := k.Accept
		run.SetHelp("enter", "run")
		return []key.Binding{run, k.HistoryPrev, k.HistoryNext, k.Cancel}
	}
	accept := k.Accept
	switch ls.level {
	case lokiLabels:
		accept.SetHelp("enter", "values")
	case lokiValues:
		accept.SetHelp("enter", "series")
	default:
		accept.SetHelp("enter", "open merged")
	}
	return []key.Binding{
		when(k.Toggle, ls.level != lokiLabels), accept, when(k.OpenSplit, ls.level != lokiLabels),
		when(k.LokiBack, ls.level != lokiLabels), k.LokiQuery, k.Section,
	}
}
