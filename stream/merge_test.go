package stream

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// t0 is the test clock's origin.
var t0 = time.Date(2026, 11, 25, 16, 34, 56, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// ml builds a line of origin o ("a" or "b") at ms offset at; at < 0 means no time.
func ml(o *Origin, at int, text string) Line {
	l := Line{Origin: o, Text: text}
	if at >= 0 {
		l.Time = ms(at)
	}
	return l
}

func TestMerger(t *testing.T) {
	type step struct {
		at      int    // clock, ms
		add     []Line // Add at the clock
		release string // expected texts of Release at the clock, space-separated; "-" for none
	}
	tests := []struct {
		name  string
		delay int
		steps []step
		flush string
	}{
		{"in order passes after delay", 200, []step{
			{at: 0, add: []Line{ml(originA, 0, "a1")}, release: "-"},
			{at: 10, add: []Line{ml(originA, 10, "a2")}, release: "-"},
			{at: 199, release: "-"},
			{at: 200, release: "a1"},
			{at: 210, release: "a2"},
		}, ""},
		{"late stream is interleaved", 200, []step{
			{at: 100, add: []Line{ml(originA, 50, "a50"), ml(originA, 100, "a100")}, release: "-"},
			{at: 150, add: []Line{ml(originB, 40, "b40"), ml(originB, 90, "b90"), ml(originB, 140, "b140")}, release: "-"},
			{at: 300, release: "b40 a50 b90 a100"},
			{at: 400, release: "b140"},
		}, ""},
		{"too late for the window comes out late", 100, []step{
			{at: 0, add: []Line{ml(originA, 0, "a0")}, release: "-"},
			{at: 150, add: []Line{ml(originB, 10, "b10")}, release: "a0 b10"},
		}, ""},
		{"one release merges a batch", 100, []step{
			{at: 500, add: []Line{ml(originA, 20, "a20"), ml(originB, 10, "b10"), ml(originA, 30, "a30"), ml(originB, 25, "b25")}, release: "b10 a20 b25 a30"},
		}, ""},
		{"equal times keep arrival order", 100, []step{
			{at: 0, add: []Line{ml(originA, 5, "a"), ml(originB, 5, "b")}},
			{at: 1, add: []Line{ml(originA, 5, "c")}},
			{at: 200, release: "a b c"},
		}, ""},
		{"future clock is held at most delay", 100, []step{
			{at: 0, add: []Line{ml(originA, 10_000, "future"), ml(originB, 0, "b0")}, release: "-"},
			{at: 50, add: []Line{ml(originB, 50, "b50")}},
			{at: 100, release: "b0 b50 future"},
			{at: 120, add: []Line{ml(originB, 120, "b120")}},
			{at: 220, release: "b120"},
		}, ""},
		{"marker follows its origin's line", 100, []step{
			{at: 100, add: []Line{ml(originA, 10, "a10"), ml(originA, -1, "marker"), ml(originA, 30, "a30")}},
			{at: 105, add: []Line{ml(originB, 5, "b5"), ml(originB, 20, "b20")}},
			{at: 300, release: "b5 a10 marker b20 a30"},
		}, ""},
		{"marker of an unknown origin passes at once", 100, []step{
			{at: 0, add: []Line{ml(originA, 0, "a0")}},
			{at: 1, add: []Line{ml(originB, -1, "bmarker")}, release: "bmarker"},
			{at: 100, release: "a0"},
		}, ""},
		{"marker key remembered across batches", 100, []step{
			{at: 0, add: []Line{ml(originA, 50, "a50")}},
			{at: 1, add: []Line{ml(originB, 10, "b10")}},
			{at: 2, add: []Line{ml(originA, -1, "amarker")}},
			{at: 150, release: "b10 a50 amarker"},
		}, ""},
		{"one origin keeps its own order", 100, []step{
			{at: 0, add: []Line{ml(originA, 20, "a20"), ml(originA, 10, "a10"), ml(originB, 15, "b15")}},
			{at: 200, release: "b15 a20 a10"},
		}, ""},
		{"held long enough releases what sorts before it", 100, []step{
			{at: 0, add: []Line{ml(originA, 5000, "future")}},
			{at: 50, add: []Line{ml(originB, 40, "b40"), ml(originB, 4000, "bfuture")}},
			{at: 100, release: "b40 bfuture future"},
		}, ""},
		{"flush returns everything in order", 100, []step{
			{at: 0, add: []Line{ml(originA, 30, "a30"), ml(originB, 20, "b20")}, release: "-"},
		}, "b20 a30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMerger(time.Duration(tt.delay) * time.Millisecond)
			for i, s := range tt.steps {
				if s.add != nil {
					m.Add(s.add, ms(s.at))
				}
				if s.release == "" {
					continue
				}
				got := texts(m.Release(ms(s.at), nil))
				if got != s.release {
					t.Errorf("step %d at %dms: released %q, want %q", i, s.at, got, s.release)
				}
			}
			if got := texts(m.Flush(nil)); got != tt.flush && !(got == "-" && tt.flush == "") {
				t.Errorf("Flush = %q, want %q", got, tt.flush)
			}
			if m.Len() != 0 || m.future != 0 || len(m.heap) != 0 {
				t.Errorf("after Flush: Len %d future %d heap %d", m.Len(), m.future, len(m.heap))
			}
		})
	}
}

func texts(lines []Line) string {
	if len(lines) == 0 {
		return "-"
	}
	var out []string
	for _, l := range lines {
		out = append(out, l.Text)
	}
	return strings.Join(out, " ")
}

// TestMergerOrdered feeds interleaved streams with bounded lag and checks that the
// output is sorted and complete.
func TestMergerOrdered(t *testing.T) {
	m := NewMerger(100 * time.Millisecond)
	var out []Line
	// Origin A arrives on time, B 80ms late, in batches every 16ms.
	for now := 0; now < 2000; now += 16 {
		var batch []Line
		for ts := now - 16; ts < now; ts++ {
			if ts >= 0 && ts%3 == 0 {
				batch = append(batch, ml(originA, ts, "a"))
			}
			if b := ts - 80; b >= 0 && b%5 == 0 {
				batch = append(batch, ml(originB, b, "b"))
			}
		}
		m.Add(batch, ms(now))
		out = m.Release(ms(now), out)
		for _, q := range m.heap {
			for _, h := range q.lines[q.head:] {
				if h.arrived <= ms(now).Add(-m.Delay()).UnixNano() {
					t.Fatalf("at %dms a line is held longer than the delay", now)
				}
			}
		}
	}
	out = m.Flush(out)
	if !slices.IsSortedFunc(out, func(a, b Line) int { return a.Time.Compare(b.Time) }) {
		t.Error("output not sorted by time")
	}
	var na, nb int
	for _, l := range out {
		if l.Origin == originA {
			na++
		} else {
			nb++
		}
	}
	if na != (1984+2)/3 || nb != (1984-80+4)/5 {
		t.Errorf("got %d a, %d b lines", na, nb)
	}
}

func BenchmarkMerger(b *testing.B) {
	// Four streams at 25k lines/s each, one 16ms batch per op, one stream 50ms late.
	const perFrame = 400
	origins := []*Origin{{ID: "0"}, {ID: "1"}, {ID: "2"}, {ID: "3"}}
	m := NewMerger(200 * time.Millisecond)
	batch := make([]Line, perFrame*len(origins))
	var out []Line
	frame := 0
	b.ReportAllocs()
	for b.Loop() {
		now := t0.Add(time.Duration(frame) * 16 * time.Millisecond)
		for i := range batch {
			o := i % len(origins)
			ts := now.Add(-time.Duration(perFrame-i/len(origins)) * 40 * time.Microsecond)
			if o == 3 {
				ts = ts.Add(-50 * time.Millisecond)
			}
			batch[i] = Line{Origin: origins[o], Time: ts}
		}
		m.Add(batch, now)
		out = m.Release(now, out[:0])
		frame++
	}
	b.ReportMetric(float64(len(batch))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
