package stream

import "iter"

// Ring is a bounded FIFO that keeps the newest Cap values: pushing onto a full Ring
// drops the oldest. Every value ever pushed has an absolute index (0 for the first,
// counting on across drops and Reset), so a view can hold a position while old values
// fall off: the value at absolute index a is At(a - First()) while a >= First().
//
// A Ring is not safe for concurrent use.
type Ring[T any] struct {
	buf   []T
	head  int   // position in buf of the oldest value
	n     int   // values held
	total int64 // values ever pushed
	first int64 // absolute index of the oldest value held
	// cleared counts values discarded by Reset, to tell them from dropped ones.
	cleared int64
}

// NewRing returns an empty Ring that holds at most capacity values. It panics if
// capacity < 1.
func NewRing[T any](capacity int) *Ring[T] {
	if capacity < 1 {
		panic("stream: ring capacity must be positive")
	}
	return &Ring[T]{buf: make([]T, capacity)}
}

// Cap returns the most values r holds.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// Len returns the number of values r holds.
func (r *Ring[T]) Len() int { return r.n }

// Total returns the number of values ever pushed.
func (r *Ring[T]) Total() int64 { return r.total }

// First returns the absolute index of At(0); Total() when r is empty.
func (r *Ring[T]) First() int64 { return r.first }

// Dropped returns how many values fell off because r was full (values discarded by
// Reset are not counted).
func (r *Ring[T]) Dropped() int64 { return r.first - r.cleared }

// Push appends v, dropping the oldest value when r is full.
func (r *Ring[T]) Push(v T) {
	r.total++
	if r.n < len(r.buf) {
		r.buf[r.pos(r.n)] = v
		r.n++
		return
	}
	r.buf[r.head] = v
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.first++
}

// PushSlice appends vs in order, as repeated Push would, in at most a few copies.
func (r *Ring[T]) PushSlice(vs []T) {
	c := len(r.buf)
	r.total += int64(len(vs))
	if len(vs) >= c {
		// Only the last c values survive; everything held before falls off.
		r.first = r.total - int64(c)
		copy(r.buf, vs[len(vs)-c:])
		r.head, r.n = 0, c
		return
	}
	// Write at the tail, wrapping once at most.
	tail := r.pos(r.n)
	k := copy(r.buf[tail:], vs)
	copy(r.buf, vs[k:])
	if r.n+len(vs) <= c {
		r.n += len(vs)
		return
	}
	over := r.n + len(vs) - c
	r.n = c
	r.head = (r.head + over) % c
	r.first += int64(over)
}

// At returns the i-th value held, 0 being the oldest. It panics if i is out of range.
func (r *Ring[T]) At(i int) T {
	if i < 0 || i >= r.n {
		panic("stream: ring index out of range")
	}
	return r.buf[r.pos(i)]
}

// Abs returns the value at absolute index a and reports whether r still holds it.
func (r *Ring[T]) Abs(a int64) (T, bool) {
	if a < r.first || a >= r.first+int64(r.n) {
		var zero T
		return zero, false
	}
	return r.buf[r.pos(int(a-r.first))], true
}

// Ptr returns a pointer to the value at absolute index a, or nil when r no longer
// holds it: a look without a copy. The pointer is valid until the next Push,
// PushSlice or Reset.
func (r *Ring[T]) Ptr(a int64) *T {
	if a < r.first || a >= r.first+int64(r.n) {
		return nil
	}
	return &r.buf[r.pos(int(a-r.first))]
}

// All iterates over the values held, oldest first, with their absolute indexes.
// Pushing while iterating is not allowed.
func (r *Ring[T]) All() iter.Seq2[int64, T] {
	return func(yield func(int64, T) bool) {
		for i := 0; i < r.n; i++ {
			if !yield(r.first+int64(i), r.buf[r.pos(i)]) {
				return
			}
		}
	}
}

// Reset empties r. Absolute indexes continue from Total(), so positions held by a
// view fall out of range instead of pointing at new values.
func (r *Ring[T]) Reset() {
	clear(r.buf) // let go of what the values point to
	r.cleared += int64(r.n)
	r.first += int64(r.n)
	r.head, r.n = 0, 0
}

func (r *Ring[T]) pos(i int) int {
	p := r.head + i
	if p >= len(r.buf) {
		p -= len(r.buf)
	}
	return p
}

// Grow raises the most values r holds to capacity, keeping what it holds and every
// absolute index; a capacity at or below Cap changes nothing.
func (r *Ring[T]) Grow(capacity int) {
	if capacity <= len(r.buf) {
		return
	}
	buf := make([]T, capacity)
	for i := 0; i < r.n; i++ {
		buf[i] = r.buf[r.pos(i)]
	}
	r.buf, r.head = buf, 0
}

// PushFront puts vs, oldest first, before the oldest value held: lines loaded from
// further back than what r was given first. Only free room is used: when vs does not
// fit, its newest values (those next to what r holds) go in and the rest are left
// out; the values held are never dropped for them. It returns how many went in.
//
// Absolute indexes are renumbered: the first value of vs that went in takes First(),
// and every value held before moves up by the count returned (Total grows by it too,
// Dropped is unchanged). A view that holds positions must shift them by as much.
func (r *Ring[T]) PushFront(vs []T) int {
	k := min(len(vs), len(r.buf)-r.n)
	if k <= 0 {
		return 0
	}
	vs = vs[len(vs)-k:]
	r.head -= k
	if r.head < 0 {
		r.head += len(r.buf)
	}
	// Write at the new head, wrapping once at most.
	c := copy(r.buf[r.head:], vs)
	copy(r.buf, vs[c:])
	r.n += k
	r.total += int64(k)
	return k
}
