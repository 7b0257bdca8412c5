package stream

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// logOf builds a log of one origin: times[i] in nanoseconds after a base second.
func logOf(o *Origin, name string, ns ...int64) []Line {
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	out := make([]Line, len(ns))
	for i, n := range ns {
		out[i] = Line{Origin: o, Time: base.Add(time.Duration(n)), Text: fmt.Sprintf("%s-%d", name, i)}
	}
	return out
}

func olderTexts(ls []Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Text
	}
	return out
}

// TestLinesBefore holds a view of the last lines of a log whose lines share seconds
// and nanoseconds, reads the log's tail again (longer, as a load of older lines
// does), and checks that LinesBefore returns exactly the lines before the view's
// first: for every place the view may start, and every length of the second read.
func TestLinesBefore(t *testing.T) {
	o := &Origin{ID: "ns/pod/c"}
	// Three lines in one nanosecond, two in another of the same second, a line
	// alone, then five lines in one nanosecond again.
	log := logOf(o, "l", 1, 5, 5, 5, 9, 9, 1e8, 7e8, 7e8, 7e8, 7e8, 7e8, 2e9, 2e9)
	for first := 1; first < len(log); first++ { // the view holds log[first:]
		held := log[first:]
		sameTime := 0
		for _, l := range held {
			if l.Time.Equal(held[0].Time) {
				sameTime++
			}
		}
		for from := 0; from <= first; from++ { // the second read is log[from:]
			before, found := LinesBefore(log[from:], held[0].Time, sameTime)
			if !found {
				t.Fatalf("view from %d, read from %d: first line not found", first, from)
			}
			if want := olderTexts(log[from:first]); !slices.Equal(olderTexts(before), want) {
				t.Fatalf("view from %d, read from %d: got %v, want %v", first, from, olderTexts(before), want)
			}
		}
		// A read that starts after the view's first line (rotated, or the log grew
		// past it) does not reach it: nothing is taken.
		if before, found := LinesBefore(log[first+sameTime:], held[0].Time, sameTime); found || before != nil {
			t.Fatalf("view from %d, read from after it: found %v, %v", first, found, olderTexts(before))
		}
	}
	// Markers in the read (a "stream opened" note) are passed over when counting.
	read := append([]Line{{Origin: o, Kind: KindInfo, Time: log[3].Time}}, log[2:]...)
	before, found := LinesBefore(read, log[3].Time, 1)
	if !found || !slices.Equal(olderTexts(before[1:]), olderTexts(log[2:3])) {
		t.Fatalf("with a marker: %v %v", found, olderTexts(before))
	}
}

// TestMergeOlder merges the older lines of three containers, with times shared
// within and across containers, and checks each container's order is kept and the
// result is in time order.
func TestMergeOlder(t *testing.T) {
	a := logOf(&Origin{ID: "a"}, "a", 1, 5, 5, 5, 9)
	b := logOf(&Origin{ID: "b"}, "b", 5, 5, 6)
	c := logOf(&Origin{ID: "c"}, "c", 0, 9, 9)
	c = append(c, Line{Origin: c[0].Origin, Text: "c-untimed"}) // after c-2 in its log
	got := olderTexts(MergeOlder([][]Line{a, b, c}))
	want := []string{"c-0", "a-0", "a-1", "a-2", "a-3", "b-0", "b-1", "b-2", "a-4", "c-1", "c-2", "c-untimed"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if got := MergeOlder(nil); len(got) != 0 {
		t.Fatalf("nothing: %v", got)
	}
}
