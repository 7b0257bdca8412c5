package ui

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tailui/tailui/stream"
)

type funcSource func(ctx context.Context, sink stream.Sink) error

func (f funcSource) Run(ctx context.Context, sink stream.Sink) error { return f(ctx, sink) }

// TestRunSources runs real sources into a pane's real hub and checks what the
// UI gets for each way a source can end, and that the batch says its pane.
func TestRunSources(t *testing.T) {
	o := &stream.Origin{ID: "o", Name: "o"}
	cases := []struct {
		name      string
		src       funcSource
		wantState stream.State
		wantKind  stream.Kind
		wantText  string
	}{
		{"fails", func(ctx context.Context, s stream.Sink) error {
			s.Lines([]stream.Line{{Origin: o, Text: "hello"}})
			return errors.New(`pods "x" is forbidden`)
		}, stream.StateFailed, stream.KindError, `pods "x" is forbidden`},
		{"panics", func(ctx context.Context, s stream.Sink) error { panic("boom") }, stream.StateFailed, stream.KindError, "source panicked: boom"},
		{"ends silently", func(ctx context.Context, s stream.Sink) error { return nil }, stream.StateEnded, stream.KindEnded, "ended"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hubs := newPaneHubs(100)
			p := &pane{id: 7}
			stop := runSources(ctx, 7, []stream.Source{c.src}, hubs.add(p), func() time.Time { return testNow })
			defer stop()
			var lines []stream.Line
			var statuses []stream.Status
			routed := true
			for len(statuses) == 0 {
				bs, ok := hubs.next(ctx, time.Time{})
				if !ok {
					t.Fatal("hubs closed")
				}
				for _, pb := range bs {
					routed = routed && pb.p == p
					lines = append(lines, pb.b.Lines...)
					statuses = append(statuses, pb.b.Statuses...)
				}
			}
			last := statuses[len(statuses)-1]
			if last.State != c.wantState {
				t.Errorf("state %v, want %v", last.State, c.wantState)
			}
			if !routed {
				t.Errorf("batch not routed to pane 7")
			}
			l := lines[len(lines)-1]
			if l.Kind != c.wantKind || l.Text != c.wantText {
				t.Errorf("last line %v %q, want %v %q", l.Kind, l.Text, c.wantKind, c.wantText)
			}
		})
	}
}

// TestPaneHubs checks that each pane's lines come out in a batch for that pane,
// bounded per pane with the oldest dropped and counted, and that a removed
// pane's hub takes nothing more.
func TestPaneHubs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hubs := newPaneHubs(3)
		p1, p2 := &pane{id: 1}, &pane{id: 2}
		h1, h2 := hubs.add(p1), hubs.add(p2)
		o1, o2 := &stream.Origin{ID: "o1"}, &stream.Origin{ID: "o2"}
		var got []paneBatch
		done := make(chan struct{})
		go func() {
			defer close(done)
			got, _ = hubs.next(t.Context(), time.Now().Add(time.Second))
		}()
		synctest.Wait()
		h1.Lines(logLines(o1, 5, "a %d"))
		h2.Lines(logLines(o2, 1, "b %d"))
		<-done
		if len(got) != 2 || got[0].p != p1 || got[1].p != p2 {
			t.Fatalf("got %d batches (%v), want one for p1 then one for p2", len(got), got)
		}
		var texts []string
		for _, l := range got[0].b.Lines {
			texts = append(texts, l.Text)
		}
		if want := []string{"a 2", "a 3", "a 4"}; !slices.Equal(texts, want) {
			t.Errorf("p1 lines %q, want %q", texts, want)
		}
		if n := got[0].b.Dropped[o1]; n != 2 || len(got[0].b.Dropped) != 1 {
			t.Errorf("p1 dropped %v, want o1:2", got[0].b.Dropped)
		}
		if len(got[1].b.Lines) != 1 || got[1].b.Dropped != nil {
			t.Errorf("p2 batch %+v, want its one line and no drops", got[1].b)
		}
		hubs.remove(p1)
		h1.Lines(logLines(o1, 1, "late %d"))
		if bs := hubs.take(); bs != nil {
			t.Errorf("after remove, take = %v, want nothing", bs)
		}
	})
}
