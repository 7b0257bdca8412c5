package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

var (
	testPod  = &stream.Origin{ID: "shop/web-1/app", Name: "web-1/app", Fields: map[string]string{"namespace": "shop", "pod": "web-1", "container": "app"}}
	testLoki = &stream.Origin{ID: `{app="web"}`, Name: `{app="web"}`, Fields: map[string]string{"app": "web"}}
	testTime = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)
)

// newTestPrinter returns a printer writing to two buffers; out is only what was
// flushed to the underlying writer.
func newTestPrinter(p printer) (*printer, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	p.out = bufio.NewWriterSize(&out, 64<<10)
	p.errOut = &errOut
	return &p, &out, &errOut
}

func logLine(o *stream.Origin, t time.Time, text string) stream.Line {
	return stream.Line{Origin: o, Time: t, Text: text}
}

func TestPrinterFormats(t *testing.T) {
	local := time.FixedZone("X", 90*60)
	cases := []struct {
		name  string
		p     printer
		lines []stream.Line
		out   string
	}{
		{name: "text", p: printer{format: formatText},
			lines: []stream.Line{logLine(testPod, testTime, "hello"), logLine(testPod, testTime, "")},
			out:   "web-1 app hello\nweb-1 app \n"},
		{name: "text with namespace", p: printer{format: formatText, showNamespace: true},
			lines: []stream.Line{logLine(testPod, testTime, "hello")}, out: "shop/web-1 app hello\n"},
		{name: "text from Loki", p: printer{format: formatText},
			lines: []stream.Line{logLine(testLoki, testTime, "hello")}, out: `{app="web"} hello` + "\n"},
		{name: "text without origin", p: printer{format: formatText},
			lines: []stream.Line{logLine(nil, testTime, "hello")}, out: "hello\n"},
		{name: "raw", p: printer{format: formatRaw},
			lines: []stream.Line{logLine(testPod, testTime, "hello"), logLine(testLoki, testTime, "world")}, out: "hello\nworld\n"},
		{name: "timestamps default", p: printer{format: formatText, timestamps: "default"},
			lines: []stream.Line{logLine(testPod, testTime, "hello")}, out: "2026-03-04T05:06:07.123456789Z web-1 app hello\n"},
		{name: "timestamps utc from another zone", p: printer{format: formatRaw, timestamps: "utc"},
			lines: []stream.Line{logLine(testPod, testTime.In(local), "hello")}, out: "2026-03-04T05:06:07.123456789Z hello\n"},
		{name: "timestamps local", p: printer{format: formatRaw, timestamps: "local"},
			lines: []stream.Line{logLine(testPod, testTime, "hello")}, out: "2026-03-04T06:36:07.123456789+01:30 hello\n"},
		{name: "timestamps short", p: printer{format: formatRaw, timestamps: "short"},
			lines: []stream.Line{logLine(testPod, testTime, "hello")}, out: "06:36:07.123 hello\n"},
		{name: "timestamps on a line without one", p: printer{format: formatRaw, timestamps: "default"},
			lines: []stream.Line{logLine(testPod, time.Time{}, "hello")}, out: "- hello\n"},
		{name: "filter", p: printer{format: formatRaw, filter: stream.NewFilter([]string{"error"}, []string{"ignore"})},
			lines: []stream.Line{logLine(testPod, testTime, "an error"), logLine(testPod, testTime, "fine"),
				logLine(testPod, testTime, "an error to ignore"), logLine(testPod, testTime, "ERROR")},
			out: "an error\nERROR\n"},
		{name: "highlight without colour", p: printer{format: formatRaw, highlights: []*regexp.Regexp{regexp.MustCompile("err")}},
			lines: []stream.Line{logLine(testPod, testTime, "an error")}, out: "an error\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer setLocal(local)()
			p, out, errOut := newTestPrinter(tc.p)
			if err := p.write(tc.lines); err != nil {
				t.Fatal(err)
			}
			if err := p.flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.out {
				t.Errorf("out:\n%q\nwant\n%q", out.String(), tc.out)
			}
			if errOut.Len() != 0 {
				t.Errorf("errOut %q, want nothing", errOut.String())
			}
		})
	}
}

// setLocal sets time.Local for a test and returns the function that restores it.
func setLocal(loc *time.Location) func() {
	old := time.Local
	time.Local = loc
	return func() { time.Local = old }
}

func TestPrinterJSON(t *testing.T) {
	p, out, _ := newTestPrinter(printer{format: formatJSON, timestamps: "short", color: true,
		highlights: []*regexp.Regexp{regexp.MustCompile("l")}})
	_ = p.write([]stream.Line{
		logLine(testPod, testTime, `say "hi" <b> & ünï`),
		logLine(testLoki, time.Time{}, "from loki"),
	})
	_ = p.flush()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %q", len(lines), out.String())
	}
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"namespace": "shop", "pod": "web-1", "container": "app", "timestamp": "2026-03-04T05:06:07.123456789Z", "message": `say "hi" <b> & ünï`},
		{"labels": map[string]any{"app": "web"}, "message": "from loki"},
	}
	for i := range want {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if !bytes.Equal(g, w) {
			t.Errorf("line %d: %s, want %s (colour, highlights and timestamp formats do not apply to JSON)", i, g, w)
		}
	}
}

func TestPrinterColour(t *testing.T) {
	p, out, _ := newTestPrinter(printer{format: formatText, color: true, timestamps: "default"})
	_ = p.write([]stream.Line{logLine(testPod, testTime, "hello")})
	_ = p.flush()
	want := "\x1b[2m2026-03-04T05:06:07.123456789Z\x1b[0m " +
		"\x1b[" + colorFor("web-1") + "mweb-1\x1b[0m " +
		"\x1b[" + colorFor("app/c") + "mapp\x1b[0m hello\n"
	if out.String() != want {
		t.Errorf("out %q, want %q", out.String(), want)
	}
	// The same pod always gets the same colour.
	if colorFor("web-1") != colorFor("web-1") {
		t.Error("colorFor is not stable")
	}
}

func TestPrinterHighlight(t *testing.T) {
	const on, off = "\x1b[1;7m", "\x1b[0m"
	cases := []struct {
		name  string
		exprs []string
		text  string
		want  string
	}{
		{name: "one", exprs: []string{"err(or)?"}, text: "an error, another err", want: "an " + on + "error" + off + ", another " + on + "err" + off},
		{name: "none match", exprs: []string{"x"}, text: "abc", want: "abc"},
		// A second expression must not match inside the first one's escape
		// sequences ("1", "7", ";", "m", "[" are all in "\x1b[1;7m").
		{name: "two", exprs: []string{"error", "7"}, text: "error 7", want: on + "error" + off + " " + on + "7" + off},
		{name: "one matching the escapes", exprs: []string{"error", "m|\\["}, text: "error [mem]",
			want: on + "error" + off + " " + on + "[m" + off + "e" + on + "m" + off + "]"},
		{name: "overlapping", exprs: []string{"erro", "rror"}, text: "an error", want: "an " + on + "error" + off},
		{name: "adjacent", exprs: []string{"ab", "cd"}, text: "abcd", want: on + "abcd" + off},
		{name: "empty matches", exprs: []string{"x*"}, text: "ab", want: "ab"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var res []*regexp.Regexp
			for _, e := range tc.exprs {
				res = append(res, regexp.MustCompile(e))
			}
			p, out, _ := newTestPrinter(printer{format: formatRaw, color: true, highlights: res})
			_ = p.write([]stream.Line{logLine(testPod, testTime, tc.text)})
			_ = p.flush()
			if got := strings.TrimSuffix(out.String(), "\n"); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPrinterMarkers(t *testing.T) {
	cases := []struct {
		name   string
		p      printer
		line   stream.Line
		errOut string
	}{
		{name: "reconnect", p: printer{format: formatText},
			line:   stream.Line{Origin: testPod, Kind: stream.KindReconnect, Count: 1, Text: "stream interrupted (EOF); reconnecting"},
			errOut: "tailui: web-1/app: [reconnect] stream interrupted (EOF); reconnecting\n"},
		{name: "with namespace", p: printer{format: formatRaw, showNamespace: true},
			line:   stream.Line{Origin: testPod, Kind: stream.KindRestart, Text: "container restarted  "},
			errOut: "tailui: shop/web-1/app: [restart] container restarted\n"},
		{name: "tailui's own", p: printer{format: formatJSON, showNamespace: true},
			line:   stream.Line{Origin: &stream.Origin{ID: "tailui", Name: "tailui"}, Kind: stream.KindInfo, Text: "no pod matches yet"},
			errOut: "tailui: [info] no pod matches yet\n"},
		{name: "error in colour", p: printer{format: formatText, color: true},
			line:   stream.Line{Origin: testPod, Kind: stream.KindError, Text: "forbidden"},
			errOut: "\x1b[31mtailui: web-1/app: [error] forbidden\x1b[0m\n"},
		{name: "gap in colour", p: printer{format: formatText, color: true},
			line:   stream.Line{Origin: testPod, Kind: stream.KindGap, Text: "lines may be missing"},
			errOut: "\x1b[33mtailui: web-1/app: [gap] lines may be missing\x1b[0m\n"},
		{name: "resume in colour", p: printer{format: formatText, color: true},
			line:   stream.Line{Origin: testPod, Kind: stream.KindResume, Text: "resumed"},
			errOut: "\x1b[2mtailui: web-1/app: [resume] resumed\x1b[0m\n"},
		{name: "not filtered", p: printer{format: formatText, filter: stream.NewFilter([]string{"nomatch"}, nil)},
			line:   stream.Line{Origin: testPod, Kind: stream.KindEnded, Text: "pod deleted"},
			errOut: "tailui: web-1/app: [ended] pod deleted\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, out, errOut := newTestPrinter(tc.p)
			_ = p.write([]stream.Line{tc.line})
			_ = p.flush()
			if out.Len() != 0 {
				t.Errorf("out %q: markers belong on errOut", out.String())
			}
			if errOut.String() != tc.errOut {
				t.Errorf("errOut %q, want %q", errOut.String(), tc.errOut)
			}
		})
	}
}

func TestPrinterFlushing(t *testing.T) {
	batch := []stream.Line{logLine(testPod, testTime, "one")}
	marker := stream.Line{Origin: testPod, Kind: stream.KindReconnect, Text: "x"}

	// Following: every batch reaches the output at once.
	p, out, _ := newTestPrinter(printer{format: formatRaw, follow: true})
	_ = p.write(batch)
	if out.String() != "one\n" {
		t.Errorf("following, after a batch: out %q, want the line flushed", out.String())
	}

	// Draining: lines wait in the buffer...
	p, out, errOut := newTestPrinter(printer{format: formatRaw})
	_ = p.write(batch)
	if out.Len() != 0 {
		t.Errorf("draining, after a batch: out %q, want it buffered", out.String())
	}
	// ...except that a marker flushes them first, to land after them.
	_ = p.write([]stream.Line{marker, logLine(testPod, testTime, "two")})
	if out.String() != "one\n" || errOut.String() != "tailui: web-1/app: [reconnect] x\n" {
		t.Errorf("after a marker: out %q, errOut %q", out.String(), errOut.String())
	}
	_ = p.flush()
	if out.String() != "one\ntwo\n" {
		t.Errorf("after flush: out %q", out.String())
	}
}

func TestParseFormat(t *testing.T) {
	cases := []struct {
		in   string
		want plainFormat
		err  bool
	}{
		{"", formatText, false}, {"text", formatText, false}, {"raw", formatRaw, false},
		{"json", formatJSON, false}, {"yaml", 0, true}, {"JSON", 0, true},
	}
	for _, tc := range cases {
		got, err := parseFormat(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseFormat(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "want text, raw or json") {
			t.Errorf("parseFormat(%q) error %q does not list the formats", tc.in, err)
		}
	}
}
