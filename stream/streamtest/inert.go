// Package streamtest checks output for what tailui's sanitizing policy (see
// stream.Sanitize) says must never reach a terminal. Tests and fuzz targets of the
// printers and renderers use it; it is written apart from stream's own code, so that
// a mistake in one is caught by the other.
package streamtest

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Allow says what Inert lets through besides printable text.
type Allow struct {
	SGR     bool // ESC [ digits ; : m that do not conceal text
	Newline bool // '\n'
	Tab     bool // '\t'
}

// Inert returns nil when out could do nothing on a terminal but print text (and
// colours, under Allow.SGR), and otherwise an error saying what it found and where:
// any ESC but an allowed SGR sequence, any other C0 control or DEL, invalid UTF-8,
// a C1 control, a bidi control, a line or paragraph separator, or one of the
// invisible characters the policy lists.
func Inert(out []byte, allow Allow) error {
	for i := 0; i < len(out); {
		c := out[i]
		switch {
		case c == 0x1b:
			if !allow.SGR {
				return fmt.Errorf("ESC at %d: %q", i, around(out, i))
			}
			n, err := sgr(out[i:])
			if err != nil {
				return fmt.Errorf("at %d: %w: %q", i, err, around(out, i))
			}
			i += n
			continue
		case c == '\n' && allow.Newline, c == '\t' && allow.Tab:
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("control byte %#x at %d: %q", c, i, around(out, i))
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(out[i:])
			if r == utf8.RuneError && n == 1 {
				return fmt.Errorf("invalid UTF-8 %#x at %d: %q", c, i, around(out, i))
			}
			if forbidden(r) {
				return fmt.Errorf("%U at %d: %q", r, i, around(out, i))
			}
			i += n
			continue
		}
		i++
	}
	return nil
}

// forbidden lists, range by range, the runes the policy escapes.
func forbidden(r rune) bool {
	for _, rg := range [...][2]rune{
		{0x80, 0x9f},       // C1
		{0xad, 0xad},       // soft hyphen
		{0x61c, 0x61c},     // Arabic letter mark
		{0x200b, 0x200f},   // zero-width space, (non-)joiner, LRM, RLM
		{0x2028, 0x202e},   // line and paragraph separators, embeddings, overrides
		{0x2060, 0x206f},   // word joiner, invisible operators, isolates, deprecated
		{0xfeff, 0xfeff},   // zero-width no-break space (BOM)
		{0xfff9, 0xfffb},   // interlinear annotation
		{0xe0000, 0xe007f}, // tags
	} {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// sgr checks the SGR sequence at the start of b and returns its length.
func sgr(b []byte) (int, error) {
	if len(b) < 3 || b[1] != '[' {
		return 0, fmt.Errorf("ESC not starting SGR")
	}
	end := bytes.IndexByte(b, 'm')
	if end < 0 {
		return 0, fmt.Errorf("unterminated CSI")
	}
	params := b[2:end]
	for _, c := range params {
		if !(c >= '0' && c <= '9' || c == ';' || c == ':') {
			return 0, fmt.Errorf("CSI that is not SGR")
		}
	}
	ext := 0 // parameters still belonging to an extended colour; -1: its model is next
	for _, field := range bytes.Split(params, []byte(";")) {
		first, _, colon := bytes.Cut(field, []byte(":"))
		v := 0
		for _, c := range first {
			v = min(v*10+int(c-'0'), 1000)
		}
		switch {
		case ext == -1:
			switch {
			case v == 5 && !colon:
				ext = 1
			case v == 2 && !colon:
				ext = 3
			default:
				return 0, fmt.Errorf("extended colour of unknown model %d", v)
			}
		case ext > 0:
			ext--
		case v == 8:
			return 0, fmt.Errorf("SGR conceal")
		case (v == 38 || v == 48 || v == 58) && !colon:
			ext = -1
		}
	}
	return end + 1, nil
}

// around returns a few bytes of b around i, for messages.
func around(b []byte, i int) []byte {
	return b[max(i-16, 0):min(i+24, len(b))]
}
