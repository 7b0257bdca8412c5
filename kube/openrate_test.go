package kube

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestStreamOpensArePaced: the streams of one client open StreamOpenBurst at
// once, then StreamOpenRate a second; another client has its own allowance.
func TestStreamOpensArePaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := &Client{}
		defer openLimits.Delete(c)
		var opened atomic.Int32
		const n = StreamOpenBurst + 20
		for range n {
			go func() {
				if waitOpen(ctx, c) == nil {
					opened.Add(1)
				}
			}()
		}
		synctest.Wait()
		if got := opened.Load(); got != StreamOpenBurst {
			t.Fatalf("%d streams opened at once, want the burst of %d", got, StreamOpenBurst)
		}
		other := &Client{}
		defer openLimits.Delete(other)
		if err := waitOpen(ctx, other); err != nil {
			t.Fatalf("another client waited: %v", err)
		}
		time.Sleep(10 * time.Second / StreamOpenRate) // the bubble's clock: ten more turns
		synctest.Wait()
		if got := opened.Load(); got != StreamOpenBurst+10 {
			t.Fatalf("%d streams opened after ten turns, want %d", got, StreamOpenBurst+10)
		}
		cancel()
		synctest.Wait()
		if got := opened.Load(); got != StreamOpenBurst+10 {
			t.Fatalf("%d streams opened after cancel, want %d", got, StreamOpenBurst+10)
		}
	})
}
