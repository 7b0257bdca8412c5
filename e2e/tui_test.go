//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// tmuxSocket is the tmux server of this test process (tmux -L): other test
// runs on the machine keep theirs, and server options set here (set-clipboard)
// touch no one else's.
var tmuxSocket = fmt.Sprintf("tailui-e2e-%d", os.Getpid())

// tmuxCmd is the tmux command line on the test process's own server.
func tmuxCmd(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", tmuxSocket}, args...)...)
}

// tmuxNewSession starts a detached session running cmdline.
func tmuxNewSession(name string, width, height int, cmdline string) ([]byte, error) {
	var out []byte
	var err error
	for range 5 {
		out, err = tmuxCmd("new-session", "-d", "-s", name,
			"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), cmdline).CombinedOutput()
		// The last session's kill ends the server; a new-session that meets
		// it on its way out is told so, and starts the next one when tried again.
		if err == nil || !strings.Contains(string(out), "server exited unexpectedly") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return out, err
}

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
	out, err := tmuxNewSession(s.session, width, height, cmdline)
	if err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = tmuxCmd("kill-session", "-t", s.session).Run() })
	// Let applications set tmux's clipboard with OSC 52 (a server option; the
	// server is this process's own), so that a test can read what tailui
	// copied with show-buffer.
	if out, err := tmuxCmd("set-option", "-s", "set-clipboard", "on").CombinedOutput(); err != nil {
		t.Fatalf("tmux set-option set-clipboard: %v\n%s", err, out)
	}
	return s
}

func (s *tmux) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"send-keys", "-t", s.session}, keys...)
	if out, err := tmuxCmd(args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

// typeText sends text literally.
func (s *tmux) typeText(text string) {
	s.t.Helper()
	if out, err := tmuxCmd("send-keys", "-t", s.session, "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys -l: %v\n%s", err, out)
	}
}

func (s *tmux) screen() string {
	s.t.Helper()
	out, err := tmuxCmd("capture-pane", "-p", "-t", s.session).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// styled is the screen with its attributes as SGR sequences (capture-pane -e).
func (s *tmux) styled() string {
	s.t.Helper()
	out, err := tmuxCmd("capture-pane", "-p", "-e", "-t", s.session).Output()
	if err != nil {
		s.t.Fatalf("capture-pane -e: %v", err)
	}
	return string(out)
}

// buffer returns tmux's newest paste buffer: what an OSC 52 from the pane set,
// with set-clipboard on. ok is false when there is none.
func (s *tmux) buffer() (string, bool) {
	s.t.Helper()
	out, err := tmuxCmd("show-buffer").Output()
	if err != nil {
		return "", false
	}
	return string(out), true
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

	// Search in the focused pane. "level=warn" is on screen already, so the
	// test looks for what only a search that ran produces: the match count in
	// the pane's title, the matches in reverse video, N and n moving the cursor.
	if m := searchBadge.FindString(sc); m != "" {
		t.Fatalf("a search badge %q before any search", m)
	}
	if n, _ := matchStyles(tm.styled(), "level=warn"); n.reverse > 0 {
		t.Fatalf("%d matches in reverse video before any search", n.reverse)
	}
	tm.keys("/")
	tm.typeText("level=warn")
	tm.keys("Enter")
	// The title counts the matches; enter put the cursor on the newest one on
	// screen, so the badge reads R/N.
	rank := func(sc string) (int, int) {
		m := searchBadge.FindStringSubmatch(sc)
		if m == nil || m[1] == "" {
			return 0, 0
		}
		r, _ := strconv.Atoi(m[1])
		all, _ := strconv.Atoi(m[2])
		return r, all
	}
	sc = tm.waitScreen("the search's match rank and count in the title", func(sc string) bool { r, _ := rank(sc); return r > 0 })
	r1, all := rank(sc)
	// Every match in the focused pane is in reverse video; the one under the
	// cursor also bold and underlined, and it alone.
	n, _ := matchStyles(tm.styled(), "level=warn")
	if n.reverse == 0 {
		t.Fatalf("none of %d level=warn on screen in reverse video after the search\n%s", n.all, sc)
	}
	if n.current != 1 {
		t.Errorf("%d matches drawn as the current one, want 1", n.current)
	}
	t.Logf("search: %s; %d of %d occurrences on screen highlighted", searchBadge.FindString(sc), n.reverse, n.all)
	// N moves to the previous (older) match, n back to the next.
	if r1 > 1 {
		tm.keys("N")
		tm.waitScreen("the rank to move on N", func(sc string) bool { r, _ := rank(sc); return r != r1 })
		if r2, _ := rank(tm.screen()); r2 != r1-1 {
			t.Errorf("N moved from match %d/%d to %d, want %d", r1, all, r2, r1-1)
		}
		if n, _ := matchStyles(tm.styled(), "level=warn"); n.current != 1 {
			t.Errorf("after N, %d matches drawn as the current one, want 1", n.current)
		}
		tm.keys("n")
		tm.waitScreen("the rank to move back on n", func(sc string) bool { r, _ := rank(sc); return r == r1 })
		if n, _ := matchStyles(tm.styled(), "level=warn"); n.current != 1 {
			t.Errorf("after N n, %d matches drawn as the current one, want 1", n.current)
		}
	} else {
		t.Errorf("the newest match on screen is match %d of %d: the search started from the wrong end", r1, all)
	}
	// Follow again, so that the pause below is the scroll's own.
	tm.keys("G")
	tm.waitScreen("the pane to follow after the search", func(sc string) bool { return !strings.Contains(firstLines(sc, 2), "paused") })

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

// searchBadge is the pane title's search badge: "/pattern N", or "/pattern R/N"
// with the cursor on match R.
var searchBadge = regexp.MustCompile(`/level=warn (?:([0-9]+)/)?([0-9]+)\b`)

// matchCount counts the occurrences of a text on a styled screen.
type matchCount struct {
	all     int // every occurrence
	reverse int // wholly in reverse video (a search match)
	current int // wholly bold, underlined and reverse (the current match)
}

// matchStyles reads a capture-pane -e screen, tracking the SGR attributes
// reverse, bold and underline per cell, and counts how occurrences of text
// are drawn, leaving out the title's "/text" badge. It also returns the
// screen's plain text.
func matchStyles(styled, text string) (matchCount, string) {
	var n matchCount
	var plain strings.Builder
	for _, line := range strings.Split(styled, "\n") {
		var cells []rune
		var attrs []uint8
		var cur uint8 // bit 0 reverse, 1 bold, 2 underline
		for i := 0; i < len(line); {
			if line[i] == 0x1b && i+1 < len(line) && line[i+1] == '[' {
				j := i + 2
				for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
					j++
				}
				if j < len(line) && line[j] == 'm' {
					cur = applySGR(cur, line[i+2:j])
				}
				i = j + 1
				continue
			}
			r, size := utf8.DecodeRuneInString(line[i:])
			cells = append(cells, r)
			attrs = append(attrs, cur)
			i += size
		}
		s := string(cells)
		plain.WriteString(s)
		plain.WriteByte('\n')
		tr := []rune(text)
		for k := 0; k+len(tr) <= len(cells); k++ {
			if string(cells[k:k+len(tr)]) != text || k > 0 && cells[k-1] == '/' {
				continue // not it, or the title's search badge (in reverse video too)
			}
			n.all++
			and := uint8(7)
			for _, a := range attrs[k : k+len(tr)] {
				and &= a
			}
			if and&1 != 0 {
				n.reverse++
			}
			if and == 7 {
				n.current++
			}
		}
	}
	return n, plain.String()
}

// applySGR applies the parameters of one SGR sequence to the attribute bits
// of matchStyles; colour parameters (38/48/58 with their arguments) are skipped.
func applySGR(cur uint8, params string) uint8 {
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		p, _, _ := strings.Cut(ps[i], ":") // 4:3 is an underline style
		switch p {
		case "", "0":
			cur = 0
		case "1":
			cur |= 2
		case "22":
			cur &^= 2
		case "4":
			cur |= 4
			if strings.HasSuffix(ps[i], ":0") {
				cur &^= 4
			}
		case "24":
			cur &^= 4
		case "7":
			cur |= 1
		case "27":
			cur &^= 1
		case "38", "48", "58":
			if strings.Contains(ps[i], ":") {
				continue
			}
			if i+1 < len(ps) && ps[i+1] == "5" {
				i += 2
			} else if i+1 < len(ps) && ps[i+1] == "2" {
				i += 4
			}
		}
	}
	return cur
}

func firstLines(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, "\n")
}

// TestTUICopyReachesTmuxClipboard copies three selected lines inside tmux with
// set-clipboard on: tmux takes tailui's OSC 52 into a paste buffer, so
// show-buffer gives exactly what reached the terminal, decoded.
func TestTUICopyReachesTmuxClipboard(t *testing.T) {
	tm := startTmux(t, 160, 40, "ledger-0", "-n", "payments")
	tm.waitScreen("ledger-0's lines", contains("seq="))
	if b, ok := tm.buffer(); ok {
		t.Fatalf("a paste buffer before any copy: %q", b)
	}
	tm.keys("v", "k", "k")
	tm.waitScreen("the selection", contains("select"))
	tm.keys("y")
	sc := tm.waitScreen("the copy's status", contains("copied 3 selected lines to the clipboard"))
	var clip string
	end := time.Now().Add(10 * time.Second)
	for {
		b, ok := tm.buffer()
		if ok {
			clip = b
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no paste buffer after the copy: tmux got no OSC 52\n%s", sc)
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := strings.Split(clip, "\n")
	if len(got) != 3 {
		t.Fatalf("clipboard holds %d lines, want 3: %q", len(got), clip)
	}
	var seqs []int
	for _, l := range got {
		m := seqRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("clipboard line without seq=: %q", l)
		}
		n, _ := strconv.Atoi(m[1])
		seqs = append(seqs, n)
		if strings.ContainsAny(l, "\x1b\x07\r") {
			t.Errorf("clipboard line holds a control: %q", l)
		}
		// The pane shows the line as copied (the screen cuts it at the pane's width).
		if w := min(len(l), 100); !strings.Contains(sc, l[:w]) {
			t.Errorf("copied line %q is not on screen\n%s", l, sc)
		}
	}
	if seqs[1] != seqs[0]+1 || seqs[2] != seqs[1]+1 {
		t.Errorf("copied seqs %v, want three consecutive lines", seqs)
	}
	t.Logf("clipboard via OSC 52: %q", clip)
}
