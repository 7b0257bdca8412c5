package stream

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendJSONString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "web-1", `"web-1"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"html is left alone", "<b>&", `"<b>&"`},
		{"newline tab cr", "a\nb\tc\rd", `"a\nb\tc\rd"`},
		{"esc and bel", "\x1b]0;pwned\x07\x1b[2J", `"\u001b]0;pwned\u0007\u001b[2J"`},
		{"nul and del", "\x00\x7f", `"\u0000\u007f"`},
		{"c1 csi", "\u009b31m", `"\u009b31m"`},
		{"bidi override", "user\u202etxt.exe", `"user\u202etxt.exe"`},
		{"bidi isolates and marks", "\u2066\u200e\u061c", `"\u2066\u200e\u061c"`},
		{"line separators", "\u2028\u2029", `"\u2028\u2029"`},
		{"invisibles", "\u200b\u200c\u200d\u2060\ufeff\u00ad\u206a\ufff9", `"\u200b\u200c\u200d\u2060\ufeff\u00ad\u206a\ufff9"`},
		{"tag block", "\U000e0041", `"\udb40\udc41"`},
		{"utf8 passes", "héllo 日本 😀", `"héllo 日本 😀"`},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendJSONString(nil, tt.in))
			if got != tt.want {
				t.Fatalf("AppendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("%s is not JSON: %v", got, err)
			}
			if want := strings.ToValidUTF8(tt.in, "\ufffd"); back != want {
				t.Fatalf("decodes to %q, want %q", back, want)
			}
		})
	}
}

func TestAppendJSONStringAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	s := "namespace=shop pod=web-7d9f-x2 héllo"
	if got := testing.AllocsPerRun(100, func() { AppendJSONString(buf[:0], s) }); got != 0 {
		t.Fatalf("allocs = %v, want 0", got)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"x", "\x1b]52;c;AAAA\x07", "\u009b\u202e\u200b\U000e0041", "\xff", `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendJSONString(%q) = %s: not JSON: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want && utf8.ValidString(s) {
			t.Fatalf("AppendJSONString(%q) decodes to %q", s, back)
		}
		for i, r := range string(out) {
			if IsEscapedRune(r) {
				t.Fatalf("AppendJSONString(%q) = %q: raw %U at %d", s, out, r, i)
			}
		}
	})
}

func TestSanitizeMarkers(t *testing.T) {
	o := &Origin{ID: "x", Name: "x"}
	batch := []Line{
		{Origin: o, Kind: KindLog, Text: "log \x1b[31mkept as given"},
		{Origin: o, Kind: KindError, Text: "back-off: \x1b]0;pwned\x07\u202e"},
		{Origin: o, Kind: KindRestart, Text: "reason \u009b2J\u200b"},
		{Origin: o, Kind: KindInfo, Text: "clean"},
	}
	SanitizeMarkers(batch)
	want := []string{"log \x1b[31mkept as given", `back-off: \x1b]0;pwned\x07\u202e`, `reason \u009b2J\u200b`, "clean"}
	for i, l := range batch {
		if l.Text != want[i] {
			t.Errorf("line %d (%s): %q, want %q", i, l.Kind, l.Text, want[i])
		}
	}
	if s := SanitizeStatus(Status{Err: "pull: \x1b[2J"}); s.Err != `pull: \x1b[2J` {
		t.Errorf("SanitizeStatus: Err %q", s.Err)
	}
}

func TestHubSanitizesMarkersAndStatus(t *testing.T) {
	h := NewHub(HubOptions{Policy: PolicyBlock})
	o := &Origin{ID: "x", Name: "x"}
	h.Lines([]Line{{Origin: o, Kind: KindReconnect, Text: "waiting: \x1b]0;t\x07"}})
	h.Status(Status{Origin: o, State: StateFailed, Err: "\u202egnp.exe"})
	h.Close()
	b, ok := h.Next(t.Context(), time.Time{})
	if !ok || len(b.Lines) != 1 || len(b.Statuses) != 1 {
		t.Fatalf("batch %+v, ok %v", b, ok)
	}
	if got := b.Lines[0].Text; got != `waiting: \x1b]0;t\x07` {
		t.Errorf("marker text %q", got)
	}
	if got := b.Statuses[0].Err; got != `\u202egnp.exe` {
		t.Errorf("status err %q", got)
	}
}

func TestKeptSGRLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"\x1b[31mx", 5}, {"\x1b[mx", 3}, {"\x1b[8mx", 0}, {"\x1b[8:0mx", 0}, {"\x1b[2Jx", 0},
		{"\x1b]0;x\x07", 0}, {"x\x1b[31m", 0}, {"\x1b[38;2;1;2;3m", 13}, {"\x1b[38;9;8m", 0},
	}
	for _, tt := range tests {
		if got := KeptSGRLen(tt.in); got != tt.want {
			t.Errorf("KeptSGRLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
