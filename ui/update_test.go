package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

var (
	oWeb = &stream.Origin{ID: "prod/web-1/app", Name: "web-1/app"}
	oAPI = &stream.Origin{ID: "prod/api-1/api", Name: "api-1/api"}
)

func webSel() Selection {
	return Selection{Pods: []PodRef{{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4"}}}
}
func apiSel() Selection {
	return Selection{Pods: []PodRef{{Namespace: "prod", Name: "api-5c7b9d4f8-w7q2c"}}}
}

// onePane returns a model with one pane fed n lines "line %d".
func onePane(t *testing.T, w, h, n int) (*Model, *pane, *feeder) {
	t.Helper()
	m, _ := newTestModel(t, w, h)
	p := openPanes(m, []string{"web"}, webSel())[0]
	f := newFeeder(m, p)
	f.lines(logLines(oWeb, n, "line %d")...).flush()
	return m, p, f
}

// lastShown returns the text of the last line on screen.
func lastShown(p *pane) string {
	_, last, ok := p.visibleRange()
	if !ok {
		return ""
	}
	e, _ := p.buf.get(last)
	return e.plain()
}

func firstShown(p *pane) string {
	first, _, ok := p.visibleRange()
	if !ok {
		return ""
	}
	e, _ := p.buf.get(first)
	return e.plain()
}

func TestFollowAndPause(t *testing.T) {
	m, p, f := onePane(t, 80, 24, 100)
	if !p.follow || lastShown(p) != "line 99" {
		t.Fatalf("new pane: follow=%v last=%q, want following at line 99", p.follow, lastShown(p))
	}
	press(m, "k")
	if p.follow {
		t.Fatal("scrolling up did not pause")
	}
	if got := lastShown(p); got != "line 98" {
		t.Errorf("after k the last line is %q, want line 98", got)
	}
	top := firstShown(p)
	f.lines(logLines(oWeb, 7, "new %d")...).flush()
	if p.newSince != 7 {
		t.Errorf("newSince = %d, want 7", p.newSince)
	}
	if got := firstShown(p); got != top {
		t.Errorf("paused view moved from %q to %q when lines arrived", top, got)
	}
	if title := p.titleBar(); !strings.Contains(title, "paused · 7 new") {
		t.Errorf("title %q does not say paused · 7 new", title)
	}
	press(m, "G")
	if !p.follow || p.newSince != 0 || lastShown(p) != "new 6" {
		t.Errorf("after G: follow=%v newSince=%d last=%q", p.follow, p.newSince, lastShown(p))
	}

	// Scrolling back down to the bottom resumes too.
	press(m, "pgup")
	if p.follow {
		t.Fatal("pgup did not pause")
	}
	press(m, "pgdown", "pgdown")
	if !p.follow {
		t.Error("reaching the bottom with pgdown did not resume following")
	}

	// g goes to the oldest line; end resumes.
	press(m, "g")
	if got := firstShown(p); got != "line 0" || p.follow {
		t.Errorf("after g: first=%q follow=%v", got, p.follow)
	}
	press(m, "end")
	if !p.follow {
		t.Error("end did not resume")
	}

	// The mouse wheel scrolls the pane under the pointer.
	send(m, tea.MouseWheelMsg{Button: tea.MouseWheelUp, X: 5, Y: 5})
	if p.follow {
		t.Error("wheel up did not pause")
	}
}

func TestScrollUpDoesNothingWhenAllFits(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 5)
	press(m, "k", "pgup", "g")
	if !p.follow {
		t.Error("a pane whose lines all fit paused on scroll up")
	}
}

func TestPausedViewSurvivesRingDrops(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m.opts.Scrollback = 60
	p := openPanes(m, []string{"web"}, webSel())[0]
	f := newFeeder(m, p)
	f.lines(logLines(oWeb, 50, "line %d")...).flush()
	press(m, "pgup")
	top := firstShown(p)
	if top != "line 9" {
		t.Fatalf("after pgup the first line is %q, want line 9", top)
	}
	f.lines(logLines(oWeb, 15, "more %d")...).flush()
	if got := firstShown(p); got != top {
		t.Errorf("view moved from %q to %q although its lines are still kept", top, got)
	}
	if p.buf.dropped() != 5 {
		t.Errorf("dropped = %d, want 5", p.buf.dropped())
	}
	if !strings.Contains(p.titleBar(), "scrollback −5") {
		t.Errorf("title %q does not show the drops", p.titleBar())
	}
	// Drop the anchored lines too: the view moves to the oldest kept line.
	f.lines(logLines(oWeb, 45, "flood %d")...).flush()
	if got := firstShown(p); got != "more 0" {
		t.Errorf("after the anchor was dropped the first line is %q, want more 0", got)
	}
}

func TestSearch(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 100)
	press(m, "/")
	if p.mode != inputSearch {
		t.Fatalf("mode = %v, want search", p.mode)
	}
	typeText(m, "line 1\\d$")
	if p.live == nil {
		t.Error("no live highlight while typing")
	}
	press(m, "enter")
	if p.mode != inputNone {
		t.Fatalf("mode after enter = %v", p.mode)
	}
	if got := len(p.buf.matches); got != 10 {
		t.Fatalf("matches = %d, want 10 (line 10..19)", got)
	}
	// The newest match is not on screen (lines 77..99 are): it was revealed.
	e, _ := p.buf.get(p.cur)
	if e.plain() != "line 19" {
		t.Errorf("current match %q, want line 19", e.plain())
	}
	if p.follow {
		t.Error("revealing a match off screen should pause")
	}
	press(m, "N")
	if e, _ := p.buf.get(p.cur); e.plain() != "line 18" {
		t.Errorf("after N current is %q, want line 18", e.plain())
	}
	press(m, "n", "n")
	if e, _ := p.buf.get(p.cur); e.plain() != "line 19" {
		t.Errorf("after n n current is %q, want line 19 (no wrap past the last)", e.plain())
	}
	if !strings.Contains(p.titleBar(), "10/10") {
		t.Errorf("title %q lacks 10/10", p.titleBar())
	}
	// All lines stay visible: search does not filter.
	if p.buf.count() != 100 {
		t.Errorf("count = %d, want 100", p.buf.count())
	}
	// Smart case: upper case makes it case sensitive.
	press(m, "/")
	for range len("line 1\\d$") {
		press(m, "backspace")
	}
	typeText(m, "LINE")
	press(m, "enter")
	if len(p.buf.matches) != 0 {
		t.Errorf("LINE matched %d lines; smart case should make it case sensitive", len(p.buf.matches))
	}
	press(m, "esc")
	if p.buf.search != nil {
		t.Error("esc did not clear the search")
	}
}

func TestFilters(t *testing.T) {
	cases := []struct {
		name  string
		keys  []string
		texts []string
		want  int
	}{
		{"include", []string{"f"}, []string{"line 1"}, 11}, // line 1, 10..19
		{"exclude", []string{"F"}, []string{"line 1"}, 89}, // 100 - 11
		{"include or include", []string{"f", "f"}, []string{"line 1", "line 2"}, 22},
		{"include then exclude", []string{"f", "F"}, []string{"line 1", "line 1[0-4]"}, 6},
		{"regexp", []string{"f"}, []string{`line [0-9]$`}, 10},
		{"bad regexp is literal", []string{"f"}, []string{`line (`}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, p, _ := onePane(t, 80, 24, 100)
			for i, k := range c.keys {
				press(m, k)
				typeText(m, c.texts[i])
				press(m, "enter")
			}
			if got := p.buf.count(); got != c.want {
				t.Errorf("visible lines = %d, want %d", got, c.want)
			}
			// Clearing through the rules list restores everything.
			press(m, "c")
			if !p.rulesOpen {
				t.Fatal("c did not open the rules list")
			}
			press(m, "D")
			if p.buf.count() != 100 || p.rulesOpen {
				t.Errorf("after D: count=%d rulesOpen=%v", p.buf.count(), p.rulesOpen)
			}
		})
	}
}

func TestFilterLiveAndCancel(t *testing.T) {
	m, p, f := onePane(t, 80, 24, 100)
	press(m, "f")
	typeText(m, "line 5")
	if got := p.buf.count(); got != 11 {
		t.Errorf("while typing, visible = %d, want 11", got)
	}
	press(m, "esc")
	if got := p.buf.count(); got != 100 || len(p.rules) != 0 {
		t.Errorf("esc kept the filter: count=%d rules=%d", got, len(p.rules))
	}
	press(m, "f")
	typeText(m, "new")
	press(m, "enter")
	f.lines(logLines(oWeb, 3, "new %d")...).lines(stream.Line{Origin: oWeb, Kind: stream.KindReconnect, Text: "reconnecting"}).flush()
	if got := p.buf.count(); got != 4 {
		t.Errorf("new lines through the filter = %d, want 3 and the marker", got)
	}
}

func TestToggles(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	p := openPanes(m, []string{"web"}, webSel())[0]
	f := newFeeder(m, p)
	long := strings.Repeat("abcdefghij", 20)
	f.lines(stream.Line{Origin: oWeb, Time: testNow, Text: long}).flush()
	abs := p.buf.absAt(0)
	if p.rowCount(abs) != 1 {
		t.Fatalf("unwrapped long line takes %d rows", p.rowCount(abs))
	}
	press(m, "w")
	if !p.wrap || p.rowCount(abs) != 3 {
		t.Errorf("wrap=%v rows=%d, want 3 rows of 80", p.wrap, p.rowCount(abs))
	}
	press(m, "w")
	if p.wrap {
		t.Error("w did not toggle wrap off")
	}
	for _, want := range []TimestampMode{TimestampsLocal, TimestampsUTC, TimestampsRelative, TimestampsSinceMark, TimestampsOff} {
		press(m, "t")
		if p.ts != want {
			t.Errorf("t: mode %v, want %v", p.ts, want)
		}
	}
	for _, want := range []prettyMode{prettyFields, prettyExpanded, prettyOff} {
		press(m, "p")
		if p.pretty != want {
			t.Errorf("p: mode %v, want %v", p.pretty, want)
		}
	}
	press(m, "l", "l")
	if p.xoff != 16 {
		t.Errorf("xoff = %d, want 16", p.xoff)
	}
}

func TestSplitFocusZoomCloseResize(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	a := openPanes(m, []string{"web"}, webSel())[0]
	if m.showPanel || m.Focused() != int(a.id) {
		t.Fatalf("opening a pane: panel=%v focus=%d", m.showPanel, m.Focused())
	}

	// Split right: the panel opens to pick the new pane's sources.
	press(m, "|")
	if !m.showPanel || m.target == nil || m.target.dir != splitSideBySide {
		t.Fatalf("| did not open the panel for a side-by-side split")
	}
	typeText(m, "api")
	press(m, "enter")
	if len(m.panes) != 2 || m.showPanel {
		t.Fatalf("after picking: %d panes, panel=%v", len(m.panes), m.showPanel)
	}
	b := m.panes[1]
	if m.focus != b {
		t.Error("the new pane did not get focus")
	}
	na, nb := m.tree.find(a).area, m.tree.find(b).area
	if na.y != nb.y || na.x+na.w+1 != nb.x || na.w+nb.w+1 != 120 {
		t.Errorf("not side by side: %+v %+v", na, nb)
	}

	// Split down from b, esc cancels the pick.
	press(m, "-")
	press(m, "esc")
	if m.showPanel || m.target != nil || len(m.panes) != 2 {
		t.Fatalf("esc did not cancel the split: panel=%v panes=%d", m.showPanel, len(m.panes))
	}
	press(m, "-")
	typeText(m, "ledger-0")
	press(m, "enter")
	c := m.panes[2]
	nb, nc := m.tree.find(b).area, m.tree.find(c).area
	if nb.x != nc.x || nb.y+nb.h != nc.y {
		t.Errorf("not stacked: %+v %+v", nb, nc)
	}

	// Focus: tab cycles in reading order, alt+arrows move by geometry.
	cases := []struct {
		key  string
		want *pane
	}{
		{"tab", a}, {"tab", b}, {"tab", c}, {"shift+tab", b},
		{"alt+down", c}, {"alt+left", a}, {"alt+right", b}, {"alt+up", b},
	}
	for _, tc := range cases {
		press(m, tc.key)
		if m.focus != tc.want {
			t.Errorf("%s: focus on pane %d, want %d", tc.key, m.focus.id, tc.want.id)
		}
	}
	// A click focuses the pane under the pointer.
	send(m, tea.MouseClickMsg{Button: tea.MouseLeft, X: 2, Y: 3})
	if m.focus != a {
		t.Errorf("click: focus on %d, want %d", m.focus.id, a.id)
	}
	send(m, tea.MouseReleaseMsg{Button: tea.MouseLeft, X: 2, Y: 3})

	// Resize: > widens a (the divider moves right).
	before := a.width
	press(m, ">")
	if a.width <= before {
		t.Errorf("> did not widen: %d → %d", before, a.width)
	}
	press(m, "=")
	if a.width != 59 && a.width != 60 {
		t.Errorf("= gave width %d, want half of 119", a.width)
	}
	press(m, "tab", "tab") // c
	hb, hc := b.height, c.height
	press(m, "}")
	if c.height <= hc || b.height >= hb {
		t.Errorf("} did not make c taller: b %d→%d c %d→%d", hb, b.height, hc, c.height)
	}

	// Zoom: the focused pane takes the whole body.
	press(m, "z")
	if !m.zoomed || c.width != 120 || c.height != m.body.h {
		t.Errorf("zoom: zoomed=%v size %dx%d, body %dx%d", m.zoomed, c.width, c.height, m.body.w, m.body.h)
	}
	screen(t, m)
	press(m, "z")
	if m.zoomed || c.width == 120 {
		t.Error("z did not unzoom")
	}

	// Window resize re-lays out everything.
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if got := m.tree.find(a).area.w + 1 + m.tree.find(b).area.w; got != 80 {
		t.Errorf("after resize widths add to %d, want 80", got)
	}
	screen(t, m)

	// Close: focus moves to a neighbour; closing the last shows the panel.
	press(m, "x")
	if len(m.panes) != 2 || m.focus == c {
		t.Fatalf("x: %d panes, focus %d", len(m.panes), m.focus.id)
	}
	press(m, "x", "x")
	if len(m.panes) != 0 || !m.showPanel {
		t.Errorf("closing every pane: %d panes, panel=%v", len(m.panes), m.showPanel)
	}
	screen(t, m)
}

func TestLinesGoToTheirPane(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	ps := openPanes(m, []string{"web", "api"}, webSel(), apiSel())
	// The same Origin pointer from two panes' sources stays apart.
	newFeeder(m, ps[0]).lines(logLines(oWeb, 3, "a %d")...).flush()
	newFeeder(m, ps[1]).lines(logLines(oWeb, 5, "b %d")...).flush()
	if ps[0].buf.kept() != 3 || ps[1].buf.kept() != 5 {
		t.Errorf("pane lines = %d, %d; want 3, 5", ps[0].buf.kept(), ps[1].buf.kept())
	}
	// Lines of a closed pane are dropped.
	f := newFeeder(m, ps[1])
	m.closePane(ps[1])
	f.lines(logLines(oWeb, 5, "late %d")...).flush()
	if ps[0].buf.kept() != 3 {
		t.Errorf("a closed pane's lines reached another pane")
	}
}

func TestStatusLineClears(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	now := testNow
	m.opts.Now = func() time.Time { return now }
	send(m, statusMsg{text: "saved", isErr: false})
	if m.status.text != "saved" {
		t.Fatal("status not shown")
	}
	now = now.Add(2 * time.Second)
	send(m, tickMsg{})
	if m.status.text == "" {
		t.Error("status cleared too early")
	}
	now = now.Add(5 * time.Second)
	send(m, tickMsg{})
	if m.status.text != "" {
		t.Error("status did not clear")
	}
}

func TestQuitKeys(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 10)
	// q in a prompt types q.
	press(m, "/")
	cmd := send(m, keyPress("q"))
	if cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q in the search prompt quit")
		}
	}
	if p.input.Value() != "q" {
		t.Errorf("prompt holds %q, want q", p.input.Value())
	}
	press(m, "esc")
	cmd = send(m, keyPress("q"))
	if cmd == nil {
		t.Fatal("q did nothing")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q did not quit")
	}
}

func TestFatalScreen(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	send(m, podsErrMsg{err: wrapFatal("no kubeconfig found")})
	if m.fatal == nil {
		t.Fatal("ErrFatal did not stop the UI")
	}
	if s := screen(t, m); !strings.Contains(s, "no kubeconfig found") {
		t.Errorf("fatal screen lacks the message:\n%s", s)
	}
	cmd := send(m, keyPress("x"))
	if cmd == nil {
		t.Fatal("a key on the fatal screen did nothing")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("a key on the fatal screen did not quit")
	}
}

func TestSelectAndCopy(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 100)
	press(m, "v", "k", "k")
	if !p.selecting {
		t.Fatal("v did not start a selection")
	}
	cmd := p.copy()
	if cmd == nil {
		t.Fatal("copy returned no command")
	}
	if p.selecting {
		t.Error("copy did not end the selection")
	}
	// The status message says how many lines.
	var texts []string
	var collect func(tea.Cmd)
	collect = func(c tea.Cmd) {
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				collect(c)
			}
		case statusMsg:
			texts = append(texts, msg.text)
		}
	}
	collect(cmd)
	if len(texts) != 1 || !strings.Contains(texts[0], "copied 3 selected lines") {
		t.Errorf("status %q", texts)
	}
}

func TestPanelSelectionAndOpen(t *testing.T) {
	cases := []struct {
		name  string
		keys  func(m *Model)
		panes int
		check func(t *testing.T, m *Model, cat *fakeCatalog)
	}{
		{"enter on a pod opens it", func(m *Model) { typeText(m, "ledger-0"); press(m, "enter") }, 1,
			func(t *testing.T, m *Model, cat *fakeCatalog) {
				if got := cat.opened[0].Pods; len(got) != 1 || got[0].Name != "ledger-0" {
					t.Errorf("opened %+v", cat.opened[0])
				}
			}},
		{"select all shown, merged", func(m *Model) { typeText(m, "web"); press(m, "*", "enter") }, 1,
			func(t *testing.T, m *Model, cat *fakeCatalog) {
				if got := cat.opened[0]; len(got.Pods) != 2 || !got.Merged {
					t.Errorf("opened %+v", got)
				}
			}},
		{"select all shown, one pane each", func(m *Model) { typeText(m, "web"); press(m, "*", "O") }, 2, nil},
		{"workload row follows the workload", func(m *Model) { typeText(m, "ledger"); press(m, "up", "space", "enter") }, 1,
			func(t *testing.T, m *Model, cat *fakeCatalog) {
				if got := cat.opened[0].Workloads; len(got) != 1 || got[0].Workload != "StatefulSet/ledger" {
					t.Errorf("opened %+v", cat.opened[0])
				}
			}},
		{"one container", func(m *Model) { typeText(m, "x2kq4"); press(m, "right", "down", "down", "space", "enter") }, 1,
			func(t *testing.T, m *Model, cat *fakeCatalog) {
				if got := cat.opened[0].Pods; len(got) != 1 || len(got[0].Containers) != 1 || got[0].Containers[0] != "envoy" {
					t.Errorf("opened %+v", cat.opened[0])
				}
				if m.panes[0].title != "web-7d9f8b6c5-x2kq4 [envoy]" {
					t.Errorf("title %q", m.panes[0].title)
				}
			}},
		{"pane per workload", func(m *Model) { typeText(m, "prod"); press(m, "*", "W") }, 4, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, cat := newTestModel(t, 100, 30)
			c.keys(m)
			if len(m.panes) != c.panes {
				t.Fatalf("%d panes, want %d", len(m.panes), c.panes)
			}
			if c.check != nil {
				c.check(t, m, cat)
			}
			screen(t, m)
		})
	}
}

func TestLokiBrowse(t *testing.T) {
	m, cat := newTestModel(t, 100, 30)
	press(m, "tab")
	runCmd(m, send(m, lokiReadyMsg{lc: fakeLoki{}}))
	ls := m.panel.loki
	if len(ls.items) != 3 {
		t.Fatalf("labels = %v", ls.items)
	}
	press(m, "enter") // app → values
	if ls.level != lokiValues || len(ls.items) != 3 {
		t.Fatalf("level %v items %v", ls.level, ls.items)
	}
	press(m, "space", "space", "enter") // api, ledger → series
	if ls.level != lokiSeries || ls.selector != `{app=~"api|ledger"}` {
		t.Fatalf("level %v selector %q", ls.level, ls.selector)
	}
	press(m, "enter")
	if len(m.panes) != 1 || len(cat.opened[0].LokiQueries) != 1 {
		t.Fatalf("panes %d, opened %+v", len(m.panes), cat.opened)
	}
	if q := cat.opened[0].LokiQueries[0]; q != `{app="web", namespace="prod", pod="web-1"}` {
		t.Errorf("query %q", q)
	}

	// A typed query, then history.
	press(m, "a", ":")
	if !ls.querying {
		t.Fatal(": did not open the query input")
	}
	for range 60 {
		press(m, "backspace")
	}
	typeText(m, `{app="api"} |= "timeout"`)
	press(m, "enter")
	if len(m.panes) != 2 || cat.opened[1].LokiQueries[0] != `{app="api"} |= "timeout"` {
		t.Fatalf("typed query not opened: %+v", cat.opened)
	}
	press(m, "a", ":", "up")
	if got := ls.query.Value(); got != `{app="api"} |= "timeout"` {
		t.Errorf("history up gave %q", got)
	}
	press(m, "down")
	if got := ls.query.Value(); got != "" {
		t.Errorf("history down gave %q", got)
	}
}

func wrapFatal(msg string) error { return &fatalErr{msg} }

type fatalErr struct{ msg string }

func (e *fatalErr) Error() string { return "kube: " + e.msg }
func (e *fatalErr) Unwrap() error { return ErrFatal }

func TestTinyAndOddSizes(t *testing.T) {
	sizes := [][2]int{{1, 1}, {2, 2}, {10, 3}, {20, 5}, {33, 7}, {80, 24}, {81, 25}, {250, 70}}
	for _, sz := range sizes {
		m, _ := newTestModel(t, sz[0], sz[1])
		screen(t, m)
		ps := openPanes(m, []string{"web", "api", "x"}, webSel(), apiSel(), webSel())
		f := newFeeder(m, ps[0])
		f.lines(sampleLines(oWeb, 30)...).lines(sampleLines(oAPI, 30)...).flush()
		screen(t, m)
		for _, k := range []string{"w", "t", "p", "p", "/", "e", "enter", "z", "?"} {
			press(m, k)
			screen(t, m)
		}
		press(m, "?", "z", "c", "esc", "v", "k", "esc", "x")
		screen(t, m)
		send(m, fatalMsg{err: ErrFatal})
		screen(t, m)
	}
}

func TestMouseDragSelects(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 100)
	screen(t, m) // rows map to lines as last drawn
	send(m, tea.MouseClickMsg{Button: tea.MouseLeft, X: 3, Y: 5})
	send(m, tea.MouseMotionMsg{Button: tea.MouseLeft, X: 3, Y: 8})
	send(m, tea.MouseReleaseMsg{Button: tea.MouseLeft, X: 3, Y: 8})
	if !p.selecting {
		t.Fatal("drag did not select")
	}
	a, b := min(p.selA, p.selB), max(p.selA, p.selB)
	if b-a != 3 {
		t.Errorf("selected %d lines, want 4", b-a+1)
	}
}

func TestPanelClicks(t *testing.T) {
	m, _ := newTestModel(t, 100, 30)
	view := strings.Split(screen(t, m), "\n")
	// Click the row that shows ledger-0: the cursor goes there.
	for y, row := range view {
		if strings.Contains(row, "ledger-0") {
			send(m, tea.MouseClickMsg{Button: tea.MouseLeft, X: 10, Y: y})
			break
		}
	}
	if r, ok := m.panel.row(m.panel.cursor); !ok || r.kind != rowPod || m.panel.pods[r.pod].Name != "ledger-0" {
		t.Fatalf("click did not move the cursor to ledger-0")
	}
	press(m, "tab")
	runCmd(m, send(m, lokiReadyMsg{lc: fakeLoki{}}))
	view = strings.Split(screen(t, m), "\n")
	for y, row := range view {
		if strings.Contains(row, "namespace") && !strings.Contains(row, "{") {
			send(m, tea.MouseClickMsg{Button: tea.MouseLeft, X: 10, Y: y})
			break
		}
	}
	if it, _ := m.panel.loki.current(); it != "namespace" {
		t.Errorf("Loki click selected %q, want namespace", it)
	}
}

func TestFilterDebounce(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, debounceLines+1000)
	press(m, "f")
	var pending []tea.Msg
	for _, r := range "line 1.*0$" {
		cmd := send(m, tea.KeyPressMsg{Code: r, Text: string(r)})
		var walk func(c tea.Cmd)
		walk = func(c tea.Cmd) {
			if c == nil {
				return
			}
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					walk(c)
				}
			case delayedMsg:
				pending = append(pending, msg.msg)
			}
		}
		walk(cmd)
	}
	if len(pending) == 0 {
		t.Fatal("no debounced filter scheduled")
	}
	// Stale ticks do nothing; the last one applies the filter.
	before := p.buf.count()
	for _, msg := range pending[:len(pending)-1] {
		send(m, msg)
	}
	if p.buf.count() != before {
		t.Error("a stale debounce tick applied a filter")
	}
	send(m, pending[len(pending)-1])
	want := 0
	for i := range debounceLines + 1000 {
		if s := fmt.Sprint("line ", i); strings.HasPrefix(s, "line 1") && strings.HasSuffix(s, "0") {
			want++
		}
	}
	if got := p.buf.count(); got != want {
		t.Errorf("after the pause %d lines shown, want %d", got, want)
	}
	if len(pending) != 4 { // ".", "*", "0", "$" waited; "line 1" applied at once
		t.Errorf("%d debounced applications, want 4", len(pending))
	}
}
