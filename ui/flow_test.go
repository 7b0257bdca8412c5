package ui_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/tailui/tailui/ui"
	"github.com/tailui/tailui/ui/demo"
)

// These flows run the real Bubble Tea program (teatest/v2 against Bubble
// Tea v2.1.1) with the demo catalog: real sources, real hub, real renderer.
// They wait on what the terminal receives, never on time.

const flowTimeout = 10 * time.Second

func startFlow(t *testing.T, cat *demo.Catalog, w, h int) (*teatest.TestModel, *ui.Model) {
	t.Helper()
	m := ui.New(context.Background(), ui.Options{Catalog: cat, AltScreen: true})
	t.Cleanup(m.Shutdown)
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	return tm, m
}

// waitFor waits until the output received so far contains every string.
func waitFor(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	var seen bytes.Buffer
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen.Write(b)
		s := seen.String()
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(flowTimeout), teatest.WithCheckInterval(20*time.Millisecond))
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestFlowOpenSearchQuit(t *testing.T) {
	cat := demo.New()
	cat.Rate = -1 // backlog only: the screen settles
	tm, _ := startFlow(t, cat, 100, 30)
	// "13 pods" in the footer, not "Pods (13)" in the tab: when the pods come
	// after the first frame the renderer rewrites only the tab's "13)", so
	// the whole string never reaches the terminal (seen under -race).
	waitFor(t, tm, "13 pods", "ledger-0")

	tm.Type("ledger-0")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "ledger-0", "live")

	tm.Send(keyMsg("/"))
	tm.Type("error")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "matching lines")

	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(flowTimeout)).(*ui.Model)
	if fm.Panes() != 1 {
		t.Errorf("panes = %d, want 1", fm.Panes())
	}
	if got := cat.Opened(); len(got) != 1 || got[0].Pods[0].Name != "ledger-0" {
		t.Errorf("opened %+v", got)
	}
}

func TestFlowSplitCloseAndInterrupt(t *testing.T) {
	cat := demo.New()
	cat.Rate = -1
	tm, _ := startFlow(t, cat, 120, 30)
	waitFor(t, tm, "13 pods")

	// Every web pod of prod, one pane each.
	tm.Type("prod/deployment/web")
	tm.Send(keyMsg("*"))
	tm.Send(keyMsg("O"))
	waitFor(t, tm, "web-7d9f8b6c5-x2kq4", "web-7d9f8b6c5-p8m2z", "web-7d9f8b6c5-rt5vn")

	tm.Send(keyMsg("x"))
	tm.Send(keyMsg("z"))
	waitFor(t, tm, "zoomed")

	tm.Send(keyMsg("ctrl+c"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(flowTimeout)).(*ui.Model)
	if fm.Panes() != 2 {
		t.Errorf("panes = %d, want 2", fm.Panes())
	}
}

func TestFlowFatal(t *testing.T) {
	tm, _ := startFlow(t, &demo.Catalog{WatchErr: ui.ErrFatal}, 80, 24)
	waitFor(t, tm, "cannot continue", "press any key")
	tm.Send(keyMsg("space"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(flowTimeout)).(*ui.Model)
	if fm.Err() == nil {
		t.Error("the final model has no error")
	}
}

func TestFlowInitialSelection(t *testing.T) {
	cat := demo.New()
	cat.Rate = -1
	sel := &ui.Selection{Pods: []ui.PodRef{{Namespace: "prod", Name: "ledger-0"}, {Namespace: "prod", Name: "api-5c7b9d4f8-k3j9h"}}}
	m := ui.New(context.Background(), ui.Options{Catalog: cat, Initial: sel, InitialSplit: true, Timestamps: ui.TimestampsUTC})
	t.Cleanup(m.Shutdown)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "ledger-0", "api-5c7b9d4f8-k3j9h", "live", "utc")
	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(flowTimeout)).(*ui.Model)
	if fm.Panes() != 2 {
		t.Errorf("panes = %d, want 2", fm.Panes())
	}
}
