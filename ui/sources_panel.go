package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// panelSection is a tab of the sources panel.
type panelSection int

const (
	sectionPods panelSection = iota
	sectionLoki
)

// String returns the name of s.
func (s panelSection) String() string {
	if s == sectionPods {
		return "pods"
	}
	return "loki"
}

// openRequest asks the root model for new panes.
type openRequest struct {
	sels   []Selection
	titles []string
	// initial marks the panes opened at start (Options.Initial): they take the
	// command line's filters (Options.Include, Exclude, Where).
	initial bool
}

// openPanesMsg carries an openRequest from the panel to the root.
type openPanesMsg openRequest

// closePanelMsg asks the root to hide the panel.
type closePanelMsg struct{}

// sourcesPanel is the screen for picking what to stream: pods grouped by
// namespace and workload, and Loki label sets and queries.
type sourcesPanel struct {
	c             *common
	width, height int
	section       panelSection

	pods    []PodInfo
	podsErr string
	loaded  bool
	nameW   int               // widest pod name
	nsPods  map[string]int    // pods per namespace
	wlPods  map[string][2]int // ready and total pods per "ns/workload"

	// filter always has the keyboard: typing filters, as in fzf. Pod,
	// namespace and workload names cannot hold upper-case letters or most
	// symbols, so those carry the commands (O, W, *, ?).
	filter textinput.Model

	rows     []panelRow
	cursor   int
	offset   int
	selected map[string]bool // by row key: pods, containers, workloads
	expanded map[string]bool // pod keys whose containers are listed

	loki *lokiSection

	// hint is shown above the list, e.g. where a split will go.
	hint string
	// canClose reports whether esc returns to panes.
	canClose bool
}

func newSourcesPanel(c *common) *sourcesPanel {
	sp := &sourcesPanel{c: c, selected: map[string]bool{}, expanded: map[string]bool{}}
	sp.filter = newTextInput(c.styles, "› ", "type to filter: namespace, workload or pod (fuzzy)")
	sp.filter.Focus()
	sp.loki = newLokiSection(c)
	return sp
}

// newTextInput returns a text input styled like the rest of the UI, with a
// steady cursor (no blink timer).
func newTextInput(st *Styles, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.SetVirtualCursor(true)
	s := ti.Styles()
	s.Focused.Prompt, s.Blurred.Prompt = st.Prompt, st.Faint
	s.Focused.Text, s.Blurred.Text = st.InputText, st.InputText
	s.Focused.Placeholder, s.Blurred.Placeholder = st.Placeholder, st.Placeholder
	s.Cursor.Blink = false
	ti.SetStyles(s)
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	ti.CharLimit = 4096
	return ti
}

func (sp *sourcesPanel) setSize(w, h int) {
	sp.width, sp.height = w, h
	sp.filter.SetWidth(max(w-4, 1))
	sp.loki.setSize(w, h)
	sp.clampCursor()
}

// setPods replaces the pod snapshot, keeping the cursor on the same row.
func (sp *sourcesPanel) setPods(pods []PodInfo) {
	var curKey string
	if sp.cursor < len(sp.rows) {
		curKey = sp.rows[sp.cursor].key(sp.pods)
	}
	pods = sortPods(pods)
	sp.pods, sp.loaded = pods, true
	sp.nameW = 0
	sp.nsPods, sp.wlPods = map[string]int{}, map[string][2]int{}
	present := map[string]bool{}
	for i := range pods {
		p := &pods[i]
		sp.nameW = max(sp.nameW, measure(p.Name))
		ns := nsKey(p.Context, p.Namespace)
		sp.nsPods[ns]++
		c := sp.wlPods[ns+"/"+p.Workload]
		c[1]++
		if dot, _ := podState(p, sp.c.styles); dot == "●" {
			c[0]++
		}
		sp.wlPods[ns+"/"+p.Workload] = c
		present["pod:"+p.Key()] = true
		for _, ct := range p.Containers {
			present["ctr:"+p.Key()+"/"+ct] = true
		}
	}
	// Forget selected pods and containers that are gone; workloads stay.
	for k := range sp.selected {
		if !strings.HasPrefix(k, "wl:") && !present[k] {
			delete(sp.selected, k)
		}
	}
	sp.rebuild()
	if curKey != "" {
		for i, r := range sp.rows {
			if r.key(sp.pods) == curKey {
				sp.cursor = i
				break
			}
		}
	} else {
		for i, r := range sp.rows {
			if r.kind == rowPod {
				sp.cursor = i
				break
			}
		}
	}
	sp.clampCursor()
}

// rebuild recomputes the rows from pods, filter and expansions.
func (sp *sourcesPanel) rebuild() {
	sp.rows = groupRows(sp.rows[:0], sp.pods, strings.Fields(strings.ToLower(sp.filter.Value())), sp.expanded)
}

func (sp *sourcesPanel) listHeight() int {
	return max(sp.height-sp.chromeHeight(), 1)
}

// chromeHeight is the rows above and below the list: tabs, hint, filter,
// selection summary.
func (sp *sourcesPanel) chromeHeight() int {
	h := 3 // tabs, filter, summary
	if sp.hint != "" {
		h++
	}
	return h
}

func (sp *sourcesPanel) clampCursor() {
	sp.cursor = min(max(sp.cursor, 0), max(len(sp.rows)-1, 0))
	lh := sp.listHeight()
	if sp.cursor < sp.offset {
		sp.offset = sp.cursor
	}
	if sp.cursor >= sp.offset+lh {
		sp.offset = sp.cursor - lh + 1
	}
	sp.offset = min(max(sp.offset, 0), max(len(sp.rows)-lh, 0))
}

// capturesKeys reports whether the panel takes every key, q included. It
// always does: letters type into the filter.
func (sp *sourcesPanel) capturesKeys() bool { return true }

// Update handles keys and mouse events for the panel.
func (sp *sourcesPanel) Update(msg tea.Msg) (*sourcesPanel, tea.Cmd) {
	k := sp.c.keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if key.Matches(msg, k.Section) && !(sp.section == sectionLoki && sp.loki.capturesKeys()) {
			if sp.section == sectionPods {
				sp.section = sectionLoki
				return sp, sp.loki.activate()
			}
			sp.section = sectionPods
			return sp, nil
		}
		if sp.section == sectionLoki {
			var cmd tea.Cmd
			sp.loki, cmd = sp.loki.Update(msg)
			if cmd == nil && key.Matches(msg, k.Cancel) && sp.canClose && !sp.loki.consumedEsc {
				return sp, func() tea.Msg { return closePanelMsg{} }
			}
			return sp, cmd
		}
		return sp, sp.handleKey(msg)
	case tea.PasteMsg:
		if sp.section == sectionLoki {
			var cmd tea.Cmd
			sp.loki, cmd = sp.loki.Update(msg)
			return sp, cmd
		}
		var cmd tea.Cmd
		sp.filter, cmd = sp.filter.Update(msg)
		sp.rebuild()
		sp.clampCursor()
		return sp, cmd
	case tea.MouseWheelMsg:
		if sp.section == sectionLoki {
			var cmd tea.Cmd
			sp.loki, cmd = sp.loki.Update(msg)
			return sp, cmd
		}
		switch msg.Button {
		case tea.MouseWheelUp:
			sp.cursor -= 3
		case tea.MouseWheelDown:
			sp.cursor += 3
		}
		sp.clampCursor()
	}
	return sp, nil
}

// clickRow moves the cursor to the list row at screen row y (relative to
// the panel); a click on the selected row's checkbox toggles it.
func (sp *sourcesPanel) clickRow(x, y int) {
	top := 2 // tabs and filter rows
	if sp.hint != "" {
		top++
	}
	if sp.section != sectionPods {
		sp.loki.clickRow(y - (top - 1))
		return
	}
	i := sp.offset + y - top
	if i < 0 || i >= len(sp.rows) || y-top >= sp.listHeight() {
		return
	}
	if sp.cursor == i {
		sp.toggle(i)
	}
	sp.cursor = i
	sp.clampCursor()
}

func (sp *sourcesPanel) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := sp.c.keys
	lh := sp.listHeight()
	if c, ok := listMove(msg, k, sp.cursor, lh, len(sp.rows)); ok {
		sp.cursor = c
		sp.clampCursor()
		return nil
	}
	switch {
	case key.Matches(msg, k.Toggle):
		sp.toggle(sp.cursor)
		sp.cursor++
	case key.Matches(msg, k.SelectAll):
		sp.selectAllShown()
	case key.Matches(msg, k.Expand):
		if r, ok := sp.row(sp.cursor); ok && r.kind == rowPod {
			sp.expanded[sp.pods[r.pod].Key()] = true
			sp.rebuild()
		}
	case key.Matches(msg, k.Collapse):
		if r, ok := sp.row(sp.cursor); ok && (r.kind == rowPod || r.kind == rowContainer) {
			delete(sp.expanded, sp.pods[r.pod].Key())
			sp.rebuild()
			for sp.cursor > 0 && sp.cursor < len(sp.rows) && sp.rows[sp.cursor].kind != rowPod {
				sp.cursor--
			}
		}
	case key.Matches(msg, k.OpenMerged):
		return sp.open(openMerged)
	case key.Matches(msg, k.OpenSplit):
		return sp.open(openPerPod)
	case key.Matches(msg, k.OpenWorkload):
		return sp.open(openPerWorkload)
	case key.Matches(msg, k.Cancel):
		switch {
		case sp.filter.Value() != "":
			sp.setFilter("")
		case len(sp.selected) > 0:
			clear(sp.selected)
		case sp.canClose:
			return func() tea.Msg { return closePanelMsg{} }
		}
	default:
		// Everything else edits the filter.
		before := sp.filter.Value()
		var cmd tea.Cmd
		sp.filter, cmd = sp.filter.Update(msg)
		if v := sp.filter.Value(); v != before {
			sp.setFilter(v)
		}
		return cmd
	}
	sp.clampCursor()
	return nil
}

// setFilter applies a filter text and puts the cursor on the first pod.
func (sp *sourcesPanel) setFilter(v string) {
	if sp.filter.Value() != v {
		sp.filter.SetValue(v)
		sp.filter.CursorEnd()
	}
	sp.rebuild()
	sp.cursor = 0
	for i, r := range sp.rows {
		if r.kind == rowPod {
			sp.cursor = i
			break
		}
	}
	sp.clampCursor()
}

func (sp *sourcesPanel) row(i int) (panelRow, bool) {
	if i < 0 || i >= len(sp.rows) {
		return panelRow{}, false
	}
	return sp.rows[i], true
}

// toggle selects or unselects row i. A namespace row toggles every workload
// and bare pod shown under it.
func (sp *sourcesPanel) toggle(i int) {
	r, ok := sp.row(i)
	if !ok {
		return
	}
	if r.kind == rowNamespace {
		var keys []string
		for _, c := range sp.rows {
			if c.ns != r.ns {
				continue
			}
			if c.kind == rowWorkload || c.kind == rowPod && c.workload == "" {
				keys = append(keys, c.key(sp.pods))
			}
		}
		all := true
		for _, k := range keys {
			all = all && sp.selected[k]
		}
		for _, k := range keys {
			if all {
				delete(sp.selected, k)
			} else {
				sp.selected[k] = true
			}
		}
		return
	}
	k := r.key(sp.pods)
	if sp.selected[k] {
		delete(sp.selected, k)
	} else {
		sp.selected[k] = true
	}
}

// selectAllShown selects every pod shown, or unselects them all when they
// already are.
func (sp *sourcesPanel) selectAllShown() {
	var keys []string
	for _, r := range sp.rows {
		if r.kind == rowPod {
			keys = append(keys, r.key(sp.pods))
		}
	}
	all := len(keys) > 0
	for _, k := range keys {
		all = all && sp.selected[k]
	}
	for _, k := range keys {
		if all {
			delete(sp.selected, k)
		} else {
			sp.selected[k] = true
		}
	}
}

// open asks for panes for the selection.
func (sp *sourcesPanel) open(mode openMode) tea.Cmd {
	items := sp.items()
	if len(items) == 0 {
		return statusCmd("nothing to open: select pods with space", true)
	}
	req := groupItems(items, mode)
	clear(sp.selected)
	sp.setFilter("")
	return func() tea.Msg { return openPanesMsg(req) }
}

// selectionSummary describes what enter would open.
func (sp *sourcesPanel) selectionSummary() string {
	n := 0
	for _, v := range sp.selected {
		if v {
			n++
		}
	}
	if n == 0 {
		var notReady, failing int
		for i := range sp.pods {
			switch dot, _ := podState(&sp.pods[i], sp.c.styles); dot {
			case "✖":
				failing++
			case "◐":
				notReady++
			}
		}
		s := plural(len(sp.pods), "pod")
		if notReady > 0 {
			s += fmt.Sprintf(" · %d not ready", notReady)
		}
		if failing > 0 {
			s += fmt.Sprintf(" · %d failing", failing)
		}
		return s + " · space selects, enter opens the row under the cursor"
	}
	return fmt.Sprintf("%d selected · enter one merged pane · O one pane each · W pane per workload · esc clear", n)
}

// View draws the panel, exactly width × height cells.
func (sp *sourcesPanel) View() string {
	st := sp.c.styles
	w := sp.width
	var rows []string
	rows = append(rows, sp.tabsRow())
	if sp.hint != "" {
		rows = append(rows, fitRow(st.Warn.Render(sp.hint), w))
	}
	if sp.section == sectionLoki {
		for _, r := range sp.loki.viewRows(sp.height - len(rows)) {
			rows = append(rows, fitRow(r, w))
		}
		return finishRows(rows, w, sp.height)
	}
	rows = append(rows, fitRow(" "+sp.filter.View(), w))
	lh := sp.listHeight()
	switch {
	case !sp.loaded && sp.podsErr == "":
		rows = append(rows, fitRow(st.Faint.Render("  loading pods…"), w))
	case sp.podsErr != "":
		rows = append(rows, fitRow(st.Error.Render("  pods: "+sp.podsErr), w))
	case len(sp.rows) == 0 && len(sp.pods) == 0:
		rows = append(rows, fitRow(st.Faint.Render("  no pods"), w))
	case len(sp.rows) == 0:
		rows = append(rows, fitRow(st.Faint.Render(fmt.Sprintf("  no pod of %d matches %q", len(sp.pods), sp.filter.Value())), w))
	}
	for i := sp.offset; i < len(sp.rows) && i < sp.offset+lh; i++ {
		rows = append(rows, sp.rowView(i))
	}
	for len(rows) < sp.height-1 {
		rows = append(rows, strings.Repeat(" ", w))
	}
	rows = append(rows[:max(min(len(rows), sp.height-1), 0)], fitRow(st.Faint.Render(" "+sp.selectionSummary()), w))
	return finishRows(rows, w, sp.height)
}

// tabsRow draws the section tabs.
func (sp *sourcesPanel) tabsRow() string {
	st := sp.c.styles
	tab := func(s string, on bool) string {
		if on {
			return st.PanelTabOn.Render(s)
		}
		return st.PanelTab.Render(s)
	}
	pods := fmt.Sprintf(" Pods (%d) ", len(sp.pods))
	loki := " Loki "
	if sp.loki.lc == nil && sp.loki.ready {
		loki = " Loki (none) "
	}
	s := " " + tab(pods, sp.section == sectionPods) + st.Faint.Render("  │  ") + tab(loki, sp.section == sectionLoki) + st.Faint.Render("   tab switches")
	return fitRow(s, sp.width)
}

// podState returns the status dot of a pod and its style.
func podState(p *PodInfo, st *Styles) (string, lipgloss.Style) {
	switch {
	case p.Deleted:
		return "○", st.DotGone
	case p.Phase == "Failed" || strings.Contains(p.Reason, "BackOff") || strings.HasPrefix(p.Reason, "Err") ||
		p.Reason == "OOMKilled" || p.Reason == "Error" || p.Reason == "Evicted":
		return "✖", st.DotError
	case p.Phase == "Succeeded":
		return "○", st.DotGone
	case p.Phase == "Running" && p.Ready == p.Total && p.Total > 0:
		return "●", st.DotOK
	}
	return "◐", st.DotWarn
}

// rowView draws list row i.
func (sp *sourcesPanel) rowView(i int) string {
	st := sp.c.styles
	r := sp.rows[i]
	w := sp.width
	check := func(k string) string {
		if sp.selected[k] {
			return "[x]"
		}
		if r.kind == rowPod && sp.selected["wl:"+r.ns+"/"+r.workload] {
			return "[+]"
		}
		return "[ ]"
	}
	var s string
	switch r.kind {
	case rowNamespace:
		cl, ns := splitNSKey(r.ns)
		s = st.PanelHeader.Render(" "+clusterTitle(cl, ns)) + st.Faint.Render("  "+plural(sp.nsPods[r.ns], "pod"))
	case rowWorkload:
		c := sp.wlPods[r.ns+"/"+r.workload]
		s = "  " + check(r.key(sp.pods)) + " " + st.PanelWorkload.Render(r.workload) + st.Faint.Render(fmt.Sprintf("  %d/%d ready", c[0], c[1]))
	case rowPod:
		p := &sp.pods[r.pod]
		dot, ds := podState(p, st)
		indent := "    "
		if r.workload == "" {
			indent = "  "
		}
		status := p.Phase
		if p.Reason != "" {
			status = p.Reason
		}
		if p.Deleted {
			status = "Terminating"
		}
		restarts := ""
		if p.Restarts > 0 {
			restarts = fmt.Sprintf("%d↻", p.Restarts)
		}
		more := ""
		if len(p.Containers) > 1 {
			more = fmt.Sprintf(" %d containers", len(p.Containers))
		}
		nameW := max(min(sp.nameW, w-len(indent)-49), 12)
		name := fitWidth(p.Name, nameW)
		detail := fmt.Sprintf(" %5s %-17s %4s", fmt.Sprintf("%d/%d", p.Ready, p.Total), truncateTo(status, 17), restarts)
		s = indent + check(r.key(sp.pods)) + " " + ds.Render(dot) + " " + name + detail + st.Faint.Render(more)
	case rowContainer:
		s = "        " + check(r.key(sp.pods)) + " " + st.Faint.Render("└ ") + r.container
	}
	s = fitRow(s, w)
	if i == sp.cursor {
		s = st.PanelCursor.Render(ansi.Strip(s))
	}
	return s
}

// plural returns "1 pod", "2 pods".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ShortHelp implements help.KeyMap.
func (sp *sourcesPanel) ShortHelp() []key.Binding {
	k := sp.c.keys
	if sp.section == sectionLoki {
		return sp.loki.ShortHelp()
	}
	r, _ := sp.row(sp.cursor)
	return []key.Binding{
		k.FilterPods, k.Toggle, k.OpenMerged, k.OpenSplit, k.OpenWorkload, k.SelectAll,
		when(k.Expand, r.kind == rowPod), k.Section,
		when(k.Cancel, sp.canClose || sp.filter.Value() != "" || len(sp.selected) > 0),
	}
}

// FullHelp implements help.KeyMap.
func (sp *sourcesPanel) FullHelp() [][]key.Binding {
	k := sp.c.keys
	return [][]key.Binding{
		{k.FilterPods, k.ListUp, k.ListDown, k.ListPageUp, k.ListPageDown, k.ListTop, k.ListBottom},
		{k.Toggle, k.SelectAll, k.Expand, k.Collapse},
		{k.OpenMerged, k.OpenSplit, k.OpenWorkload, k.Section, k.LokiQuery, k.Cancel},
	}
}

// listMove applies the list cursor keys (line, page, top, bottom) shared by the pod
// list and the Loki lists, and reports whether msg was one of them. The caller clamps.
func listMove(msg tea.KeyPressMsg, k *keyMap, cursor, page, n int) (int, bool) {
	switch {
	case key.Matches(msg, k.ListUp):
		return cursor - 1, true
	case key.Matches(msg, k.ListDown):
		return cursor + 1, true
	case key.Matches(msg, k.ListPageUp):
		return cursor - page, true
	case key.Matches(msg, k.ListPageDown):
		return cursor + page, true
	case key.Matches(msg, k.ListTop):
		return 0, true
	case key.Matches(msg, k.ListBottom):
		return n - 1, true
	}
	return cursor, false
}

// setPodsErr shows why the pods cannot be listed (or a warning about them).
func (sp *sourcesPanel) setPodsErr(err error) { sp.podsErr = clean(err.Error()) }

// setHint sets the line shown above the list and whether esc returns to the
// panes.
func (sp *sourcesPanel) setHint(hint string, canClose bool) {
	sp.hint, sp.canClose = hint, canClose
}

// clearHint removes the line shown above the list.
func (sp *sourcesPanel) clearHint() { sp.hint = "" }

// querying reports whether a LogQL query is being typed in the Loki section.
func (sp *sourcesPanel) querying() bool { return sp.loki.capturesKeys() }

// setLokiCatalog hands the Loki section its catalog (or why there is none),
// and activates the section when it is showing.
func (sp *sourcesPanel) setLokiCatalog(lc LokiCatalog, err error) tea.Cmd {
	sp.loki.setCatalog(lc, err)
	if sp.section == sectionLoki {
		return sp.loki.activate()
	}
	return nil
}

// setLokiList hands the Loki section a list of streams or labels.
func (sp *sourcesPanel) setLokiList(msg lokiListMsg) { sp.loki.setList(msg) }
