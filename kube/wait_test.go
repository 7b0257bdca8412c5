package kube

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// waitingStream returns a stream whose lookups return the pods of states in turn
// (the last one forever) and count themselves.
func waitingStream(states []*corev1.Pod, lookups *int) *ContainerStream {
	s := &ContainerStream{target: Target{Namespace: "ns", Pod: "p", Container: "app"}}
	s.lookup = func(context.Context, string, string) (*corev1.Pod, error) {
		i := min(*lookups, len(states)-1)
		*lookups++
		return states[i], nil
	}
	return s
}

func TestWaitForChange(t *testing.T) {
	waiting := runningPod("ns", "p", "app")
	waiting.Status.ContainerStatuses[0].ContainerID = ""
	waiting.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	started := runningPod("ns", "p", "app")
	finished := waiting.DeepCopy()
	finished.Status.Phase = corev1.PodFailed

	cases := []struct {
		name        string
		states      []*corev1.Pod
		watch       bool
		wantDone    bool
		wantLookups int
		wantElapsed time.Duration // on the bubble's clock
	}{
		// Without a watch it polls, doubling the interval up to 16 s.
		{name: "polls until the container starts", states: []*corev1.Pod{waiting, waiting, waiting, waiting, waiting, waiting, started},
			wantLookups: 7, wantElapsed: (1 + 2 + 4 + 8 + 16 + 16 + 16) * time.Second},
		{name: "pod deleted", states: []*corev1.Pod{waiting, nil}, wantDone: true, wantLookups: 2, wantElapsed: 3 * time.Second},
		{name: "pod finished before the container started", states: []*corev1.Pod{finished}, wantDone: true, wantLookups: 1, wantElapsed: time.Second},
		// With a watch it looks when told to, and every 30 s as a safety net.
		{name: "watch", states: []*corev1.Pod{waiting, started}, watch: true, wantLookups: 2, wantElapsed: 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				lookups := 0
				s := waitingStream(tc.states, &lookups)
				changed := make(chan struct{}, 1)
				if tc.watch {
					s.changed = changed
					changed <- struct{}{} // the watch saw a change at once
				}
				start := time.Now()
				st, done := s.waitForChange(context.Background(), stateOf(waiting, Regular, "app"))
				if done != tc.wantDone || lookups != tc.wantLookups {
					t.Errorf("done=%v after %d lookups, want done=%v after %d", done, lookups, tc.wantDone, tc.wantLookups)
				}
				if !done && (st.ID != appID || !st.Running) {
					t.Errorf("state %+v, want the started container", st)
				}
				if d := time.Since(start); d != tc.wantElapsed {
					t.Errorf("returned after %v of fake time, want %v", d, tc.wantElapsed)
				}
			})
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			lookups := 0
			s := waitingStream([]*corev1.Pod{waiting}, &lookups)
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			if _, done := s.waitForChange(ctx, stateOf(waiting, Regular, "app")); !done {
				t.Error("waitForChange did not give up when ctx ended")
			}
		})
	})
}
