package kube

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tailui/tailui/stream"
)

type statusSink struct{ got []stream.Status }

func (s *statusSink) Lines([]stream.Line)     {}
func (s *statusSink) Status(st stream.Status) { s.got = append(s.got, st) }

// TestRetryWait: the status says which attempt comes when and why, announce hears
// the same delay before the wait, and the wait ends early, false, when ctx does.
func TestRetryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &statusSink{}
		o := &stream.Origin{ID: "x"}
		r := Retry{Sink: sink, Origin: o, Delay: func(n int) time.Duration { return time.Duration(n) * time.Second }}
		var announced time.Duration
		start := time.Now()
		if !r.Wait(t.Context(), 3, "broken", func(d time.Duration) { announced = d }) {
			t.Fatal("Wait returned false with a live context")
		}
		end := time.Now()
		if announced != 3*time.Second {
			t.Errorf("announce got %v, want 3s", announced)
		}
		if len(sink.got) != 1 {
			t.Fatalf("statuses: %+v", sink.got)
		}
		st := sink.got[0]
		if st.Origin != o || st.State != stream.StateReconnecting || st.Attempt != 3 || st.Err != "broken" || !st.NextTry.Equal(start.Add(3*time.Second)) {
			t.Errorf("status %+v", st)
		}
		if end.Before(st.NextTry) {
			t.Errorf("Wait returned at %v, before the NextTry %v it announced", end, st.NextTry)
		}

		ctx, cancel := context.WithCancel(t.Context())
		go func() { time.Sleep(time.Second); cancel() }()
		if r.Wait(ctx, 10, "again", nil) {
			t.Error("Wait returned true although ctx ended first")
		}
		if next := sink.got[len(sink.got)-1].NextTry; !time.Now().Before(next) {
			t.Errorf("Wait on an ended ctx returned at %v, not before its NextTry %v", time.Now(), next)
		}
	})
}
