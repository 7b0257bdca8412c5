package stream

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestMatcher(t *testing.T) {
	tests := []struct {
		pattern    string
		text       string
		match      bool
		index      [][2]int
		ignoreCase bool
		literalErr bool // the pattern is not a valid regexp
		engine     bool // uses the regexp engine
	}{
		{"", "anything", true, nil, false, false, false},
		{"error", "an ERROR and an error", true, [][2]int{{3, 8}, {16, 21}}, true, false, false},
		{"Error", "an ERROR and an Error", true, [][2]int{{16, 21}}, false, false, false},
		{"error", "all good", false, nil, true, false, false},
		{"eRR", "error ERR eRR", true, [][2]int{{10, 13}}, false, false, false},
		{"404", "GET / 404 404", true, [][2]int{{6, 9}, {10, 13}}, false, false, false},
		{"aa", "aaaaa", true, [][2]int{{0, 2}, {2, 4}}, true, false, false},
		{"x", "", false, nil, true, false, false},
		{"longer than text", "short", false, nil, true, false, false},
		{"end", "the END", true, [][2]int{{4, 7}}, true, false, false},
		{"a-b c", "A-B C a-b c", true, [][2]int{{0, 5}, {6, 11}}, true, false, false},
		// Non-ASCII literals ignore case through the regexp engine.
		{"jürgen", "JÜRGEN jürgen", true, [][2]int{{0, 7}, {8, 15}}, true, false, true},
		{"Jürgen", "JÜRGEN jürgen Jürgen", true, [][2]int{{16, 23}}, false, false, false},
		// Regular expressions.
		{`err(or)?\b`, "err errors ERROR", true, [][2]int{{0, 3}, {11, 16}}, true, false, true},
		{`\d+ms`, "took 12ms and 3MS", true, [][2]int{{5, 9}, {14, 17}}, true, false, true},
		{`\S+=\w+`, "A=B c=d", true, [][2]int{{0, 3}, {4, 7}}, true, false, true},
		{`\pL+`, "abc DEF", true, [][2]int{{0, 3}, {4, 7}}, true, false, true},
		{`(?P<Level>warn)`, "WARN warn", true, [][2]int{{0, 4}, {5, 9}}, true, false, true},
		{`[A-Z]+`, "abc DEF", true, [][2]int{{4, 7}}, false, false, true},
		{`\QA.B\E`, "a.b A.B", true, [][2]int{{4, 7}}, false, false, true},
		{`a*`, "bbb", true, nil, true, false, true}, // empty matches are not highlighted
		{`^GET`, "GET /get", true, [][2]int{{0, 3}}, false, false, true},
		// Invalid regular expressions fall back to literals.
		{`(foo`, "x (FOO) (foo", true, [][2]int{{2, 6}, {8, 12}}, true, true, false},
		{`a[`, "A[ a[", true, [][2]int{{0, 2}, {3, 5}}, true, true, false},
		{`*Err`, "*err *Err", true, [][2]int{{5, 9}}, false, true, false},
		{`ü(`, "Ü( ü(", true, [][2]int{{0, 3}, {4, 7}}, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"/"+tt.text, func(t *testing.T) {
			m := NewMatcher(tt.pattern)
			if got := m.Match(tt.text); got != tt.match {
				t.Errorf("Match = %v, want %v", got, tt.match)
			}
			if got := m.MatchIndex(tt.text); !slices.Equal(got, tt.index) {
				t.Errorf("MatchIndex = %v, want %v", got, tt.index)
			}
			if got := m.IgnoreCase(); got != tt.ignoreCase {
				t.Errorf("IgnoreCase = %v, want %v", got, tt.ignoreCase)
			}
			if got := m.Err() != nil; got != tt.literalErr {
				t.Errorf("Err = %v, want error %v", m.Err(), tt.literalErr)
			}
			if got := m.re != nil; got != tt.engine {
				t.Errorf("uses regexp engine = %v, want %v", got, tt.engine)
			}
			if m.Pattern() != tt.pattern {
				t.Errorf("Pattern = %q", m.Pattern())
			}
		})
	}
}

func TestMatcherErrText(t *testing.T) {
	err := NewMatcher("(foo").Err()
	if err == nil || !strings.Contains(err.Error(), "missing closing )") || !strings.Contains(err.Error(), `"(foo"`) {
		t.Errorf("Err() = %v", err)
	}
}

func TestIndexFold(t *testing.T) {
	tests := []struct {
		s, lower string
		want     int
	}{
		{"hello", "hello", 0},
		{"HeLLo", "hello", 0},
		{"xxHELLO", "hello", 2},
		{"hellhello", "hello", 4},
		{"hell", "hello", -1},
		{"", "a", -1},
		{"eeeeeeeeeeeE", "ea", -1},
		{"eeeeeeeeeeeEa", "ea", 11},
		{"-x-", "-", 0},
		{"ab", "b", 1},
		{"aB", "b", 1},
	}
	for _, tt := range tests {
		if got := indexFold(tt.s, tt.lower); got != tt.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tt.s, tt.lower, got, tt.want)
		}
	}
}

// TestLiteralMatchesRegexp checks the literal fast path against the regexp engine.
func TestLiteralMatchesRegexp(t *testing.T) {
	texts := []string{"Error: connection refused", "ERROR", "no problem", "errerror", "e", "rror ErRoR x", "timeout after 30s"}
	for _, p := range []string{"error", "Error", "err", "e", "r", "ror", "30s", "timeout after", "x"} {
		m := NewMatcher(p)
		if m.re != nil {
			t.Fatalf("%q: expected literal path", p)
		}
		re := NewMatcher("(" + p + ")") // forces the regexp engine with the same case rule
		for _, text := range texts {
			if m.Match(text) != re.Match(text) || !slices.Equal(m.MatchIndex(text), re.MatchIndex(text)) {
				t.Errorf("%q in %q: literal %v %v, regexp %v %v", p, text,
					m.Match(text), m.MatchIndex(text), re.Match(text), re.MatchIndex(text))
			}
		}
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		keep, drop       []string
		errs             int
	}{
		{"none", nil, nil, []string{"anything", ""}, nil, 0},
		{"empty patterns ignored", []string{""}, []string{""}, []string{"anything"}, nil, 0},
		{"include any", []string{"error", "warn"}, nil, []string{"ERROR x", "a warning"}, []string{"info"}, 0},
		{"exclude", nil, []string{"healthz"}, []string{"GET /api"}, []string{"GET /healthz"}, 0},
		{"include and exclude", []string{"GET"}, []string{`/health(z)?`}, []string{"GET /api"}, []string{"GET /health", "POST /api"}, 0},
		{"exclude wins", []string{"x"}, []string{"x"}, nil, []string{"x"}, 0},
		{"literal fallback reported", []string{"(oops"}, []string{"[bad"}, []string{"(oops)"}, []string{"oops", "(oops [bad"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFilter(tt.include, tt.exclude)
			for _, text := range tt.keep {
				if l := (Line{Text: text}); !f.Keep(&l) {
					t.Errorf("dropped %q", text)
				}
			}
			for _, text := range tt.drop {
				if l := (Line{Text: text}); f.Keep(&l) {
					t.Errorf("kept %q", text)
				}
				for k := KindInfo; k <= KindError; k++ {
					if l := (Line{Text: text, Kind: k}); !f.Keep(&l) {
						t.Errorf("dropped marker %v %q", k, text)
					}
				}
			}
			if got := len(f.Errs()); got != tt.errs {
				t.Errorf("Errs = %v, want %d", f.Errs(), tt.errs)
			}
			if f.Empty() != (len(tt.include)+len(tt.exclude) == 0 || tt.name == "empty patterns ignored") {
				t.Errorf("Empty = %v", f.Empty())
			}
		})
	}
	var nilFilter *Filter
	if l := (Line{Text: "x"}); !nilFilter.Keep(&l) || !nilFilter.Empty() {
		t.Error("nil Filter must keep everything")
	}
}

func TestHighlighter(t *testing.T) {
	spans := func(s ...any) []Span {
		var out []Span
		for i := 0; i < len(s); i += 3 {
			out = append(out, Span{s[i].(int), s[i+1].(int), s[i+2].(string)})
		}
		return out
	}
	tests := []struct {
		name  string
		rules []HighlightRule
		text  string
		want  []Span
	}{
		{"none", nil, "text", nil},
		{"one rule", []HighlightRule{{"error", "err"}}, "an error, ERROR", spans(3, 8, "err", 10, 15, "err")},
		{"disjoint rules sorted", []HighlightRule{{"warn", "w"}, {"error", "e"}}, "error warn", spans(0, 5, "e", 6, 10, "w")},
		{"earlier rule wins", []HighlightRule{{"error", "e"}, {`\w+`, "word"}}, "an error here", spans(0, 2, "word", 3, 8, "e", 9, 13, "word")},
		{"later rule clipped around", []HighlightRule{{"b", "b"}, {"abc", "x"}}, "abc", spans(0, 1, "x", 1, 2, "b", 2, 3, "x")},
		{"later rule covering several", []HighlightRule{{"b", "b"}, {"d", "d"}, {"abcde", "x"}}, "abcde",
			spans(0, 1, "x", 1, 2, "b", 2, 3, "x", 3, 4, "d", 4, 5, "x")},
		{"later rule fully covered", []HighlightRule{{"abc", "x"}, {"b", "b"}}, "abc", spans(0, 3, "x")},
		{"empty pattern ignored", []HighlightRule{{"", "x"}, {"a", "a"}}, "a", spans(0, 1, "a")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHighlighter(tt.rules)
			prefix := []Span{{-1, -1, "keep"}}
			got := h.Spans(tt.text, prefix)
			if got[0] != prefix[0] {
				t.Fatal("Spans changed dst's existing elements")
			}
			if !slices.Equal(got[1:], tt.want) {
				t.Errorf("Spans = %v, want %v", got[1:], tt.want)
			}
		})
	}
}

func BenchmarkMatcher(b *testing.B) {
	text := `10.0.0.1 - - [25/Nov/2026:16:34:56 +0000] "GET /api/v1/items?page=2 HTTP/1.1" 200 5123 "-" "curl/8.5" upstream error=none`
	for _, p := range []string{"error", "Error", "timeout", `err(or)?=\w+`, "(bad"} {
		m := NewMatcher(p)
		b.Run(fmt.Sprintf("%s", p), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Match(text)
			}
		})
	}
	b.Run("Filter", func(b *testing.B) {
		f := NewFilter([]string{"GET", "POST"}, []string{"healthz", "metrics"})
		l := Line{Text: text}
		b.ReportAllocs()
		for b.Loop() {
			f.Keep(&l)
		}
	})
}
