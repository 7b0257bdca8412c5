package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/stream/streamtest"
)

func TestRowWriterHostile(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"title and clear", "a\x1b]0;pwned\x07\x1b[2Jb", `a\x1b]0;pwned\x07\x1b[2Jb`},
		{"c1 csi", "\u009b2J", `\u009b2J`},
		{"bidi", "x\u202ey", `x\u202ey`},
		{"invisibles", "a\u200bb\u00adc\ufeffd\U000e0041", `a\u200bb\u00adc\ufeffd\U000e0041`},
		{"conceal shown, colour kept", "\x1b[8:0mh\x1b[31mr\x1b[0m", `\x1b[8:0mh` + "\x1b[31mr\x1b[0m"},
		{"invalid utf8", "a\xffb", `a\xffb`},
		{"tab is a space", "a\tb", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w rowWriter
			w.reset(80, false)
			w.write(tt.in, "")
			row := w.finish()[0]
			if got := strings.TrimRight(strings.TrimSuffix(strings.TrimRight(row, " "), paintReset), " "); got != tt.want {
				t.Errorf("row %q, want %q", got, tt.want)
			}
			if err := streamtest.Inert([]byte(row), streamtest.Allow{SGR: true}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPrettyFieldsHostileKeys(t *testing.T) {
	st := NewStyles(DefaultTheme(), colorprofile.TrueColor)
	tests := []struct{ name, line, want string }{
		{"c1 key", `{"msg":"hi","a\u009b2J":1}`, `hi a\u009b2J=1`},
		{"bidi key", `{"\u202ekey":"v"}`, `\u202ekey=v`},
		{"invisible key", `{"k\u200b\u00ad":"v"}`, `k\u200b\u00ad=v`},
		{"escape in key", `{"\u001b]0;t\u0007":"v"}`, `\x1b]0;t\x07=v`},
		{"hostile value", `{"k":"\u202e"}`, `k=\u202e`},
		{"hostile message", `{"msg":"\u001b[2J\u009b"}`, `\x1b[2J\u009b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out styled
			if !prettyJSON(tt.line, prettyFields, nil, st, &out) {
				t.Fatalf("%s: not pretty-printed", tt.line)
			}
			if got := out.b.String(); got != tt.want {
				t.Errorf("%s: %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestPaneTitleAndMarkersHostile(t *testing.T) {
	p := fuzzPane("web\x1b]0;pwned\x07\u202e", 80, 6)
	o := &stream.Origin{ID: "x", Name: "p\u009b2J/c"}
	p.setStatus(stream.Status{Origin: o, State: stream.StateFailed, Err: "pull: \x1b[2J\u200b"})
	p.ingest([]stream.Line{
		{Origin: o, Time: testNow, Kind: stream.KindError, Text: "back-off \x1b]52;c;AAAA\x07\U000e0041"},
		{Origin: o, Time: testNow, Text: "line \u202e"},
	})
	view := p.View()
	if err := streamtest.Inert([]byte(view), streamtest.Allow{SGR: true, Newline: true}); err != nil {
		t.Fatalf("%v\n%q", err, view)
	}
	plain := stripSGR(view)
	// Marker text that reached the pane raw, past the Hub, loses its OSC whole
	// (the pane strips escape sequences from what it measures).
	for _, want := range []string{`web\x1b]0;pwned\x07\u202e`, `failed: pull: \x1b[2J\u200b`, `back-off \U000e0041`, `line \u202e`} {
		if !strings.Contains(plain, want) {
			t.Errorf("view does not show %q:\n%s", want, plain)
		}
	}
}

func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := stream.KeptSGRLen(s[i:]); n > 0 {
			i += n
			continue
		}
		if strings.HasPrefix(s[i:], "\x1b[8m") {
			i += 4
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func TestCopyAndSaveHostile(t *testing.T) {
	o := &stream.Origin{ID: "x", Name: "p\x1b]0;t\x07/c\u202e"}
	lines := []stream.Line{
		{Origin: o, Time: testNow, Text: "a\u202eb\u009b2J\u200b"},
		{Origin: o, Time: testNow, Text: "\x1b[31mred\x1b[0m \x1b[8:0mhid"},
		{Origin: o, Time: testNow, Kind: stream.KindRestart, Text: "waiting: \x1b]52;c;AAAA\x07\U000e0041"},
	}
	p := fuzzPane("t", 80, 10)
	p.ingest(lines)
	copied, n, _ := p.clipboardText(p.rangeLines(p.buf.absAt(0), p.buf.absAt(p.buf.count()-1)))
	if n != 3 {
		t.Fatalf("copied %d lines, want 3", n)
	}
	wantCopy := "a\\u202eb\\u009b2J\\u200b\nred hid\n── waiting: \\U000e0041 ──"
	if copied != wantCopy {
		t.Errorf("copied %q, want %q", copied, wantCopy)
	}
	path := filepath.Join(t.TempDir(), "x.log")
	if err := writeLines(path, lines, true); err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(path)
	ts := testNow.Format("2006-01-02T15:04:05Z07:00")
	name := `p\x1b]0;t\x07/c\u202e`
	wantSave := ts + " " + name + " a\\u202eb\\u009b2J\\u200b\n" +
		ts + " " + name + " \x1b[31mred\x1b[0m hid\n" +
		ts + " " + name + " ── waiting: \\x1b]52;c;AAAA\\x07\\U000e0041 ──\n"
	if string(saved) != wantSave {
		t.Errorf("saved\n%q\nwant\n%q", saved, wantSave)
	}
}
