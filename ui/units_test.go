package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/tailui/tailui/stream"
)

func TestDetectLevel(t *testing.T) {
	cases := []struct {
		in   string
		want level
		tok  string
	}{
		{`level=error msg="boom"`, levelError, "error"},
		{`ts=1 lvl=WARN msg=x`, levelWarn, "WARN"},
		{`{"level":"info","msg":"x"}`, levelInfo, "info"},
		{`{"msg":"x", "severity": "DEBUG"}`, levelDebug, "DEBUG"},
		{`E1125 16:34:02.004512       1 controller.go:211] failed`, levelError, "E"},
		{`W1125 16:34:02.004512 warn`, levelWarn, "W"},
		{`16:34:03 [ERROR] connection reset`, levelError, "ERROR"},
		{`[warn] disk almost full`, levelWarn, "warn"},
		{`2026-11-25 FATAL cannot start`, levelFatal, "FATAL"},
		{`INFO  starting worker pool`, levelInfo, "INFO"},
		{`an error happened in lowercase`, levelNone, ""},
		{`ERRORS=3 is not a level`, levelNone, ""},
		{`xlevel=error is not a field`, levelNone, ""},
		{`GET /healthz 200`, levelNone, ""},
	}
	for _, c := range cases {
		lv, a, b := detectLevel(c.in)
		if lv != c.want || c.in[a:b] != c.tok {
			t.Errorf("detectLevel(%q) = %v %q, want %v %q", c.in, lv, c.in[a:b], c.want, c.tok)
		}
	}
}

func testStyles() *Styles { return NewStyles(DefaultTheme(), colorprofile.TrueColor) }

func TestPretty(t *testing.T) {
	st := testStyles()
	cases := []struct {
		name, in string
		mode     prettyMode
		want     string
		ok       bool
	}{
		{"json fields", `{"ts":"x","level":"warn","msg":"slow","ms":12,"ok":true,"tags":["a","b"]}`, prettyFields,
			`WARN slow ts=x ms=12 ok=true tags=["a","b"]`, true},
		{"json quotes values with spaces", `{"msg":"a b","user":"jo smith"}`, prettyFields, `a b user="jo smith"`, true},
		{"json expanded", `{"a":1,"b":{"c":"d"}}`, prettyExpanded, "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": \"d\"\n  }\n}", true},
		{"json escapes stay inert", `{"msg":"\u001b]52;c;aGk=\u0007 hi"}`, prettyFields, `\x1b]52;c;aGk=\x07 hi`, true},
		{"not json", `{broken`, prettyFields, "", false},
		{"logfmt", `msg="hello there" level=info user=42`, prettyFields, `INFO hello there user=42`, true},
		{"logfmt needs two pairs", `level=info`, prettyFields, "", false},
		{"plain", `hello world`, prettyFields, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out styled
			ok := prettyJSON(c.in, c.mode, nil, st, &out) || prettyLogfmt(c.in, nil, st, &out)
			if ok != c.ok || ok && out.b.String() != c.want {
				t.Errorf("got %v %q, want %v %q", ok, out.b.String(), c.ok, c.want)
			}
			for _, s := range out.spans {
				if s.start < 0 || s.end > out.b.Len() || s.start > s.end {
					t.Errorf("bad span %+v in %q", s, out.b.String())
				}
			}
		})
	}
}

func TestRowWriter(t *testing.T) {
	cases := []struct {
		name   string
		width  int
		wrap   bool
		skip   int
		indent int
		segs   []seg
		want   []string
	}{
		{"pads", 6, false, 0, 0, []seg{{"ab", ""}}, []string{"ab    "}},
		{"cuts with ellipsis", 5, false, 0, 0, []seg{{"abcdefgh", ""}}, []string{"abcd…"}},
		{"exact fit", 4, false, 0, 0, []seg{{"abcd", ""}}, []string{"abcd"}},
		{"wraps", 4, true, 0, 0, []seg{{"abcdefghij", ""}}, []string{"abcd", "efgh", "ij  "}},
		{"wraps with indent", 6, true, 0, 2, []seg{{"ab", ""}, {"cdefghij", ""}}, []string{"abcdef", "  ghij"}},
		{"skips", 4, false, 3, 0, []seg{{"abcdefg", ""}}, []string{"defg"}},
		{"wide runes", 5, true, 0, 0, []seg{{"日本語です", ""}}, []string{"日本 ", "語で ", "す   "}},
		{"newline", 4, false, 0, 0, []seg{{"ab\ncd", ""}}, []string{"ab  ", "cd  "}},
		{"newline keeps the indent", 6, false, 0, 2, []seg{{"ab", ""}, {"{\n  x", ""}}, []string{"ab{   ", "    x "}},
		{"keeps the line's SGR", 4, false, 0, 0, []seg{{"\x1b[31mab\x1b[0mc", ""}}, []string{"\x1b[31mab\x1b[0mc\x1b[m "}},
		{"paint is closed per row", 3, true, 0, 0, []seg{{"abcd", "\x1b[1m"}}, []string{"\x1b[1mabc\x1b[m", "\x1b[1md\x1b[m  "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w rowWriter
			w.reset(c.width, c.wrap)
			w.skip, w.indent = c.skip, c.indent
			for _, s := range c.segs {
				w.write(s.text, s.p)
			}
			got := w.finish()
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got %q, want %q", got, c.want)
			}
			for _, r := range got {
				if ansi.StringWidth(r) != c.width {
					t.Errorf("row %q is %d wide", r, ansi.StringWidth(r))
				}
			}
		})
	}
}

func TestOverlay(t *testing.T) {
	got := overlay("hello world", []span{{0, 5, "B"}}, []span{{3, 8, "R"}})
	want := []seg{{"hel", "B"}, {"lo", "BR"}, {" wo", "R"}, {"rld", ""}}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("seg %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestShortTags(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"web-7d9f-x2kq4/app", "web-7d9f-p8m2z/app"}, []string{"x2kq4", "p8m2z"}},
		{[]string{"web-1/app", "web-1/envoy"}, []string{"app", "envoy"}},
		{[]string{"web-1/app", "api-2/api"}, []string{"web-1/app", "api-2/api"}},
		{[]string{"only"}, []string{"only"}},
		{[]string{"a/x", "a/x"}, []string{"a/x", "a/x"}},
	}
	for _, c := range cases {
		if got := shortTags(c.in); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("shortTags(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRelativeTime(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{4200 * time.Millisecond, "-4.2s"},
		{42 * time.Second, "-42s"},
		{3*time.Minute + 7*time.Second, "-3m07s"},
		{5*time.Hour + 3*time.Minute, "-5h03m"},
		{50 * time.Hour, "-2d02h"},
		{-2 * time.Second, "+2.0s"},
	}
	for _, c := range cases {
		if got := relativeTime(c.d); got != c.want || len(got) > 7 {
			t.Errorf("relativeTime(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestLayoutTree(t *testing.T) {
	var tr layoutTree
	a, b, c := &pane{id: 1}, &pane{id: 2}, &pane{id: 3}
	tr.add(a)
	tr.arrange(rect{0, 0, 160, 40})
	tr.add(b) // wide: side by side
	tr.arrange(rect{0, 0, 160, 40})
	if tr.root.dir != splitSideBySide {
		t.Fatalf("second pane not side by side")
	}
	tr.split(b, c, splitStacked)
	tr.arrange(rect{0, 0, 160, 40})
	ra, rb, rc := tr.find(a).area, tr.find(b).area, tr.find(c).area
	if ra.w+1+rb.w != 160 || rb.h+rc.h != 40 || rb.x != rc.x {
		t.Errorf("areas %+v %+v %+v", ra, rb, rc)
	}
	if tr.at(100, 30) != c || tr.at(10, 10) != a {
		t.Error("hit test")
	}
	if tr.neighbour(a, 1, 0) == nil || tr.neighbour(b, 0, 1) != c || tr.neighbour(c, 0, -1) != b || tr.neighbour(a, -1, 0) != nil {
		t.Error("neighbours")
	}
	if !tr.resize(c, splitStacked, resizeStep) {
		t.Error("resize found no stacked split")
	}
	tr.remove(b)
	tr.arrange(rect{0, 0, 160, 40})
	if got := tr.leaves(); len(got) != 2 || got[1].pane != c || tr.find(c).area.h != 40 {
		t.Errorf("after remove: %d leaves, c %+v", len(got), tr.find(c).area)
	}
	tr.remove(a)
	tr.remove(c)
	if tr.root != nil {
		t.Error("tree not empty")
	}
}

func TestWriteLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log")
	o := &stream.Origin{ID: "a", Name: "web-1/app"}
	lines := []stream.Line{
		{Origin: o, Time: testNow, Text: "hello"},
		{Origin: o, Kind: stream.KindReconnect, Text: "reconnecting (attempt 1)"},
	}
	if err := writeLines(path, lines, true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	want := "2026-11-25T16:34:56Z web-1/app hello\nweb-1/app ── reconnecting (attempt 1) ──\n"
	if string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}
	if err := writeLines(path, lines, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("overwrote an existing file: %v", err)
	}
}

func TestSaveFromPane(t *testing.T) {
	m, p, _ := onePane(t, 80, 24, 10)
	dir := t.TempDir()
	press(m, "s")
	if p.mode != inputSave || !strings.HasPrefix(p.input.Value(), "./tailui-web-20261125-163456") {
		t.Fatalf("save prompt %v %q", p.mode, p.input.Value())
	}
	p.input.SetValue(filepath.Join(dir, "x.log"))
	cmd := send(m, keyPress("enter"))
	msg := cmd()
	saved, ok := msg.(savedMsg)
	if !ok || saved.err != nil || saved.lines != 10 {
		t.Fatalf("save gave %#v", msg)
	}
	send(m, saved)
	if !strings.Contains(m.status.text, "saved 10 lines") {
		t.Errorf("status %q", m.status.text)
	}
}

func TestHostileNamesAreEscaped(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	send(m, podsMsg{pods: []PodInfo{{Namespace: "prod", Name: "evil\x1b]52;c;aGk=\x07pod", Phase: "Running", Reason: "\x1b[2J"}}})
	s := m.View().Content
	if strings.Contains(s, "\x1b]52") || strings.Contains(s, "\x1b[2J") || strings.Contains(s, "\x07") {
		t.Errorf("hostile sequence reached the screen: %q", s)
	}
	if !strings.Contains(ansi.Strip(s), `evil\x1b]52;c;aGk=\x07pod`) {
		t.Errorf("escaped name not shown:\n%s", ansi.Strip(s))
	}
}

func TestGrid(t *testing.T) {
	cases := []struct {
		n, w, h  int
		cols     int
		rowsWant int
	}{
		{2, 160, 46, 2, 1},
		{4, 160, 46, 2, 2},
		{6, 160, 46, 3, 2},
		{6, 80, 22, 2, 3},
		{3, 60, 22, 1, 3},
	}
	for _, c := range cases {
		var tr layoutTree
		var ps []*pane
		for i := range c.n {
			ps = append(ps, &pane{id: paneID(i + 1)})
		}
		tr.grid(ps, rect{0, 0, c.w, c.h})
		tr.arrange(rect{0, 0, c.w, c.h})
		xs, ys := map[int]bool{}, map[int]bool{}
		area := 0
		for _, l := range tr.leaves() {
			xs[l.area.x], ys[l.area.y] = true, true
			area += l.area.w * l.area.h
		}
		if len(xs) != c.cols || len(ys) != c.rowsWant {
			t.Errorf("%d panes in %dx%d: %d columns, %d rows; want %d, %d", c.n, c.w, c.h, len(xs), len(ys), c.cols, c.rowsWant)
		}
		if got := tr.leaves(); len(got) != c.n || got[0].pane != ps[0] || got[c.n-1].pane != ps[c.n-1] {
			t.Errorf("grid lost or reordered panes")
		}
	}
}
