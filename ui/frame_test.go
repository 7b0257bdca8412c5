package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

// fresh renders m from scratch: no body, footer or pane drawing kept.
func fresh(m *Model) string {
	saved := m.frame
	m.frame = frameCache{layoutGen: saved.layoutGen}
	for _, p := range m.panes {
		p.viewCache = nil
	}
	s := m.render()
	m.frame = saved
	return s
}

// TestViewRedrawsWhatChanged: what render keeps between frames (the panes'
// rows, the body joined from them, the footer) is what a drawing from scratch
// gives, after each kind of change: lines for one pane only, a status, a key
// that changes the footer's keys, focus, a resize, the clock.
func TestViewRedrawsWhatChanged(t *testing.T) {
	m, _ := newTestModel(t, 120, 30)
	now := testNow
	m.opts.Now = func() time.Time { return now }
	ps := openPanes(m, []string{"web", "api"}, webSel(), apiSel())
	check := func(step string, want ...string) string {
		t.Helper()
		got := m.render()
		if f := fresh(m); got != f {
			t.Fatalf("%s: the kept drawing differs from a fresh one:\nkept:\n%s\nfresh:\n%s", step, got, f)
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Fatalf("%s: the screen lacks %q:\n%s", step, w, got)
			}
		}
		return got
	}
	newFeeder(m, ps[0]).lines(logLines(oWeb, 3, "web line %d")...).flush()
	first := check("lines for pane 1", "web line 2")
	if again := m.render(); again != first {
		t.Fatal("nothing changed, and the screen did")
	}
	newFeeder(m, ps[1]).lines(logLines(oAPI, 2, "api line %d")...).flush()
	check("lines for pane 2 only", "web line 2", "api line 1")
	send(m, statusMsg{text: "something happened"})
	check("a status", "something happened")
	send(m, statusMsg{text: "something else"})
	check("another status", "something else")
	press(m, "k") // pane 1 pauses: its title, and the footer's keys (G follow)
	check("a pause")
	press(m, "tab")
	check("focus to pane 2", "▶2")
	now = now.Add(10 * time.Second)
	send(m, tickMsg{})
	check("the status expired", "2 panes")
	send(m, tea.WindowSizeMsg{Width: 100, Height: 24})
	check("a resize", "web line 2", "api line 1")
	press(m, "?")
	check("the help screen", "Search & filter")
	press(m, "?")
	check("back from help", "web line 2")
}

// TestFloodHalvesTheFrameRate: the next batch comes a frame after this one, or
// two frames when every pane of it got more lines than it has rows.
func TestFloodHalvesTheFrameRate(t *testing.T) {
	m, _ := newTestModel(t, 120, 30)
	ps := openPanes(m, []string{"web", "api"}, webSel(), apiSel())
	frame := m.opts.FrameInterval
	batch := func(p *pane, n int) paneBatch {
		return paneBatch{p: p, b: stream.Batch{Lines: logLines(oWeb, n, "l %d")}}
	}
	rows0, rows1 := ps[0].contentHeight(), ps[1].contentHeight()
	for _, c := range []struct {
		name string
		bs   []paneBatch
		want time.Duration
	}{
		{"nothing", nil, frame},
		{"a few lines", []paneBatch{batch(ps[0], 3)}, frame},
		{"a screenful", []paneBatch{batch(ps[0], rows0)}, frame},
		{"more than a screenful", []paneBatch{batch(ps[0], rows0+1)}, 2 * frame},
		{"one pane flooded, one not", []paneBatch{batch(ps[0], rows0+1), batch(ps[1], 1)}, frame},
		{"both flooded", []paneBatch{batch(ps[0], rows0+1), batch(ps[1], rows1+5)}, 2 * frame},
	} {
		if got := m.frameInterval(c.bs); got != c.want {
			t.Errorf("%s: the next batch %v after this one, want %v", c.name, got, c.want)
		}
	}
}
