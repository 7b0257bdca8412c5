package cli

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

func TestPrinterTagsClusters(t *testing.T) {
	east := &stream.Origin{ID: testPod.ID, Name: testPod.Name, Fields: testPod.Fields, Context: "east"}
	loki := &stream.Origin{ID: testLoki.ID, Name: testLoki.Name, Fields: testLoki.Fields, Context: "west"}
	cases := []struct {
		name  string
		p     printer
		lines []stream.Line
		out   string
	}{
		{name: "text", p: printer{format: formatText},
			lines: []stream.Line{logLine(east, testTime, "hello"), logLine(testPod, testTime, "one cluster")},
			out:   "[east] web-1 app hello\nweb-1 app one cluster\n"},
		{name: "text from Loki", p: printer{format: formatText},
			lines: []stream.Line{logLine(loki, testTime, "hello")}, out: `[west] {app="web"} hello` + "\n"},
		{name: "json", p: printer{format: formatJSON},
			lines: []stream.Line{logLine(east, testTime, "hello"), logLine(testPod, testTime, "one")},
			out: `{"context":"east","namespace":"shop","pod":"web-1","container":"app","timestamp":"2026-03-04T05:06:07.123456789Z","message":"hello"}` + "\n" +
				`{"namespace":"shop","pod":"web-1","container":"app","timestamp":"2026-03-04T05:06:07.123456789Z","message":"one"}` + "\n"},
		{name: "json from Loki", p: printer{format: formatJSON},
			lines: []stream.Line{logLine(loki, time.Time{}, "hello")}, out: `{"context":"west","labels":{"app":"web"},"message":"hello"}` + "\n"},
		{name: "raw has no prefix", p: printer{format: formatRaw},
			lines: []stream.Line{logLine(east, testTime, "hello")}, out: "hello\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, out, _ := newTestPrinter(tc.p)
			if err := p.write(tc.lines); err != nil {
				t.Fatal(err)
			}
			if err := p.flush(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.out {
				t.Errorf("got\n%s\nwant\n%s", got, tc.out)
			}
		})
	}

	p, _, errOut := newTestPrinter(printer{format: formatText})
	_ = p.write([]stream.Line{{Origin: east, Kind: stream.KindReconnect, Text: "broke"},
		{Origin: &stream.Origin{ID: "tailui", Name: "tailui", Context: "west"}, Kind: stream.KindError, Text: "unreachable"}})
	want := "tailui: [east] web-1/app: [reconnect] broke\ntailui: [west] [error] unreachable\n"
	if errOut.String() != want {
		t.Errorf("markers:\n%s\nwant\n%s", errOut.String(), want)
	}

	p, _, _ = newTestPrinter(printer{format: formatText, color: true})
	if got := p.origin(east).prefix; !strings.HasPrefix(got, "\x1b[") || !strings.Contains(got, "[east]") {
		t.Errorf("coloured prefix %q: want the context painted", got)
	}
}

// sourceFunc is a stream.Source from a function.
type sourceFunc func(ctx context.Context, sink stream.Sink) error

func (f sourceFunc) Run(ctx context.Context, sink stream.Sink) error { return f(ctx, sink) }

type collect struct {
	mu    sync.Mutex
	lines []stream.Line
}

func (c *collect) Lines(b []stream.Line) { c.mu.Lock(); c.lines = append(c.lines, b...); c.mu.Unlock() }
func (c *collect) Status(stream.Status)  {}

func TestMultiSourceIsolatesFailures(t *testing.T) {
	o := &stream.Origin{ID: "shop/web-1/app", Name: "web-1/app"}
	good := sourceFunc(func(_ context.Context, sink stream.Sink) error {
		sink.Lines([]stream.Line{{Origin: o, Text: "a"}, {Origin: o, Text: "b"}})
		return nil
	})
	broken := sourceFunc(func(_ context.Context, sink stream.Sink) error {
		sink.Lines([]stream.Line{{Origin: o, Text: "before"}})
		return errors.New("forbidden: pods is forbidden")
	})
	m := &multiSource{now: func() time.Time { return testTime }, parts: []clusterPart{
		{context: "east", src: good},
		{context: "west", src: broken},
		{context: "nope", err: errors.New(`context "nope" is not in the kubeconfig`)},
	}}
	c := &collect{}
	err := m.Run(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 clusters failed") || !strings.Contains(err.Error(), "west") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err %v, want the failed clusters counted and named", err)
	}
	got := map[string][]string{}
	for _, l := range c.lines {
		got[l.Origin.Context] = append(got[l.Origin.Context], l.Kind.String()+":"+l.Text)
	}
	if strings.Join(got["east"], ",") != "log:a,log:b" {
		t.Errorf("east: %v, want its two lines", got["east"])
	}
	if strings.Join(got["west"], ",") != "log:before,error:forbidden: pods is forbidden" {
		t.Errorf("west: %v, want its line, then its error", got["west"])
	}
	if strings.Join(got["nope"], ",") != `error:context "nope" is not in the kubeconfig` {
		t.Errorf("nope: %v, want its error", got["nope"])
	}

	// Every cluster well: no error.
	m.parts = m.parts[:1]
	if err := m.Run(context.Background(), &collect{}); err != nil {
		t.Errorf("one good cluster: %v", err)
	}
}

func TestContextFlagRepeatable(t *testing.T) {
	cases := []struct {
		name, config string
		env          map[string]string
		args         []string
		want         string
	}{
		{name: "none", want: ""},
		{name: "flags", args: []string{"--context", "east", "--context", "west"}, want: "east,west"},
		{name: "config list", config: "flags:\n  context: [east, west]\n", want: "east,west"},
		{name: "config string", config: "flags:\n  context: east\n", want: "east"},
		{name: "env", env: map[string]string{"TAILUI_CONTEXT": "east,west"}, want: "east,west"},
		{name: "flag over config", config: "flags:\n  context: [east, west]\n", args: []string{"--context", "north"}, want: "north"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flagValues(t, tc.config, tc.env, tc.args, "context")
			if err != nil {
				t.Fatal(err)
			}
			if got["context"] != tc.want {
				t.Errorf("--context %q, want %q", got["context"], tc.want)
			}
		})
	}
}
