package ui

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
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
	return padRight(ansi.Truncate(v, p.width, ""), p.width, min(lipgloss.Width(v), p.width))
}

// View draws the pane: title bar, rows, then the rules list and the prompt
// when open. The result is exactly width × height cells.
func (p *pane) View() string {
	return strings.Join(p.viewRows(), "\n")
}

// viewRows returns the pane's rows, redrawn only when something changed.
func (p *pane) viewRows() []string {
	if !p.dirty && p.viewCache != nil && p.viewFocused == p.focused {
		return p.viewCache
	}
	if p.width <= 0 || p.height <= 0 {
		return nil
	}
	rows := make([]string, 0, p.height)
	rows = append(rows, p.titleBar())
	if p.showRates {
		r := p.ratesRow()
		rows = append(rows, padRight(ansi.Truncate(r, p.width, ""), p.width, min(lipgloss.Width(r), p.width)))
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
		rows[i] = padRight(ansi.Truncate(r, p.width, "…"), p.width, min(lipgloss.Width(r), p.width))
	}
	return rows
}

// stateSummary describes the pane's sources for the title bar.
func (p *pane) stateSummary() (string, int) {
	const (
		toneOK = iota
		toneWarn
		toneErr
		toneDim
	)
	if len(p.statuses) == 0 {
		return "◌ connecting", toneDim
	}
	var counts [stream.StateFailed + 1]int
	var first [stream.StateFailed + 1]stream.Status
	for _, o := range p.statusOrd {
		s := p.statuses[o]
		if s.State < 0 || s.State > stream.StateFailed {
			continue
		}
		if counts[s.State] == 0 {
			first[s.State] = s
		}
		counts[s.State]++
	}
	total := len(p.statusOrd)
	rate := formatRate(p.rate)
	single := func(st stream.State) bool { return counts[st] == total }
	switch {
	case single(stream.StateLive):
		return "● live " + rate, toneOK
	case single(stream.StateFailed):
		return "✖ failed: " + clean(first[stream.StateFailed].Err), toneErr
	case single(stream.StateReconnecting):
		s := first[stream.StateReconnecting]
		return "↻ " + reconnectText(s, p.c.now), toneWarn
	case single(stream.StateEnded):
		return "■ ended", toneDim
	case single(stream.StateConnecting):
		return "◌ connecting", toneDim
	case single(stream.StateQueued):
		return "… queued", toneDim
	}
	var parts []string
	names := [...]string{"connecting", "live", "reconnecting", "queued", "ended", "failed"}
	for st := stream.StateConnecting; st <= stream.StateFailed; st++ {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], names[st]))
		}
	}
	tone := toneOK
	switch {
	case counts[stream.StateFailed] > 0:
		tone = toneErr
	case counts[stream.StateReconnecting] > 0 || counts[stream.StateConnecting] > 0:
		tone = toneWarn
	}
	return "● " + strings.Join(parts, " · ") + " " + rate, tone
}

func reconnectText(s stream.Status, now time.Time) string {
	t := "reconnecting"
	if s.Attempt > 0 {
		t += fmt.Sprintf(" (attempt %d", s.Attempt)
		if !s.NextTry.IsZero() && s.NextTry.After(now) {
			t += fmt.Sprintf(", next in %s", s.NextTry.Sub(now).Round(time.Second))
		}
		t += ")"
	}
	if s.Err != "" {
		t += ": " + clean(s.Err)
	}
	return t
}

// formatRate formats lines per second compactly: 0/s, 0.4/s, 42/s, 1.2k/s, 50k/s.
func formatRate(r float64) string {
	switch {
	case r == 0:
		return "0/s"
	case r < 10:
		return fmt.Sprintf("%.1f/s", r) // a quiet pod still shows it is alive
	case r < 1000:
		return fmt.Sprintf("%d/s", int(r))
	case r < 10000:
		return fmt.Sprintf("%.1fk/s", r/1000)
	}
	return fmt.Sprintf("%dk/s", int(r/1000))
}

// formatCount formats a count compactly: 999, 1.2k, 12k, 1.5M.
func formatCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 10000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	case n < 1_000_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}

// levelCounts is the title's count of error and warning lines kept, "E3 W12"
// ("" when there are none): errors include fatal lines.
func (p *pane) levelCounts() string {
	e := p.buf.levels[levelError] + p.buf.levels[levelFatal]
	w := p.buf.levels[levelWarn]
	var parts []string
	if e > 0 {
		parts = append(parts, "E"+formatCount(int64(e)))
	}
	if w > 0 {
		parts = append(parts, "W"+formatCount(int64(w)))
	}
	return strings.Join(parts, " ")
}

// titleBar draws the pane's title: number, name, source state and badges
// for everything that changes what the pane shows.
func (p *pane) titleBar() string {
	st := p.c.styles
	bar, badge := st.TitleBlurred, st.TitleBlurred.Bold(true)
	mark := " "
	if p.focused {
		bar, badge = st.TitleFocused, st.TitleFocused
		mark = "▶"
	}
	state, tone := p.stateSummary()
	toneStyle := bar
	switch tone {
	case 1:
		toneStyle = st.titleWarn(p.focused)
	case 2:
		toneStyle = st.titleErr(p.focused)
	}
	var badges []string
	if !p.follow {
		badges = append(badges, fmt.Sprintf("⏸ paused · %s new", formatCount(int64(p.newSince))))
	}
	if p.buf.search != nil {
		s := "/" + clean(p.buf.search.Pattern())
		if r := p.buf.matchRank(p.cur); r > 0 {
			s += fmt.Sprintf(" %d/%d", r, len(p.buf.matches))
		} else {
			s += fmt.Sprintf(" %d", len(p.buf.matches))
		}
		badges = append(badges, s)
	}
	if p.buf.filtered {
		n := 0
		for _, r := range p.rules {
			if r.kind != ruleHighlight {
				n++
			}
		}
		f := "filter"
		if n > 0 {
			f += fmt.Sprintf(" %d", n)
		}
		if p.minLevel != levelNone {
			f += " ≥" + p.minLevel.String()
		}
		badges = append(badges, fmt.Sprintf("%s: %s/%s", f, formatCount(int64(p.buf.count())), formatCount(int64(p.buf.kept()))))
	}
	if lv := p.levelCounts(); lv != "" {
		badges = append(badges, lv)
	}
	if d := p.buf.dropped(); d > 0 {
		badges = append(badges, "scrollback −"+formatCount(d))
	}
	if p.hubDrops > 0 {
		badges = append(badges, "dropped "+formatCount(int64(p.hubDrops)))
	}
	if p.selecting {
		badges = append(badges, "select")
	}
	var toggles []string
	if p.wrap {
		toggles = append(toggles, "wrap")
	} else if p.xoff > 0 {
		toggles = append(toggles, fmt.Sprintf("→%d", p.xoff))
	}
	if p.ts != TimestampsOff {
		toggles = append(toggles, p.ts.String())
	}
	if p.pretty != prettyOff {
		toggles = append(toggles, p.pretty.String())
	}
	if len(toggles) > 0 {
		badges = append(badges, strings.Join(toggles, ","))
	}

	head := fmt.Sprintf("%s%d ", mark, int(p.id))
	right := ""
	if len(badges) > 0 {
		right = " " + strings.Join(badges, " │ ") + " "
	}
	w := p.width
	name := clean(p.title)
	// Give room to, in order: head, state, badges, name.
	avail := w - measure(head) - measure(right) - 1
	stateW := measure(state)
	nameW := measure(name)
	if nameW+1+stateW > avail {
		nameW = max(min(nameW, avail-stateW-1), min(nameW, 12, max(avail, 0)))
		name = truncateTo(name, nameW)
		nameW = measure(name)
		state = truncateTo(state, max(avail-nameW-1, 0))
		stateW = measure(state)
	}
	gap := w - measure(head) - nameW - 1 - stateW - measure(right)
	var b strings.Builder
	b.WriteString(bar.Render(head))
	b.WriteString(badge.Render(name))
	b.WriteString(bar.Render(" "))
	b.WriteString(toneStyle.Render(state))
	if gap > 0 {
		b.WriteString(bar.Render(strings.Repeat(" ", gap)))
	}
	b.WriteString(badge.Render(right))
	s := b.String()
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return padRight(s, w, lipgloss.Width(s))
}

// truncateTo cuts s to at most w cells with an ellipsis.
func truncateTo(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if measure(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
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
		{k.Up, k.Down, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown, k.Top, k.Follow, k.Left, k.Right},
		{k.Search, k.NextMatch, k.PrevMatch, k.Include, k.Exclude, k.Where, k.Highlight, k.Context, k.Rules, k.Cancel},
		{k.NextError, k.PrevError, k.NextWarn, k.PrevWarn, k.MinLevel, k.Mark, k.NextMark, k.PrevMark, k.ClearMarks, k.JumpTime, k.FollowID, k.Rates},
		{k.Wrap, k.Timestamps, k.Pretty, k.Fields, k.Select, k.Copy, k.Save},
	}
}
