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
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
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
	// frame keeps what render drew last, reused while nothing in it changed.
	frame frameCache
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

// Update routes a message. Only the root handles tea.WindowSizeMsg. (It is one
// type switch of about 140 lines, a few lines per message; split, it would
// only scatter the dispatch.)
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
		return m, tea.Batch(waitForBatch(m.ctx, m.hubs, msg.at.Add(m.frameInterval(msg.batches))), m.scheduleMerge())

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
	case olderLoadedMsg:
		if p := m.paneByID(msg.pane); p != nil {
			return m, p.olderLoaded(msg)
		}
		return m, nil

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

// mergeTickInterval is how often a pane that holds lines for ordering is asked
// to release those that are due, when no batch comes to do it.
const mergeTickInterval = 48 * time.Millisecond

// frameInterval is how long after a batch the next one may be taken: a frame
// (Options.FrameInterval), or two when a flood came: every pane of the batch
// got more lines than it has rows, so that no line stays on screen long enough
// to be read while each frame redraws all of them. The renderer's CPU and the
// terminal's bytes are then halved; keys are still drawn at once.
func (m *Model) frameInterval(bs []paneBatch) time.Duration {
	iv := m.opts.FrameInterval
	if len(bs) == 0 {
		return iv
	}
	for _, pb := range bs {
		if len(pb.b.Lines) <= pb.p.contentHeight() {
			return iv
		}
	}
	return 2 * iv
}

// scheduleMerge asks for a mergeTickMsg in a while when a pane holds lines.
func (m *Model) scheduleMerge() tea.Cmd {
	if m.mergeTick {
		return nil
	}
	for _, p := range m.panes {
		if p.holding() {
			m.mergeTick = true
			return m.c.after(mergeTickInterval, mergeTickMsg{})
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
	p.setSources(msg.srcs)
	if p.hidden {
		p.tellOnScreen() // before they run: their first opens wait
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
	m.frame.layoutGen++
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
	// What is on screen opens its streams first (OnScreenSource).
	for _, p := range m.panes {
		p.setOnScreen(!m.showPanel && (!m.zoomed || p == m.focus))
	}
}

// quit stops every source and ends the program.
func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
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
