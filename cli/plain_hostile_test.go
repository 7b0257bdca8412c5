package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tailui/tailui/stream"
)

// Hostile text: each would do something on a terminal if printed raw.
const (
	hTitle  = "\x1b]0;pwned\x07"           // sets the window title
	hClear  = "\x1b[2J"                    // clears the screen
	hOSC52  = "\x1b]52;c;cm0gLXJmIH4=\x07" // writes the clipboard
	hC1     = "\u009b2J"                   // C1 CSI: clears the screen on 8-bit terminals
	hBidi   = "\u202e"                     // right-to-left override
	hZWSP   = "\u200b"                     // zero-width space
	hTag    = "\U000e0041"                 // tag character
	hHidden = "\x1b[8:0m"                  // SGR conceal, colon form
)

func TestPrinterHostile(t *testing.T) {
	lokiPod := &stream.Origin{
		ID:     `{app="x", pod="` + hTitle + hClear + `"}`,
		Name:   `{app="x", pod="` + hTitle + hClear + `"}`,
		Fields: map[string]string{"app": "x", "pod": hTitle + hClear},
	}
	lokiKey := &stream.Origin{
		ID:     `{app="x"}`,
		Name:   `{app="x", ` + hBidi + `="1"}`,
		Fields: map[string]string{"app" + hC1: "v" + hBidi + hZWSP + hTag, "ns": "\u00ad\ufeff\u2060"},
	}
	hostilePod := &stream.Origin{
		ID:     "n/p/c",
		Name:   "p" + hBidi + "/c",
		Fields: map[string]string{"namespace": "n" + hOSC52, "pod": "p" + hBidi, "container": "c" + hClear},
	}
	cases := []struct {
		name   string
		p      printer
		line   stream.Line
		out    string
		errOut string
	}{
		{name: "text: a Loki stream whose pod label sets the title and clears the screen",
			p: printer{format: formatText}, line: logLine(lokiPod, testTime, "hello"),
			out: `\x1b]0;pwned\x07\x1b[2J  hello` + "\n"}, // a pod label names the pod
		{name: "text: a Loki label name with a bidi override",
			p: printer{format: formatText}, line: logLine(lokiKey, testTime, "hello"),
			out: `{app="x", \u202e="1"} hello` + "\n"},
		{name: "text: hostile pod, container and namespace",
			p: printer{format: formatText, showNamespace: true}, line: logLine(hostilePod, testTime, "hello"),
			out: `n\x1b]52;c;cm0gLXJmIH4=\x07/p\u202e c\x1b[2J hello` + "\n"},
		{name: "text in colour: names sanitized inside the paint",
			p: printer{format: formatText, color: true}, line: logLine(lokiKey, testTime, "hi"),
			out: "\x1b[" + colorFor(lokiKey.ID) + `m{app="x", \u202e="1"}` + "\x1b[0m hi\n"},
		{name: "raw: line text that escaped the stream layer",
			p: printer{format: formatRaw}, line: logLine(testPod, testTime, hTitle+hC1+hTag+hZWSP),
			out: `\x1b]0;pwned\x07\u009b2J\U000e0041\u200b` + "\n"},
		{name: "raw without colour drops the line's own colours",
			p: printer{format: formatRaw}, line: logLine(testPod, testTime, "\x1b[31mred\x1b[0m"),
			out: "red\n"},
		{name: "raw in colour keeps them but never conceal",
			p: printer{format: formatRaw, color: true}, line: logLine(testPod, testTime, "\x1b[31mred\x1b[0m "+hHidden+"secret"),
			out: "\x1b[31mred\x1b[0m secret\n"},
		{name: "a highlight never cuts the line's own colours",
			p:    printer{format: formatRaw, color: true, highlights: []*regexp.Regexp{regexp.MustCompile(`\[|31`)}},
			line: logLine(testPod, testTime, "\x1b[31mred[x]\x1b[0m"),
			out:  "\x1b[31mred\x1b[1;7m[\x1b[0mx]\x1b[0m\n"},
		{name: "json: labels with C1, bidi and invisible runes in names and values",
			p: printer{format: formatJSON}, line: logLine(lokiKey, testTime, "m"),
			out: `{"labels":{"app\u009b2J":"v\u202e\u200b\udb40\udc41","ns":"\u00ad\ufeff\u2060"},"timestamp":"2026-03-04T05:06:07.123456789Z","message":"m"}` + "\n"},
		{name: "json: a pod line with a hostile pod and message",
			p: printer{format: formatJSON}, line: logLine(hostilePod, testTime, hTitle),
			out: `{"namespace":"n\u001b]52;c;cm0gLXJmIH4=\u0007","pod":"p\u202e","container":"c\u001b[2J","timestamp":"2026-03-04T05:06:07.123456789Z","message":"\\x1b]0;pwned\\x07"}` + "\n"},
		{name: "marker text quoting a server",
			p:      printer{format: formatText},
			line:   stream.Line{Origin: testPod, Kind: stream.KindRestart, Text: "waiting: CrashLoopBackOff " + hTitle + hBidi},
			errOut: `tailui: web-1/app: [restart] waiting: CrashLoopBackOff \x1b]0;pwned\x07\u202e` + "\n"},
		{name: "marker of a hostile origin",
			p:      printer{format: formatText, showNamespace: true},
			line:   stream.Line{Origin: hostilePod, Kind: stream.KindError, Text: "forbidden"},
			errOut: `tailui: n\x1b]52;c;cm0gLXJmIH4=\x07/p\u202e/c: [error] forbidden` + "\n"},
		{name: "marker in colour",
			p:      printer{format: formatRaw, color: true},
			line:   stream.Line{Origin: testPod, Kind: stream.KindGap, Text: hClear + "lost"},
			errOut: "\x1b[33mtailui: web-1/app: [gap] \\x1b[2Jlost\x1b[0m\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, out, errOut := newTestPrinter(tc.p)
			if err := p.write([]stream.Line{tc.line}); err != nil {
				t.Fatal(err)
			}
			_ = p.flush()
			if out.String() != tc.out {
				t.Errorf("out\n%q\nwant\n%q", out.String(), tc.out)
			}
			if errOut.String() != tc.errOut {
				t.Errorf("errOut\n%q\nwant\n%q", errOut.String(), tc.errOut)
			}
			if tc.p.format == formatJSON {
				for l := range strings.Lines(out.String()) {
					if !json.Valid([]byte(l)) {
						t.Errorf("not JSON: %q", l)
					}
				}
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain error", "plain error"},
		{"pods \"" + hTitle + "\" not found", `pods "\x1b]0;pwned\x07" not found`},
		{"bad " + hC1 + hBidi + hZWSP, `bad \u009b2J\u202e\u200b`},
		{"first line " + hClear + "\nsecond\tline" + hTag, "first line \\x1b[2J\nsecond\tline\\U000e0041"},
	}
	for _, tc := range cases {
		if got := errorText(errString(tc.in)); got != tc.want {
			t.Errorf("errorText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestRunPrintsErrorsSanitized runs tailui with a flag name that would set the title
// and clear the screen: cobra quotes it raw in its error.
func TestRunPrintsErrorsSanitized(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = f
	code := run(t.Context(), []string{"--x" + hTitle + hClear + hBidi})
	os.Stderr = stderr
	got, _ := os.ReadFile(f.Name())
	if code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if bytes.ContainsAny(got, "\x1b\x07") || bytes.Contains(got, []byte(hBidi)) {
		t.Fatalf("stderr holds raw controls: %q", got)
	}
	if !bytes.Contains(got, []byte(`\x1b]0;pwned\x07\x1b[2J\u202e`)) {
		t.Fatalf("stderr %q does not show the flag escaped", got)
	}
}
