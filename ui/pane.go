package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/tailui/tailui/stream"
)

// paneID identifies a pane for its whole life; messages and commands carry
// it so that those of a closed pane are dropped.
type paneID int

// inputMode says which prompt, if any, a pane shows at its bottom.
type inputMode int

const (
	inputNone inputMode = iota
	inputSearch
	inputInclude
	inputExclude
	inputHighlight
	inputSave
	inputWhere
	inputTime
	inputFields
)

var inputModeNames = [...]string{"none", "search", "include", "exclude", "highlight", "save", "where", "time", "fields"}

// String returns the name of m.
func (m inputMode) String() string {
	if m >= 0 && int(m) < len(inputModeNames) {
		return inputModeNames[m]
	}
	return "unknown"
}

// pane shows the lines of one selection. It owns its buffer, filters,
// search, scroll position and render cache; the root model feeds it batches
// and sizes it.
type pane struct {
	id     paneID
	c      *common
	title  string
	sel    Selection
	cancel context.CancelFunc // stops its sources
	hub    *stream.Hub        // its sources write here; nil once the pane is closed
	// sources are what feeds it, once opened; hidden says they were told the pane
	// is off screen (OnScreenSource).
	sources []stream.Source
	hidden  bool

	width, height int
	focused       bool

	buf       *buffer
	origins   []*stream.Origin // log origins in order of first line
	originSet map[*stream.Origin]bool
	tags      map[*stream.Origin]string // short origin tags
	tagWidth  int
	statuses  map[*stream.Origin]stream.Status
	statusOrd []*stream.Origin
	hubDrops  int // lines the hub dropped before they reached this pane
	// merger interleaves lines of several origins by time; it exists once
	// the pane has seen a second origin.
	merger  *stream.Merger
	scratch []stream.Line

	// Scrolling: follow the tail, or stay anchored at (top, topRow).
	follow   bool
	top      int64
	topRow   int
	newSince int // lines that arrived while paused
	xoff     int // horizontal scroll in cells (no wrap)

	wrap   bool
	ts     TimestampMode
	pretty prettyMode

	rules     []rule
	live      *stream.Matcher // pattern being typed, highlighted as it is typed
	cur       int64           // current search match, -1 for none
	nextColor int
	filterSeq int // bumped by every edit of a filter being typed

	mode        inputMode
	input       textinput.Model
	rulesOpen   bool
	rulesCursor int

	selecting  bool
	selA, selB int64

	// older loads lines from before the first ones (pane_older.go).
	older olderState

	// spot is the line a level jump landed on (-1: none), drawn highlighted.
	spot int64
	// minLevel hides log lines below it (levelNone: off); L cycles it.
	minLevel level

	// rates counts lines per second for the histogram row that R shows; the
	// row's last drawing is kept for clicks (step seconds a bar, ending at end).
	rates             rateHist
	showRates         bool
	rateStep, rateEnd int64
	rateBars          int

	// Rate of lines per second, measured between ticks.
	linesSinceTick int
	rate           float64
	lastTick       time.Time

	// Rendering caches.
	gen, cacheGen int
	cache         map[int64][]string
	rw            rowWriter
	rowAbs        []int64 // line shown by each content row, -1 for none
	dirty         bool
	viewCache     []string
	viewFocused   bool
}

func newPane(id paneID, c *common, title string, sel Selection, o *Options) *pane {
	p := &pane{
		id:        id,
		c:         c,
		title:     title,
		sel:       sel,
		buf:       newBuffer(o.Scrollback),
		originSet: map[*stream.Origin]bool{},
		statuses:  map[*stream.Origin]stream.Status{},
		follow:    true,
		cur:       -1,
		spot:      -1,
		wrap:      o.Wrap,
		ts:        o.Timestamps,
		dirty:     true,
		lastTick:  c.now,
	}
	return p
}

// setSize sets the pane's outer size, title bar included.
func (p *pane) setSize(w, h int) {
	if w == p.width && h == p.height {
		return
	}
	p.width, p.height = w, h
	p.input.SetWidth(max(w-lipgloss.Width(p.input.Prompt)-1, 1))
	p.tagWidth = p.computeTagWidth()
	p.invalidate()
}

func (p *pane) setFocused(f bool) {
	if p.focused != f {
		p.focused = f
		p.dirty = true
	}
}

// setStatus records a source's state change.
func (p *pane) setStatus(s stream.Status) {
	if _, ok := p.statuses[s.Origin]; !ok {
		p.statusOrd = append(p.statusOrd, s.Origin)
	}
	p.statuses[s.Origin] = s
	p.dirty = true
}

// ended reports whether every source of the pane has ended or failed.
func (p *pane) ended() bool {
	if len(p.statuses) == 0 {
		return false
	}
	for _, s := range p.statuses {
		if s.State != stream.StateEnded && s.State != stream.StateFailed {
			return false
		}
	}
	return true
}

// tick updates the lines-per-second rate.
func (p *pane) tick(now time.Time) {
	if dt := now.Sub(p.lastTick).Seconds(); dt > 0 {
		r := float64(p.linesSinceTick) / dt
		if p.rate == 0 {
			p.rate = r
		} else {
			p.rate = 0.5*p.rate + 0.5*r
		}
		if p.rate < 0.05 {
			p.rate = 0
		}
	}
	p.linesSinceTick = 0
	p.lastTick = now
	p.dirty = true
	if p.ts == TimestampsRelative {
		p.invalidate()
	}
}

// isSelected reports whether the line at abs is in the line selection.
func (p *pane) isSelected(abs int64) bool {
	if !p.selecting {
		return false
	}
	a, b := min(p.selA, p.selB), max(p.selA, p.selB)
	return abs >= a && abs <= b
}

// Update handles a message addressed to this pane: keys and mouse events
// when it has focus, pastes into its prompt.
func (p *pane) Update(msg tea.Msg) (*pane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p, p.handleKey(msg)
	case tea.PasteMsg:
		if p.mode != inputNone {
			var cmd tea.Cmd
			p.input, cmd = p.input.Update(msg)
			return p, tea.Batch(cmd, p.inputChanged())
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			p.scrollUp(3)
		case tea.MouseWheelDown:
			p.scrollDown(3)
		case tea.MouseWheelLeft:
			p.scrollX(-8)
		case tea.MouseWheelRight:
			p.scrollX(8)
		}
	}
	return p, nil
}

// capturesKeys reports whether the pane takes every key (a prompt is open),
// so that global keys such as q must not be interpreted.
func (p *pane) capturesKeys() bool { return p.mode != inputNone }

// handleKey handles a key: the prompt's or the rules list's when open, else
// one case per key binding, each a call or two (about 120 lines; a table of
// bindings would hide the order in which they are tried).
func (p *pane) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.keys
	if p.mode != inputNone {
		return p.handleInputKey(msg)
	}
	if p.rulesOpen {
		return p.handleRulesKey(msg)
	}
	half := max(p.contentHeight()/2, 1)
	page := max(p.contentHeight()-1, 1)
	switch {
	case p.selecting && key.Matches(msg, k.Up):
		p.moveSelection(-1)
	case p.selecting && key.Matches(msg, k.Down):
		p.moveSelection(1)
	case key.Matches(msg, k.Up):
		p.scrollUp(1)
	case key.Matches(msg, k.Down):
		p.scrollDown(1)
	case key.Matches(msg, k.HalfUp):
		p.scrollUp(half)
	case key.Matches(msg, k.HalfDown):
		p.scrollDown(half)
	case key.Matches(msg, k.PageUp):
		p.scrollUp(page)
	case key.Matches(msg, k.PageDown):
		p.scrollDown(page)
	case key.Matches(msg, k.Top):
		p.toTop()
	case key.Matches(msg, k.Older):
		return p.loadOlder()
	case key.Matches(msg, k.Follow):
		p.resume()
	case key.Matches(msg, k.Left):
		p.scrollX(-8)
	case key.Matches(msg, k.Right):
		p.scrollX(8)
	case key.Matches(msg, k.Search):
		return p.openInput(inputSearch)
	case key.Matches(msg, k.NextMatch):
		p.jumpMatch(true)
	case key.Matches(msg, k.PrevMatch):
		p.jumpMatch(false)
	case key.Matches(msg, k.Include):
		return p.openInput(inputInclude)
	case key.Matches(msg, k.Exclude):
		return p.openInput(inputExclude)
	case key.Matches(msg, k.Highlight):
		return p.openInput(inputHighlight)
	case key.Matches(msg, k.Where):
		return p.openInput(inputWhere)
	case key.Matches(msg, k.Rules):
		if len(p.rules) > 0 {
			p.rulesOpen, p.rulesCursor = true, 0
			p.dirty = true
		} else {
			return statusCmd("no filters or highlights to clear", false)
		}
	case key.Matches(msg, k.NextError):
		return p.jumpLevel(levelError, true)
	case key.Matches(msg, k.PrevError):
		return p.jumpLevel(levelError, false)
	case key.Matches(msg, k.NextWarn):
		return p.jumpLevel(levelWarn, true)
	case key.Matches(msg, k.PrevWarn):
		return p.jumpLevel(levelWarn, false)
	case key.Matches(msg, k.MinLevel):
		return p.cycleMinLevel()
	case key.Matches(msg, k.Mark):
		return p.mark()
	case key.Matches(msg, k.NextMark):
		return p.jumpMark(true)
	case key.Matches(msg, k.PrevMark):
		return p.jumpMark(false)
	case key.Matches(msg, k.ClearMarks):
		n := len(p.buf.marks)
		p.buf.marks = p.buf.marks[:0]
		p.invalidate()
		return statusCmd(fmt.Sprintf("%s cleared", plural(n, "mark")), false)
	case key.Matches(msg, k.JumpTime):
		return p.openInput(inputTime)
	case key.Matches(msg, k.FollowID):
		return p.followID()
	case key.Matches(msg, k.Context):
		return p.toggleContext()
	case key.Matches(msg, k.Fields):
		return p.openInput(inputFields)
	case key.Matches(msg, k.Rates):
		p.showRates = !p.showRates
		p.invalidate()
		if p.showRates {
			return statusCmd("lines per second over the last 10 minutes, errors in red: click a bar to jump there", false)
		}
		return nil
	case key.Matches(msg, k.Wrap):
		p.wrap = !p.wrap
		p.xoff = 0
		p.invalidate()
		return statusCmd("wrap "+onOff(p.wrap), false)
	case key.Matches(msg, k.Timestamps):
		p.ts = (p.ts + 1) % numTimestampModes
		p.invalidate()
		return statusCmd("timestamps: "+p.ts.String(), false)
	case key.Matches(msg, k.Pretty):
		p.pretty = (p.pretty + 1) % numPrettyModes
		p.invalidate()
		return statusCmd("pretty: "+p.pretty.String(), false)
	case key.Matches(msg, k.Select):
		p.toggleSelecting()
	case key.Matches(msg, k.Copy):
		return p.copy()
	case key.Matches(msg, k.Save):
		return p.openInput(inputSave)
	case key.Matches(msg, k.Cancel):
		switch {
		case p.selecting:
			p.selecting = false
			p.invalidate()
		case p.buf.search != nil:
			p.buf.setSearch(nil)
			p.cur = -1
			p.invalidate()
		}
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// View draws the pane: title bar, rows, then the rules list and the prompt
// when open. The result is exactly width × height cells.
func (p *pane) View() string {
	return strings.Join(p.viewRows(), "\n")
}

// stale reports whether viewRows would draw the pane anew.
func (p *pane) stale() bool {
	return p.dirty || p.viewCache == nil || p.viewFocused != p.focused
}

// viewRows returns the pane's rows, redrawn only when something changed.
func (p *pane) viewRows() []string {
	if !p.stale() {
		return p.viewCache
	}
	if p.width <= 0 || p.height <= 0 {
		return nil
	}
	rows := make([]string, 0, p.height)
	rows = append(rows, p.titleBar())
	if p.showRates {
		r := p.ratesRow()
		rows = append(rows, cutRow(r, p.width))
	}
	if p.olderRowShown(len(rows)) {
		rows = append(rows, p.olderRow())
	}
	rows = append(rows, p.contentRows()...)
	if p.rulesOpen {
		rows = append(rows, p.rulesRows()...)
	}
	if p.mode != inputNone {
		rows = append(rows, p.inputView())
	}
	for len(rows) < p.height {
		rows = append(rows, strings.Repeat(" ", p.width))
	}
	p.viewCache, p.viewFocused, p.dirty = rows[:p.height], p.focused, false
	return p.viewCache
}

// ShortHelp implements help.KeyMap for the footer.
func (p *pane) ShortHelp() []key.Binding {
	k := p.c.keys
	if p.mode != inputNone {
		return []key.Binding{k.Accept, k.Cancel}
	}
	if p.rulesOpen {
		return []key.Binding{k.Up, k.Down, k.RemoveRule, k.ClearRules, k.Cancel}
	}
	if p.selecting {
		return []key.Binding{k.Up, k.Down, k.Copy, k.Cancel}
	}
	return []key.Binding{
		when(k.Follow, !p.follow),
		k.Search,
		when(k.NextMatch, p.buf.search != nil),
		when(k.PrevMatch, p.buf.search != nil),
		k.Include, k.Exclude,
		when(k.Rules, len(p.rules) > 0),
		k.Wrap, k.Timestamps, k.Pretty, k.Copy, k.Save,
	}
}

// FullHelp implements help.KeyMap for the help screen.
func (p *pane) FullHelp() [][]key.Binding {
	k := p.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown, k.Top, k.Older, k.Follow, k.Left, k.Right},
		{k.Search, k.NextMatch, k.PrevMatch, k.Include, k.Exclude, k.Where, k.Highlight, k.Context, k.Rules, k.Cancel},
		{k.NextError, k.PrevError, k.NextWarn, k.PrevWarn, k.MinLevel, k.Mark, k.NextMark, k.PrevMark, k.ClearMarks, k.JumpTime, k.FollowID, k.Rates},
		{k.Wrap, k.Timestamps, k.Pretty, k.Fields, k.Select, k.Copy, k.Save},
	}
}

// start records how to stop the pane's sources.
func (p *pane) start(cancel context.CancelFunc) { p.cancel = cancel }

// setOnScreen tells the pane's sources whether it is on screen, when that changed.
func (p *pane) setOnScreen(on bool) {
	if p.hidden == !on {
		return
	}
	p.hidden = !on
	p.tellOnScreen()
}

// tellOnScreen tells each source that hears it whether the pane is on screen.
func (p *pane) tellOnScreen() {
	for _, src := range p.sources {
		if s, ok := src.(OnScreenSource); ok {
			s.SetOnScreen(!p.hidden)
		}
	}
}

// stop stops the pane's sources, if they run.
func (p *pane) stop() {
	if p.cancel != nil {
		p.cancel()
	}
}

// initContext sets the context lines of a new pane (--context on).
func (p *pane) initContext(n int) { p.buf.context = n }

// takesKeys reports whether keys go to the pane before the model: a prompt or
// the rules list is open.
func (p *pane) takesKeys() bool { return p.capturesKeys() || p.rulesOpen }

// ownsCancel reports whether esc means something to the pane: a selection or
// a search to cancel.
func (p *pane) ownsCancel() bool { return p.selecting || p.buf.search != nil }

// onRatesRow reports whether row y of the pane (0 is the title bar) is the
// rates row.
func (p *pane) onRatesRow(y int) bool { return p.showRates && y == 1 }

// lineRate returns the pane's lines per second.
func (p *pane) lineRate() float64 { return p.rate }

// selectingLines reports whether lines are being selected.
func (p *pane) selectingLines() bool { return p.selecting }
