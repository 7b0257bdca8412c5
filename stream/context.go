package stream

// Context keeps N lines of context around matching lines, per Origin, the way
// `grep -C N` does for one file: the N lines before a match and the N after it are
// kept too, overlapping groups merge, and a separator goes before each group of an
// Origin that does not follow on from that Origin's previous group. Markers are
// passed on as they come and do not count as lines. Memory is N lines per Origin.
//
// A Context is used by one goroutine.
type Context struct {
	n   int
	per map[*Origin]*ctxState
}

type ctxState struct {
	before []Line // ring of the last lines not passed on, at most n
	head   int    // index of the oldest in before once it is full
	after  int    // lines still to pass on after the last match
	seq    int64  // number of lines seen from this Origin
	last   int64  // seq of the last line passed on; 0: none yet
}

// NewContext returns a Context that keeps n lines before and after each match.
func NewContext(n int) *Context {
	return &Context{n: max(n, 0), per: map[*Origin]*ctxState{}}
}

// Add takes the next line and whether it matched, and calls emit for each line to
// pass on, in order; sep is true for the first line of a group that needs a
// separator ("--") before it.
func (c *Context) Add(l Line, matched bool, emit func(l Line, sep bool)) {
	if l.Kind != KindLog {
		emit(l, false)
		return
	}
	s := c.per[l.Origin]
	if s == nil {
		s = &ctxState{}
		if c.n > 0 {
			s.before = make([]Line, 0, c.n)
		}
		c.per[l.Origin] = s
	}
	s.seq++
	if !matched {
		if s.after > 0 {
			s.after--
			s.last = s.seq
			emit(l, false)
			return
		}
		if c.n == 0 {
			return
		}
		if len(s.before) < c.n {
			s.before = append(s.before, l)
		} else {
			s.before[s.head] = l
			s.head = (s.head + 1) % c.n
		}
		return
	}
	// A match: the lines kept before it, then the line itself.
	first := s.seq - int64(len(s.before))
	sep := s.last != 0 && first > s.last+1
	for i := range s.before {
		emit(s.before[(s.head+i)%len(s.before)], sep)
		sep = false
	}
	clear(s.before)
	s.before, s.head = s.before[:0], 0
	emit(l, sep)
	s.last = s.seq
	s.after = c.n
}
