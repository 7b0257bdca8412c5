package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

// TestPodRefetcherReadsTheDroppedWindow: the refetcher reads the container named by
// the origin's labels (asking from the second of the earliest timestamp: sinceTime
// has second precision) and returns the lines from the earliest timestamp up to and
// including the latest, with their times; labels that name no pod, and a pod that is gone, are errors saying so.
func TestPodRefetcherReadsTheDroppedWindow(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "web-1", "app"))
	log := numbered("seq=", 1, 30, t0, 100*time.Millisecond)
	fa.setLog(appID, log, false)
	labels := map[string]string{"namespace": "namespace", "pod": "pod", "container": "container"}
	p := NewPodRefetcher(fa.client, labels, false)
	o := &stream.Origin{Fields: map[string]string{"namespace": "ns", "pod": "web-1", "container": "app"}}
	if !p.Names(o) || p.Names(&stream.Origin{Fields: map[string]string{"job": "x"}}) {
		t.Fatal("Names: want true for a pod's labels only")
	}
	// entries 15 and 17 dropped: 1.4 s and 1.6 s after t0 (the read asks from t0+1s).
	got, err := p.Refetch(context.Background(), o, []int64{log[16].t.UnixNano(), log[14].t.UnixNano()})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, l := range got {
		if l.Origin != o {
			t.Fatalf("line %q: origin not the one asked for", l.Text)
		}
		seqs = append(seqs, strings.Fields(l.Text)[1])
	}
	if s := strings.Join(seqs, " "); s != "00015 00016 00017" {
		t.Fatalf("got %s, want entries 15 to 17", s)
	}
	if !got[0].Time.Equal(log[14].t) {
		t.Fatalf("entry 15's time %v, want %v", got[0].Time, log[14].t)
	}

	if _, err := p.Refetch(context.Background(), &stream.Origin{Fields: map[string]string{"job": "x"}}, []int64{log[0].t.UnixNano()}); err == nil || !strings.Contains(err.Error(), "name no pod") {
		t.Fatalf("labels naming no pod: %v", err)
	}
	gone := &stream.Origin{Fields: map[string]string{"namespace": "ns", "pod": "web-2", "container": "app"}}
	if _, err := p.Refetch(context.Background(), gone, []int64{log[0].t.UnixNano()}); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("a pod that is gone: %v", err)
	}
}
