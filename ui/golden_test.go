package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/tailui/tailui/stream"
)

var sizes = []struct{ w, h int }{{80, 24}, {160, 48}}

// sampleTexts are lines in the formats tailui recognises.
var sampleTexts = []string{
	`{"level":"info","ts":"2026-11-25T16:34:01.120Z","msg":"request served","method":"GET","path":"/api/v1/orders","status":200,"latency_ms":12}`,
	`level=warn msg="upstream slow" upstream=payments duration=812ms trace_id=4bf92f3577b34da6`,
	`E1125 16:34:02.004512       1 controller.go:211] failed to sync pod prod/api-5c7b9d4f8-w7q2c: context deadline exceeded`,
	`10.0.3.17 - - "GET /healthz HTTP/1.1" 200 2`,
	`16:34:03 [ERROR] connection reset by peer (retrying in 2s)`,
	`{"level":"debug","msg":"cache miss","key":"user:42"}`,
	`INFO  starting worker pool size=8`,
	"a very long line that goes on and on to show how tailui cuts long lines at the edge of a pane and wraps them when asked to, with an ellipsis at the cut",
}

func sampleLines(o *stream.Origin, n int) []stream.Line {
	out := make([]stream.Line, n)
	for i := range out {
		out[i] = stream.Line{Origin: o, Time: testNow.Add(time.Duration(i-n) * time.Second), Text: sampleTexts[i%len(sampleTexts)]}
	}
	return out
}

func TestGolden(t *testing.T) {
	web := &stream.Origin{ID: "prod/web-7d9f8b6c5-x2kq4/app", Name: "web-7d9f8b6c5-x2kq4/app"}
	web2 := &stream.Origin{ID: "prod/web-7d9f8b6c5-p8m2z/app", Name: "web-7d9f8b6c5-p8m2z/app"}
	api := &stream.Origin{ID: "prod/api-5c7b9d4f8-w7q2c/api", Name: "api-5c7b9d4f8-w7q2c/api"}

	cases := []struct {
		name  string
		setup func(t *testing.T, m *Model)
	}{
		{"sources", func(t *testing.T, m *Model) {
			press(m, "down", "down", "space", "down", "right")
		}},
		{"sources_filter", func(t *testing.T, m *Model) {
			typeText(m, "ledg")
		}},
		{"loki", func(t *testing.T, m *Model) {
			press(m, "tab")
			runCmd(m, send(m, lokiReadyMsg{lc: fakeLoki{}}))
		}},
		{"no_loki", func(t *testing.T, m *Model) {
			press(m, "tab")
			send(m, lokiReadyMsg{err: fmt.Errorf("no service labelled app.kubernetes.io/name=loki")})
		}},
		{"one_pane", func(t *testing.T, m *Model) {
			ps := openPanes(m, []string{"web-7d9f8b6c5-x2kq4"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4"}}})
			f := newFeeder(m, ps[0])
			f.status(stream.Status{Origin: web, State: stream.StateLive})
			f.lines(sampleLines(web, 60)...).flush()
			send(m, tickMsg{})
		}},
		{"one_pane_paused_search", func(t *testing.T, m *Model) {
			ps := openPanes(m, []string{"web-7d9f8b6c5-x2kq4"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4"}}})
			f := newFeeder(m, ps[0])
			f.status(stream.Status{Origin: web, State: stream.StateLive})
			f.lines(sampleLines(web, 60)...).flush()
			press(m, "t", "/")
			typeText(m, "error")
			press(m, "enter", "k", "k")
			f.lines(sampleLines(web, 5)...).flush()
		}},
		{"pretty", func(t *testing.T, m *Model) {
			ps := openPanes(m, []string{"web-7d9f8b6c5-x2kq4"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4"}}})
			f := newFeeder(m, ps[0])
			f.status(stream.Status{Origin: web, State: stream.StateLive})
			f.lines(sampleLines(web, 16)...).flush()
			press(m, "t", "t", "p", "p", "m")
			typeText(m, "cache")
			press(m, "enter")
		}},
		{"two_panes", func(t *testing.T, m *Model) {
			ps := openPanes(m, []string{"web-7d9f8b6c5-x2kq4", "api-5c7b9d4f8-w7q2c"},
				Selection{Pods: []PodRef{{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4"}}},
				Selection{Pods: []PodRef{{Namespace: "prod", Name: "api-5c7b9d4f8-w7q2c"}}})
			if ps[0].width < ps[0].height {
				t.Fatalf("panes were not placed side by side: %dx%d", ps[0].width, ps[0].height)
			}
			f := newFeeder(m, ps[0])
			f.status(stream.Status{Origin: web, State: stream.StateLive})
			f.lines(sampleLines(web, 40)...).flush()
			g := newFeeder(m, ps[1])
			g.status(stream.Status{Origin: api, State: stream.StateFailed, Err: `container "api" in pod "api-5c7b9d4f8-w7q2c" is waiting to start: CrashLoopBackOff`})
			g.lines(stream.Line{Origin: api, Time: testNow, Kind: stream.KindError, Text: `container "api" is waiting to start: CrashLoopBackOff`}).flush()
			press(m, "w")
		}},
		{"merged_reconnect", func(t *testing.T, m *Model) {
			ps := openPanes(m, []string{"Deployment/web"}, Selection{Workloads: []WorkloadRef{{Namespace: "prod", Workload: "Deployment/web"}}})
			f := newFeeder(m, ps[0])
			f.status(stream.Status{Origin: web, State: stream.StateLive})
			f.status(stream.Status{Origin: web2, State: stream.StateReconnecting, Attempt: 2, NextTry: testNow.Add(3 * time.Second), Err: "stream closed"})
			a, b := sampleLines(web, 30), sampleLines(web2, 30)
			var all []stream.Line
			for i := range a {
				all = append(all, a[i], b[i])
			}
			all = append(all, stream.Line{Origin: web2, Time: testNow.Add(-time.Second), Kind: stream.KindReconnect, Text: "reconnecting (attempt 2): stream closed"})
			f.lines(all...).flush()
			send(m, mergeTickMsg{})
		}},
		{"help", func(t *testing.T, m *Model) {
			openPanes(m, []string{"web"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4"}}})
			press(m, "?")
		}},
	}
	for _, c := range cases {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, sz.w, sz.h), func(t *testing.T) {
				m, _ := newTestModel(t, sz.w, sz.h)
				c.setup(t, m)
				golden.RequireEqual(t, screen(t, m))
			})
		}
	}
}
