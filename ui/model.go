// Package ui is tailui's terminal interface: the sources panel where pods and
// Loki streams are picked, and the panes that show live logs side by side.
// It never imports Kubernetes packages: everything it shows comes through the
// Catalog interface, and lines arrive as stream.Line from stream.Sources it
// runs itself. Run is the entry point; New returns the Bubble Tea model for
// embedding and tests.
package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/tailui/tailui/stream"
)

// common is what every component reads and only the root writes: styles,
// keys, the clock. It travels down by pointer, never through globals.
type common struct {
	ctx          context.Context
	styles       *Styles
	keys         *keyMap
	now          time.Time      // set from Options.Now in Update, read in View
	loc          *time.Location // zone of local timestamps
	tmux         bool
	contextLines int        // what the context toggle keeps (Options.ContextLines)
	fields       *fieldView // what fields mode shows (K, Options.Fields); nil: all
	queryHistory []string
	saveQuery    func(string)
	// after returns a command that delivers msg after d (tea.Tick); tests
	// replace it to control time.
	after func(d time.Duration, msg tea.Msg) tea.Cmd
}

func afterTick(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// tickMsg drives the clock: status expiry, rates, relative times.
type tickMsg struct{}

// mergeTickMsg releases lines that merged panes hold back for ordering.
type mergeTickMsg struct{}

// tickInterval is how often tickMsg arrives.
const tickInterval = time.Second

func tick() tea.Cmd {
	return tea.Tick(tickInterval, func(time.Time) tea.Msg { return tickMsg{} })
}

// Pod watch messages.
type (
	podsStartedMsg struct {
		ch   <-chan []PodInfo
		warn error // some clusters' pods could not be listed (Catalog.WatchPods)
	}
	podsMsg struct {
		pods []PodInfo
		ch   <-chan []PodInfo
	}
	podsErrMsg    struct{ err error }
	podsClosedMsg struct{}
)

// sourcesOpenedMsg reports the outcome of Catalog.Open for a pane.
type sourcesOpenedMsg struct {
	pane paneID
	srcs []stream.Source
	err  error
}

// fatalMsg stops the UI with a full-screen message.
type fatalMsg struct{ err error }

// statusLine is the transient message above the footer.
type statusLine struct {
	text  string
	isErr bool
	until time.Time
}

// splitTarget is where panes picked in the panel go after a split key.
type splitTarget struct {
	pane *pane
	dir  splitDir
}

// dragState tracks a mouse drag selecting lines.
type dragState struct {
	pane *pane
	row  int
}

// Model is the root Bubble Tea model. It owns the layout, routes messages to
// the sources panel and the panes, and runs every source. Create it with New.
type Model struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	c      *common
	theme  Theme

	width, height int
	body          rect

	panel     *sourcesPanel
	showPanel bool
	target    *splitTarget

	tree   layoutTree
	panes  []*pane
	focus  *pane
	zoomed bool
	nextID paneID

	hubs *paneHubs

	status     statusLine
	help       help.Model
	showHelp   bool
	helpOffset int
	fatal      error
	drag       *dragState
	debug      io.Writer
	mergeTick  bool // a mergeTickMsg is on its way
}

// New returns the root model. ctx bounds every source and request it
// starts; cancelling it stops them.
func New(ctx context.Context, opts Options) *Model {
	opts.defaults()
	ctx, cancel := context.WithCancel(ctx)
	theme := DefaultTheme()
	if opts.Theme != nil {
		theme = *opts.Theme
	}
	profile := colorprofile.TrueColor
	if opts.NoColor {
		profile = colorprofile.ASCII
	}
	keys, err := newKeyMapWith(opts.Keys)
	if err != nil {
		keys = newKeyMap() // callers check with CheckKeys first; never start without keys
	}
	c := &common{
		ctx:          ctx,
		styles:       NewStyles(theme, profile),
		keys:         keys,
		now:          opts.Now(),
		loc:          time.Local,
		tmux:         opts.Tmux,
		contextLines: cmp.Or(opts.ContextLines, 3),
		fields:       parseFieldView(opts.Fields),
		queryHistory: opts.QueryHistory,
		saveQuery:    opts.SaveQuery,
		after:        afterTick,
	}
	m := &Model{
		opts:      opts,
		ctx:       ctx,
		cancel:    cancel,
		c:         c,
		theme:     theme,
		hubs:      newPaneHubs(opts.HubCapacity),
		showPanel: opts.Initial == nil || opts.Initial.IsEmpty(),
		nextID:    1,
		debug:     opts.Debug,
	}
	m.panel = newSourcesPanel(c)
	m.help = help.New()
	m.help.Styles = c.styles.Help
	return m
}

func (m *Model) debugf(format string, args ...any) {
	if m.debug != nil {
		fmt.Fprintf(m.debug, "%s "+format+"\n", append([]any{m.c.now.Format(time.RFC3339Nano)}, args...)...)
	}
}

// Init starts the clock, the pod watch, the Loki lookup and the batch loop,
// and opens Options.Initial.
func (m *Model) Init() tea.Cmd {
	cat := m.opts.Catalog
	ctx := m.ctx
	cmds := []tea.Cmd{
		tick(),
		waitForBatch(ctx, m.hubs, time.Time{}),
		func() tea.Msg {
			ch, err := cat.WatchPods(ctx)
			if err != nil && ch == nil {
				return podsErrMsg{err}
			}
			return podsStartedMsg{ch, err}
		},
		func() tea.Msg {
			lc, err := cat.Loki()
			return lokiReadyMsg{lc, err}
		},
	}
	if sel := m.opts.Initial; sel != nil && !sel.IsEmpty() {
		req := initialRequest(*sel, m.opts.InitialSplit)
		cmds = append(cmds, func() tea.Msg { return openPanesMsg(req) })
	}
	return tea.Batch(cmds...)
}

// initialRequest turns the command-line selection into panes.
func initialRequest(sel Selection, split bool) openRequest {
	var items []item
	for _, p := range sel.Pods {
		title := p.Name
		if len(p.Containers) > 0 {
			title += " [" + strings.Join(p.Containers, ",") + "]"
		}
		items = append(items, item{title: clusterTitle(p.Context, title), sel: Selection{Pods: []PodRef{p}}})
	}
	for _, w := range sel.Workloads {
		items = append(items, item{title: clusterTitle(w.Context, w.Workload), sel: Selection{Workloads: []WorkloadRef{w}}})
	}
	for _, q := range sel.LokiQueries {
		items = append(items, item{title: q, sel: Selection{LokiQueries: []string{q}}})
	}
	mode := openMerged
	if split {
		mode = openPerPod
	}
	req := groupItems(items, mode)
	req.initial = true
	return req
}

func waitForPods(ch <-chan []PodInfo) tea.Cmd {
	return func() tea.Msg {
		pods, ok := <-ch
		if !ok {
			return podsClosedMsg{}
		}
		return podsMsg{pods, ch}
	}
}

// Update routes a message. Only the root handles tea.WindowSizeMsg.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil

	case tea.ColorProfileMsg:
		m.c.styles = NewStyles(m.theme, msg.Profile)
		m.help.Styles = m.c.styles.Help
		for _, p := range m.panes {
			p.invalidate()
		}
		return m, nil

	case tickMsg:
		m.c.now = m.opts.Now()
		if !m.status.until.IsZero() && !m.c.now.Before(m.status.until) {
			m.status = statusLine{}
		}
		for _, p := range m.panes {
			p.tick(m.c.now)
		}
		return m, tick()

	case batchMsg:
		m.c.now = m.opts.Now()
		m.route(msg.batches)
		return m, tea.Batch(waitForBatch(m.ctx, m.hubs, msg.at.Add(m.opts.FrameInterval)), m.scheduleMerge())

	case mergeTickMsg:
		m.mergeTick = false
		m.c.now = m.opts.Now()
		for _, p := range m.panes {
			p.release(m.c.now)
		}
		return m, m.scheduleMerge()

	case podsStartedMsg:
		if msg.warn != nil {
			m.panel.setPodsErr(msg.warn)
		}
		return m, waitForPods(msg.ch)
	case podsMsg:
		m.panel.setPods(msg.pods)
		return m, waitForPods(msg.ch)
	case podsErrMsg:
		if errors.Is(msg.err, ErrFatal) {
			m.fatal = msg.err
			return m, nil
		}
		m.panel.setPodsErr(msg.err)
		return m, nil
	case podsClosedMsg:
		return m, nil

	case lokiReadyMsg:
		return m, m.panel.setLokiCatalog(msg.lc, msg.err)
	case lokiListMsg:
		m.panel.setLokiList(msg)
		return m, nil

	case openPanesMsg:
		return m, m.openPanes(openRequest(msg))
	case closePanelMsg:
		if len(m.panes) > 0 {
			m.hidePanel()
		}
		return m, nil
	case sourcesOpenedMsg:
		return m, m.sourcesOpened(msg)

	case statusMsg:
		m.setStatus(msg.text, msg.isErr)
		return m, nil
	case fieldsMsg:
		m.c.fields = parseFieldView(msg.spec)
		for _, p := range m.panes {
			p.invalidate()
		}
		what := "fields mode shows every field"
		if m.c.fields != nil {
			what = "fields mode shows " + m.c.fields.String()
		}
		save := m.opts.SaveFields
		if save == nil {
			m.setStatus(what, false)
			return m, nil
		}
		spec := m.c.fields.String()
		return m, func() tea.Msg {
			if err := save(spec); err != nil {
				return statusMsg{what + " (not remembered: " + err.Error() + ")", true}
			}
			return statusMsg{what + " (remembered in the config file)", false}
		}
	case followIDMsg:
		for _, p := range m.panes {
			p.setFollow(msg.value)
		}
		what := msg.value
		if msg.field != "" {
			what = msg.field + "=" + msg.value
		}
		m.setStatus(fmt.Sprintf("following %s in %s (c lists each pane's rules; # on another line follows that one)", what, plural(len(m.panes), "pane")), false)
		return m, nil
	case savedMsg:
		if msg.err != nil {
			m.setStatus(msg.err.Error(), true)
		} else {
			m.setStatus(fmt.Sprintf("saved %d lines to %s", msg.lines, msg.path), false)
		}
		return m, nil

	case fatalMsg:
		m.fatal = msg.err
		return m, nil

	case filterDebounceMsg:
		if p := m.paneByID(msg.pane); p != nil {
			p.applyPending(msg.seq)
		}
		return m, nil

	case tea.KeyPressMsg:
		return m, m.handleKey(msg)

	case tea.PasteMsg:
		if m.showPanel || len(m.panes) == 0 {
			var cmd tea.Cmd
			m.panel, cmd = m.panel.Update(msg)
			return m, cmd
		}
		if m.focus != nil {
			var cmd tea.Cmd
			m.focus, cmd = m.focus.Update(msg)
			return m, cmd
		}

	case tea.MouseClickMsg, tea.MouseMotionMsg, tea.MouseReleaseMsg, tea.MouseWheelMsg:
		return m, m.handleMouse(msg.(tea.MouseMsg))
	}
	return m, nil
}

// scheduleMerge asks for a mergeTickMsg in a frame when a pane holds lines.
func (m *Model) scheduleMerge() tea.Cmd {
	if m.mergeTick {
		return nil
	}
	for _, p := range m.panes {
		if p.holding() {
			m.mergeTick = true
			return m.c.after(m.opts.FrameInterval*3, mergeTickMsg{})
		}
	}
	return nil
}

func (m *Model) setStatus(text string, isErr bool) {
	d := 4 * time.Second
	if isErr {
		d = 8 * time.Second
	}
	m.status = statusLine{text: clean(text), isErr: isErr, until: m.c.now.Add(d)}
	if isErr {
		m.debugf("status error: %s", text)
	}
}

// route hands each pane its batch. A pane closed since its batch was taken
// has no hub any more and gets nothing.
func (m *Model) route(batches []paneBatch) {
	for _, pb := range batches {
		p, b := pb.p, pb.b
		if p.hub == nil {
			continue
		}
		p.receive(b.Lines, m.c.now)
		for o, n := range b.Dropped {
			p.noteDropped(o, n)
		}
		for _, s := range b.Statuses {
			p.setStatus(s)
			if s.State == stream.StateFailed {
				name := ""
				if s.Origin != nil {
					name = s.Origin.Name + ": "
				}
				m.setStatus(fmt.Sprintf("pane %d: %sfailed: %s", p.id, name, s.Err), true)
			}
		}
	}
}

// openPanes creates panes for a request and opens their sources.
func (m *Model) openPanes(req openRequest) tea.Cmd {
	var cmds []tea.Cmd
	var first *pane
	prev := (*pane)(nil)
	dir := splitSideBySide
	if m.target != nil {
		prev, dir = m.target.pane, m.target.dir
	}
	// Several panes into an empty screen: a grid.
	gridded := m.tree.root == nil && m.target == nil && len(req.sels) > 1
	for i, sel := range req.sels {
		title := "pane"
		if i < len(req.titles) {
			title = req.titles[i]
		}
		p := newPane(m.nextID, m.c, title, sel, &m.opts)
		if req.initial {
			if m.opts.ContextOn {
				p.initContext(m.c.contextLines)
			}
			p.addRules(m.opts.Include, m.opts.Exclude, m.opts.Where)
		}
		m.nextID++
		p.hub = m.hubs.add(p)
		m.panes = append(m.panes, p)
		switch {
		case gridded:
		case m.target != nil && m.tree.find(prev) != nil:
			m.tree.split(prev, p, dir)
			prev = p
		default:
			m.tree.add(p)
		}
		if !gridded {
			m.layout()
		}
		if first == nil {
			first = p
		}
		cat, id := m.opts.Catalog, p.id
		cmds = append(cmds, func() tea.Msg {
			srcs, err := cat.Open(sel)
			return sourcesOpenedMsg{pane: id, srcs: srcs, err: err}
		})
	}
	if gridded {
		m.tree.grid(m.panes, m.body)
	}
	m.target = nil
	m.zoomed = false
	m.hidePanel()
	if first != nil {
		m.setFocus(first)
	}
	m.layout()
	return tea.Batch(cmds...)
}

// sourcesOpened starts the sources of a pane, unless it was closed meanwhile.
func (m *Model) sourcesOpened(msg sourcesOpenedMsg) tea.Cmd {
	p := m.paneByID(msg.pane)
	if p == nil {
		return nil
	}
	if msg.err != nil {
		text := clean(msg.err.Error())
		self := &stream.Origin{ID: fmt.Sprintf("tailui/pane-%d/open", p.id), Name: "open"}
		p.ingest([]stream.Line{{Origin: self, Kind: stream.KindError, Text: text, Time: m.c.now}})
		p.setStatus(stream.Status{Origin: self, State: stream.StateFailed, Err: text, At: m.c.now})
		m.setStatus(fmt.Sprintf("pane %d: %s", p.id, text), true)
		return nil
	}
	if len(msg.srcs) == 0 {
		m.setStatus(fmt.Sprintf("pane %d: nothing to stream", p.id), true)
		return nil
	}
	p.start(runSources(m.ctx, p.id, msg.srcs, p.hub, m.opts.Now))
	m.debugf("pane %d: %d sources", p.id, len(msg.srcs))
	return nil
}

func (m *Model) paneByID(id paneID) *pane {
	for _, p := range m.panes {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (m *Model) setFocus(p *pane) {
	if m.focus != nil && m.focus != p {
		m.focus.setFocused(false)
	}
	m.focus = p
	if p != nil {
		p.setFocused(true)
	}
}

func (m *Model) hidePanel() {
	m.showPanel = false
	m.target = nil
	m.panel.clearHint()
	m.layout()
}

// showSources opens the panel over the panes.
func (m *Model) showSources(hint string) {
	m.showPanel = true
	m.panel.setHint(hint, len(m.panes) > 0)
	m.layout()
}

// closePane stops a pane's sources and removes it.
func (m *Model) closePane(p *pane) {
	p.stop()
	m.hubs.remove(p)
	p.hub = nil
	leaves := m.tree.leaves()
	idx := 0
	for i, l := range leaves {
		if l.pane == p {
			idx = i
		}
	}
	m.tree.remove(p)
	for i, q := range m.panes {
		if q == p {
			m.panes = append(m.panes[:i], m.panes[i+1:]...)
			break
		}
	}
	m.zoomed = false
	if leaves = m.tree.leaves(); len(leaves) > 0 {
		m.setFocus(leaves[min(idx, len(leaves)-1)].pane)
	} else {
		m.focus = nil
		m.showSources("")
	}
	m.layout()
}

// cycleFocus moves focus through panes in reading order.
func (m *Model) cycleFocus(d int) {
	leaves := m.tree.leaves()
	if len(leaves) == 0 {
		return
	}
	i := 0
	for j, l := range leaves {
		if l.pane == m.focus {
			i = j
		}
	}
	i = (i + d + len(leaves)) % len(leaves)
	m.setFocus(leaves[i].pane)
	if m.zoomed {
		m.layout()
	}
}

func (m *Model) moveFocus(dx, dy int) {
	if m.focus == nil || m.zoomed {
		return
	}
	if p := m.tree.neighbour(m.focus, dx, dy); p != nil {
		m.setFocus(p)
	}
}

// layout sizes everything from the window size. It is the only place sizes
// are computed; call it whenever the chrome changes.
func (m *Model) layout() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	m.help.SetWidth(m.width)
	fh := lipgloss.Height(m.footerView())
	m.body = rect{0, 0, m.width, max(m.height-fh, 0)}
	m.panel.setSize(m.body.w, m.body.h)
	m.tree.arrange(m.body)
	for _, l := range m.tree.leaves() {
		if m.zoomed && l.pane == m.focus {
			continue
		}
		l.pane.setSize(l.area.w, l.area.h)
	}
	if m.zoomed && m.focus != nil {
		m.focus.setSize(m.body.w, m.body.h)
	}
}

// handleKey routes a key: fatal screen, help screen, inputs that capture
// every key, global keys, then the focused component.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.keys
	if m.fatal != nil {
		return m.quit()
	}
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Help), key.Matches(msg, k.Cancel):
			m.showHelp = false
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Down), key.Matches(msg, k.PageDown):
			m.helpOffset++
		case key.Matches(msg, k.Up), key.Matches(msg, k.PageUp):
			m.helpOffset = max(m.helpOffset-1, 0)
		}
		return nil
	}
	if m.showPanel || len(m.panes) == 0 {
		// Letters type into the panel's filter; '?' cannot occur in the names
		// it filters, so it stays help unless a LogQL query is being typed.
		if key.Matches(msg, k.Help) && !m.panel.querying() {
			m.showHelp, m.helpOffset = true, 0
			return nil
		}
		var cmd tea.Cmd
		m.panel, cmd = m.panel.Update(msg)
		return cmd
	}
	p := m.focus
	if p != nil && p.takesKeys() {
		var cmd tea.Cmd
		m.focus, cmd = p.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpOffset = true, 0
	case key.Matches(msg, k.Sources):
		m.showSources("")
	case key.Matches(msg, k.FocusNext):
		m.cycleFocus(1)
	case key.Matches(msg, k.FocusPrev):
		m.cycleFocus(-1)
	case key.Matches(msg, k.FocusLeft):
		m.moveFocus(-1, 0)
	case key.Matches(msg, k.FocusRight):
		m.moveFocus(1, 0)
	case key.Matches(msg, k.FocusUp):
		m.moveFocus(0, -1)
	case key.Matches(msg, k.FocusDown):
		m.moveFocus(0, 1)
	case key.Matches(msg, k.FocusN):
		leaves := m.tree.leaves()
		if i := int(msg.Code - '1'); i >= 0 && i < len(leaves) {
			m.setFocus(leaves[i].pane)
			if m.zoomed {
				m.layout()
			}
		}
	case key.Matches(msg, k.Cancel) && m.zoomed && p != nil && !p.ownsCancel():
		m.zoomed = false
		m.layout()
	case key.Matches(msg, k.Zoom):
		if len(m.panes) > 1 || m.zoomed {
			m.zoomed = !m.zoomed
			m.layout()
		}
	case key.Matches(msg, k.Close):
		if p != nil {
			m.closePane(p)
		}
	case key.Matches(msg, k.SplitRight), key.Matches(msg, k.SplitDown):
		if p != nil {
			dir, where := splitSideBySide, "right of"
			if key.Matches(msg, k.SplitDown) {
				dir, where = splitStacked, "below"
			}
			m.target = &splitTarget{pane: p, dir: dir}
			m.zoomed = false
			m.showSources(fmt.Sprintf(" pick sources for the new pane %s pane %d · esc cancels", where, p.id))
		}
	case key.Matches(msg, k.Wider), key.Matches(msg, k.Narrower), key.Matches(msg, k.Taller), key.Matches(msg, k.Shorter):
		if p != nil && !m.zoomed {
			dir, delta := splitSideBySide, resizeStep
			switch {
			case key.Matches(msg, k.Narrower):
				delta = -delta
			case key.Matches(msg, k.Taller):
				dir = splitStacked
			case key.Matches(msg, k.Shorter):
				dir, delta = splitStacked, -delta
			}
			if m.tree.resize(p, dir, delta) {
				m.layout()
			}
		}
	case key.Matches(msg, k.Equalize):
		m.tree.equalize()
		m.layout()
	default:
		if p != nil {
			var cmd tea.Cmd
			m.focus, cmd = p.Update(msg)
			return cmd
		}
	}
	return nil
}

// handleMouse: a click focuses the pane under it, a drag selects lines, the
// wheel scrolls whatever is under the pointer.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	mouse := msg.Mouse()
	if m.fatal != nil || m.showHelp {
		return nil
	}
	if m.showPanel || len(m.panes) == 0 {
		switch msg := msg.(type) {
		case tea.MouseClickMsg:
			if msg.Button == tea.MouseLeft {
				m.panel.clickRow(mouse.X, mouse.Y)
			}
		case tea.MouseWheelMsg:
			var cmd tea.Cmd
			m.panel, cmd = m.panel.Update(msg)
			return cmd
		}
		return nil
	}
	p, area := m.paneAt(mouse.X, mouse.Y)
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		if p == nil {
			return nil
		}
		m.setFocus(p)
		if msg.Button == tea.MouseLeft && p.onRatesRow(mouse.Y-area.y) {
			return p.clickRate(mouse.X - area.x)
		}
		if msg.Button == tea.MouseLeft && mouse.Y >= area.y+p.contentTop() {
			m.drag = &dragState{pane: p, row: mouse.Y - area.y - p.contentTop()}
		}
	case tea.MouseMotionMsg:
		if m.drag != nil && msg.Button == tea.MouseLeft {
			d := m.drag.pane
			a := m.areaOf(d)
			d.selectRows(m.drag.row, mouse.Y-a.y-d.contentTop())
		}
	case tea.MouseReleaseMsg:
		if m.drag != nil && m.drag.pane.selecting {
			m.setStatus("lines selected: y copies, esc clears", false)
		}
		m.drag = nil
	case tea.MouseWheelMsg:
		if p != nil {
			var cmd tea.Cmd
			_, cmd = p.Update(msg)
			return cmd
		}
	}
	return nil
}

// paneAt returns the pane under a cell and its area.
func (m *Model) paneAt(x, y int) (*pane, rect) {
	if m.zoomed && m.focus != nil {
		if m.body.contains(x, y) {
			return m.focus, m.body
		}
		return nil, rect{}
	}
	for _, l := range m.tree.leaves() {
		if l.area.contains(x, y) {
			return l.pane, l.area
		}
	}
	return nil, rect{}
}

func (m *Model) areaOf(p *pane) rect {
	if m.zoomed && p == m.focus {
		return m.body
	}
	if n := m.tree.find(p); n != nil {
		return n.area
	}
	return rect{}
}

// quit stops every source and ends the program.
func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
}

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
		sep := m.c.styles.Separator.Render("│")
		body = strings.Join(m.renderNode(m.tree.root, sep), "\n")
	}
	if m.body.h == 0 {
		return m.footerView()
	}
	return body + "\n" + m.footerView()
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

// footerView draws the status line and the key help.
func (m *Model) footerView() string {
	st := m.c.styles
	var status string
	switch {
	case m.status.text != "" && m.status.isErr:
		status = st.StatusError.Render(" ✖ " + m.status.text)
	case m.status.text != "":
		status = st.StatusInfo.Render(" " + m.status.text)
	default:
		status = st.Faint.Render(" " + m.summary())
	}
	bindings := m.shortHelp()
	helpRow := m.help.ShortHelpView(bindings)
	return fitRow(status, m.width) + "\n" + fitRow(" "+helpRow, m.width)
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
	if m.focus != nil && (m.focus.capturesKeys() || m.focus.rulesOpen) {
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
		{"Scroll", []key.Binding{k.Up, k.Down, k.HalfUp, k.HalfDown, k.PageUp, k.PageDown, k.Top, k.Follow, k.Left, k.Right}},
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

// Focused returns the number of the focused pane, 0 when none; for tests and
// embedding.
func (m *Model) Focused() int {
	if m.focus == nil {
		return 0
	}
	return int(m.focus.id)
}

// Panes returns how many panes are open.
func (m *Model) Panes() int { return len(m.panes) }

// Err returns the fatal error that stopped the UI, if any.
func (m *Model) Err() error { return m.fatal }

// Shutdown stops every source the model started.
func (m *Model) Shutdown() { m.cancel() }
