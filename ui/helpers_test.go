package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/tailui/tailui/stream"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 11, 25, 16, 34, 56, 0, time.UTC)

// fakeCatalog is a Catalog with fixed pods; Open returns sources that do
// nothing (tests feed lines directly).
type fakeCatalog struct {
	pods   []PodInfo
	opened []Selection
	loki   LokiCatalog
}

func (f *fakeCatalog) WatchPods(ctx context.Context) (<-chan []PodInfo, error) {
	ch := make(chan []PodInfo, 1)
	ch <- f.pods
	return ch, nil
}

func (f *fakeCatalog) Open(sel Selection) ([]stream.Source, error) {
	f.opened = append(f.opened, sel)
	return []stream.Source{idleSource{}}, nil
}

// idleSource produces nothing until it is stopped.
type idleSource struct{}

func (idleSource) Run(ctx context.Context, _ stream.Sink) error {
	<-ctx.Done()
	return nil
}

func (f *fakeCatalog) Loki() (LokiCatalog, error) {
	if f.loki == nil {
		return nil, fmt.Errorf("no Loki service found")
	}
	return f.loki, nil
}

// fakeLoki is a LokiCatalog with fixed answers.
type fakeLoki struct{}

func (fakeLoki) Labels(context.Context) ([]string, error) {
	return []string{"app", "namespace", "pod"}, nil
}

func (fakeLoki) Values(_ context.Context, name string) ([]string, error) {
	return []string{"api", "web", "ledger"}, nil
}

func (fakeLoki) Series(_ context.Context, sel string) ([]map[string]string, error) {
	return []map[string]string{{"app": "web", "namespace": "prod", "pod": "web-1"}, {"app": "web", "namespace": "prod", "pod": "web-2"}}, nil
}

func (fakeLoki) Describe() string { return "Loki via proxy: svc/loki in monitoring" }

func testPods() []PodInfo {
	return []PodInfo{
		{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4", Workload: "Deployment/web", Phase: "Running", Ready: 2, Total: 2, Containers: []string{"app", "envoy"}},
		{Namespace: "prod", Name: "web-7d9f8b6c5-p8m2z", Workload: "Deployment/web", Phase: "Running", Ready: 2, Total: 2, Restarts: 1, Containers: []string{"app", "envoy"}},
		{Namespace: "prod", Name: "api-5c7b9d4f8-w7q2c", Workload: "Deployment/api", Phase: "Running", Ready: 0, Total: 1, Restarts: 7, Containers: []string{"api"}, Reason: "CrashLoopBackOff"},
		{Namespace: "prod", Name: "ledger-0", Workload: "StatefulSet/ledger", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"ledger"}},
		{Namespace: "prod", Name: "ledger-1", Workload: "StatefulSet/ledger", Phase: "Pending", Ready: 0, Total: 1, Containers: []string{"ledger"}, Reason: "ContainerCreating"},
		{Namespace: "prod", Name: "backup-29112640-8kd7s", Workload: "Job/backup-29112640", Phase: "Succeeded", Total: 1, Containers: []string{"backup"}},
		{Namespace: "staging", Name: "debug-shell", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"shell"}},
		{Namespace: "kube-system", Name: "old-agent-zz9", Workload: "DaemonSet/agent", Phase: "Running", Total: 1, Deleted: true, Containers: []string{"agent"}},
	}
}

// newTestModel returns a model of size w×h with a fixed clock, UTC local
// time, and the pods snapshot loaded.
func newTestModel(t testing.TB, w, h int) (*Model, *fakeCatalog) {
	t.Helper()
	cat := &fakeCatalog{pods: testPods(), loki: fakeLoki{}}
	m := New(context.Background(), Options{Catalog: cat, Now: func() time.Time { return testNow }})
	t.Cleanup(m.Shutdown)
	m.c.loc = time.UTC
	// Delayed messages are kept for the test to deliver.
	m.c.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg { return delayedMsg{msg} }
	}
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	send(m, podsMsg{pods: cat.pods})
	return m, cat
}

// delayedMsg wraps what common.after would deliver later; runCmd drops it.
type delayedMsg struct{ msg tea.Msg }

// send runs Update and drops the command.
func send(m *Model, msg tea.Msg) tea.Cmd {
	_, cmd := m.Update(msg)
	return cmd
}

// runCmd runs cmd and every command it produces, synchronously, feeding
// their messages to m; batches are flattened. Commands that would block (the
// clock, the batch loop) are not run: only message kinds listed are.
func runCmd(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			runCmd(m, c)
		}
	case openPanesMsg, sourcesOpenedMsg, statusMsg, closePanelMsg, lokiListMsg, lokiReadyMsg, followIDMsg, fieldsMsg:
		runCmd(m, send(m, msg))
	}
}

// key builds a key press from a key string as key.Binding spells it.
func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c", "ctrl+u", "ctrl+d", "ctrl+a", "ctrl+w":
		return tea.KeyPressMsg{Code: rune(s[5]), Mod: tea.ModCtrl}
	case "alt+m":
		return tea.KeyPressMsg{Code: 'm', Mod: tea.ModAlt}
	case "alt+left":
		return tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModAlt}
	case "alt+right":
		return tea.KeyPressMsg{Code: tea.KeyRight, Mod: tea.ModAlt}
	case "alt+up":
		return tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModAlt}
	case "alt+down":
		return tea.KeyPressMsg{Code: tea.KeyDown, Mod: tea.ModAlt}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// press sends keys and runs the commands they produce.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		runCmd(m, send(m, keyPress(k)))
	}
}

// typeText types text, one key per rune.
func typeText(m *Model, text string) {
	for _, r := range text {
		if r == ' ' {
			press(m, "space")
			continue
		}
		runCmd(m, send(m, tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
}

// openPane opens one pane per selection directly and returns them.
func openPanes(m *Model, titles []string, sels ...Selection) []*pane {
	before := len(m.panes)
	runCmd(m, send(m, openPanesMsg(openRequest{sels: sels, titles: titles})))
	return m.panes[before:]
}

// collector is a stream.Sink that keeps everything for one batch.
type collector struct{ b stream.Batch }

func (c *collector) Lines(l []stream.Line)  { c.b.Lines = append(c.b.Lines, l...) }
func (c *collector) Status(s stream.Status) { c.b.Statuses = append(c.b.Statuses, s) }

// feeder sends lines to a pane through its real hub and routing.
type feeder struct {
	m    *Model
	sink stream.Sink
}

func newFeeder(m *Model, p *pane) *feeder { return &feeder{m: m, sink: p.hub} }

func (f *feeder) lines(ls ...stream.Line) *feeder { f.sink.Lines(ls); return f }

func (f *feeder) status(s stream.Status) *feeder { f.sink.Status(s); return f }

// flush delivers what the panes' hubs hold as one frame.
func (f *feeder) flush() {
	send(f.m, batchMsg{batches: f.m.hubs.take(), at: testNow})
}

// logLines makes n log lines of origin o, one second apart, ending at
// testNow, with text from format (given the line number).
func logLines(o *stream.Origin, n int, format string) []stream.Line {
	out := make([]stream.Line, n)
	for i := range out {
		out[i] = stream.Line{Origin: o, Time: testNow.Add(time.Duration(i-n) * time.Second), Text: fmt.Sprintf(format, i)}
	}
	return out
}

// screen renders the model's view through the ASCII colour profile, as on
// a terminal without colour, and checks that it fills the window exactly.
func screen(t testing.TB, m *Model) string {
	t.Helper()
	content := m.View().Content
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ASCII}
	if _, err := w.WriteString(content); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if gw, gh := lipgloss.Width(out), lipgloss.Height(out); gw != m.width || gh != m.height {
		t.Fatalf("view is %dx%d, window is %dx%d:\n%s", gw, gh, m.width, m.height, out)
	}
	for i, row := range strings.Split(out, "\n") {
		if rw := lipgloss.Width(row); rw != m.width {
			t.Errorf("row %d is %d cells wide, want %d: %q", i, rw, m.width, row)
		}
	}
	return out
}
