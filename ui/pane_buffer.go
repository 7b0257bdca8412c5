package ui

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/tailui/tailui/stream"
)

// entry is one line in a pane's buffer, with what is measured once when it
// arrives so that drawing never measures it again. It is 64 bytes (the
// stream.Line it comes from is 64 alone): the time is kept as Unix nanoseconds
// and the text a line is drawn and searched with is kept only when it differs
// from the line's own (BenchmarkBytesPerLine).
type entry struct {
	origin *stream.Origin
	ts     int64 // Line.Time in Unix nanoseconds; noTime when the source gave none
	// src is Line.Text. alt holds what is drawn and searched when that differs:
	// with tabs expanded (entTabs) and without SGR sequences (entSGR: the source
	// kept the line's own colours); with both, the drawn text then the plain one,
	// cut at aux.
	src, alt string
	// aux is Line.Count for a marker; for a log line with tabs and SGR both, the
	// length of the drawn text in alt.
	aux              int32
	width            int32  // display width of the drawn text in cells
	lvlStart, lvlEnd uint16 // byte span of the level token in plain (0, 0: none)
	kind             stream.Kind
	lvl              level
	flags            uint8
	filled           stream.Filled // Line.Filled: spliced in from another source
}

// Entry flags.
const (
	entTabs uint8 = 1 << iota // alt has the tabs of src expanded
	entSGR                    // src has SGR sequences; alt has them stripped
)

// noTime stands for the zero time.Time in entry.ts.
const noTime = math.MinInt64

// tabWidth is the distance between tab stops when expanding tabs.
const tabWidth = 8

func newEntry(l stream.Line) entry {
	e := entry{origin: l.Origin, ts: noTime, src: l.Text, kind: l.Kind, filled: l.Filled}
	if !l.Time.IsZero() {
		e.ts = l.Time.UnixNano()
	}
	if l.Kind != stream.KindLog {
		e.aux = int32(min(l.Count, math.MaxInt32))
	}
	text := l.Text
	if strings.IndexByte(text, '\t') >= 0 {
		text = expandTabs(text)
		e.flags |= entTabs
	}
	plain := text
	if strings.IndexByte(text, '\x1b') >= 0 {
		plain = ansi.Strip(text)
		e.flags |= entSGR
	}
	switch e.flags {
	case entTabs:
		e.alt = text
	case entSGR:
		e.alt = plain
	case entTabs | entSGR:
		e.alt, e.aux = text+plain, int32(len(text))
	}
	e.width = int32(measure(plain))
	if l.Kind == stream.KindLog {
		lv, a, b := detectLevel(plain)
		e.lvl = lv
		if b <= math.MaxUint16 {
			e.lvlStart, e.lvlEnd = uint16(a), uint16(b)
		}
	}
	return e
}

// text is what is drawn: the line's text with tabs expanded; it holds SGR
// sequences only when the source kept the line's own colours.
func (e *entry) text() string {
	switch e.flags {
	case entTabs:
		return e.alt
	case entTabs | entSGR:
		return e.alt[:e.aux]
	}
	return e.src
}

// plain is text without SGR sequences (the same string when there are none):
// what search, filters and level detection look at.
func (e *entry) plain() string {
	switch e.flags {
	case entTabs, entSGR:
		return e.alt
	case entTabs | entSGR:
		return e.alt[e.aux:]
	}
	return e.src
}

// time returns the line's time; zero when the source gave none.
func (e *entry) time() time.Time {
	if e.ts == noTime {
		return time.Time{}
	}
	return time.Unix(0, e.ts).UTC()
}

// count returns a marker's Line.Count.
func (e *entry) count() int {
	if e.kind == stream.KindLog {
		return 0
	}
	return int(e.aux)
}

// line returns the stream.Line the entry was made from.
func (e *entry) line() stream.Line {
	return stream.Line{Origin: e.origin, Time: e.time(), Text: e.src, Kind: e.kind, Count: e.count(), Filled: e.filled}
}

// expandTabs replaces tabs by spaces up to the next tab stop.
func expandTabs(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	col := 0
	for len(s) > 0 {
		i := strings.IndexByte(s, '\t')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		col += measure(s[:i])
		n := tabWidth - col%tabWidth
		b.WriteString("        "[:n])
		col += n
		s = s[i+1:]
	}
	return b.String()
}

// ruleKind is what a pane rule does.
type ruleKind int

const (
	ruleInclude   ruleKind = iota // show only lines that match
	ruleExclude                   // hide lines that match
	ruleHighlight                 // colour matches
	ruleWhere                     // show only lines whose fields satisfy an expression
)

var ruleKindNames = [...]string{"include", "exclude", "highlight", "where"}

// String returns the name of k.
func (k ruleKind) String() string {
	if k >= 0 && int(k) < len(ruleKindNames) {
		return ruleKindNames[k]
	}
	return "unknown"
}

// rule is one include, exclude or highlight pattern of a pane. Filters work
// as stream.Filter does (and as stern and lnav do): a line is shown when it
// matches any include rule, or there is none, and no exclude rule. Markers
// always pass.
type rule struct {
	kind    ruleKind
	pattern string
	m       *stream.Matcher // nil for ruleWhere
	w       *stream.Where   // ruleWhere only
	p       paint           // highlight colour
	follow  bool            // the include rule of a followed ID (followIDMsg)
}

// buffer is a pane's lines: a bounded ring of entries plus the indexes that
// filters and search keep over it. Positions are absolute line indexes
// (counted from the first line the pane ever received), so dropping old lines
// moves nothing that is still kept.
type buffer struct {
	ring *stream.Ring[entry]

	filter *stream.Filter
	where  []*stream.Where // the filter's --where expressions
	// levels counts the kept lines of each level (what the title shows).
	levels [numLevels]int
	// marks are the absolute indexes of the marked lines, in order.
	marks []int64
	// context is how many lines before and after each line that passes the
	// filter are shown too (0: none); after counts those still due after the
	// last one, as lines arrive.
	context, after int
	// filtered reports whether the filter hides anything; then vis holds the
	// absolute indexes of the lines that pass, in order.
	filtered bool
	vis      []int64

	search  *stream.Matcher
	matches []int64 // absolute indexes of visible lines that match search

	// lost counts the lines pushed out of the front that loading older lines has
	// not brought back, as of the ring's drop count lostAt (see dropped).
	lost, lostAt int64
}

func newBuffer(limit int) *buffer { return &buffer{ring: stream.NewRing[entry](max(limit, 1))} }

// get returns the line at abs; ok is false when it was dropped.
func (b *buffer) get(abs int64) (entry, bool) { return b.ring.Abs(abs) }

// kept returns how many lines the ring holds.
func (b *buffer) kept() int { return b.ring.Len() }

// dropped returns how many lines the ring pushed out of the front to stay within
// its size and are not back: lines loaded older (insertOlder) are the latest of
// those pushed out first, so a load of k lines takes k off.
func (b *buffer) dropped() int64 { return b.lost + b.ring.Dropped() - b.lostAt }

// broughtBack takes k lines loaded in front off the count of lines pushed out.
func (b *buffer) broughtBack(k int) {
	b.lost, b.lostAt = max(b.dropped()-int64(k), 0), b.ring.Dropped()
}

// passes reports whether e is shown under the current filter.
func (b *buffer) passes(e *entry) bool {
	// stream.Filter.KeepText, without building a Line unless a --where needs one.
	if e.kind != stream.KindLog {
		return true
	}
	if !b.filter.Match(e.plain()) {
		return false
	}
	if len(b.where) == 0 {
		return true
	}
	l := e.line()
	l.Text = e.plain()
	for _, w := range b.where {
		if !w.Match(&l) {
			return false
		}
	}
	return true
}

// push adds a line and reports whether it is visible.
func (b *buffer) push(e entry) bool {
	if b.ring.Len() == b.ring.Cap() {
		if old, ok := b.ring.Abs(b.ring.First()); ok {
			b.levels[old.lvl]-- // about to be dropped
		}
	}
	b.levels[e.lvl]++
	b.ring.Push(e)
	abs := b.ring.Total() - 1
	// Look at the line where the ring keeps it: a pointer to e would move e to the
	// heap, one allocation per line.
	ep := b.ring.Ptr(abs)
	if !b.filtered {
		if b.search != nil && b.search.Match(ep.plain()) {
			b.matches = append(b.matches, abs)
		}
		return true
	}
	return b.addVisible(abs, ep, true)
}

// addVisible decides whether the line at abs, the newest considered so far, is
// shown under the filter and its context, and indexes it (and the context lines
// before it) if so; search says whether to index search matches too.
func (b *buffer) addVisible(abs int64, e *entry, search bool) bool {
	show := func(a int64, e *entry) {
		b.vis = append(b.vis, a)
		if search && b.search != nil && b.search.Match(e.plain()) {
			b.matches = append(b.matches, a)
		}
	}
	switch {
	case e.kind != stream.KindLog:
		show(abs, e) // markers always show and start no context
	case b.passes(e):
		if b.context > 0 {
			from := max(abs-int64(b.context), b.ring.First())
			if n := len(b.vis); n > 0 {
				from = max(from, b.vis[n-1]+1)
			}
			for a := from; a < abs; a++ {
				if ce := b.ring.Ptr(a); ce != nil {
					show(a, ce)
				}
			}
		}
		show(abs, e)
		b.after = b.context
	case b.after > 0:
		b.after--
		show(abs, e)
	default:
		return false
	}
	return true
}

// isContext reports whether e is shown only as context of a line that passes.
func (b *buffer) isContext(e *entry) bool {
	return b.filtered && b.context > 0 && e.kind == stream.KindLog && !b.passes(e)
}

// setContext sets the lines of context and rebuilds the visible index.
func (b *buffer) setContext(n int) {
	b.context = max(n, 0)
	b.rebuildVisible()
	b.rebuildMatches()
}

// trim forgets index entries of lines the ring dropped.
func (b *buffer) trim() {
	first := b.ring.First()
	b.vis = trimBelow(b.vis, first)
	b.matches = trimBelow(b.matches, first)
	b.marks = trimBelow(b.marks, first)
}

func trimBelow(s []int64, first int64) []int64 {
	if len(s) == 0 || s[0] >= first {
		return s
	}
	i := sort.Search(len(s), func(i int) bool { return s[i] >= first })
	s = s[i:]
	if cap(s) > 2*len(s)+1024 {
		s = append([]int64(nil), s...)
	}
	return s
}

// setFilter replaces the filter and rebuilds the visible index.
func (b *buffer) setFilter(include, exclude []string, where []*stream.Where) {
	b.filter = stream.NewFilter(include, exclude, where...)
	b.where = b.where[:0]
	for _, w := range where {
		if w != nil {
			b.where = append(b.where, w)
		}
	}
	b.filtered = !b.filter.Empty()
	b.rebuildVisible()
	b.rebuildMatches()
}

// rebuildVisible indexes the lines that the filter and its context show.
func (b *buffer) rebuildVisible() {
	b.vis, b.after = b.vis[:0], 0
	if !b.filtered {
		return
	}
	for abs := b.ring.First(); abs < b.ring.Total(); abs++ {
		b.addVisible(abs, b.ring.Ptr(abs), false)
	}
}

// setSearch replaces the search and finds every visible match.
func (b *buffer) setSearch(m *stream.Matcher) {
	b.search = m
	b.rebuildMatches()
}

func (b *buffer) rebuildMatches() {
	b.matches = b.matches[:0]
	if b.search == nil {
		return
	}
	if !b.filtered {
		for abs, e := range b.ring.All() {
			if b.search.Match(e.plain()) {
				b.matches = append(b.matches, abs)
			}
		}
		return
	}
	for _, abs := range b.vis {
		if e, ok := b.ring.Abs(abs); ok && b.search.Match(e.plain()) {
			b.matches = append(b.matches, abs)
		}
	}
}

// count returns the number of visible lines.
func (b *buffer) count() int {
	if b.filtered {
		return len(b.vis)
	}
	return b.ring.Len()
}

// absAt returns the absolute index of the k-th visible line.
func (b *buffer) absAt(k int) int64 {
	if b.filtered {
		return b.vis[k]
	}
	return b.ring.First() + int64(k)
}

// indexOf returns the index of the first visible line at or after abs
// (count() when there is none).
func (b *buffer) indexOf(abs int64) int {
	if b.filtered {
		return sort.Search(len(b.vis), func(i int) bool { return b.vis[i] >= abs })
	}
	k := abs - b.ring.First()
	return int(min(max(k, 0), int64(b.ring.Len())))
}

// matchFrom returns the first match strictly after abs (forward) or strictly
// before it (backward), and whether there is one.
func (b *buffer) matchFrom(abs int64, forward bool) (int64, bool) {
	if len(b.matches) == 0 {
		return 0, false
	}
	if forward {
		i := sort.Search(len(b.matches), func(i int) bool { return b.matches[i] > abs })
		if i < len(b.matches) {
			return b.matches[i], true
		}
		return 0, false
	}
	i := sort.Search(len(b.matches), func(i int) bool { return b.matches[i] >= abs })
	if i > 0 {
		return b.matches[i-1], true
	}
	return 0, false
}

// levelFrom returns the first visible log line of level min or above strictly
// after abs (forward) or strictly before it (backward), and whether there is one.
func (b *buffer) levelFrom(abs int64, forward bool, min level) (int64, bool) {
	k := b.indexOf(abs)
	if forward {
		k = b.indexOf(abs + 1)
		if b.filtered {
			k = sort.Search(len(b.vis), func(i int) bool { return b.vis[i] > abs })
		}
	}
	step := 1
	if !forward {
		step = -1
		if b.filtered {
			k = sort.Search(len(b.vis), func(i int) bool { return b.vis[i] >= abs })
		}
		k--
	}
	for ; k >= 0 && k < b.count(); k += step {
		a := b.absAt(k)
		if e, ok := b.get(a); ok && e.kind == stream.KindLog && e.lvl >= min {
			return a, true
		}
	}
	return 0, false
}

// marked reports whether the line at abs is marked.
func (b *buffer) marked(abs int64) bool {
	i := sort.Search(len(b.marks), func(i int) bool { return b.marks[i] >= abs })
	return i < len(b.marks) && b.marks[i] == abs
}

// toggleMark marks the line at abs, or unmarks it; it reports whether it is now marked.
func (b *buffer) toggleMark(abs int64) bool {
	i := sort.Search(len(b.marks), func(i int) bool { return b.marks[i] >= abs })
	if i < len(b.marks) && b.marks[i] == abs {
		b.marks = append(b.marks[:i], b.marks[i+1:]...)
		return false
	}
	b.marks = append(b.marks, 0)
	copy(b.marks[i+1:], b.marks[i:])
	b.marks[i] = abs
	return true
}

// markFrom returns the first visible marked line strictly after abs (forward) or
// strictly before it, and whether there is one.
func (b *buffer) markFrom(abs int64, forward bool) (int64, bool) {
	if forward {
		for i := sort.Search(len(b.marks), func(i int) bool { return b.marks[i] > abs }); i < len(b.marks); i++ {
			if b.visible(b.marks[i]) {
				return b.marks[i], true
			}
		}
		return 0, false
	}
	for i := sort.Search(len(b.marks), func(i int) bool { return b.marks[i] >= abs }) - 1; i >= 0; i-- {
		if b.visible(b.marks[i]) {
			return b.marks[i], true
		}
	}
	return 0, false
}

// markBefore returns the nearest marked line at or before abs.
func (b *buffer) markBefore(abs int64) (int64, bool) {
	i := sort.Search(len(b.marks), func(i int) bool { return b.marks[i] > abs })
	if i == 0 {
		return 0, false
	}
	return b.marks[i-1], true
}

// visible reports whether the line at abs is kept and passes the filter.
func (b *buffer) visible(abs int64) bool {
	if !b.filtered {
		return abs >= b.ring.First() && abs < b.ring.Total()
	}
	i := sort.Search(len(b.vis), func(i int) bool { return b.vis[i] >= abs })
	return i < len(b.vis) && b.vis[i] == abs
}

// nearestTime returns the visible line whose time is closest to t (lines without a
// time are passed over), and whether there is one.
func (b *buffer) nearestTime(t time.Time) (int64, bool) {
	best, found := int64(0), false
	var bestD time.Duration
	for k, n := 0, b.count(); k < n; k++ {
		abs := b.absAt(k)
		e, ok := b.get(abs)
		if !ok || e.ts == noTime {
			continue
		}
		d := e.time().Sub(t)
		if d < 0 {
			d = -d
		}
		if !found || d < bestD {
			best, bestD, found = abs, d, true
		}
	}
	return best, found
}

// matchRank returns the 1-based position of the match at abs, or 0.
func (b *buffer) matchRank(abs int64) int {
	i := sort.Search(len(b.matches), func(i int) bool { return b.matches[i] >= abs })
	if i < len(b.matches) && b.matches[i] == abs {
		return i + 1
	}
	return 0
}

// newMatcher compiles a pattern the user typed; nil for the empty pattern.
func newMatcher(pattern string) *stream.Matcher {
	if pattern == "" {
		return nil
	}
	return stream.NewMatcher(pattern)
}
