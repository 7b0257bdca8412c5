package cli

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/stream/streamtest"
)

// FuzzPlainPrinter drives the whole plain printer (text, raw and JSON, with and
// without colour, timestamps, namespaces and highlights) with hostile line text,
// marker text, pod, container and namespace names and Loki label names and values,
// none of them sanitized beforehand, and checks that only SGR reaches the output
// (nothing at all with colour off), that each log line is one output line, and
// that JSON output is one valid JSON object a line.
func FuzzPlainPrinter(f *testing.F) {
	f.Add("hello", "reconnecting", "web-1", "pod", uint16(0))
	f.Fuzz(func(t *testing.T, text, markerText, name, label string, mode uint16) {
		format := plainFormat(mode % 3)
		color := mode&4 != 0
		p, out, errOut := newTestPrinter(printer{
			format:        format,
			color:         color,
			showNamespace: mode&8 != 0,
		})
		if mode&16 != 0 {
			p.timestamps = "default"
		}
		if mode&32 != 0 {
			p.highlights = []*regexp.Regexp{regexp.MustCompile(`e|\x1b|\[`)}
		}
		origins := []*stream.Origin{
			{ID: "n/" + name + "/c", Name: name + "/" + label,
				Fields: map[string]string{"namespace": label, "pod": name, "container": label + name}},
			{ID: `{` + label + `="` + name + `"}`, Name: `{` + label + `="` + name + `"}`,
				Fields: map[string]string{label: name, "app": "x"}},
			{ID: `{app="x"}`, Name: `{app="x", pod="` + name + `"}`, Fields: map[string]string{"app": label, "pod": name}},
			nil,
		}
		var lines []stream.Line
		logs := 0
		for i, o := range origins {
			lines = append(lines, stream.Line{Origin: o, Time: testTime, Text: text})
			logs++
			lines = append(lines, stream.Line{Origin: o, Time: testTime, Kind: stream.Kind(1 + (int(mode>>6)+i)%8), Text: markerText})
		}
		if err := p.write(lines); err != nil {
			t.Fatal(err)
		}
		if err := p.flush(); err != nil {
			t.Fatal(err)
		}
		allow := streamtest.Allow{SGR: color, Newline: true, Tab: format != formatJSON}
		if err := streamtest.Inert(out.Bytes(), allow); err != nil {
			t.Fatalf("stdout (format %d, colour %v): %v", format, color, err)
		}
		// Markers go to stderr as text in every format: a TAB there is inert.
		if err := streamtest.Inert(errOut.Bytes(), streamtest.Allow{SGR: color, Newline: true, Tab: true}); err != nil {
			t.Fatalf("stderr (format %d, colour %v): %v", format, color, err)
		}
		if n := bytes.Count(out.Bytes(), []byte("\n")); n != logs {
			t.Fatalf("%d log lines printed as %d lines: %q", logs, n, out.String())
		}
		if n := bytes.Count(errOut.Bytes(), []byte("\n")); n != len(origins) {
			t.Fatalf("%d markers printed as %d lines: %q", len(origins), n, errOut.String())
		}
		if format == formatJSON {
			for l := range strings.Lines(out.String()) {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("not JSON: %q: %v", l, err)
				}
			}
		}
	})
}
