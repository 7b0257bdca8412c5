package kube

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

// TestReadOlder reads a container's last lines once, over every transport: one
// request, tailLines and timestamps, no follow; the lines carry the origin given
// and their times. A pod that is gone is said to be gone.
func TestReadOlder(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.String(), func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			entries := numbered("l", 0, 100, t0, time.Millisecond)
			fa.setLog(appID, entries, false)
			tg := Target{Namespace: "ns", Pod: "p", Container: "app", PodUID: "uid-p"}
			o := OriginFor(tg)
			ctx := context.Background()
			lines, err := readOlder(ctx, fa.client, tg, LogOptions{Follow: true, Transport: tr}, o, 30)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, l := range lines {
				if l.Origin != o || !l.Time.Equal(entries[70+i].t) || l.Kind != stream.KindLog {
					t.Fatalf("line %d: %+v, want origin %p at %v", i, l, o, entries[70+i].t)
				}
				got = append(got, l.Text)
			}
			if want := texts(entries[70:]); !slices.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
			reqs := fa.requests()
			if len(reqs) != 1 || reqs[0].follow || reqs[0].tailLines != "30" || !reqs[0].timestamps || reqs[0].sinceTime != "" {
				t.Fatalf("requests %+v: want one, tailLines=30 with timestamps, no follow", reqs)
			}
			fa.deletePod("ns", "p")
			if _, err := readOlder(ctx, fa.client, tg, LogOptions{Transport: tr}, o, 30); err == nil || !strings.Contains(err.Error(), `pod "p" is gone`) {
				t.Fatalf("pod gone: err %v", err)
			}
		})
	}
}

// TestOlderIndex: a container is offered older lines when its first read was
// bounded: --tail or --since on a container there at start, or the pane's cap.
func TestOlderIndex(t *testing.T) {
	tg := Target{Namespace: "ns", Pod: "p", Container: "app"}
	for _, c := range []struct {
		name  string
		fresh bool
		opts  LogOptions
		want  bool
	}{
		{"--tail", false, LogOptions{TailLines: 10}, true},
		{"--since", false, LogOptions{TailLines: -1, Since: time.Minute}, true},
		{"whole log", false, LogOptions{TailLines: -1}, false},
		{"fresh, plain", true, LogOptions{TailLines: 10}, false},
		{"fresh, pane cap", true, LogOptions{TailLines: 10, MaxHistory: 100}, true},
		{"--previous", false, LogOptions{TailLines: 10, Previous: true}, false},
	} {
		f := &Follower{}
		cs := NewContainerStream(nil, tg, c.opts, OriginFor(tg))
		cs.fresh = c.fresh
		f.older.add(cs)
		if got := f.MayHaveOlder(cs.origin); got != c.want {
			t.Errorf("%s: MayHaveOlder %v, want %v", c.name, got, c.want)
		}
		if f.MayHaveOlder(&stream.Origin{ID: cs.origin.ID}) {
			t.Errorf("%s: offered for another origin of the same ID", c.name)
		}
	}
	if _, err := (&Follower{}).ReadOlder(context.Background(), OriginFor(tg), 5); err == nil {
		t.Error("ReadOlder of an unknown origin: no error")
	}
}
