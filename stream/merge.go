package stream

import (
	"math"
	"time"
)

// DefaultMergeDelay is a reordering window that covers the usual spread between
// streams of one cluster without making a merged pane feel late.
const DefaultMergeDelay = 200 * time.Millisecond

// Merger interleaves lines from several origins by timestamp for a merged pane.
// Lines reach the UI in arrival order, batch by batch; the Merger holds each line
// for up to the delay and releases the lines that are due merged by time, so lines
// of different streams that arrive up to delay apart still come out in order.
//
// A line is due once its time is at least delay old, or once it has been held for
// delay (so that a source whose clock runs ahead cannot stall the pane). Releases
// never reorder: when a line is due, every line that sorts before it goes out too.
// Lines of one origin always keep their arrival order, even if their times go
// backwards; lines of different origins with equal times keep their arrival order.
//
// A line without a time (Time.IsZero, e.g. a marker) stays right after the line its
// origin sent before it and is released with it; if its origin has sent no timed
// line yet, it passes through at the next Release.
//
// The clock is the caller's: Add and Release take now. Call Release on every frame
// while Len() > 0. A Merger is not safe for concurrent use.
type Merger struct {
	delay  time.Duration
	queues map[*Origin]*mergeQueue
	heap   []*mergeQueue // the non-empty queues, by the key of their first line
	n      int           // lines held
	seq    uint64        // arrival counter, breaks ties between origins
	future int           // lines held whose time was ahead of the clock on arrival
	// one-entry cache for runs of lines of one origin
	lastOrigin *Origin
	lastQueue  *mergeQueue
}

// mergeQueue holds one origin's lines in arrival order.
type mergeQueue struct {
	lines  []held
	head   int   // index in lines of the first line held
	key    int64 // key of the last timed line added
	hasKey bool
	pos    int // index in Merger.heap, -1 when empty
}

type held struct {
	key     int64 // the line's time in Unix ns, or the one it inherits
	arrived int64 // clock at Add, Unix ns
	seq     uint64
	line    Line
}

// noKey sorts a line without a time and without an earlier line of its origin first.
const noKey = math.MinInt64

// NewMerger returns a Merger with the given reordering window; delay <= 0 means
// DefaultMergeDelay.
func NewMerger(delay time.Duration) *Merger {
	if delay <= 0 {
		delay = DefaultMergeDelay
	}
	return &Merger{delay: delay, queues: make(map[*Origin]*mergeQueue)}
}

// Delay returns the reordering window.
func (m *Merger) Delay() time.Duration { return m.delay }

// Len returns the number of lines held.
func (m *Merger) Len() int { return m.n }

// Add takes lines that arrived at now, in arrival order.
func (m *Merger) Add(lines []Line, now time.Time) {
	arrived := now.UnixNano()
	for _, l := range lines {
		q := m.lastQueue
		if l.Origin != m.lastOrigin || q == nil {
			q = m.queues[l.Origin]
			if q == nil {
				q = &mergeQueue{pos: -1}
				m.queues[l.Origin] = q
			}
			m.lastOrigin, m.lastQueue = l.Origin, q
		}
		key := int64(noKey)
		switch {
		case !l.Time.IsZero():
			key = l.Time.UnixNano()
			q.key, q.hasKey = key, true
		case q.hasKey:
			key = q.key
		}
		if key > arrived {
			m.future++
		}
		m.seq++
		q.lines = append(q.lines, held{key: key, arrived: arrived, seq: m.seq, line: l})
		m.n++
		if q.pos < 0 {
			q.pos = len(m.heap)
			m.heap = append(m.heap, q)
			m.up(q.pos)
		}
	}
}

// Release appends to dst the lines due at now, merged by time, and returns it.
func (m *Merger) Release(now time.Time, dst []Line) []Line {
	cutoff := now.Add(-m.delay).UnixNano()
	limit := cutoff
	if m.future > 0 {
		// Lines held for delay are due whatever their time; only lines whose time
		// was ahead of the clock can be later than cutoff. Arrival order within a
		// queue is clock order, so the lines held long enough lead each queue.
		for _, q := range m.heap {
			for _, h := range q.lines[q.head:] {
				if h.arrived > cutoff {
					break
				}
				limit = max(limit, h.key)
			}
		}
	}
	return m.take(limit, dst)
}

// Flush appends every line held to dst, merged by time, and returns it.
func (m *Merger) Flush(dst []Line) []Line {
	return m.take(math.MaxInt64, dst)
}

// take releases, in merged order, lines while the first one sorts at or before limit.
func (m *Merger) take(limit int64, dst []Line) []Line {
	for len(m.heap) > 0 {
		q := m.heap[0]
		h := &q.lines[q.head]
		if h.key > limit {
			break
		}
		dst = append(dst, h.line)
		if h.key > h.arrived {
			m.future--
		}
		*h = held{} // let go of the line
		q.head++
		m.n--
		if q.head == len(q.lines) {
			q.lines, q.head = q.lines[:0], 0
			m.remove()
			continue
		}
		if q.head >= 1024 && q.head*2 >= len(q.lines) {
			k := copy(q.lines, q.lines[q.head:])
			q.lines, q.head = q.lines[:k], 0
		}
		m.down(0)
	}
	return dst
}

// Forget drops what the Merger remembers of o, for an origin that has gone away.
// Lines of o still held are released as usual.
func (m *Merger) Forget(o *Origin) {
	q := m.queues[o]
	if q == nil {
		return
	}
	q.hasKey = false
	if q.pos < 0 {
		delete(m.queues, o)
		if m.lastOrigin == o {
			m.lastOrigin, m.lastQueue = nil, nil
		}
	}
}

// less orders queues by their first line: time, then arrival.
func (m *Merger) less(i, j int) bool {
	a, b := &m.heap[i].lines[m.heap[i].head], &m.heap[j].lines[m.heap[j].head]
	return a.key < b.key || a.key == b.key && a.seq < b.seq
}

func (m *Merger) swap(i, j int) {
	m.heap[i], m.heap[j] = m.heap[j], m.heap[i]
	m.heap[i].pos = i
	m.heap[j].pos = j
}

func (m *Merger) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !m.less(i, p) {
			return
		}
		m.swap(i, p)
		i = p
	}
}

func (m *Merger) down(i int) {
	n := len(m.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && m.less(r, l) {
			c = r
		}
		if !m.less(c, i) {
			return
		}
		m.swap(i, c)
		i = c
	}
}

// remove takes the empty queue at the top off the heap.
func (m *Merger) remove() {
	last := len(m.heap) - 1
	m.swap(0, last)
	m.heap[last].pos = -1
	m.heap[last] = nil
	m.heap = m.heap[:last]
	if last > 0 {
		m.down(0)
	}
}
