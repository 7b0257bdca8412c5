package loki

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

// TestLokiTailRefetchesDroppedEntriesFromThePod: Loki drops four entries of a pod's
// stream; three are still in the pod's log and come back from it, in place of the
// marker, marked as from the pod, each once (nothing else of the pod's log, though
// the read starts at the second of the first); the fourth stays a dropped marker
// counting 1. A stream whose labels name no pod keeps its marker as it was.
func TestLokiTailRefetchesDroppedEntriesFromThePod(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	log := make([]stream.Line, 20)
	for i := range log {
		log[i] = stream.Line{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond), Text: fmt.Sprintf("seq= %05d ünï", i+1)}
	}
	podLabels := map[string]string{"namespace": "ns", "pod": "web-1", "container": "app"}
	at := func(i int) int64 { return log[i-1].Time.UnixNano() }
	f := newFakeLoki(t, func(n int) tailPlan {
		if n > 1 {
			return tailPlan{closeAfter: -1}
		}
		return tailPlan{closeAfter: -1,
			dropped:   []map[string]string{podLabels, podLabels, podLabels, podLabels, {"job": "x"}},
			droppedAt: []int64{at(5), at(6), at(7), t0.Add(time.Hour).UnixNano(), at(8)}}
	})
	f.add(fakeEntry{t0.Add(-time.Second).UnixNano(), "one"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	sink := newRecSink()
	opts := fastTail(`{namespace="ns"}`)
	opts.Refetch = &fakeRefetcher{log: log}
	err := runTail(t, urlLoki(t, srv).Tail(opts), sink, func() {
		sink.waitFor(t, "a line", hasLog("one"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range sink.snapshot() {
		if l.Origin == nil || l.Origin.Fields["pod"] != "web-1" && l.Origin.Fields["job"] != "x" {
			continue
		}
		switch {
		case l.Kind == stream.KindLog && l.Filled == stream.FilledFromPod:
			got = append(got, "*"+strings.Fields(l.Text)[1]) // "seq= 00005 ..."
		case l.Kind == stream.KindLog:
			got = append(got, l.Text)
		case l.Kind == stream.KindDropped && l.Origin.Fields["job"] == "x":
			got = append(got, "[dropped x]")
			if strings.Contains(l.Text, "pod") {
				t.Errorf("the marker of a stream whose labels name no pod speaks of pods: %q", l.Text)
			}
		case l.Kind == stream.KindDropped:
			got = append(got, "[dropped "+string(rune('0'+l.Count))+"]")
			if !strings.Contains(l.Text, "1 dropped entry still missing") {
				t.Errorf("the marker of what the pod no longer has: %q", l.Text)
			}
		default:
			got = append(got, "["+l.Kind.String()+"]")
		}
	}
	// Map order decides which stream's marker comes first.
	want1 := "[fill] *00005 *00006 *00007 [fill] [dropped 1] [dropped x]"
	want2 := "[dropped x] [fill] *00005 *00006 *00007 [fill] [dropped 1]"
	if s := strings.Join(got, " "); s != want1 && s != want2 {
		t.Fatalf("got %s\nwant %s", s, want1)
	}
}

// fakeRefetcher answers as kube.PodRefetcher does (its own test reads a pod through
// the fake API server): the lines of a pod named by the labels namespace, pod and
// container, from the earliest timestamp until the latest.
type fakeRefetcher struct{ log []stream.Line }

func (f *fakeRefetcher) Names(o *stream.Origin) bool {
	return o.Fields["namespace"] != "" && o.Fields["pod"] != "" && o.Fields["container"] != ""
}

func (f *fakeRefetcher) Refetch(_ context.Context, o *stream.Origin, at []int64) ([]stream.Line, error) {
	lo, hi := at[0], at[0]
	for _, ts := range at {
		lo, hi = min(lo, ts), max(hi, ts)
	}
	var out []stream.Line
	for _, l := range f.log {
		if ns := l.Time.UnixNano(); ns >= lo && ns <= hi {
			l.Origin = o
			out = append(out, l)
		}
	}
	return out, nil
}
