package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// TestPrinterWhereAndContext prints only what --where selects, and with -C the lines
// around each match of the same container, grep's "--" between groups.
func TestPrinterWhereAndContext(t *testing.T) {
	other := &stream.Origin{ID: "shop/web-2/app", Name: "web-2/app", Fields: map[string]string{"namespace": "shop", "pod": "web-2", "container": "app"}}
	in := []stream.Line{
		logLine(testPod, testTime, `{"level":"info","msg":"a","status":200}`),
		logLine(testPod, testTime, `{"level":"info","msg":"b","status":200}`),
		logLine(other, testTime, `level=error msg=x status=500`),
		logLine(testPod, testTime, `{"level":"error","msg":"c","status":503}`),
		{Origin: testPod, Kind: stream.KindGap, Text: "2 lines missing"},
		logLine(testPod, testTime, `{"level":"info","msg":"d","status":200}`),
		logLine(testPod, testTime, `{"level":"info","msg":"e","status":200}`),
		logLine(testPod, testTime, `{"level":"info","msg":"f","status":200}`),
		logLine(testPod, testTime, `{"level":"warn","msg":"g","status":429}`),
		logLine(other, testTime, `level=info msg=y status=200`),
	}
	where := func(expr string) *stream.Where {
		w, err := stream.ParseWhere(expr)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	tests := []struct {
		name string
		p    printer
		want string
	}{
		{"where", printer{format: formatRaw, filter: stream.NewFilter(nil, nil, where(`status>=500`))},
			"level=error msg=x status=500\n" + `{"level":"error","msg":"c","status":503}` + "\n"},
		{"where and include", printer{format: formatRaw, filter: stream.NewFilter([]string{"msg"}, []string{`"g"`}, where(`level>=warn`))},
			"level=error msg=x status=500\n" + `{"level":"error","msg":"c","status":503}` + "\n"},
		{"context 1", printer{format: formatRaw, filter: stream.NewFilter(nil, nil, where(`level>=warn && pod=web-1`)), context: stream.NewContext(1)},
			`{"level":"info","msg":"b","status":200}` + "\n" +
				`{"level":"error","msg":"c","status":503}` + "\n" +
				`{"level":"info","msg":"d","status":200}` + "\n" +
				"--\n" +
				`{"level":"info","msg":"f","status":200}` + "\n" +
				`{"level":"warn","msg":"g","status":429}` + "\n"},
		{"context text prefix", printer{format: formatText, filter: stream.NewFilter(nil, nil, where(`msg=a || msg=g`)), context: stream.NewContext(0)},
			`web-1 app {"level":"info","msg":"a","status":200}` + "\n" +
				"web-1 app --\n" +
				`web-1 app {"level":"warn","msg":"g","status":429}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, out, errOut := newTestPrinter(tt.p)
			if err := p.write(in); err != nil {
				t.Fatal(err)
			}
			if err := p.flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("stdout\n%s\nwant\n%s", out, tt.want)
			}
			if !strings.Contains(errOut.String(), "2 lines missing") {
				t.Errorf("the gap marker was not printed: %q", errOut)
			}
		})
	}
}

// TestWhereFlagErrors: a malformed --where or -C is a usage error (exit 2) with one
// line that says what is wrong and where, before any cluster is asked.
func TestWhereFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--plain", "--where", "level >="}, `--where: expected a value after ">=" at column 9`},
		{[]string{"--plain", "--where", "status>=500 &"}, `--where: "&" is not an operator: use "&&" at column 13`},
		{[]string{"--plain", "-C", "2"}, "-C/--context-lines prints lines around matches: give -i or --where too"},
		{[]string{"--plain", "-i", "x", "-C", "-1"}, "-C/--context-lines -1: want 0 or more lines"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clearTailuiEnv(t)
			t.Setenv("KUBECONFIG", "/nonexistent/kubeconfig")
			stderr := captureStderr(t, func() {
				if got := run(context.Background(), tt.args); got != 2 {
					t.Errorf("exit code %d, want 2", got)
				}
			})
			if !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("stderr %q, want one line with %q", stderr, tt.want)
			}
		})
	}
}

// captureStderr runs f with os.Stderr sent to a pipe and returns what it wrote.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan []byte)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		done <- b.Bytes()
	}()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	os.Stderr = old
	return string(<-done)
}

// TestBoundHistory: a TUI pane asks each container for at most its scrollback, or
// --tail when given; no read but a resume asks for more (MaxHistory), unless
// --tail -1 asks for whole logs.
func TestBoundHistory(t *testing.T) {
	for _, c := range []struct {
		tail       int64
		given      bool
		scrollback int
		want, max  int64
	}{
		{-1, false, 0, 100000, 100000}, {-1, false, 5000, 5000, 5000}, {10, true, 5000, 10, 5000},
		{0, true, 5000, 0, 5000}, {9000, false, 5000, 5000, 5000}, {9000, true, 5000, 9000, 9000},
		{-1, true, 5000, -1, 0},
	} {
		lo := boundHistory(kube.LogOptions{TailLines: c.tail}, c.scrollback, c.given)
		if lo.TailLines != c.want || lo.MaxHistory != c.max {
			t.Errorf("--tail %d (given %v) --scrollback %d: tailLines %d, cap %d; want %d, %d", c.tail, c.given, c.scrollback, lo.TailLines, lo.MaxHistory, c.want, c.max)
		}
	}
}
