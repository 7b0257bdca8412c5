package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var fillT0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// at is a log line of seq n at fillT0 + ns nanoseconds.
func gl(ns int64, n int) Line {
	return Line{Time: fillT0.Add(time.Duration(ns)), Text: fmt.Sprintf("seq=%d", n)}
}

func fillTexts(ls []Line) string {
	var b []string
	for _, l := range ls {
		b = append(b, l.Text)
	}
	return strings.Join(b, " ")
}

func TestSplice(t *testing.T) {
	from, to := gl(100, 10), gl(500, 14)
	cases := []struct {
		name           string
		w              GapWindow
		got            []Line
		want           string
		hasFrom, hasTo bool
	}{
		{"whole window with both boundaries", GapWindow{from, to},
			[]Line{from, gl(200, 11), gl(300, 12), gl(400, 13), to}, "seq=11 seq=12 seq=13", true, true},
		{"lines outside the window dropped", GapWindow{from, to},
			[]Line{gl(50, 9), from, gl(200, 11), to, gl(600, 15)}, "seq=11", true, true},
		{"boundary text differs at its time: not the boundary, kept", GapWindow{from, to},
			[]Line{gl(100, 99), from, gl(200, 11), to}, "seq=11", true, true},
		{"same-nanosecond line after From kept, before From dropped", GapWindow{from, to},
			[]Line{gl(100, 8), from, gl(100, 10_1), to}, "seq=101", true, true},
		{"same-nanosecond line before To kept, after To dropped", GapWindow{from, to},
			[]Line{from, gl(500, 13), to, gl(500, 15)}, "seq=13", true, true},
		{"To missing: lines at To's time cannot be placed", GapWindow{from, to},
			[]Line{from, gl(200, 11), gl(500, 15)}, "seq=11", true, false},
		{"From missing: the lines after its time are kept", GapWindow{from, to},
			[]Line{gl(300, 12), gl(400, 13), to}, "seq=12 seq=13", false, true},
		{"nothing between the boundaries", GapWindow{from, to}, []Line{from, to}, "", true, true},
		{"empty answer", GapWindow{from, to}, nil, "", false, false},
		{"unsorted answer is sorted, stably", GapWindow{from, to},
			[]Line{to, gl(300, 12), from, gl(200, 11)}, "seq=11 seq=12", true, true},
		{"both boundaries in one nanosecond", GapWindow{gl(100, 1), gl(100, 4)},
			[]Line{gl(100, 1), gl(100, 2), gl(100, 3), gl(100, 4), gl(100, 5)}, "seq=2 seq=3", true, true},
		{"one nanosecond, To not held: nothing", GapWindow{gl(100, 1), gl(100, 4)},
			[]Line{gl(100, 1), gl(100, 2)}, "", true, false},
		{"markers in the answer are never spliced", GapWindow{from, to},
			[]Line{from, {Time: fillT0.Add(200), Kind: KindInfo, Text: "note"}, gl(300, 12), to}, "seq=12", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fill, hasFrom, hasTo := Splice(c.w, c.got)
			if got := fillTexts(fill); got != c.want || hasFrom != c.hasFrom || hasTo != c.hasTo {
				t.Errorf("Splice = %q, hasFrom %v, hasTo %v; want %q, %v, %v", got, hasFrom, hasTo, c.want, c.hasFrom, c.hasTo)
			}
		})
	}
}

// shape is SpliceGap's output as kind:text-ish tokens: gap, fill, the line texts
// (with a * when marked as filled from Loki and given the gap's origin).
func shape(ls []Line, o *Origin) string {
	var b []string
	for _, l := range ls {
		switch {
		case l.Kind == KindLog && l.Filled == FilledFromLoki && l.Origin == o:
			b = append(b, "*"+l.Text)
		case l.Kind == KindLog:
			b = append(b, "?"+l.Text)
		default:
			b = append(b, "["+l.Kind.String()+"]")
		}
	}
	return strings.Join(b, " ")
}

func TestSpliceGap(t *testing.T) {
	pod := &Origin{ID: "ns/p/c", Name: "p/c"}
	loki := &Origin{ID: `{pod="p"}`}
	from, to := gl(100, 10), gl(500, 14)
	from.Origin, to.Origin = pod, pod
	w := GapWindow{from, to}
	gap := Line{Origin: pod, Time: to.Time, Kind: KindGap, Window: true, Text: "lines may be missing"}
	lk := func(ls ...Line) []Line {
		for i := range ls {
			ls[i].Origin = loki
		}
		return ls
	}
	cases := []struct {
		name     string
		res      FillResult
		err      error
		want     string
		gapCount int    // gap markers in the output
		gapSays  string // in the last gap marker, when there is one
	}{
		{"complete fill", FillResult{Lines: lk(from, gl(200, 11), gl(300, 12), gl(400, 13), to)}, nil,
			"[fill] *seq=11 *seq=12 *seq=13 [fill]", 0, ""},
		{"Loki down: the gap marker stays with the reason", FillResult{}, errors.New("connection refused"),
			"[gap]", 1, "not filled from Loki: connection refused"},
		{"Loki holds nothing between the boundaries", FillResult{Lines: lk(from, to)}, nil,
			"[gap]", 1, "holds no line between"},
		{"Loki holds nothing at all", FillResult{}, nil, "[gap]", 1, "holds no line of this window"},
		{"partial: Loki lacks the line after the gap", FillResult{Lines: lk(from, gl(200, 11))}, nil,
			"[fill] *seq=11 [fill] [gap]", 1, "does not hold the first line shown after the gap"},
		{"partial: Loki lacks the line before the gap", FillResult{Lines: lk(gl(300, 12), gl(400, 13), to)}, nil,
			"[gap] [fill] *seq=12 *seq=13 [fill]", 1, "does not hold the last line shown before the gap"},
		{"partial: Loki failed part way", FillResult{Lines: lk(from, gl(200, 11))}, errors.New("timeout"),
			"[fill] *seq=11 [fill] [gap]", 1, "failed part way: timeout"},
		{"partial: the fill limit", FillResult{Lines: lk(from, gl(200, 11)), Truncated: true, Limit: 2}, nil,
			"[fill] *seq=11 [fill] [gap]", 1, "limit of 2 lines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := SpliceGap(gap, w, c.res, c.err, "Loki", FilledFromLoki)
			if got := shape(out, pod); got != c.want {
				t.Fatalf("SpliceGap = %s, want %s", got, c.want)
			}
			var gaps []Line
			for _, l := range out {
				if l.Origin != pod {
					t.Errorf("line %q has origin %v, want the gap's", l.Text, l.Origin)
				}
				if l.Window {
					t.Errorf("line %q still says Window", l.Text)
				}
				if l.Kind == KindGap {
					gaps = append(gaps, l)
				}
				if l.Kind == KindFill && l.Count != strings.Count(c.want, "*") {
					t.Errorf("fill marker counts %d, want %d", l.Count, strings.Count(c.want, "*"))
				}
			}
			if len(gaps) != c.gapCount {
				t.Fatalf("%d gap markers, want %d", len(gaps), c.gapCount)
			}
			if c.gapCount > 0 && !strings.Contains(gaps[len(gaps)-1].Text, c.gapSays) {
				t.Errorf("gap marker %q does not say %q", gaps[len(gaps)-1].Text, c.gapSays)
			}
		})
	}
}

// fillSink records what reaches it, in order.
type fillSink struct {
	mu    sync.Mutex
	lines []Line
	calls int
}

func (s *fillSink) Lines(b []Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, b...)
	s.calls++
}
func (s *fillSink) Status(Status) {}

// fakeFiller answers with the lines of log inside the window (a Loki that holds the
// whole log), or fails, or blocks until ctx ends.
type fakeFiller struct {
	log   []Line
	err   error
	block bool
	calls int
	w     GapWindow
}

func (f *fakeFiller) Fill(ctx context.Context, o *Origin, w GapWindow) (FillResult, error) {
	f.calls++
	f.w = w
	if f.block {
		<-ctx.Done()
		return FillResult{}, ctx.Err()
	}
	if f.err != nil {
		return FillResult{}, f.err
	}
	var r FillResult
	for _, l := range f.log {
		if !l.Time.Before(w.From.Time) && !l.Time.After(w.To.Time) {
			r.Lines = append(r.Lines, l)
		}
	}
	return r, nil
}

// podLog is seq 1..n, one line every 10 ns, with origin o.
func podLog(o *Origin, n int) []Line {
	var ls []Line
	for i := 1; i <= n; i++ {
		l := gl(int64(i)*10, i)
		l.Origin = o
		ls = append(ls, l)
	}
	return ls
}

// TestGapSplicerOrder feeds a stream that lost seq 4..7 the way ContainerStream
// delivers it (batches split anywhere, a resume marker, the window gap marker right
// before the line after the gap): what comes out is seq 1..10 each once, in order,
// 4..7 marked, and the line after the gap never before the fill.
func TestGapSplicerOrder(t *testing.T) {
	o := &Origin{ID: "ns/p/c"}
	log := podLog(o, 10)
	gap := Line{Origin: o, Time: log[7].Time, Kind: KindGap, Window: true, Text: "rotated"}
	resume := Line{Origin: o, Time: log[7].Time, Kind: KindResume, Text: "resumed"}
	for split := 0; split <= 6; split++ {
		t.Run(fmt.Sprint("split at ", split), func(t *testing.T) {
			in := append(append(append([]Line{}, log[:3]...), resume, gap), log[7:]...) // 1 2 3 R G 8 9 10
			sink := &fillSink{}
			f := &fakeFiller{log: log}
			g := NewGapSplicer(context.Background(), sink, GapSplicerOptions{Filler: f, Source: "Loki", Filled: FilledFromLoki})
			g.Lines(in[:split])
			g.Lines(in[split:])
			g.Flush()
			if f.calls != 1 || f.w.From.Text != "seq=3" || f.w.To.Text != "seq=8" {
				t.Fatalf("filler called %d times with window %q..%q, want once with seq=3..seq=8", f.calls, f.w.From.Text, f.w.To.Text)
			}
			want := "?seq=1 ?seq=2 ?seq=3 [resume] [fill] *seq=4 *seq=5 *seq=6 *seq=7 [fill] ?seq=8 ?seq=9 ?seq=10"
			if got := shape(sink.lines, o); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestGapSplicerLokiDownOrSlow: a filler that fails or does not answer in time
// leaves the gap marker with the reason, and every line the stream read passes,
// once, in order.
func TestGapSplicerLokiDownOrSlow(t *testing.T) {
	o := &Origin{ID: "ns/p/c"}
	log := podLog(o, 10)
	gap := Line{Origin: o, Time: log[7].Time, Kind: KindGap, Window: true, Text: "rotated"}
	in := append(append(append([]Line{}, log[:3]...), gap), log[7:]...)
	for _, c := range []struct {
		name string
		f    *fakeFiller
		says string
	}{
		{"down", &fakeFiller{err: errors.New("connection refused")}, "not filled from Loki: connection refused"},
		{"slow", &fakeFiller{block: true}, "not filled from Loki: no complete answer within 10s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &fillSink{}
				g := NewGapSplicer(context.Background(), sink, GapSplicerOptions{Filler: c.f, Source: "Loki", Filled: FilledFromLoki})
				g.Lines(append([]Line(nil), in...))
				want := "?seq=1 ?seq=2 ?seq=3 [gap] ?seq=8 ?seq=9 ?seq=10"
				if got := shape(sink.lines, o); got != want {
					t.Fatalf("got  %s\nwant %s", got, want)
				}
				if g := sink.lines[3]; !strings.Contains(g.Text, c.says) || g.Window {
					t.Errorf("gap marker %q (window %v), want it to say %q", g.Text, g.Window, c.says)
				}
			})
		})
	}
}

// TestGapSplicerHeldGapReleased: a window gap marker with no line after it (the
// stream broke again, or ended) comes out unfilled, before what follows, and Flush
// releases one still held. A gap with no line before it passes as is.
func TestGapSplicerHeldGapReleased(t *testing.T) {
	o := &Origin{ID: "ns/p/c"}
	log := podLog(o, 3)
	gap := Line{Origin: o, Kind: KindGap, Window: true, Text: "rotated"}
	reconnect := Line{Origin: o, Kind: KindReconnect, Text: "broke"}

	sink := &fillSink{}
	f := &fakeFiller{log: log}
	g := NewGapSplicer(context.Background(), sink, GapSplicerOptions{Filler: f})
	g.Lines([]Line{gap}) // nothing before it: no window
	g.Lines(append([]Line(nil), log[0], gap))
	g.Lines([]Line{reconnect, log[1]})
	g.Lines([]Line{gap})
	g.Flush()
	if want, got := "[gap] ?seq=1 [gap] [reconnect] ?seq=2 [gap]", shape(sink.lines, o); got != want || f.calls != 0 {
		t.Fatalf("got %s with %d fills, want %s and none", got, f.calls, want)
	}
}

func TestSpliceDropped(t *testing.T) {
	o := &Origin{ID: `{pod="p"}`}
	drop := Line{Origin: o, Kind: KindDropped, Window: true, Count: 3, Text: "Loki dropped 3 entries"}
	ns := func(ls ...Line) []int64 {
		var at []int64
		for _, l := range ls {
			at = append(at, l.Time.UnixNano())
		}
		return at
	}
	a, b, c, d := gl(100, 1), gl(200, 2), gl(300, 3), gl(400, 4)
	cases := []struct {
		name    string
		drop    Line
		at      []int64
		got     []Line
		err     error
		want    string
		missing int // Count of the last marker when it is a KindDropped one
		says    string
	}{
		{"all found, the rest of the read ignored", drop, ns(a, b, c), []Line{gl(50, 0), a, b, c, d}, nil,
			"[fill] *seq=1 *seq=2 *seq=3 [fill]", 0, ""},
		{"one no longer in the pod", drop, ns(a, b, c), []Line{a, c}, nil,
			"[fill] *seq=1 *seq=3 [fill] [dropped]", 1, "still missing: the pod no longer holds them"},
		{"a timestamp twice takes two lines of it, not three", Line{Origin: o, Kind: KindDropped, Window: true, Count: 2},
			[]int64{a.Time.UnixNano(), a.Time.UnixNano()}, []Line{a, gl(100, 11), gl(100, 12)}, nil,
			"[fill] *seq=1 *seq=11 [fill]", 0, ""},
		{"Loki listed fewer timestamps than it dropped", Line{Origin: o, Kind: KindDropped, Window: true, Count: 5}, ns(a), []Line{a}, nil,
			"[fill] *seq=1 [fill] [dropped]", 4, "Loki did not say when"},
		{"pod gone", drop, ns(a, b, c), nil, errors.New("pod ns/p is gone"),
			"[dropped]", 3, "not refetched from the pod: pod ns/p is gone"},
		{"nothing found", drop, ns(a, b, c), []Line{d}, nil, "[dropped]", 3, "the pod no longer holds them"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := SpliceDropped(tc.drop, tc.at, tc.got, tc.err, "the pod", FilledFromPod)
			var sh []string
			for _, l := range out {
				switch {
				case l.Kind == KindLog && l.Filled == FilledFromPod && l.Origin == o:
					sh = append(sh, "*"+l.Text)
				case l.Kind == KindLog:
					sh = append(sh, "?"+l.Text)
				default:
					sh = append(sh, "["+l.Kind.String()+"]")
				}
				if l.Window {
					t.Errorf("%q still says Window", l.Text)
				}
			}
			if got := strings.Join(sh, " "); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			last := out[len(out)-1]
			if last.Kind == KindDropped && (last.Count != tc.missing || !strings.Contains(last.Text, tc.says)) {
				t.Errorf("last marker %q counts %d, want %d and to say %q", last.Text, last.Count, tc.missing, tc.says)
			}
		})
	}
}
