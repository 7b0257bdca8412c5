package kube

import (
	"context"
	"math"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tailui/tailui/stream"
)

// Retry is the step every reconnecting loop shares (a pod's log, the follower's
// start, a Loki tail): say on the sink that attempt n comes after a backoff, then
// wait it out.
type Retry struct {
	Sink   stream.Sink
	Origin *stream.Origin
	// Delay is the wait before attempt n (from 1); nil means backoff: from 250 ms
	// doubling to 30 s, ±50% jitter.
	Delay func(attempt int) time.Duration
	// Now is the clock of the statuses; nil means time.Now.
	Now func() time.Time
}

// Wait reports attempt as reconnecting because of why (a StateReconnecting status
// with its NextTry), calls announce with the delay when it is not nil (for a
// marker), and waits the delay. It returns false when ctx ended first.
func (r Retry) Wait(ctx context.Context, attempt int, why string, announce func(delay time.Duration)) bool {
	delay, now := r.Delay, r.Now
	if delay == nil {
		delay = backoff
	}
	if now == nil {
		now = time.Now
	}
	d := delay(attempt)
	r.Sink.Status(stream.Status{Origin: r.Origin, State: stream.StateReconnecting, Attempt: attempt,
		NextTry: now().Add(d), Err: why, At: now()})
	if announce != nil {
		announce(d)
	}
	return sleepCtx(ctx, d)
}

// sleepCtx waits d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// maxBackoff is the longest wait between attempts.
const maxBackoff = 30 * time.Second

// backoff is the wait before reconnect attempt n (from 1): wait.Backoff's
// exponential steps from 250 ms to 30 s, with ±50% jitter (wait.Jitter of half the
// step), so many streams broken at once do not return in lockstep.
func backoff(n int) time.Duration {
	b := wait.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Cap: maxBackoff, Steps: math.MaxInt32}
	var d time.Duration
	for range max(n, 1) {
		if b.Steps == 0 { // capped: every further step is the cap
			d = b.Duration
			break
		}
		d = b.Step()
	}
	return wait.Jitter(d/2, 2)
}
