package cli

import (
	"testing"

	"github.com/tailui/tailui/stream"
)

// TestPrinterMarksSplicedLines: a line spliced in from another source carries a
// [from loki] / [from pod] tag in text, "source" in JSON, nothing in raw (the
// [fill] markers on stderr delimit the block).
func TestPrinterMarksSplicedLines(t *testing.T) {
	fromLoki := logLine(testPod, testTime, "hello")
	fromLoki.Filled = stream.FilledFromLoki
	fromPod := logLine(testLoki, testTime, "world")
	fromPod.Filled = stream.FilledFromPod
	own := logLine(testPod, testTime, "own")
	cases := []struct {
		format plainFormat
		want   string
	}{
		{formatText, "web-1 app [from loki] hello\n{app=\"web\"} [from pod] world\nweb-1 app own\n"},
		{formatRaw, "hello\nworld\nown\n"},
		{formatJSON, `{"namespace":"shop","pod":"web-1","container":"app","timestamp":"2026-03-04T05:06:07.123456789Z","source":"loki","message":"hello"}` + "\n" +
			`{"labels":{"app":"web"},"timestamp":"2026-03-04T05:06:07.123456789Z","source":"pod","message":"world"}` + "\n" +
			`{"namespace":"shop","pod":"web-1","container":"app","timestamp":"2026-03-04T05:06:07.123456789Z","message":"own"}` + "\n"},
	}
	for _, c := range cases {
		p, out, _ := newTestPrinter(printer{format: c.format})
		if err := p.write([]stream.Line{fromLoki, fromPod, own}); err != nil {
			t.Fatal(err)
		}
		_ = p.flush()
		if got := out.String(); got != c.want {
			t.Errorf("format %d:\ngot  %q\nwant %q", c.format, got, c.want)
		}
	}
	p, _, errOut := newTestPrinter(printer{format: formatText})
	_ = p.write([]stream.Line{{Origin: testPod, Kind: stream.KindFill, Text: "gap filled from Loki: 3 line(s)"}})
	if got, want := errOut.String(), "tailui: web-1/app: [fill] gap filled from Loki: 3 line(s)\n"; got != want {
		t.Errorf("fill marker %q, want %q", got, want)
	}
}
