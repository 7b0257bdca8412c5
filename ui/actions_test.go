package ui

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/tailui/tailui/stream"
)

// copied runs the command copy returns and gives what it writes to the
// terminal and the status text it shows.
func copied(t *testing.T, cmd tea.Cmd) (raw []string, status []statusMsg) {
	t.Helper()
	if cmd == nil {
		t.Fatal("copy returned no command")
	}
	var walk func(tea.Cmd)
	walk = func(c tea.Cmd) {
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				walk(c)
			}
		case tea.RawMsg:
			raw = append(raw, fmt.Sprint(msg.Msg))
		case statusMsg:
			status = append(status, msg)
		default:
			t.Fatalf("copy produced %T; the tests see only RawMsg and statusMsg", msg)
		}
	}
	walk(cmd)
	return raw, status
}

// osc52 is one OSC 52 sequence for the system clipboard, BEL-terminated.
var osc52 = regexp.MustCompile("^\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07$")

// decodeOSC52 checks that seq is exactly one OSC 52 set-clipboard sequence and
// returns the text it carries.
func decodeOSC52(t *testing.T, seq string) string {
	t.Helper()
	m := osc52.FindStringSubmatch(seq)
	if m == nil {
		t.Fatalf("not one OSC 52 sequence: %q", clip(seq))
	}
	b, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatalf("OSC 52 payload is not base64: %v", err)
	}
	return string(b)
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:100] + "…" + s[len(s)-100:]
	}
	return s
}

func TestCopySendsTheSelectedLinesAsOSC52(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 100)
	press(m, "v", "k", "k")
	raw, status := copied(t, p.copy())
	if len(raw) != 1 {
		t.Fatalf("%d writes to the terminal, want 1 (not in tmux): %q", len(raw), raw)
	}
	if got, want := decodeOSC52(t, raw[0]), "line 97\nline 98\nline 99"; got != want {
		t.Errorf("clipboard %q, want %q", got, want)
	}
	if want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("line 97\nline 98\nline 99")) + "\x07"; raw[0] != want {
		t.Errorf("bytes %q, want %q", raw[0], want)
	}
	if len(status) != 1 || status[0].isErr || status[0].text != "copied 3 selected lines to the clipboard (OSC 52)" {
		t.Errorf("status %+v", status)
	}
}

func TestCopyInsideTmuxAlsoSendsThePassthroughForm(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 100)
	p.c.tmux = true
	press(m, "v", "k")
	raw, _ := copied(t, p.copy())
	if len(raw) != 1 {
		t.Fatalf("%d writes, want 1", len(raw))
	}
	bare := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("line 98\nline 99")) + "\x07"
	// tmux takes the bare sequence itself (set-clipboard on); the DCS form
	// goes through to the outer terminal (allow-passthrough on), each ESC
	// inside doubled.
	wrapped := "\x1bPtmux;\x1b\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("line 98\nline 99")) + "\x07\x1b\\"
	if raw[0] != bare+wrapped {
		t.Errorf("bytes\n %q\nwant\n %q", raw[0], bare+wrapped)
	}
	if got := ansi.TmuxPassthrough("\x1b[1m\x1b]0;x\x07"); got != "\x1bPtmux;\x1b\x1b[1m\x1b\x1b]0;x\x07\x1b\\" {
		t.Errorf("TmuxPassthrough doubled ESC wrong: %q", got)
	}
}

func TestCopyOfTheScreenWithoutASelection(t *testing.T) {
	_, p, _ := onePane(t, 80, 24, 100)
	first, last, ok := p.visibleRange()
	if !ok {
		t.Fatal("nothing visible")
	}
	raw, status := copied(t, p.copy())
	got := strings.Split(decodeOSC52(t, raw[0]), "\n")
	if int64(len(got)) != last-first+1 || got[len(got)-1] != "line 99" {
		t.Errorf("copied %d lines ending %q; %d on screen ending line 99", len(got), got[len(got)-1], last-first+1)
	}
	if want := fmt.Sprintf("copied %d lines on screen", len(got)); len(status) != 1 || !strings.HasPrefix(status[0].text, want) {
		t.Errorf("status %+v, want %q…", status, want)
	}
}

// TestCopyIsSanitised feeds lines that carry colour and, as if a source had
// not sanitised them, raw controls: the clipboard gets the text without any
// escape sequence, and markers in their "── text ──" form.
func TestCopyIsSanitised(t *testing.T) {
	m, p, f := onePane(t, 80, 24, 0)
	f.lines(
		stream.Line{Origin: oWeb, Time: testNow, Text: "\x1b[31mred\x1b[0m seq=1"},
		stream.Line{Origin: oWeb, Time: testNow, Text: "title \x1b]0;pwned\x07 clip \x1b]52;c;aGk=\x07 csi \u009b2J bidi \u202e seq=2"},
		stream.Line{Origin: oWeb, Time: testNow, Kind: stream.KindGap, Count: 3, Text: "gap \x1b[2J 3 lines"},
	).flush()
	press(m, "v", "k", "k")
	raw, _ := copied(t, p.copy())
	text := decodeOSC52(t, raw[0])
	ls := strings.Split(text, "\n")
	if len(ls) != 3 {
		t.Fatalf("copied %q, want 3 lines", text)
	}
	if ls[0] != "red seq=1" {
		t.Errorf("coloured line copied as %q, want the text without SGR", ls[0])
	}
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
		if strings.Contains(text, bad) {
			t.Errorf("clipboard holds %q: %q", bad, text)
		}
	}
	if !strings.HasPrefix(ls[1], "title ") || !strings.HasSuffix(ls[1], "seq=2") {
		t.Errorf("hostile line lost its visible text: %q", ls[1])
	}
	if !strings.HasPrefix(ls[2], "── gap ") || !strings.HasSuffix(ls[2], " 3 lines ──") {
		t.Errorf("marker copied as %q", ls[2])
	}
}

// TestCopyCap selects more than maxClipboard: the newest lines that fit are
// sent, the status says how many did not, and a line alone over the cap
// sends nothing at all (not an empty OSC 52, which would clear the clipboard).
func TestCopyCap(t *testing.T) {
	m, p, f := onePane(t, 80, 24, 0)
	const n = 40
	size := maxClipboard / 10 // 10 lines fit (9 with the newlines), not 40
	var ls []stream.Line
	for i := range n {
		ls = append(ls, stream.Line{Origin: oWeb, Time: testNow, Text: fmt.Sprintf("seq=%02d ", i) + strings.Repeat("x", size-7)})
	}
	f.lines(ls...).flush()
	press(m, "v")
	for range n - 1 {
		press(m, "k")
	}
	raw, status := copied(t, p.copy())
	text := decodeOSC52(t, raw[0])
	if len(text) > maxClipboard {
		t.Errorf("clipboard holds %d bytes, over the cap of %d", len(text), maxClipboard)
	}
	got := strings.Split(text, "\n")
	fit := len(got)
	if fit != 9 {
		t.Errorf("%d lines fit, want 9", fit)
	}
	for i, l := range got {
		if want := fmt.Sprintf("seq=%02d ", n-fit+i); !strings.HasPrefix(l, want) || len(l) != size {
			t.Errorf("line %d of the clipboard starts %q (%d bytes), want %q (%d bytes)", i, l[:8], len(l), want, size)
		}
	}
	if want := fmt.Sprintf("copied %d selected lines to the clipboard (OSC 52); the first %d did not fit", fit, n-fit); len(status) != 1 || status[0].text != want {
		t.Errorf("status %+v, want %q", status, want)
	}

	f.lines(stream.Line{Origin: oWeb, Time: testNow, Text: strings.Repeat("y", maxClipboard+1)}).flush()
	press(m, "G", "v")
	raw, status = copied(t, p.copy())
	if len(raw) != 0 {
		t.Errorf("a line over the cap sent %d bytes to the terminal", len(raw[0]))
	}
	if len(status) != 1 || !status[0].isErr || !strings.Contains(status[0].text, "nothing copied") {
		t.Errorf("status %+v, want an error saying nothing was copied", status)
	}
}
