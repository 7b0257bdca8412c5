package ui

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tailui/tailui/stream"
)

// screenSource records what it hears: "on"/"off" (SetOnScreen) and "run".
type screenSource struct {
	mu    sync.Mutex
	heard []string
	ran   chan struct{}
}

func newScreenSource() *screenSource { return &screenSource{ran: make(chan struct{})} }

func (s *screenSource) SetOnScreen(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.heard = append(s.heard, "on")
	} else {
		s.heard = append(s.heard, "off")
	}
}

func (s *screenSource) Run(ctx context.Context, _ stream.Sink) error {
	s.mu.Lock()
	s.heard = append(s.heard, "run")
	s.mu.Unlock()
	close(s.ran)
	<-ctx.Done()
	return nil
}

func (s *screenSource) calls() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.heard)
}

var _ OnScreenSource = (*screenSource)(nil)

// TestSourcesHearWhetherOnScreen: a pane's sources hear when a zoom of another
// pane or the sources panel hides it and when it shows again, and a pane's
// sources that open while it is hidden hear so before they run.
func TestSourcesHearWhetherOnScreen(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	a := openPanes(m, []string{"web"}, webSel())[0]
	press(m, "|")
	typeText(m, "api")
	press(m, "enter")
	if len(m.panes) != 2 || m.focus == a {
		t.Fatalf("split: %d panes, focus on a: %v", len(m.panes), m.focus == a)
	}
	b := m.focus
	sa, sb := newScreenSource(), newScreenSource()
	send(m, sourcesOpenedMsg{pane: a.id, srcs: []stream.Source{sa}})
	send(m, sourcesOpenedMsg{pane: b.id, srcs: []stream.Source{sb}})
	<-sa.ran
	<-sb.ran

	press(m, "z") // b zoomed: a is hidden
	press(m, "z")
	press(m, "|") // the panel covers both
	press(m, "esc")
	if got, want := sa.calls(), "[run off on off on]"; got != want {
		t.Errorf("pane a's source heard %s, want %s", got, want)
	}
	if got, want := sb.calls(), "[run off on]"; got != want {
		t.Errorf("pane b's source heard %s, want %s", got, want)
	}

	press(m, "z")
	sc := newScreenSource()
	send(m, sourcesOpenedMsg{pane: a.id, srcs: []stream.Source{sc}})
	<-sc.ran
	if got, want := sc.calls(), "[off run]"; got != want {
		t.Errorf("a source opened on a hidden pane heard %s, want %s", got, want)
	}
}
