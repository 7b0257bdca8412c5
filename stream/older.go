package stream

import (
	"slices"
	"time"
)

// LinesBefore picks, from read (the last lines of one origin's log, read once, in
// the log's order), exactly the lines that come before the first line a view holds
// of that origin: a line with time first, of which the view holds sameTime lines
// (that one and the later ones of the same timestamp, to the nanosecond). As
// PodResume does on a resume, it matches by timestamp and, within a timestamp, by
// count: the view's first line is the sameTime-th line from the end of those in
// read with that timestamp, and the lines before it in read are returned, none
// repeated, none left out, however many share a second or a nanosecond.
//
// found reports whether read reaches the view's first line; when it does not (the
// log was rotated past it, or grew by more than was read), before is nil. It is
// exact when the view holds every line of the origin from its first one on: lines
// of the same timestamp still on their way to the view would be counted as older.
func LinesBefore(read []Line, first time.Time, sameTime int) (before []Line, found bool) {
	if sameTime < 1 || first.IsZero() {
		return nil, false
	}
	at := first.UnixNano()
	n := 0
	for i := range read {
		if read[i].Kind == KindLog && !read[i].Time.IsZero() && read[i].Time.UnixNano() == at {
			n++
		}
	}
	if n < sameTime {
		return nil, false
	}
	skip := n - sameTime // lines of that timestamp before the view's first
	for i := range read {
		if read[i].Kind != KindLog || read[i].Time.IsZero() || read[i].Time.UnixNano() != at {
			continue
		}
		if skip == 0 {
			return read[:i], true
		}
		skip--
	}
	return nil, false // not reached: n >= sameTime
}

// MergeOlder interleaves the older lines of several origins by time, each origin's
// lines kept in their own order: a stable merge, ties going to the origin given
// first. A line without a time stays after the line before it in its own log.
func MergeOlder(per [][]Line) []Line {
	total := 0
	for _, ls := range per {
		total += len(ls)
	}
	out := make([]Line, 0, total)
	idx := make([]int, len(per))
	last := make([]time.Time, len(per)) // the time an untimed line is merged at
	for len(out) < total {
		best := -1
		var bt time.Time
		for o, ls := range per {
			i := idx[o]
			if i == len(ls) {
				continue
			}
			t := ls[i].Time
			if t.IsZero() {
				t = last[o]
			}
			if best < 0 || t.Before(bt) {
				best, bt = o, t
			}
		}
		l := per[best][idx[best]]
		if !l.Time.IsZero() {
			last[best] = l.Time
		}
		out = append(out, l)
		idx[best]++
	}
	return slices.Clip(out)
}
