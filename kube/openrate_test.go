package kube

import (
	"context"
	"fmt"
	"sync"
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
		defer openers.Delete(c)
		var opened atomic.Int32
		const n = StreamOpenBurst + 20
		for range n {
			go func() {
				if waitOpen(ctx, c, nil) == nil {
					opened.Add(1)
				}
			}()
		}
		synctest.Wait()
		if got := opened.Load(); got != StreamOpenBurst {
			t.Fatalf("%d streams opened at once, want the burst of %d", got, StreamOpenBurst)
		}
		other := &Client{}
		defer openers.Delete(other)
		if err := waitOpen(ctx, other, nil); err != nil {
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

// TestStreamsOnScreenOpenFirst: with the burst spent and streams of hidden panes
// queued first, the next turns go to the streams on screen, including one whose
// pane came on screen while it waited; the hidden ones follow in order.
func TestStreamsOnScreenOpenFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := &Client{}
		defer openers.Delete(c)
		for range StreamOpenBurst {
			if err := waitOpen(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu    sync.Mutex
			order []string
		)
		open := func(name string, onScreen func() bool) {
			go func() {
				if waitOpen(ctx, c, onScreen) == nil {
					mu.Lock()
					order = append(order, name)
					mu.Unlock()
				}
			}()
			synctest.Wait() // queued in this order
		}
		hidden := func() bool { return false }
		var shown atomic.Bool
		open("hidden-1", hidden)
		open("hidden-2", hidden)
		open("later-shown", shown.Load)
		open("hidden-3", hidden)
		open("on-screen", func() bool { return true })
		shown.Store(true)
		time.Sleep(5 * time.Second / StreamOpenRate) // five turns
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		want := []string{"later-shown", "on-screen", "hidden-1", "hidden-2", "hidden-3"}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("opened in the order %v, want %v", order, want)
		}
	})
}
