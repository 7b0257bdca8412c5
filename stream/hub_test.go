package stream

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var (
	originA = &Origin{ID: "a", Name: "a"}
	originB = &Origin{ID: "b", Name: "b"}
)

func logLines(o *Origin, texts ...string) []Line {
	out := make([]Line, len(texts))
	for i, t := range texts {
		out[i] = Line{Origin: o, Text: t}
	}
	return out
}

// lineTexts renders lines as "origin:text" for comparisons, markers as "origin!kind".
func lineTexts(lines []Line) []string {
	var out []string
	for _, l := range lines {
		if l.Kind != KindLog {
			out = append(out, l.Origin.ID+"!"+l.Kind.String())
			continue
		}
		out = append(out, l.Origin.ID+":"+l.Text)
	}
	return out
}

func droppedByID(d map[*Origin]int) map[string]int {
	if d == nil {
		return nil
	}
	out := map[string]int{}
	for o, n := range d {
		out[o.ID] = n
	}
	return out
}

// next calls Next with a short deadline so a wrong test fails instead of hanging.
func next(t *testing.T, h *Hub) (Batch, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Next(ctx, time.Time{})
}

func TestHubDropOldest(t *testing.T) {
	marker := Line{Origin: originA, Kind: KindRestart}
	tests := []struct {
		name    string
		cap     int
		batches [][]Line
		want    []string
		dropped map[string]int
	}{
		{"under capacity", 4, [][]Line{logLines(originA, "1", "2"), logLines(originB, "1")},
			[]string{"a:1", "a:2", "b:1"}, nil},
		{"exactly full", 3, [][]Line{logLines(originA, "1", "2"), logLines(originB, "1")},
			[]string{"a:1", "a:2", "b:1"}, nil},
		{"drops oldest", 3, [][]Line{logLines(originA, "1", "2"), logLines(originB, "1", "2")},
			[]string{"a:2", "b:1", "b:2"}, map[string]int{"a": 1}},
		{"drops whole batches and part of the next", 2, [][]Line{logLines(originA, "1"), logLines(originB, "1", "2"), logLines(originA, "3", "4")},
			[]string{"a:3", "a:4"}, map[string]int{"a": 1, "b": 2}},
		{"batch larger than capacity", 2, [][]Line{logLines(originA, "1", "2", "3", "4", "5")},
			[]string{"a:4", "a:5"}, map[string]int{"a": 3}},
		{"markers are saved", 2, [][]Line{append(logLines(originA, "1"), marker), logLines(originA, "2", "3", "4")},
			[]string{"a!restart", "a:3", "a:4"}, map[string]int{"a": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub(HubOptions{Capacity: tt.cap, Policy: PolicyDropOldest})
			for _, b := range tt.batches {
				h.Lines(b)
			}
			b, ok := next(t, h)
			if !ok {
				t.Fatal("Next reported false")
			}
			if got := lineTexts(b.Lines); !slices.Equal(got, tt.want) {
				t.Errorf("lines = %v, want %v", got, tt.want)
			}
			if got := droppedByID(b.Dropped); !maps.Equal(got, tt.dropped) {
				t.Errorf("dropped = %v, want %v", got, tt.dropped)
			}
		})
	}
}

func TestHubSavedMarkersBounded(t *testing.T) {
	h := NewHub(HubOptions{Capacity: 2, Policy: PolicyDropOldest})
	for i := 0; i < 10; i++ {
		h.Lines([]Line{{Origin: originA, Kind: KindReconnect}})
	}
	b, _ := next(t, h)
	// Two pending, two saved, six dropped.
	if len(b.Lines) != 4 || b.Dropped[originA] != 6 {
		t.Errorf("got %d lines, %d dropped; want 4, 6", len(b.Lines), b.Dropped[originA])
	}
}

func TestHubStatusCoalescing(t *testing.T) {
	st := func(o *Origin, s State) Status { return Status{Origin: o, State: s} }
	tests := []struct {
		name string
		in   []Status
		want []string
	}{
		{"latest wins", []Status{st(originA, StateConnecting), st(originA, StateLive)}, []string{"a=live"}},
		{"per origin", []Status{st(originA, StateConnecting), st(originB, StateConnecting), st(originA, StateLive)},
			[]string{"a=live", "b=connecting"}},
		{"failed is kept", []Status{st(originA, StateLive), st(originA, StateFailed), st(originA, StateConnecting), st(originA, StateLive)},
			[]string{"a=failed", "a=live"}},
		{"ended is kept", []Status{st(originA, StateEnded), st(originA, StateConnecting)},
			[]string{"a=ended", "a=connecting"}},
		{"failed twice", []Status{st(originA, StateFailed), st(originA, StateFailed)},
			[]string{"a=failed", "a=failed"}},
		{"reconnecting replaced by failed", []Status{st(originA, StateReconnecting), st(originA, StateFailed)},
			[]string{"a=failed"}},
		{"nil origin", []Status{st(nil, StateLive), st(nil, StateEnded)}, []string{"<nil>=ended"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub(HubOptions{})
			for _, s := range tt.in {
				h.Status(s)
			}
			b, ok := next(t, h)
			if !ok {
				t.Fatal("Next reported false")
			}
			var got []string
			for _, s := range b.Statuses {
				id := "<nil>"
				if s.Origin != nil {
					id = s.Origin.ID
				}
				got = append(got, id+"="+s.State.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
			// Coalescing state is reset by Next.
			h.Status(st(originA, StateLive))
			if b, _ := next(t, h); len(b.Statuses) != 1 {
				t.Errorf("second batch has %d statuses", len(b.Statuses))
			}
		})
	}
}

func TestHubBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(HubOptions{Capacity: 2, Policy: PolicyBlock})
		h.Lines(logLines(originA, "1", "2"))
		sent := false
		go func() {
			h.Lines(logLines(originA, "3"))
			sent = true
		}()
		synctest.Wait()
		if sent {
			t.Fatal("Lines did not block with Capacity lines pending")
		}
		b, _ := next(t, h)
		if got := lineTexts(b.Lines); !slices.Equal(got, []string{"a:1", "a:2"}) {
			t.Errorf("first batch %v", got)
		}
		synctest.Wait()
		if !sent {
			t.Fatal("Lines still blocked after Next")
		}
		b, _ = next(t, h)
		if got := lineTexts(b.Lines); !slices.Equal(got, []string{"a:3"}) {
			t.Errorf("second batch %v", got)
		}
	})
}

func TestHubCloseReleasesBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(HubOptions{Capacity: 1, Policy: PolicyBlock})
		h.Lines(logLines(originA, "1"))
		done := false
		go func() {
			h.Lines(logLines(originA, "2"))
			done = true
		}()
		synctest.Wait()
		h.Close()
		synctest.Wait()
		if !done {
			t.Fatal("Close did not release a blocked Lines")
		}
		b, ok := next(t, h)
		if !ok || !slices.Equal(lineTexts(b.Lines), []string{"a:1"}) {
			t.Errorf("after Close: %v %v", lineTexts(b.Lines), ok)
		}
		if _, ok := next(t, h); ok {
			t.Error("Next reported true on a closed, drained hub")
		}
		h.Lines(logLines(originA, "3")) // discarded, must not block or panic
		h.Status(Status{Origin: originA})
		h.Close()
	})
}

func TestHubNotBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(HubOptions{Policy: PolicyDropOldest})
		start := time.Now()
		notBefore := start.Add(16 * time.Millisecond)
		go func() {
			h.Lines(logLines(originA, "1"))
			time.Sleep(5 * time.Millisecond) // fake clock inside the bubble
			h.Lines(logLines(originA, "2"))
		}()
		b, ok := h.Next(context.Background(), notBefore)
		if !ok {
			t.Fatal("Next reported false")
		}
		if now := time.Now(); now.Before(notBefore) {
			t.Errorf("delivered at +%v, before notBefore", now.Sub(start))
		}
		if got := lineTexts(b.Lines); !slices.Equal(got, []string{"a:1", "a:2"}) {
			t.Errorf("lines %v: both sends should be in the one batch", got)
		}
		// With nothing pending, Next waits for lines, not for notBefore.
		go func() {
			time.Sleep(time.Second)
			h.Lines(logLines(originA, "3"))
		}()
		before := time.Now()
		b, _ = h.Next(context.Background(), before.Add(16*time.Millisecond))
		if waited := time.Since(before); waited != time.Second || len(b.Lines) != 1 {
			t.Errorf("waited %v for %d lines; want 1s, 1", waited, len(b.Lines))
		}
	})
}

func TestHubNextContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(HubOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		if _, ok := h.Next(ctx, time.Time{}); ok {
			t.Error("Next reported true with nothing pending and ctx done")
		}
		// Pending, but waiting for notBefore when ctx ends.
		h.Lines(logLines(originA, "1"))
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel2()
		if _, ok := h.Next(ctx2, time.Now().Add(time.Hour)); ok {
			t.Error("Next reported true after ctx ended during the notBefore wait")
		}
	})
}

func TestHubCloseDuringWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(HubOptions{})
		go func() {
			time.Sleep(time.Second)
			h.Close()
		}()
		if _, ok := h.Next(context.Background(), time.Time{}); ok {
			t.Error("Next reported true on a closed, empty hub")
		}
		// Close while waiting for notBefore delivers at once.
		h2 := NewHub(HubOptions{})
		h2.Lines(logLines(originA, "1"))
		go func() {
			time.Sleep(time.Second)
			h2.Close()
		}()
		start := time.Now()
		b, ok := h2.Next(context.Background(), start.Add(time.Hour))
		if !ok || len(b.Lines) != 1 || time.Since(start) != time.Second {
			t.Errorf("got %v, %d lines after %v", ok, len(b.Lines), time.Since(start))
		}
	})
}

// TestHubConcurrent runs many producers against one consumer (meant for -race) and
// checks that every source's order is kept and that nothing is lost unaccounted.
func TestHubConcurrent(t *testing.T) {
	for _, policy := range []Policy{PolicyBlock, PolicyDropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			const producers, batches, size = 8, 200, 16
			h := NewHub(HubOptions{Capacity: 100, Policy: policy})
			origins := make([]*Origin, producers)
			var wg sync.WaitGroup
			for p := range origins {
				origins[p] = &Origin{ID: strconv.Itoa(p)}
				wg.Go(func() {
					seq := 0
					for range batches {
						b := make([]Line, size)
						for i := range b {
							b[i] = Line{Origin: origins[p], Count: seq}
							seq++
						}
						h.Lines(b)
						h.Status(Status{Origin: origins[p], State: StateLive, Attempt: seq})
					}
					h.Status(Status{Origin: origins[p], State: StateEnded})
				})
			}
			go func() {
				wg.Wait()
				h.Close()
			}()
			last := map[*Origin]int{}
			got := map[*Origin]int{}
			dropped := map[*Origin]int{}
			ended := map[*Origin]bool{}
			for {
				b, ok := next(t, h)
				if !ok {
					break
				}
				if b.Empty() {
					t.Fatal("empty batch")
				}
				for _, l := range b.Lines {
					if prev, seen := last[l.Origin]; seen && l.Count <= prev {
						t.Fatalf("origin %s: line %d after %d", l.Origin.ID, l.Count, prev)
					}
					last[l.Origin] = l.Count
					got[l.Origin]++
				}
				for o, n := range b.Dropped {
					dropped[o] += n
				}
				for _, s := range b.Statuses {
					if ended[s.Origin] {
						t.Fatalf("origin %s: status after ended", s.Origin.ID)
					}
					ended[s.Origin] = s.State == StateEnded
				}
			}
			for _, o := range origins {
				if got[o]+dropped[o] != batches*size {
					t.Errorf("origin %s: %d delivered + %d dropped != %d", o.ID, got[o], dropped[o], batches*size)
				}
				if policy == PolicyBlock && dropped[o] != 0 {
					t.Errorf("origin %s: %d dropped under PolicyBlock", o.ID, dropped[o])
				}
				if !ended[o] {
					t.Errorf("origin %s: ended status lost", o.ID)
				}
			}
		})
	}
}

// BenchmarkHub measures lines/s through a Hub with 4 producers sending batches of 64
// and a consumer draining as fast as it can. One op is one line.
func BenchmarkHub(b *testing.B) {
	for _, policy := range []Policy{PolicyBlock, PolicyDropOldest} {
		b.Run(policy.String(), func(b *testing.B) {
			const producers, size = 4, 64
			h := NewHub(HubOptions{Capacity: 4096, Policy: policy})
			origins := make([]*Origin, producers)
			perProducer := b.N/(producers*size) + 1
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			for p := range origins {
				origins[p] = &Origin{ID: fmt.Sprint(p)}
				wg.Go(func() {
					for range perProducer {
						batch := make([]Line, size)
						for i := range batch {
							batch[i] = Line{Origin: origins[p], Text: "x"}
						}
						h.Lines(batch)
					}
				})
			}
			go func() {
				wg.Wait()
				h.Close()
			}()
			n := 0
			for {
				batch, ok := h.Next(context.Background(), time.Time{})
				if !ok {
					break
				}
				n += len(batch.Lines)
				for _, d := range batch.Dropped {
					n += d
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// TestHubSharedReady checks two hubs sharing one ready channel: a line into
// either signals it, Take drains each without waiting, and drop-oldest still
// counts what it drops.
func TestHubSharedReady(t *testing.T) {
	ready := make(chan struct{}, 1)
	a := NewHub(HubOptions{Capacity: 2, Policy: PolicyDropOldest, Ready: ready})
	b := NewHub(HubOptions{Capacity: 2, Policy: PolicyDropOldest, Ready: ready})
	if _, ok := a.Take(); ok {
		t.Fatal("Take on an empty hub reported a batch")
	}
	b.Lines(logLines(originB, "1", "2", "3"))
	select {
	case <-ready:
	default:
		t.Fatal("a line into b did not signal the shared ready channel")
	}
	if _, ok := a.Take(); ok {
		t.Error("a has nothing, yet Take reported a batch")
	}
	got, ok := b.Take()
	if !ok {
		t.Fatal("b holds lines, yet Take reported none")
	}
	if want := []string{"b:2", "b:3"}; !slices.Equal(lineTexts(got.Lines), want) {
		t.Errorf("lines %q, want %q", lineTexts(got.Lines), want)
	}
	if d := droppedByID(got.Dropped); d["b"] != 1 {
		t.Errorf("dropped %v, want b:1", d)
	}
	if _, ok := b.Take(); ok {
		t.Error("b was drained, yet Take reported a batch")
	}
}
