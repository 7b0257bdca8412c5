package stream

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // without KeepSGR
		keep string // with KeepSGR; "" means same as want
	}{
		{"empty", "", "", ""},
		{"plain", "GET /healthz 200", "GET /healthz 200", ""},
		{"tab kept", "\tat com.example.Main(Main.java:1)", "\tat com.example.Main(Main.java:1)", ""},
		{"utf8 kept", "héllo wörld 日本語 😀 \ufffd", "héllo wörld 日本語 😀 \ufffd", ""},
		{"sgr", "\x1b[31mred\x1b[0m plain", "red plain", "\x1b[31mred\x1b[0m plain"},
		{"sgr empty params", "\x1b[1mbold\x1b[m", "bold", "\x1b[1mbold\x1b[m"},
		{"sgr unterminated colour gets reset", "\x1b[1;31mred", "red", "\x1b[1;31mred\x1b[m"},
		{"sgr reset then colour", "\x1b[0m\x1b[32mok", "ok", "\x1b[0m\x1b[32mok\x1b[m"},
		{"sgr 256 colour 8 is not conceal", "\x1b[38;5;8mgrey", "grey", "\x1b[38;5;8mgrey\x1b[m"},
		{"sgr truecolor", "\x1b[38;2;8;8;8mx\x1b[0;0m", "x", "\x1b[38;2;8;8;8mx\x1b[0;0m"},
		{"sgr colon colour", "\x1b[38:2::255:0:0mx", "x", "\x1b[38:2::255:0:0mx\x1b[m"},
		{"sgr conceal dropped", "a\x1b[8mhidden\x1b[0m", "ahidden", "ahidden\x1b[0m"},
		{"sgr conceal among others", "\x1b[1;8mhidden", "hidden", "hidden"},
		{"sgr too long", "\x1b[" + strings.Repeat("1;", 40) + "mx", `\x1b[` + strings.Repeat("1;", 40) + "mx", ""},
		{"sgr longest params", "\x1b[" + strings.Repeat("1", 64) + "mx", "x", "\x1b[" + strings.Repeat("1", 64) + "mx\x1b[m"},
		{"sgr params one too long", "\x1b[" + strings.Repeat("1", 65) + "mx", `\x1b[` + strings.Repeat("1", 65) + "mx", ""},
		{"private sgr-like is not sgr", "\x1b[>4;1m", `\x1b[>4;1m`, ""},
		{"clear screen", "\x1b[2Jgone", `\x1b[2Jgone`, ""},
		{"cursor home", "\x1b[Hx", `\x1b[Hx`, ""},
		{"erase line", "50%\x1b[K", `50%\x1b[K`, ""},
		{"device attributes query", "\x1b[c", `\x1b[c`, ""},
		{"cursor position query", "\x1b[6n", `\x1b[6n`, ""},
		{"title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`, ""},
		{"osc 52 clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07", `\x1b]52;c;cm0gLXJmIH4=\x07`, ""},
		{"osc 8 hyperlink", "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;http://evil.example\x1b\click\x1b]8;;\x1b\`, ""},
		{"dcs", "\x1bP+q544e\x1b\\", `\x1bP+q544e\x1b\`, ""},
		{"apc", "\x1b_Gf=100;AAAA\x1b\\", `\x1b_Gf=100;AAAA\x1b\`, ""},
		{"pm and sos", "\x1b^pm\x1b\\\x1bXsos\x1b\\", `\x1b^pm\x1b\\x1bXsos\x1b\`, ""},
		{"esc at end", "abc\x1b", `abc\x1b`, ""},
		{"esc bracket at end", "abc\x1b[", `abc\x1b[`, ""},
		{"unterminated sgr", "abc\x1b[31", `abc\x1b[31`, ""},
		{"c1 csi", "\u009b31mx", `\u009b31mx`, ""},
		{"c1 nel and st", "a\u0085b\u009c", `a\u0085b\u009c`, ""},
		{"raw 8-bit csi is invalid utf8", "\x9b2J", `\x9b2J`, ""},
		{"bidi override", "user\u202etxt.exe", `user\u202etxt.exe`, ""},
		{"bidi isolates and marks", "\u2066\u2067\u2068\u2069\u200e\u200f\u061c", `\u2066\u2067\u2068\u2069\u200e\u200f\u061c`, ""},
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`, ""},
		{"nul", "a\x00b", `a\x00b`, ""},
		{"lone cr", "10%\r20%", `10%\x0d20%`, ""},
		{"bell backspace", "\a\b", `\x07\x08`, ""},
		{"newline inside", "a\nb", `a\x0ab`, ""},
		{"del", "a\x7fb", `a\x7fb`, ""},
		{"invalid byte", "a\xffb", `a\xffb`, ""},
		{"truncated rune", "a\xe2\x82", `a\xe2\x82`, ""},
		{"surrogate encoding", "\xed\xa0\x80", `\xed\xa0\x80`, ""},
		{"overlong encoding", "\xc0\xaf", `\xc0\xaf`, ""},
		{"soft hyphen", "pay\u00adpal", `pay\u00adpal`, ""},
		{"zero width space joiner non-joiner", "a\u200bb\u200cc\u200dd", `a\u200bb\u200cc\u200dd`, ""},
		{"word joiner and invisible operators", "a\u2060b\u2062c\u2064d", `a\u2060b\u2062c\u2064d`, ""},
		{"deprecated format controls", "\u206a\u206f", `\u206a\u206f`, ""},
		{"bom", "\ufeffstart", `\ufeffstart`, ""},
		{"interlinear annotation", "\ufff9a\ufffab\ufffb", `\ufff9a\ufffab\ufffb`, ""},
		{"tag block", "ok\U000e0001\U000e0041\U000e007f", `ok\U000e0001\U000e0041\U000e007f`, ""},
		{"neighbours of the escaped runes pass", "\u00ac\u00ae\u200a\u2010\u2027\u202f\u205f\u2070\ufefe\ufff8\ufffc\U000dffff\U000e0080",
			"\u00ac\u00ae\u200a\u2010\u2027\u202f\u205f\u2070\ufefe\ufff8\ufffc\U000dffff\U000e0080", ""},
		{"sgr conceal colon form", "\x1b[8:0mhidden\x1b[0m", "hidden", "hidden\x1b[0m"},
		{"sgr conceal leading zero", "\x1b[08mhidden", "hidden", "hidden"},
		{"sgr conceal after reset", "\x1b[0;8mhidden", "hidden", "hidden"},
		{"sgr conceal then colour", "\x1b[8;31mhidden", "hidden", "hidden"},
		{"sgr conceal among colon colour", "\x1b[38:2::1:2:3;8mhidden", "hidden", "hidden"},
		{"sgr unknown colour model", "\x1b[38;9;8mhidden", "hidden", "hidden"},
		{"sgr extended colour cut short", "\x1b[38;5mx", "x", "x"},
		{"sgr underline style is not conceal", "\x1b[4:3mx", "x", "\x1b[4:3mx\x1b[m"},
		{"long clean then control", strings.Repeat("abcdefgh", 5) + "\x1b[2J", strings.Repeat("abcdefgh", 5) + `\x1b[2J`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep := tt.keep
			if keep == "" {
				keep = tt.want
			}
			for _, c := range []struct {
				opt  SanitizeOptions
				want string
			}{{SanitizeOptions{}, tt.want}, {SanitizeOptions{KeepSGR: true}, keep}} {
				if got := Sanitize([]byte(tt.in), c.opt); got != c.want {
					t.Errorf("Sanitize(%q, %+v) = %q, want %q", tt.in, c.opt, got, c.want)
				}
				if got := SanitizeString(tt.in, c.opt); got != c.want {
					t.Errorf("SanitizeString(%q, %+v) = %q, want %q", tt.in, c.opt, got, c.want)
				}
			}
		})
	}
}

func TestSanitizeAllocs(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		bytes  float64 // allocations for Sanitize
		string float64 // allocations for SanitizeString
	}{
		{"ascii", "2026-11-25 GET /healthz 200 1.2ms user-agent=kube-probe/1.36", 1, 0},
		{"utf8", "héllo wörld 日本語 😀", 1, 0},
		{"tab", "\tat com.example.Main(Main.java:1)", 1, 0},
		{"escaped", "\x1b[2Jx", 1, 1},
	}
	keepTests := []struct {
		name   string
		in     string
		string float64
	}{
		{"kept colours", "\x1b[32mINFO\x1b[0m served in \x1b[1m1.2ms\x1b[m", 0},
		{"colour left open", "\x1b[32mINFO", 1},
		{"conceal", "\x1b[8mINFO\x1b[m", 1},
	}
	for _, tt := range keepTests {
		opt := SanitizeOptions{KeepSGR: true}
		if got := testing.AllocsPerRun(100, func() { SanitizeString(tt.in, opt) }); got != tt.string {
			t.Errorf("%s: SanitizeString(KeepSGR) allocs = %v, want %v", tt.name, got, tt.string)
		}
	}
	for _, tt := range tests {
		b := []byte(tt.in)
		if got := testing.AllocsPerRun(100, func() { Sanitize(b, SanitizeOptions{}) }); got != tt.bytes {
			t.Errorf("%s: Sanitize allocs = %v, want %v", tt.name, got, tt.bytes)
		}
		if got := testing.AllocsPerRun(100, func() { SanitizeString(tt.in, SanitizeOptions{}) }); got != tt.string {
			t.Errorf("%s: SanitizeString allocs = %v, want %v", tt.name, got, tt.string)
		}
	}
}

func TestCleanPrefix(t *testing.T) {
	for n := 0; n < 20; n++ {
		for pos := 0; pos <= n; pos++ {
			for _, bad := range []byte{0x00, 0x09, 0x1b, 0x1f, 0x7f, 0x80, 0xff} {
				b := []byte(strings.Repeat("a~ ", 7)[:n])
				want := n
				if pos < n {
					b[pos] = bad
					want = pos
				}
				if got := cleanPrefix(b); got != want {
					t.Fatalf("cleanPrefix(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}

// checkInert fails t if out could do anything on a terminal.
func checkInert(t *testing.T, in []byte, out string, keepSGR bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", in, out)
	}
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == 0x1b:
			m, conceal, _ := sgrLen([]byte(out[i:]))
			if !keepSGR || m == 0 || conceal {
				t.Fatalf("Sanitize(%q) = %q: ESC at %d", in, out, i)
			}
			n = m
		case r < 0x20 && r != '\t', r == 0x7f, r >= 0x80 && escapedRune(r):
			t.Fatalf("Sanitize(%q) = %q: control %U at %d", in, out, r, i)
		}
		i += n
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"plain", "\x1b[31mred\x1b[0m", "\x1b]52;c;AAAA\x07", "\x1b]8;;http://x\x1b\\y\x1b]8;;\x1b\\",
		"\u202e\u2066", "\xff\xfe", "\x1b[38;5;8m\x1b[8m", "\x1b[", "\u009b", "a\tb\rc\x00",
		"\x1b[38;2;1;2m", "\x1b[;;;m", "\x1b[0:8m", "\x1b[8:0m", "\x1b[08m", "\x1b[38;9;8m",
		"\u200b\u200d\u2060\ufeff\u00ad\U000e0041\u206a\ufff9",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, keep bool) {
		opt := SanitizeOptions{KeepSGR: keep}
		out := Sanitize(in, opt)
		checkInert(t, in, out, keep)
		if out2 := SanitizeString(string(in), opt); out2 != out {
			t.Fatalf("SanitizeString(%q) = %q, Sanitize = %q", in, out2, out)
		}
		if again := Sanitize([]byte(out), opt); again != out {
			t.Fatalf("not idempotent: Sanitize(%q) = %q, then %q", in, out, again)
		}
	})
}

func BenchmarkSanitize(b *testing.B) {
	cases := []struct{ name, line string }{
		{"ascii", "10.0.0.1 - - [25/Nov/2026:16:34:56 +0000] \"GET /api/v1/items?page=2 HTTP/1.1\" 200 5123 \"-\" \"curl/8.5\""},
		{"tab", "\tat org.example.service.Handler.handle(Handler.java:128) ~[service-1.2.3.jar:1.2.3]"},
		{"utf8", "Benutzer „Jürgen“ hat sich angemeldet — 日本語のログメッセージ ✓ sehr schön"},
		{"sgr", "\x1b[32mINFO\x1b[0m \x1b[2m2026-11-25T16:34:56Z\x1b[0m request served in \x1b[1m1.2ms\x1b[0m path=/api/v1/items"},
		{"hostile", "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\\u202eexe.txt\xff\xfe"},
	}
	for _, c := range cases {
		for _, keep := range []bool{false, true} {
			name := c.name
			if keep {
				if c.name != "sgr" {
					continue
				}
				name += "-keep"
			}
			in := []byte(c.line)
			opt := SanitizeOptions{KeepSGR: keep}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					Sanitize(in, opt)
				}
			})
		}
	}
	b.Run("string-utf8", func(b *testing.B) {
		s := cases[2].line
		b.SetBytes(int64(len(s)))
		b.ReportAllocs()
		for b.Loop() {
			SanitizeString(s, SanitizeOptions{})
		}
	})
}
