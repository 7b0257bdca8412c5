//go:build e2e

package e2e

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmux drives the real binary in a real terminal (tmux), as a person would.
type tmux struct {
	t       testing.TB
	session string
	poll    time.Duration // how often waitScreen looks; 100 ms unless set
}

func startTmux(t testing.TB, width, height int, args ...string) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed (apt-get install tmux)")
	}
	s := &tmux{t: t, session: fmt.Sprintf("tailui-e2e-%d", time.Now().UnixNano())}
	cmdline := "env KUBECONFIG=" + bed.kubeconfig + " TERM=xterm-256color " + bed.tailui
	for _, a := range args {
		cmdline += " '" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// Keep the pane after tailui exits so the test can read the restored screen.
	cmdline += "; echo TAILUI-EXITED $?; sleep 600"
	out, err := exec.Command("tmux", "new-session", "-d", "-s", s.session,
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), cmdline).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", s.session).Run() })
	return s
}

func (s *tmux) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"send-keys", "-t", s.session}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

// typeText sends text literally.
func (s *tmux) typeText(text string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "send-keys", "-t", s.session, "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys -l: %v\n%s", err, out)
	}
}

func (s *tmux) screen() string {
	s.t.Helper()
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.session).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitScreen polls the screen until cond holds; on timeout the test fails showing it.
func (s *tmux) waitScreen(what string, cond func(screen string) bool) string {
	s.t.Helper()
	end := time.Now().Add(30 * time.Second)
	for {
		sc := s.screen()
		if cond(sc) {
			return sc
		}
		if time.Now().After(end) {
			s.t.Fatalf("timed out waiting for %s; screen:\n%s", what, sc)
		}
		if s.poll > 0 {
			time.Sleep(s.poll)
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func contains(subs ...string) func(string) bool {
	return func(sc string) bool {
		for _, s := range subs {
			if !strings.Contains(sc, s) {
				return false
			}
		}
		return true
	}
}

func TestTUISourcesTwoPanesSearchPauseQuit(t *testing.T) {
	tm := startTmux(t, 160, 48, "-n", "payments")

	// The sources panel lists the namespace's pods with their workloads.
	sc := tm.waitScreen("the sources panel", contains("StatefulSet/ledger", "ledger-0", "ledger-1", "Deployment/billing"))
	t.Logf("sources panel:\n%s", sc)

	// Filter to the ledger pods, select both, open one pane per pod.
	tm.typeText("ledger")
	tm.waitScreen("the filter to leave the ledger pods", func(sc string) bool {
		return strings.Contains(sc, "ledger-0") && !strings.Contains(sc, "billing-")
	})
	tm.keys("*")
	tm.keys("O")
	sc = tm.waitScreen("two panes side by side", func(sc string) bool {
		// Both pods' lines on the same screen rows: side by side.
		for _, l := range strings.Split(sc, "\n") {
			if strings.Count(l, "seq=") >= 2 {
				return strings.Contains(sc, "ledger-0") && strings.Contains(sc, "ledger-1")
			}
		}
		return false
	})
	t.Logf("two panes:\n%s", sc)

	// Search in the focused pane: every match highlighted, the lines stay.
	tm.keys("/")
	tm.typeText("level=warn")
	tm.keys("Enter")
	tm.waitScreen("the search to be shown", contains("level=warn"))

	// Scroll up: the pane pauses and counts what arrives meanwhile.
	tm.keys("k", "k", "k")
	sc = tm.waitScreen("the pane to pause", contains("paused"))
	t.Logf("paused:\n%s", firstLines(sc, 3))
	tm.waitScreen("new lines counted while paused", func(sc string) bool {
		return pausedNew.MatchString(firstLines(sc, 1))
	})
	// G resumes following.
	tm.keys("G")
	tm.waitScreen("the pane to follow again", func(sc string) bool { return !strings.Contains(firstLines(sc, 2), "paused") })

	// q quits and restores the terminal.
	tm.keys("q")
	sc = tm.waitScreen("tailui to exit", contains("TAILUI-EXITED 0"))
	if strings.Contains(sc, "seq=") {
		t.Errorf("the terminal was not restored after quit:\n%s", sc)
	}
}

var pausedNew = regexp.MustCompile(`paused · [1-9][0-9]* new`)

func firstLines(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, "\n")
}
