package stream

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matcher finds a pattern the user typed in text.
//
// The pattern is a regular expression (RE2 syntax, regexp package); if it does not
// compile it is matched literally and Err says why. Case is smart: the match ignores
// case unless the pattern holds an upper-case letter (letters in escapes such as
// \S, \pL or \x{..} and group names do not count). A pattern without regular
// expression metacharacters is searched for as a plain string, without the regexp
// engine; ignoring case there folds ASCII letters only (so "k" does not match the
// Kelvin sign), and a pattern with other letters goes through the regexp engine.
//
// The empty pattern matches every text and highlights nothing. A Matcher is safe for
// concurrent use.
type Matcher struct {
	pattern string
	lit     string // the literal to find; lower-case when fold
	fold    bool
	re      *regexp.Regexp // nil on the literal path
	err     error
}

// NewMatcher compiles pattern; see Matcher.
func NewMatcher(pattern string) *Matcher {
	m := &Matcher{pattern: pattern}
	if pattern == "" {
		return m
	}
	if !strings.ContainsAny(pattern, `\.+*?()|[]{}^$`) {
		m.literal(pattern)
		return m
	}
	fold := !hasUpper(pattern, true)
	expr := pattern
	if fold {
		expr = "(?i)" + pattern
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		if _, err2 := regexp.Compile(pattern); err2 != nil {
			err = err2 // the same error, quoting what the user typed
		}
		m.err = fmt.Errorf("stream: matching %q literally: %w", pattern, err)
		m.literal(pattern)
		return m
	}
	m.re, m.fold = re, fold
	return m
}

// literal sets m up to find s as it is, with smart case.
func (m *Matcher) literal(s string) {
	m.fold = !hasUpper(s, false)
	if m.fold && !isASCII(s) {
		m.re = regexp.MustCompile("(?i)" + regexp.QuoteMeta(s))
		return
	}
	m.lit = s
	if m.fold {
		m.lit = strings.ToLower(s)
		m.fold = hasLetter(m.lit)
	}
}

// Pattern returns the text the Matcher was compiled from.
func (m *Matcher) Pattern() string { return m.pattern }

// Err returns why the pattern is matched literally rather than as a regular
// expression, or nil.
func (m *Matcher) Err() error { return m.err }

// IgnoreCase reports whether the Matcher ignores case.
func (m *Matcher) IgnoreCase() bool {
	if m.re != nil {
		return strings.HasPrefix(m.re.String(), "(?i)")
	}
	return m.fold
}

// Match reports whether text contains a match.
func (m *Matcher) Match(text string) bool {
	switch {
	case m.re != nil:
		return m.re.MatchString(text)
	case m.fold:
		return indexFold(text, m.lit) >= 0
	default:
		return strings.Contains(text, m.lit)
	}
}

// MatchIndex returns the start and end byte offsets of every non-overlapping,
// non-empty match in text, in order, for highlighting; nil when there is none.
func (m *Matcher) MatchIndex(text string) [][2]int {
	if m.re != nil {
		var out [][2]int
		for _, loc := range m.re.FindAllStringIndex(text, -1) {
			if loc[1] > loc[0] {
				out = append(out, [2]int{loc[0], loc[1]})
			}
		}
		return out
	}
	if m.lit == "" {
		return nil
	}
	var out [][2]int
	for pos := 0; pos <= len(text)-len(m.lit); {
		var i int
		if m.fold {
			i = indexFold(text[pos:], m.lit)
		} else {
			i = strings.Index(text[pos:], m.lit)
		}
		if i < 0 {
			break
		}
		pos += i
		out = append(out, [2]int{pos, pos + len(m.lit)})
		pos += len(m.lit)
	}
	return out
}

// indexFold returns the index of the first match of lower (non-empty, lower-case
// ASCII) in s ignoring ASCII case, or -1. It jumps between candidates for the first
// byte with strings.IndexByte, remembering the next position of each case so that
// it never scans a stretch of s twice.
func indexFold(s, lower string) int {
	c := lower[0]
	other := c
	if c >= 'a' && c <= 'z' {
		other = c - 'a' + 'A'
	}
	last := len(s) - len(lower)
	nc, no := -2, -2 // next position of c and other at or after i; -1 none; -2 unknown
	if other == c {
		no = -1
	}
	for i := 0; i <= last; {
		if nc != -1 && nc < i {
			if j := strings.IndexByte(s[i:], c); j < 0 {
				nc = -1
			} else {
				nc = i + j
			}
		}
		if no != -1 && no < i {
			if j := strings.IndexByte(s[i:], other); j < 0 {
				no = -1
			} else {
				no = i + j
			}
		}
		var k int
		switch {
		case nc < 0 && no < 0:
			return -1
		case nc < 0:
			k = no
		case no < 0:
			k = nc
		default:
			k = min(nc, no)
		}
		if k > last {
			return -1
		}
		if equalFoldASCII(s[k+1:k+len(lower)], lower[1:]) {
			return k
		}
		i = k + 1
	}
	return -1
}

// equalFoldASCII reports whether s equals lower (lower-case ASCII) ignoring the case
// of ASCII letters in s.
func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// hasUpper reports whether pattern holds an upper-case letter that the user typed as
// such. In a regular expression, escapes (\S, \W, \pL, \p{Greek}, \x{1F600}, \Q..\E
// keeps its letters) and group names ((?P<Name>, (?<Name>) do not count.
func hasUpper(pattern string, regex bool) bool {
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		if regex {
			switch {
			case r == '\\' && i+1 < len(pattern):
				next := pattern[i+1]
				i += 2
				switch next {
				case 'p', 'P', 'x':
					if i < len(pattern) && pattern[i] == '{' {
						if end := strings.IndexByte(pattern[i:], '}'); end >= 0 {
							i += end + 1
						}
					} else if next != 'x' && i < len(pattern) {
						i++ // one-letter class name: \pL
					}
				case 'Q':
					end := strings.Index(pattern[i:], `\E`)
					if end < 0 {
						end = len(pattern) - i
					}
					if hasUpper(pattern[i:i+end], false) {
						return true
					}
					i += end
				}
				continue
			case r == '(' && strings.HasPrefix(pattern[i:], "(?P<"), r == '(' && strings.HasPrefix(pattern[i:], "(?<"):
				if end := strings.IndexByte(pattern[i:], '>'); end >= 0 {
					i += end + 1
					continue
				}
			}
		}
		if unicode.IsUpper(r) {
			return true
		}
		i += n
	}
	return false
}

// Filter decides which lines a pane shows: a line is kept when it matches any
// include pattern (or there are none), no exclude pattern, and every --where
// expression. Markers are always kept. A Filter is safe for concurrent use.
type Filter struct {
	include []*Matcher
	exclude []*Matcher
	where   []*Where
}

// NewFilter compiles include and exclude patterns (see Matcher); empty patterns are
// ignored, as are nil expressions.
func NewFilter(include, exclude []string, where ...*Where) *Filter {
	f := &Filter{}
	for _, p := range include {
		if p != "" {
			f.include = append(f.include, NewMatcher(p))
		}
	}
	for _, p := range exclude {
		if p != "" {
			f.exclude = append(f.exclude, NewMatcher(p))
		}
	}
	for _, w := range where {
		if w != nil {
			f.where = append(f.where, w)
		}
	}
	return f
}

// Empty reports whether f keeps every line.
func (f *Filter) Empty() bool {
	return f == nil || len(f.include) == 0 && len(f.exclude) == 0 && len(f.where) == 0
}

// Keep reports whether l passes the filter. Markers always do.
func (f *Filter) Keep(l *Line) bool {
	return f.KeepText(l, l.Text)
}

// KeepText is Keep for a line whose text, as patterns and fields see it, is text
// rather than l.Text (a renderer's copy with its colour sequences removed).
func (f *Filter) KeepText(l *Line, text string) bool {
	if l.Kind != KindLog || f == nil {
		return true
	}
	if !f.Match(text) {
		return false
	}
	if len(f.where) == 0 {
		return true
	}
	if text != l.Text {
		c := *l
		c.Text = text
		l = &c
	}
	for _, w := range f.where {
		if !w.Match(l) {
			return false
		}
	}
	return true
}

// Match reports whether text passes the include and exclude patterns.
func (f *Filter) Match(text string) bool {
	if f == nil {
		return true
	}
	for _, m := range f.exclude {
		if m.Match(text) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, m := range f.include {
		if m.Match(text) {
			return true
		}
	}
	return false
}

// Errs returns the reasons patterns are matched literally, one per such pattern.
func (f *Filter) Errs() []error {
	if f == nil {
		return nil
	}
	return matcherErrs(f.include, f.exclude)
}

func matcherErrs(groups ...[]*Matcher) []error {
	var errs []error
	for _, g := range groups {
		for _, m := range g {
			if m.err != nil {
				errs = append(errs, m.err)
			}
		}
	}
	return errs
}

// HighlightRule asks for matches of Pattern (see Matcher) to be shown in the named
// style; the UI maps style names to colours.
type HighlightRule struct {
	Pattern string
	Style   string
}

// Span is a stretch of text, in byte offsets, to show in a style.
type Span struct {
	Start, End int
	Style      string
}

// Highlighter applies highlight rules to text. A Highlighter is safe for concurrent
// use.
type Highlighter struct {
	matchers []*Matcher
	styles   []string
}

// NewHighlighter compiles rules, earlier rules taking precedence; rules with an empty
// pattern are ignored.
func NewHighlighter(rules []HighlightRule) *Highlighter {
	h := &Highlighter{}
	for _, r := range rules {
		if r.Pattern != "" {
			h.matchers = append(h.matchers, NewMatcher(r.Pattern))
			h.styles = append(h.styles, r.Style)
		}
	}
	return h
}

// Errs returns the reasons patterns are matched literally, one per such pattern.
func (h *Highlighter) Errs() []error { return matcherErrs(h.matchers) }

// Spans appends to dst the styled stretches of text, sorted and not overlapping, and
// returns it. Where matches of several rules overlap, the earlier rule wins and a
// later match keeps only the parts not already styled.
func (h *Highlighter) Spans(text string, dst []Span) []Span {
	base := len(dst)
	for i, m := range h.matchers {
		for _, loc := range m.MatchIndex(text) {
			dst = insertSpan(dst, base, Span{loc[0], loc[1], h.styles[i]})
		}
	}
	return dst
}

// insertSpan adds s to the sorted, disjoint spans dst[base:], minus what they cover.
func insertSpan(dst []Span, base int, s Span) []Span {
	spans := dst[base:]
	// First span that ends after s starts.
	i, _ := slices.BinarySearchFunc(spans, s.Start, func(x Span, start int) int {
		if x.End <= start {
			return -1
		}
		return 1
	})
	for s.Start < s.End {
		if i == len(spans) || s.End <= spans[i].Start {
			return slices.Insert(dst, base+i, s)
		}
		if s.Start < spans[i].Start {
			piece := Span{s.Start, spans[i].Start, s.Style}
			dst = slices.Insert(dst, base+i, piece)
			spans = dst[base:]
			i++
		}
		s.Start = max(s.Start, spans[i].End)
		i++
	}
	return dst
}
