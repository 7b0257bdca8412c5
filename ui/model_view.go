package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// View draws the whole screen: body and footer, exactly the window size.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = m.opts.AltScreen
	if m.opts.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	if m.width <= 0 || m.height <= 0 {
		return v
	}
	v.SetContent(m.render())
	return v
}

// Below this size the UI only says that the terminal is too small.
const (
	minWidth  = 20
	minHeight = 6
)

// render returns the screen content.
func (m *Model) render() string {
	if m.width < minWidth || m.height < minHeight {
		msg := fmt.Sprintf("terminal too small (%dx%d): %dx%d at least", m.width, m.height, minWidth, minHeight)
		var rows []string
		for _, l := range strings.Split(ansi.Wrap(msg, m.width, " "), "\n") {
			rows = append(rows, fitRow(l, m.width))
		}
		return finishRows(rows, m.width, m.height)
	}
	if m.fatal != nil {
		return m.fatalView()
	}
	var body string
	switch {
	case m.showHelp:
		body = m.helpView()
	case m.showPanel || len(m.panes) == 0:
		body = m.panel.View()
	case m.zoomed && m.focus != nil:
		body = m.focus.View()
	default:
		body = m.treeBody()
	}
	if m.body.h == 0 {
		return m.footerView()
	}
	return body + "\n" + m.footerView()
}

// frameCache is what render drew last. Bubble Tea asks for the whole screen
// after every message (a tick, a status, a key, a batch for one pane), and
// most of them change little or nothing: the panes' rows are kept by each pane
// until it is dirty, the body joined from them and the footer are kept here.
type frameCache struct {
	layoutGen int // bumped by every layout: sizes or the tree changed

	body    string
	bodyGen int // layoutGen when body was drawn; -1: never
	bodyOK  bool

	footKey    string
	footStyles *Styles
	foot       string
}

// treeBody draws the panes of the layout tree side by side and stacked,
// joined into rows; it reuses the last drawing while no pane needs redrawing
// and the layout is the same.
func (m *Model) treeBody() string {
	fc := &m.frame
	if fc.bodyOK && fc.bodyGen == fc.layoutGen && !staleNode(m.tree.root) {
		return fc.body
	}
	sep := m.c.styles.Separator.Render("│")
	fc.body = strings.Join(m.renderNode(m.tree.root, sep), "\n")
	fc.bodyOK, fc.bodyGen = true, fc.layoutGen
	return fc.body
}

// staleNode reports whether a pane of the subtree would draw anew.
func staleNode(n *node) bool {
	if n == nil {
		return false
	}
	if n.isLeaf() {
		return n.pane.stale()
	}
	return staleNode(n.children[0]) || staleNode(n.children[1])
}

// renderNode draws a layout subtree as rows.
func (m *Model) renderNode(n *node, sep string) []string {
	if n == nil {
		return nil
	}
	if n.isLeaf() {
		return n.pane.viewRows()
	}
	a, b := m.renderNode(n.children[0], sep), m.renderNode(n.children[1], sep)
	if n.dir == splitStacked {
		return append(append(make([]string, 0, len(a)+len(b)), a...), b...)
	}
	rows := make([]string, n.area.h)
	for i := range rows {
		var l, r string
		if i < len(a) {
			l = a[i]
		} else {
			l = strings.Repeat(" ", n.children[0].area.w)
		}
		if i < len(b) {
			r = b[i]
		} else {
			r = strings.Repeat(" ", n.children[1].area.w)
		}
		rows[i] = l + sep + r
	}
	return rows
}

// footerView draws the status line and the key help. It is drawn again only
// when what it shows changed: the status text, the keys that apply, the width
// or the styles.
func (m *Model) footerView() string {
	st := m.c.styles
	kind, text := 'i', m.status.text
	switch {
	case text != "" && m.status.isErr:
		kind = 'e'
	case text == "":
		kind, text = 's', m.summary()
	}
	bindings := m.shortHelp()
	var kb strings.Builder
	kb.Grow(len(text) + 16*len(bindings) + 8)
	kb.WriteRune(kind)
	kb.WriteString(text)
	fmt.Fprintf(&kb, "\x00%d", m.width)
	for _, b := range bindings {
		if b.Enabled() {
			h := b.Help()
			kb.WriteByte(0)
			kb.WriteString(h.Key)
			kb.WriteByte(1)
			kb.WriteString(h.Desc)
		}
	}
	fc := &m.frame
	if key := kb.String(); key != fc.footKey || st != fc.footStyles {
		var status string
		switch kind {
		case 'e':
			status = st.StatusError.Render(" ✖ " + text)
		case 'i':
			status = st.StatusInfo.Render(" " + text)
		default:
			status = st.Faint.Render(" " + text)
		}
		helpRow := m.help.ShortHelpView(bindings)
		fc.foot = fitRow(status, m.width) + "\n" + fitRow(" "+helpRow, m.width)
		fc.footKey, fc.footStyles = key, st
	}
	return fc.foot
}

// summary is the status line when there is no message.
func (m *Model) summary() string {
	if m.showPanel || len(m.panes) == 0 {
		return "tailui · pick what to tail"
	}
	var rate float64
	for _, p := range m.panes {
		rate += p.lineRate()
	}
	s := fmt.Sprintf("tailui · %d panes · %s", len(m.panes), formatRate(rate))
	if len(m.panes) == 1 {
		s = fmt.Sprintf("tailui · 1 pane · %s", formatRate(rate))
	}
	if m.zoomed {
		s += " · zoomed (z to unzoom)"
	}
	return s
}

// shortHelp composes the footer keys: the focused component's, then the
// global ones that apply.
func (m *Model) shortHelp() []key.Binding {
	k := m.c.keys
	if m.fatal != nil {
		return nil
	}
	if m.showHelp {
		return []key.Binding{k.Up, k.Down, when(k.Cancel, true), k.Quit}
	}
	// Help comes first so that it survives truncation on narrow terminals.
	if m.showPanel || len(m.panes) == 0 {
		if m.panel.querying() {
			return m.panel.ShortHelp()
		}
		return append(append([]key.Binding{k.Help}, m.panel.ShortHelp()...), k.PanelQuit)
	}
	if m.focus != nil && m.focus.takesKeys() {
		return m.focus.ShortHelp()
	}
	out := []key.Binding{k.Help}
	if m.focus != nil {
		out = append(out, m.focus.ShortHelp()...)
	}
	multi := len(m.panes) > 1
	return append(out,
		k.Sources, when(k.FocusNext, multi), when(k.Zoom, multi || m.zoomed), k.SplitRight, k.SplitDown,
		k.Close, k.Quit)
}

// helpView draws the full key reference, grouped, in as many columns as fit.
func (m *Model) helpView() string {
	st := m.c.styles
	k := m.c.keys
	type group struct {
		title string
		keys  []key.Binding
	}
	groups := []group{
		{"Global", []key.Binding{k.Quit, k.Help, k.Sources, k.Cancel}},
		{"Panes", []key.Binding{k.FocusNext, k.FocusPrev, k.FocusLeft, k.FocusRight, k.FocusUp, k.FocusDown, k.FocusN, k.Zoom, k.Close}},
		{"Layout", []key.Binding{k.SplitRight, k.SplitDown, k.Wider, k.Narrower, k.Taller, k.Shorter, k.Equalize}},
		{"Scroll", []key.Binding{k.Up, k.Down, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown, k.Top, k.Older, k.Follow, k.Left, k.Right}},
		{"Search & filter", []key.Binding{k.Search, k.NextMatch, k.PrevMatch, k.Include, k.Exclude, k.Where, k.Highlight, k.Context, k.Rules}},
		{"Levels, marks, time, IDs", []key.Binding{k.NextError, k.PrevError, k.NextWarn, k.PrevWarn, k.MinLevel, k.Mark, k.NextMark, k.PrevMark, k.ClearMarks, k.JumpTime, k.FollowID, k.Rates}},
		{"View & actions", []key.Binding{k.Wrap, k.Timestamps, k.Pretty, k.Fields, k.Select, k.Copy, k.Save}},
		{"Sources panel", []key.Binding{k.FilterPods, k.ListUp, k.ListDown, k.Toggle, k.SelectAll, k.Expand, k.Collapse, k.OpenMerged, k.OpenSplit, k.OpenWorkload, k.Section, k.PanelQuit}},
		{"Loki", []key.Binding{k.LokiQuery, k.HistoryPrev, k.HistoryNext, k.LokiBack}},
	}
	var blocks []string
	for _, g := range groups {
		body := m.help.FullHelpView([][]key.Binding{g.keys})
		blocks = append(blocks, st.Accent.Render(g.title)+"\n"+body)
	}
	// Pack blocks into rows of columns that fit the width.
	var rows []string
	var line []string
	lineW := 0
	for _, b := range blocks {
		bw := lipgloss.Width(b) + 3
		if lineW+bw > m.width-2 && len(line) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, line...))
			line, lineW = nil, 0
		}
		line = append(line, lipgloss.NewStyle().PaddingRight(3).Render(b))
		lineW += bw
	}
	if len(line) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, line...))
	}
	all := strings.Split(strings.Join(rows, "\n\n"), "\n")
	title := st.Accent.Render(" tailui — keys") + st.Faint.Render("   ? or esc closes · ↑/↓ scroll · mouse: click focuses, wheel scrolls, drag selects (shift+drag for the terminal's own selection)")
	h := m.body.h
	off := min(m.helpOffset, max(len(all)-(h-2), 0))
	m.helpOffset = off
	out := []string{fitRow(title, m.width), strings.Repeat(" ", m.width)}
	for i := off; i < len(all) && len(out) < h; i++ {
		out = append(out, fitRow(" "+all[i], m.width))
	}
	return finishRows(out, m.width, h)
}

// fatalView draws a fatal error over the whole screen.
func (m *Model) fatalView() string {
	st := m.c.styles
	msg := clean(m.fatal.Error())
	w := max(min(m.width-4, 100), 10)
	text := st.StatusError.Render("tailui cannot continue") + "\n\n" + msg + "\n\n" + st.Faint.Render("press any key to quit")
	box := st.FatalBox.Width(w).Render(text)
	if lipgloss.Height(box) > m.height || lipgloss.Width(box) > m.width {
		box = lipgloss.NewStyle().Width(m.width).Render(text)
	}
	placed := lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, box)
	var rows []string
	for _, l := range strings.Split(placed, "\n") {
		rows = append(rows, fitRow(l, m.width))
	}
	return finishRows(rows, m.width, m.height)
}
