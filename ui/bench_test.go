package ui

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

// benchTexts is a mix of line shapes and lengths seen in real clusters.
func benchTexts(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		switch rng.IntN(5) {
		case 0:
			out[i] = fmt.Sprintf(`{"level":"info","ts":"2026-11-25T16:34:%02d.%03dZ","msg":"request served","path":"/api/v1/orders/%d","status":200,"latency_ms":%d}`, rng.IntN(60), rng.IntN(1000), rng.IntN(1e6), rng.IntN(900))
		case 1:
			out[i] = fmt.Sprintf(`level=warn msg="upstream slow" upstream=payments duration=%dms trace_id=%016x`, rng.IntN(1000), rng.Uint64())
		case 2:
			out[i] = fmt.Sprintf("E1125 16:34:%02d.%06d       1 controller.go:%d] failed to sync: context deadline exceeded", rng.IntN(60), rng.IntN(1e6), rng.IntN(500))
		case 3:
			out[i] = fmt.Sprintf(`10.0.%d.%d - - "GET /healthz HTTP/1.1" 200 %d`, rng.IntN(255), rng.IntN(255), rng.IntN(5000))
		default:
			out[i] = fmt.Sprintf("16:34:%02d [INFO] worker %d processed job %d in %dms", rng.IntN(60), rng.IntN(64), rng.IntN(1e6), rng.IntN(100))
		}
	}
	return out
}

// benchModel returns a model at w×h with n panes, and a batch maker that
// spreads 1000 lines over the panes' origins.
func benchModel(b *testing.B, w, h, n int, wrap bool) (*Model, func() []paneBatch) {
	m, _ := newTestModel(b, w, h)
	m.opts.Wrap = wrap
	var sels []Selection
	var titles []string
	for i := range n {
		sels = append(sels, webSel())
		titles = append(titles, fmt.Sprint("pane ", i))
	}
	ps := openPanes(m, titles, sels...)
	texts := benchTexts(4096)
	var origins []*stream.Origin
	var sinks []stream.Sink
	for i, p := range ps {
		for c := range 2 {
			o := &stream.Origin{ID: fmt.Sprintf("prod/web-%d/c%d", i, c), Name: fmt.Sprintf("web-%d/c%d", i, c)}
			origins = append(origins, o)
			sinks = append(sinks, p.hub)
		}
	}
	k := 0
	return m, func() []paneBatch {
		per := 1000 / len(origins)
		for j, o := range origins {
			ls := make([]stream.Line, per)
			for i := range ls {
				ls[i] = stream.Line{Origin: o, Time: testNow.Add(-time.Second), Text: texts[k%len(texts)]}
				k++
			}
			sinks[j].Lines(ls)
		}
		return m.hubs.take()
	}
}

// BenchmarkPaneUpdateView measures one frame under a firehose: a batch of
// 1000 lines routed into the panes, then a full View, at 160×48.
func BenchmarkPaneUpdateView(b *testing.B) {
	for _, c := range []struct {
		panes int
		wrap  bool
	}{{1, false}, {4, false}, {4, true}} {
		b.Run(fmt.Sprintf("panes=%d/wrap=%v", c.panes, c.wrap), func(b *testing.B) {
			m, next := benchModel(b, 160, 48, c.panes, c.wrap)
			// Fill the scrollback first so that the ring drops every frame.
			for range 100 {
				send(m, batchMsg{batches: next(), at: testNow})
			}
			batches := make([][]paneBatch, 64)
			for i := range batches {
				batches[i] = next()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				send(m, batchMsg{batches: batches[i%len(batches)], at: testNow})
				_ = m.View()
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkKeyDuringFirehose measures a key press (scroll up one line) and
// the View after it while panes hold full scrollback: the cost a user feels.
func BenchmarkKeyDuringFirehose(b *testing.B) {
	m, next := benchModel(b, 160, 48, 4, false)
	for range 100 {
		send(m, batchMsg{batches: next(), at: testNow})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := "k"
		if i%2 == 1 {
			k = "j"
		}
		send(m, tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		_ = m.View()
	}
}
