package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

type funcSource func(ctx context.Context, sink stream.Sink) error

func (f funcSource) Run(ctx context.Context, sink stream.Sink) error { return f(ctx, sink) }

// TestRunSources runs real sources into a real hub and checks what the UI
// gets for each way a source can end.
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
			hub := stream.NewHub(stream.HubOptions{Capacity: 100, Policy: stream.PolicyDropOldest})
			routes := &routeTable{}
			stop := runSources(ctx, 7, []stream.Source{c.src}, routes, hub, func() time.Time { return testNow })
			defer stop()
			var lines []stream.Line
			var statuses []stream.Status
			for len(statuses) == 0 {
				b, ok := hub.Next(ctx, time.Time{})
				if !ok {
					t.Fatal("hub closed")
				}
				lines = append(lines, b.Lines...)
				statuses = append(statuses, b.Statuses...)
			}
			last := statuses[len(statuses)-1]
			if last.State != c.wantState {
				t.Errorf("state %v, want %v", last.State, c.wantState)
			}
			if id, ok := routes.pane(last.Origin); !ok || id != 7 {
				t.Errorf("status not routed to pane 7")
			}
			l := lines[len(lines)-1]
			if l.Kind != c.wantKind || l.Text != c.wantText {
				t.Errorf("last line %v %q, want %v %q", l.Kind, l.Text, c.wantKind, c.wantText)
			}
		})
	}
}
