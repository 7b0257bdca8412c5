package ui

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

// framePane returns a model at 160×48 with one pane whose buffer holds n lines
// (its scrollback is n), filled directly, and the pane.
func framePane(b *testing.B, n int) (*Model, *pane) {
	b.Helper()
	cat := &fakeCatalog{pods: testPods(), loki: fakeLoki{}}
	m := New(context.Background(), Options{Catalog: cat, Now: func() time.Time { return testNow }, Scrollback: n})
	b.Cleanup(m.Shutdown)
	m.c.loc = time.UTC
	m.c.after = func(d time.Duration, msg tea.Msg) tea.Cmd { return func() tea.Msg { return delayedMsg{msg} } }
	send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	send(m, podsMsg{pods: cat.pods})
	p := openPanes(m, []string{"pane"}, webSel())[0]
	texts := benchTexts(4096)
	o := &stream.Origin{ID: "prod/web-0/app", Name: "web-0/app"}
	for i := range n {
		p.buf.push(newEntry(stream.Line{Origin: o, Time: testNow.Add(time.Duration(i-n) * time.Millisecond), Text: texts[i%len(texts)]}))
	}
	p.invalidate()
	_ = m.View()
	return m, p
}

// BenchmarkPaneFrame measures one full-pane frame (a batch of 100 new lines,
// then View) while the pane holds 1k, 100k and 1M lines, following and
// scrolled back to the middle: a frame's cost must not grow with the buffer.
func BenchmarkPaneFrame(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		for _, where := range []string{"follow", "middle"} {
			b.Run(fmt.Sprintf("lines=%d/%s", n, where), func(b *testing.B) {
				m, p := framePane(b, n)
				if where == "middle" {
					p.pauseAt(p.buf.count()/2, 0)
				}
				f := newFeeder(m, p)
				o := &stream.Origin{ID: "prod/web-0/app", Name: "web-0/app"}
				texts := benchTexts(256)
				batch := make([]stream.Line, 100)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					for j := range batch {
						batch[j] = stream.Line{Origin: o, Time: testNow, Text: texts[(i+j)%len(texts)]}
					}
					f.lines(batch...).flush()
					_ = m.View()
				}
			})
		}
	}
}

// BenchmarkBytesPerLine reports the heap a pane's buffer costs per line held,
// beyond the line's text (the texts are allocated before the measure, as the
// sanitizer allocates them once per line before the pane sees them).
func BenchmarkBytesPerLine(b *testing.B) {
	const n = 100_000
	texts := benchTexts(n)
	o := &stream.Origin{ID: "prod/web-0/app", Name: "web-0/app"}
	var per float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		buf := newBuffer(n)
		for i := range n {
			buf.push(newEntry(stream.Line{Origin: o, Time: testNow, Text: texts[i]}))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(buf)
	}
	b.ReportMetric(per, "B/line")
	b.ReportMetric(float64(unsafe.Sizeof(entry{})), "B/entry")
}
