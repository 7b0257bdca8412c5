package stream

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRingPushFront checks front inserts against a slice model, with the ring
// wrapped at every offset, grown or not, full or not: the values held come out in
// order, the newest of what was put in front go in when there is not room for all,
// absolute indexes move up by what went in, and Dropped does not change.
func TestRingPushFront(t *testing.T) {
	for capacity := 1; capacity <= 7; capacity++ {
		for pushed := 0; pushed <= 2*capacity; pushed++ {
			for front := 0; front <= capacity+1; front++ {
				r := NewRing[int](capacity)
				var model []int
				for i := range pushed {
					r.Push(i)
					model = append(model, i)
					if len(model) > capacity {
						model = model[1:]
					}
				}
				dropped, first, total := r.Dropped(), r.First(), r.Total()
				vs := make([]int, front)
				for i := range vs {
					vs[i] = -front + i // older than anything pushed
				}
				k := r.PushFront(vs)
				want := min(front, capacity-len(model))
				if k != want {
					t.Fatalf("cap %d pushed %d front %d: PushFront = %d, want %d", capacity, pushed, front, k, want)
				}
				model = append(slices.Clone(vs[len(vs)-k:]), model...)
				if got := collect(r); !slices.Equal(got, model) {
					t.Fatalf("cap %d pushed %d front %d: holds %v, want %v", capacity, pushed, front, got, model)
				}
				if r.Dropped() != dropped || r.First() != first || r.Total() != total+int64(k) {
					t.Fatalf("cap %d pushed %d front %d: dropped %d first %d total %d, want %d %d %d",
						capacity, pushed, front, r.Dropped(), r.First(), r.Total(), dropped, first, total+int64(k))
				}
				for i, v := range model {
					if got, ok := r.Abs(first + int64(i)); !ok || got != v {
						t.Fatalf("cap %d pushed %d front %d: Abs(%d) = %d %v, want %d", capacity, pushed, front, first+int64(i), got, ok, v)
					}
				}
				// Pushing on afterwards drops the oldest again, the loaded ones first.
				r.Push(1000)
				model = append(model, 1000)
				if len(model) > capacity {
					model = model[1:]
				}
				if got := collect(r); !slices.Equal(got, model) {
					t.Fatalf("cap %d pushed %d front %d, then Push: holds %v, want %v", capacity, pushed, front, got, model)
				}
			}
		}
	}
}

// TestRingGrowThenPushFront grows a full, wrapped ring and fills the new room from
// the front, then checks that new values drop the oldest (the loaded ones) first.
func TestRingGrowThenPushFront(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		capacity := 1 + rng.IntN(9)
		r := NewRing[int](capacity)
		var model []int
		next := 0
		for range rng.IntN(3 * capacity) {
			r.Push(next)
			model = append(model, next)
			next++
			if len(model) > capacity {
				model = model[1:]
			}
		}
		grow := capacity + rng.IntN(9)
		r.Grow(grow)
		if r.Cap() != grow {
			t.Fatalf("Grow(%d): Cap %d", grow, r.Cap())
		}
		if got := collect(r); !slices.Equal(got, model) {
			t.Fatalf("after Grow: holds %v, want %v", got, model)
		}
		n := rng.IntN(12)
		vs := make([]int, n)
		for i := range vs {
			vs[i] = -100 - n + i
		}
		k := r.PushFront(vs)
		model = append(slices.Clone(vs[n-k:]), model...)
		for range rng.IntN(2 * grow) {
			r.Push(next)
			model = append(model, next)
			next++
			if len(model) > grow {
				model = model[1:]
			}
		}
		if got := collect(r); !slices.Equal(got, model) {
			t.Fatalf("cap %d grown to %d, %d in front: holds %v, want %v", capacity, grow, k, got, model)
		}
		if r.Total()-r.First() != int64(r.Len()) {
			t.Fatalf("Total %d - First %d != Len %d", r.Total(), r.First(), r.Len())
		}
	}
}

func collect(r *Ring[int]) []int {
	var out []int
	for _, v := range r.All() {
		out = append(out, v)
	}
	return out
}
