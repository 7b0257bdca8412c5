package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/stream/streamtest"
)

// fuzzPane returns a pane of w×h cells with the given title, on a fixed clock.
func fuzzPane(title string, w, h int) *pane {
	c := &common{
		ctx:    context.Background(),
		styles: NewStyles(DefaultTheme(), colorprofile.TrueColor),
		keys:   newKeyMap(),
		now:    testNow,
		loc:    time.UTC,
		after:  func(time.Duration, tea.Msg) tea.Cmd { return nil },
	}
	p := newPane(1, c, title, Selection{}, &Options{Scrollback: 1000})
	p.setSize(w, h)
	return p
}

// FuzzPaneRender renders a pane's title and rows with hostile lines (not sanitized
// beforehand), markers, origins and status errors, in every pretty mode, wrapped or
// not, with timestamps and origin tags, and checks that the screen gets nothing but
// text and SGR, and that the copied and saved text hold no escape but the saved
// lines' own colours.
func FuzzPaneRender(f *testing.F) {
	f.Add(`{"level":"info","msg":"hello","k":"v"}`, "reconnecting", "web-1", "app", uint16(0))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text, markerText, name, label string, mode uint16) {
		p := fuzzPane(name+" "+label, 20+int(mode%61), 4+int(mode>>6%5))
		p.pretty = prettyMode(mode >> 9 % uint16(numPrettyModes))
		p.wrap = mode&(1<<11) != 0
		if mode&(1<<12) != 0 {
			p.ts = TimestampsUTC
		}
		a := &stream.Origin{ID: "n/" + name + "/" + label, Name: name + "/" + label,
			Fields: map[string]string{"namespace": label, "pod": name, "container": label}}
		b := &stream.Origin{ID: `{` + label + `="` + name + `"}`, Name: `{` + label + `="` + name + `"}`,
			Fields: map[string]string{label: name}}
		p.setStatus(stream.Status{Origin: a, State: stream.StateReconnecting, Err: markerText, At: testNow})
		p.setStatus(stream.Status{Origin: b, State: stream.State(mode >> 13 % 6), Err: markerText + name, At: testNow})
		lines := []stream.Line{
			{Origin: a, Time: testNow, Text: text},
			{Origin: b, Time: testNow, Text: text + name},
			{Origin: a, Time: testNow, Kind: stream.Kind(1 + mode%8), Text: markerText},
			{Origin: b, Time: testNow, Text: label + "=" + text + ` msg="` + markerText + `"`},
			{Origin: b, Time: testNow, Kind: stream.KindError, Count: 3, Text: markerText + label},
		}
		p.ingest(lines)
		view := p.View()
		if err := streamtest.Inert([]byte(view), streamtest.Allow{SGR: true, Newline: true}); err != nil {
			t.Fatalf("pane view: %v\n%q", err, view)
		}
		if n := strings.Count(view, "\n") + 1; n != p.height {
			t.Fatalf("pane view has %d rows, want %d", n, p.height)
		}
		copied, _, _ := p.clipboardText(p.rangeLines(p.buf.absAt(0), p.buf.absAt(p.buf.count()-1)))
		if err := streamtest.Inert([]byte(copied), streamtest.Allow{Newline: true, Tab: true}); err != nil {
			t.Fatalf("copied text: %v", err)
		}
		path := filepath.Join(dir, "save.log")
		_ = os.Remove(path)
		if err := writeLines(path, lines, true); err != nil {
			t.Fatal(err)
		}
		saved, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := streamtest.Inert(saved, streamtest.Allow{SGR: true, Newline: true, Tab: true}); err != nil {
			t.Fatalf("saved text: %v", err)
		}
	})
}
