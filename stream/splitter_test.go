package stream

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// piece is one line out of a Splitter, with its Cut flag.
type piece struct {
	text string
	cut  bool
}

func (p piece) String() string {
	if p.cut {
		return fmt.Sprintf("%q+", p.text)
	}
	return fmt.Sprintf("%q", p.text)
}

// runSplitter feeds chunks and collects every line, then flushes.
func runSplitter(s *Splitter, chunks [][]byte) []piece {
	var out []piece
	for _, c := range append([][]byte{nil}, chunks...) {
		if c != nil {
			s.Feed(c)
		}
		for {
			line, ok := s.Next()
			if !ok {
				break
			}
			out = append(out, piece{string(line), s.Cut()})
		}
	}
	if line, ok := s.Flush(); ok {
		out = append(out, piece{string(line), s.Cut()})
	}
	return out
}

// refSplit is the reference: split the whole input at once.
func refSplit(input string, lim int) []piece {
	var out []piece
	lines := strings.Split(input, "\n")
	for i, l := range lines {
		if i == len(lines)-1 && l == "" {
			break // no unterminated last line
		}
		l = strings.TrimSuffix(l, "\r")
		b := []byte(l)
		for len(b) > lim {
			k := cutPoint(b, lim)
			out = append(out, piece{string(b[:k]), true})
			b = b[k:]
		}
		out = append(out, piece{string(b), false})
	}
	return out
}

func chunksOf(s string, sizes ...int) [][]byte {
	var out [][]byte
	b := []byte(s)
	for _, n := range sizes {
		if n > len(b) {
			n = len(b)
		}
		out = append(out, b[:n:n])
		b = b[n:]
	}
	if len(b) > 0 {
		out = append(out, b)
	}
	return out
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name   string
		lim    int
		chunks [][]byte
		want   []piece
		cuts   int
	}{
		{"empty stream", 0, nil, nil, 0},
		{"empty first frame", 0, [][]byte{{}, []byte("a\nb\n")}, []piece{{"a", false}, {"b", false}}, 0},
		{"one line", 0, [][]byte{[]byte("hello\n")}, []piece{{"hello", false}}, 0},
		{"unterminated", 0, [][]byte{[]byte("hello")}, []piece{{"hello", false}}, 0},
		{"crlf", 0, [][]byte{[]byte("a\r\nb\r\n")}, []piece{{"a", false}, {"b", false}}, 0},
		{"only one CR stripped", 0, [][]byte{[]byte("a\r\r\n")}, []piece{{"a\r", false}}, 0},
		{"CR mid line kept", 0, [][]byte{[]byte("a\rb\n")}, []piece{{"a\rb", false}}, 0},
		{"crlf split between frames", 0, chunksOf("abc\r\ndef\n", 4), []piece{{"abc", false}, {"def", false}}, 0},
		{"unterminated CR flushed", 0, [][]byte{[]byte("abc\r")}, []piece{{"abc", false}}, 0},
		{"empty lines", 0, [][]byte{[]byte("\n\n\r\n")}, []piece{{"", false}, {"", false}, {"", false}}, 0},
		{"mid line", 0, chunksOf("hello world\nbye\n", 3, 3, 3), []piece{{"hello world", false}, {"bye", false}}, 0},
		{"mid rune", 0, chunksOf("héllo→\n", 2, 4, 1), []piece{{"héllo→", false}}, 0},
		{"one byte frames", 0, chunksOf("ab\ncd\n", 1, 1, 1, 1, 1, 1), []piece{{"ab", false}, {"cd", false}}, 0},
		{"newline alone in frame", 0, chunksOf("ab\ncd", 2, 1), []piece{{"ab", false}, {"cd", false}}, 0},
		{"cap exact fits", 4, [][]byte{[]byte("abcd\n")}, []piece{{"abcd", false}}, 0},
		{"cap exact fits with CR", 4, [][]byte{[]byte("abcd\r\n")}, []piece{{"abcd", false}}, 0},
		{"cap exact fits across frames with CR", 4, chunksOf("abcd\r\nx\n", 5), []piece{{"abcd", false}, {"x", false}}, 0},
		{"cap cut", 4, [][]byte{[]byte("abcdefghij\n")}, []piece{{"abcd", true}, {"efgh", true}, {"ij", false}}, 2},
		{"cap cut across frames", 4, chunksOf("abcdefghij\n", 3, 3, 3), []piece{{"abcd", true}, {"efgh", true}, {"ij", false}}, 2},
		{"cap cut unterminated", 4, chunksOf("abcdefghij", 3), []piece{{"abcd", true}, {"efgh", true}, {"ij", false}}, 2},
		{"cap cut CR after cap then more", 4, chunksOf("abcd\rxy\n", 5), []piece{{"abcd", true}, {"\rxy", false}}, 1},
		{"cap cut on rune boundary", 5, [][]byte{[]byte("ab€€\n")}, []piece{{"ab€", true}, {"€", false}}, 1},
		{"cap cut on rune boundary across frames", 5, chunksOf("ab€€\n", 1, 1, 1, 1, 1, 1), []piece{{"ab€", true}, {"€", false}}, 1},
		{"cap below rune size", 2, [][]byte{[]byte("€\n")}, []piece{{"\xe2\x82", true}, {"\xac", false}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSplitter(tt.lim)
			got := runSplitter(s, tt.chunks)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if s.Cuts() != tt.cuts {
				t.Errorf("Cuts() = %d, want %d", s.Cuts(), tt.cuts)
			}
			if s.Pending() != 0 {
				t.Errorf("Pending() = %d after Flush", s.Pending())
			}
		})
	}
}

// TestSplitterRandomCuts checks every way of cutting an input against the reference.
func TestSplitterRandomCuts(t *testing.T) {
	inputs := []string{
		"plain\nlines\nhere\n",
		"2026-11-25T16:34:56.123456789Z héllo wörld → ✓\r\nnext line\nunterminated",
		"\n\n\r\n\rx\r\r\n",
		"a very long line that is longer than the cap of the splitter\nand€another€with€runes€€€€€\n",
		"日本語のテキスト\n日本語のテキスト\n",
		"\xff\xfe broken \xc3 utf8 \xe2\x82\n",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, in := range inputs {
		for _, lim := range []int{1, 2, 3, 4, 5, 7, 16, 0} {
			effective := lim
			if lim == 0 {
				effective = DefaultMaxLine
			}
			want := refSplit(in, effective)
			for trial := 0; trial < 200; trial++ {
				var sizes []int
				for n := 0; n < len(in); {
					k := rng.IntN(6) // 0 gives empty frames
					sizes = append(sizes, k)
					n += k
				}
				chunks := chunksOf(in, sizes...)
				got := runSplitter(NewSplitter(lim), chunks)
				if !slices.Equal(got, want) {
					t.Fatalf("input %q lim %d sizes %v:\n got %v\nwant %v", in, lim, sizes, got, want)
				}
			}
		}
	}
}

// TestSplitterUndrainedFeed checks that feeding without draining keeps every byte in order.
func TestSplitterUndrainedFeed(t *testing.T) {
	s := NewSplitter(0)
	s.Feed([]byte("a\nb"))
	s.Feed([]byte("c\nd\n"))
	s.Feed([]byte("e"))
	got := runSplitter(s, nil)
	want := []piece{{"a", false}, {"bc", false}, {"d", false}, {"e", false}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestSplitterHugeLine sends a multi-MiB line in 2048-byte frames, as the API server
// does, and checks it arrives intact and uncut.
func TestSplitterHugeLine(t *testing.T) {
	for _, size := range []int{3 << 20, 9<<20 + 7} {
		line := bytes.Repeat([]byte("0123456789abcdé"), size/16)
		in := append(append([]byte("before\n"), line...), "\nafter\n"...)
		var chunks [][]byte
		for b := in; len(b) > 0; {
			n := min(2048, len(b))
			chunks = append(chunks, b[:n])
			b = b[n:]
		}
		s := NewSplitter(0)
		got := runSplitter(s, chunks)
		if len(got) != 3 || got[0].text != "before" || got[2].text != "after" {
			t.Fatalf("size %d: got %d lines", size, len(got))
		}
		if got[1].text != string(line) || got[1].cut || s.Cuts() != 0 {
			t.Fatalf("size %d: long line damaged (len %d, cut %v)", size, len(got[1].text), got[1].cut)
		}
	}
}

// TestSplitterZeroCopy checks that a line inside one chunk is returned in place.
func TestSplitterZeroCopy(t *testing.T) {
	chunk := []byte("abc\ndef\n")
	s := NewSplitter(0)
	s.Feed(chunk)
	line, _ := s.Next()
	if &line[0] != &chunk[0] {
		t.Error("line was copied")
	}
}

// TestSplitterCutValidUTF8 checks that cut pieces of valid UTF-8 stay valid.
func TestSplitterCutValidUTF8(t *testing.T) {
	in := strings.Repeat("aé€😀", 50) + "\n"
	for lim := 4; lim < 20; lim++ {
		for _, p := range runSplitter(NewSplitter(lim), chunksOf(in, 7, 3, 11, 2, 5)) {
			if !utf8.ValidString(p.text) {
				t.Fatalf("lim %d: piece %q is not valid UTF-8", lim, p.text)
			}
			if len(p.text) > lim {
				t.Fatalf("lim %d: piece of %d bytes", lim, len(p.text))
			}
		}
	}
}

func TestSplitterReset(t *testing.T) {
	s := NewSplitter(0)
	s.Feed([]byte("partial"))
	if _, ok := s.Next(); ok {
		t.Fatal("unexpected line")
	}
	s.Reset()
	got := runSplitter(s, [][]byte{[]byte("fresh\n")})
	if !slices.Equal(got, []piece{{"fresh", false}}) {
		t.Errorf("got %v", got)
	}
}

func benchFrames(lineLen, frame int) ([][]byte, int) {
	line := "2026-11-25T16:34:56.123456789Z " + strings.Repeat("x", lineLen-31) + "\n"
	all := []byte(strings.Repeat(line, 4096))
	var frames [][]byte
	for b := all; len(b) > 0; {
		n := min(frame, len(b))
		frames = append(frames, b[:n])
		b = b[n:]
	}
	return frames, 4096
}

// BenchmarkSplitter measures reassembly of 120-byte lines from 2048-byte frames.
func BenchmarkSplitter(b *testing.B) {
	frames, lines := benchFrames(120, 2048)
	var total int
	for _, f := range frames {
		total += len(f)
	}
	s := NewSplitter(0)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range frames {
			s.Feed(f)
			for {
				if _, ok := s.Next(); !ok {
					break
				}
			}
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// FuzzSplitter checks that any way of cutting any input gives the reference lines.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"), []byte{1, 0, 3}, uint8(0))
	f.Add([]byte("héllo€\nworld\r"), []byte{2, 1, 1, 5}, uint8(3))
	f.Fuzz(func(t *testing.T, in, cuts []byte, lim uint8) {
		var sizes []int
		for _, c := range cuts {
			sizes = append(sizes, int(c%16))
		}
		effective := int(lim)
		if effective == 0 {
			effective = DefaultMaxLine
		}
		got := runSplitter(NewSplitter(int(lim)), chunksOf(string(in), sizes...))
		if want := refSplit(string(in), effective); !slices.Equal(got, want) {
			t.Fatalf("input %q lim %d sizes %v:\n got %v\nwant %v", in, lim, sizes, got, want)
		}
	})
}
