package stream

import (
	"hash/maphash"
	"slices"
	"sort"
	"time"
)

// histMax bounds how many distinct seconds PodResume remembers. Only a clock that
// steps back further than that (in distinct seconds with lines) makes a resume
// inexact.
const histMax = 64

// PodResume is the bookkeeping for resuming a container's log exactly after the
// stream broke. The kubelet honours sinceTime with second precision, inclusively,
// filtering line by line, so a reconnect with sinceTime = the second of the last
// line delivered sends again every delivered line of that second (and of any later
// second, if the clock stepped back) before the new ones. PodResume counts them, and
// Skip drops exactly those repeats and nothing else.
//
// Use: call Observe for every line delivered. On reconnect, ask with SinceTime, call
// Begin, then call Skip for each line received: drop it when Skip reports true,
// otherwise deliver it and call Observe. The zero PodResume is ready to use; it is
// not safe for concurrent use.
type PodResume struct {
	hist    []secCount // delivered lines per second, ascending; the newest histMax seconds
	last    int64      // second of the last timed line delivered
	has     bool       // a timed line was delivered
	latest  time.Time  // the latest time delivered
	first   time.Time  // the first time delivered: the opening second is delivered only from it on
	untimed bool       // a line without a time was delivered at or after second last
	anchor  time.Time  // where to resume while no timed line was delivered (zero: none)

	skipping  bool // after Begin, until the first new line
	left      int  // repeats still expected
	anomalies int
	short     bool
}

type secCount struct {
	sec int64
	n   int
}

// Observe records the delivery of a line with time t; the zero time means the line
// had none.
func (r *PodResume) Observe(t time.Time) {
	if t.IsZero() {
		r.untimed = true
		return
	}
	s := t.Unix()
	if !r.has {
		r.first = t
	}
	if r.has && s > r.last {
		r.untimed = false // the untimed lines belong to earlier seconds
	}
	r.last, r.has = s, true
	if t.After(r.latest) {
		r.latest = t
	}
	n := len(r.hist)
	switch {
	case n > 0 && r.hist[n-1].sec == s:
		r.hist[n-1].n++
	case n == 0 || r.hist[n-1].sec < s:
		if n == histMax {
			copy(r.hist, r.hist[1:])
			r.hist = r.hist[:n-1]
		}
		r.hist = append(r.hist, secCount{s, 1})
	default: // the clock stepped back
		i := sort.Search(n, func(i int) bool { return r.hist[i].sec >= s })
		switch {
		case r.hist[i].sec == s:
			r.hist[i].n++
		case n < histMax:
			r.hist = slices.Insert(r.hist, i, secCount{s, 1})
		case i > 0: // full: forget the oldest second to make room
			copy(r.hist, r.hist[1:i])
			r.hist[i-1] = secCount{s, 1}
		}
		// Older than anything remembered when full: Begin reports inexact.
	}
}

// SinceTime returns the sinceTime to reconnect with, the second of the last line
// delivered, or while none was, the second of the anchor. It reports false when no
// line with a time was delivered and there is no anchor (reconnect with the original
// options then).
func (r *PodResume) SinceTime() (time.Time, bool) {
	if !r.has {
		if r.anchor.IsZero() {
			return time.Time{}, false
		}
		return time.Unix(r.anchor.Unix(), 0).UTC(), true
	}
	return time.Unix(r.last, 0).UTC(), true
}

// Anchor sets where a resume starts while no line with a time has been delivered:
// the time, by the server's clock, from which the first request asked for lines (it
// opened with tailLines=0, or sinceSeconds), so that a break before the first line
// loses nothing written after it. Lines of the anchor's second written before it
// come too (sinceTime has second precision); nothing can be a repeat, as nothing was
// delivered.
func (r *PodResume) Anchor(t time.Time) { r.anchor = t }

// Anchored reports whether SinceTime is the anchor's: no timed line was delivered.
func (r *PodResume) Anchored() bool { return !r.has && !r.anchor.IsZero() }

// Begin arms Skip for a stream reconnected with SinceTime. It reports whether the
// resume can be exact: false when lines without a time were delivered where the
// repeats are counted (or only such lines were delivered), or when the clock
// stepped back further than PodResume remembers. The caller then shows a KindGap
// marker: lines may repeat or be missing.
func (r *PodResume) Begin() (exact bool) {
	r.skipping = r.has
	r.left = 0
	r.anomalies = 0
	r.short = false
	for _, h := range r.hist {
		if h.sec >= r.last {
			r.left += h.n
		}
	}
	lost := len(r.hist) == histMax && r.hist[0].sec > r.last
	return !r.untimed && !lost
}

// Skip reports whether a line received after Begin, with time t, repeats one that was
// delivered before the break, and must be dropped.
//
// It drops the first lines of the resumed second (and of later seconds), as many as
// were delivered. A line older than that second cannot be new here (the server was
// asked for nothing older): it is dropped and counted in Anomalies. A line later
// than anything delivered ends the repeats early, which means the log lost lines
// while the stream was down (rotation); Short then reports true. The first request
// may have started inside a second (tailLines, --tail 0, sinceSeconds): the lines of
// that second before the first one delivered were never asked for, come again on a
// resume from that second, and are dropped without counting as repeats. Lines without a time
// (the zero t) are never dropped. Once a line is new, Skip reports false for the rest
// of the stream.
func (r *PodResume) Skip(t time.Time) bool {
	if !r.skipping || t.IsZero() {
		return false
	}
	if t.Unix() < r.last {
		r.anomalies++
		return true
	}
	if r.left > 0 {
		if t.After(r.latest) {
			r.short = true
			r.skipping = false
			return false
		}
		if t.Before(r.first) && t.Unix() == r.first.Unix() {
			return true // before the first request's start, in its second: never delivered
		}
		r.left--
		return true
	}
	r.skipping = false
	return false
}

// Resuming reports whether Skip is still dropping repeats.
func (r *PodResume) Resuming() bool { return r.skipping }

// Anomalies returns how many lines since Begin were older than the resumed second.
func (r *PodResume) Anomalies() int { return r.anomalies }

// Short reports whether the repeats ended before all delivered lines of the resumed
// second came again: the log was rotated or truncated during the break, and lines
// may be missing. The caller shows a KindGap marker.
func (r *PodResume) Short() bool { return r.short }

// LokiResume is the bookkeeping for resuming a Loki tail exactly. Loki's start is
// inclusive with nanosecond precision, so resuming from the last timestamp delivered
// repeats the entries of that nanosecond, which may be many (clients that stamp with
// coarse clocks) and belong to several streams. LokiResume remembers a hash of
// (stream, line) for each entry delivered at the last timestamp, counting duplicates,
// and Skip drops exactly those repeats.
//
// Use: call Observe for every entry delivered, in the order delivered. On reconnect,
// resume from Start, call Begin, then call Skip for each entry received. The zero
// LokiResume is ready to use; it is not safe for concurrent use.
type LokiResume struct {
	last   int64 // latest timestamp delivered, Unix ns
	has    bool
	seen   map[uint64]int // entries delivered at last
	skip   map[uint64]int // repeats still expected, armed by Begin
	skipAt int64
	seed   maphash.Seed
}

func (r *LokiResume) key(stream, line string) uint64 {
	if r.seen == nil {
		r.seed = maphash.MakeSeed()
		r.seen = make(map[uint64]int)
	}
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(stream)
	h.WriteByte(0)
	h.WriteString(line)
	return h.Sum64()
}

// Observe records the delivery of an entry with timestamp ts (Unix ns) of the stream
// with the given identity (its canonical label string) and the raw line text. Entries
// older than the latest delivered do not move the resume point.
func (r *LokiResume) Observe(ts int64, stream, line string) {
	switch {
	case !r.has || ts > r.last:
		k := r.key(stream, line)
		r.last, r.has = ts, true
		clear(r.seen)
		r.seen[k] = 1
	case ts == r.last:
		r.seen[r.key(stream, line)]++
	}
}

// Start returns the start to resume from, the latest timestamp delivered in Unix ns,
// and reports false when nothing was delivered.
func (r *LokiResume) Start() (int64, bool) { return r.last, r.has }

// Begin arms Skip for a tail resumed from Start.
func (r *LokiResume) Begin() {
	if r.skip == nil {
		r.skip = make(map[uint64]int, len(r.seen))
	}
	clear(r.skip)
	for k, n := range r.seen {
		r.skip[k] = n
	}
	r.skipAt = r.last
}

// Skip reports whether an entry received after Begin repeats one delivered before the
// break, and must be dropped. Only entries at exactly the resume timestamp can; each
// delivered entry is dropped as many times as it was delivered.
func (r *LokiResume) Skip(ts int64, stream, line string) bool {
	if ts != r.skipAt || len(r.skip) == 0 {
		return false
	}
	k := r.key(stream, line)
	n := r.skip[k]
	if n == 0 {
		return false
	}
	if n == 1 {
		delete(r.skip, k)
	} else {
		r.skip[k] = n - 1
	}
	return true
}
