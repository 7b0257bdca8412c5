package stream

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// SanitizeOptions controls Sanitize.
type SanitizeOptions struct {
	// KeepSGR keeps well-formed SGR sequences, ESC [ params m with params made only
	// of digits, ';' and ':' (at most 64 bytes of them), so that colours survive.
	// A sequence that would conceal text (SGR 8) is never kept. When any sequence is
	// kept and the last one kept does not reset all attributes, "ESC[m" is appended so
	// that colour cannot leak past the end of the line.
	KeepSGR bool
}

// maxSGRParams bounds the parameter bytes of an SGR sequence Sanitize recognizes.
const maxSGRParams = 64

// Sanitize returns b as text that is inert on a terminal. Log lines are hostile: they
// may clear the screen, set the title, write the clipboard (OSC 52), plant fake
// hyperlinks (OSC 8), query the terminal, reorder text with bidi controls or hide
// text with invisible characters. This comment is tailui's one policy for text from
// outside (log lines, label names and values, JSON keys, pod and container names,
// API and server messages, errors): every way such text reaches a terminal or a file
// passes through Sanitize, SanitizeString or AppendJSONString, which share it
// (docs/protocols.md, "Log lines are hostile input", says where each boundary is).
//
// What it does, byte by byte:
//
//   - Printable ASCII and valid UTF-8 pass through. TAB is kept as is: how far it
//     reaches depends on the column it lands in, which only the renderer knows
//     (x/ansi measures TAB as zero wide, so renderers expand it before measuring).
//   - SGR sequences (ESC [ digits ; : m) are removed, or kept under KeepSGR. A
//     sequence that conceals text (SGR 8, in any spelling: "ESC[8m", "ESC[08m",
//     "ESC[0;8m", "ESC[8;31m", the colon form "ESC[8:0m") or that names a colour
//     model tailui does not know ("ESC[38;9;8m") is always removed.
//   - Every other C0 control, DEL, and the ESC that introduces any other sequence
//     (CSI, OSC, DCS, APC, PM, SOS, ...) is shown as a Go-style byte escape, "\x1b".
//     The rest of such a sequence is then ordinary printable text: "\x1b]52;c;..."
//     shows the reader exactly what was attempted, and no longer does anything.
//     NUL is "\x00", a lone CR is "\x0d", BEL is "\x07".
//   - These runes are shown as Go-style rune escapes, "\u202e" (and "\U000e0041"
//     above U+FFFF), never passed and never silently removed:
//     C1 controls (U+0080–U+009F);
//     bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069);
//     the line and paragraph separators (U+2028, U+2029);
//     invisible and spoofing characters: the soft hyphen U+00AD, the zero-width
//     space, non-joiner and joiner U+200B–U+200D, the word joiner and invisible
//     operators U+2060–U+2064 (and unassigned U+2065), the deprecated format
//     controls U+206A–U+206F, the byte order mark / zero-width no-break space
//     U+FEFF, the interlinear annotation controls U+FFF9–U+FFFB, and the tag block
//     U+E0000–U+E007F (which can carry a whole hidden ASCII message).
//     The zero-width joiner is among them, so an emoji ZWJ sequence shows its parts
//     and "\u200d" between them: visible beats pretty for text an attacker writes.
//   - Each byte of invalid UTF-8 is shown as "\xff" rather than U+FFFD, so binary
//     junk stays distinguishable and no information is lost.
//
// Escapes are plain ASCII, visible in every font and as wide as they are long. A
// literal backslash in the input is not escaped, so "\x1b" in the output may also
// have been typed by the logger; what matters is that the output is inert.
//
// A line that needs no change (the common case, with or without kept colours) costs
// one scan and the string conversion; printable ASCII is scanned eight bytes at a
// time. The output is always valid UTF-8, and Sanitize of its own output changes
// nothing.
func Sanitize(b []byte, opt SanitizeOptions) string {
	if IsClean(b, opt) {
		return string(b)
	}
	return sanitizeSlow(b, opt)
}

// IsClean reports whether Sanitize would return b unchanged, at the cost of one scan
// and nothing allocated. A reader that cuts many lines from one buffer uses it to
// copy the clean ones into one string of its own (see Sanitize's comment for what
// clean means).
func IsClean(b []byte, opt SanitizeOptions) bool {
	i := cleanPrefix(b)
	return i == len(b) || safeFrom(b, i, opt.KeepSGR)
}

// SanitizeString is Sanitize for a string. It returns s itself, without allocating,
// when s needs no change.
func SanitizeString(s string, opt SanitizeOptions) string {
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	if i := cleanPrefix(b); i == len(b) || safeFrom(b, i, opt.KeepSGR) {
		return s
	}
	return sanitizeSlow(b, opt)
}

// KeptSGRLen returns the length of the SGR sequence at the start of s that Sanitize
// keeps under KeepSGR, or 0 when s does not start with one. Renderers use it to pass
// a line's own colours and nothing else.
func KeptSGRLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b {
		return 0
	}
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	n, drop, _ := sgrLen(b)
	if drop {
		return 0
	}
	return n
}

// safeFrom reports whether b[i:] holds only bytes Sanitize passes through unchanged:
// TAB, printable ASCII and valid UTF-8 other than the runes it escapes, and under
// keepSGR the SGR sequences it keeps, the last of them resetting every attribute.
func safeFrom(b []byte, i int, keepSGR bool) bool {
	reset := true
	for i < len(b) {
		i += cleanPrefix(b[i:])
		if i == len(b) {
			break
		}
		c := b[i]
		if c == '\t' {
			i++
			continue
		}
		if c == 0x1b && keepSGR {
			n, drop, isReset := sgrLen(b[i:])
			if n == 0 || drop {
				return false
			}
			reset = isReset
			i += n
			continue
		}
		if c < 0x80 {
			return false
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || escapedRune(r) {
			return false
		}
		i += n
	}
	return reset
}

// cleanPrefix returns the length of the longest prefix of b made of printable ASCII
// (0x20–0x7E), checking eight bytes at a time.
func cleanPrefix(b []byte) int {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte < 0x20 sets its high bit in x-0x20..; a byte >= 0x7F sets it in
		// x+0x01.. or already has it. Borrows and carries only ever add false alarms
		// after a true one, and the byte loop below settles those.
		if ((x-0x20*ones)|(x+ones)|x)&high != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x7f {
			break
		}
	}
	return i
}

// escapedRune reports whether Sanitize escapes the valid rune r (r >= 0x80): the
// runes listed in Sanitize's comment. Most text never gets past the first two cases.
func escapedRune(r rune) bool {
	switch {
	case r < 0xa0: // C1
		return true
	case r < 0x2000:
		return r == 0xad || r == 0x61c
	case r < 0x2070:
		return r >= 0x200b && r <= 0x200f || // ZWSP, ZWNJ, ZWJ, LRM, RLM
			r >= 0x2028 && r <= 0x202e || // LS, PS, bidi embeddings and overrides
			r >= 0x2060 // word joiner, invisible operators, bidi isolates, deprecated format controls
	case r < 0xfeff:
		return false
	case r < 0x10000:
		return r == 0xfeff || r >= 0xfff9 && r <= 0xfffb // BOM, interlinear annotation
	}
	return r >= 0xe0000 && r <= 0xe007f // tags
}

// IsEscapedRune reports whether Sanitize shows r as an escape rather than itself:
// ASCII controls and DEL, and the runes listed in Sanitize's comment.
func IsEscapedRune(r rune) bool {
	if r < 0x80 {
		return r < 0x20 && r != '\t' || r == 0x7f
	}
	return escapedRune(r)
}

const hexDigits = "0123456789abcdef"

func sanitizeSlow(b []byte, opt SanitizeOptions) string {
	var out strings.Builder
	out.Grow(len(b) + 16)
	start := 0    // first byte not yet copied to out
	kept := false // an SGR sequence was kept
	reset := true // the last SGR kept (if any) reset all attributes
	flush := func(i int) { out.Write(b[start:i]) }
	escByte := func(c byte) {
		out.WriteString(`\x`)
		out.WriteByte(hexDigits[c>>4])
		out.WriteByte(hexDigits[c&15])
	}
	for i := 0; i < len(b); {
		i += cleanPrefix(b[i:])
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '\t':
			i++
		case c == 0x1b:
			flush(i)
			if n, drop, isReset := sgrLen(b[i:]); n > 0 {
				if opt.KeepSGR && !drop {
					out.Write(b[i : i+n])
					kept, reset = true, isReset
				}
				i += n
			} else {
				escByte(c)
				i++
			}
			start = i
		case c < 0x80:
			flush(i)
			escByte(c)
			i++
			start = i
		default:
			r, n := utf8.DecodeRune(b[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				flush(i)
				escByte(c)
				start = i + 1
			case escapedRune(r):
				flush(i)
				shift := 12
				if r > 0xffff {
					out.WriteString(`\U`)
					shift = 28
				} else {
					out.WriteString(`\u`)
				}
				for ; shift >= 0; shift -= 4 {
					out.WriteByte(hexDigits[r>>shift&15])
				}
				start = i + n
			}
			i += n
		}
	}
	flush(len(b))
	if kept && !reset {
		out.WriteString("\x1b[m")
	}
	return out.String()
}

// sgrLen returns the length of the SGR sequence at the start of b (which starts with
// ESC), or 0 if there is none, and reports whether Sanitize must drop it even under
// KeepSGR (see sgrParams) and whether it resets every attribute.
func sgrLen(b []byte) (n int, drop, reset bool) {
	if len(b) < 3 || b[1] != '[' {
		return 0, false, false
	}
	end := 2
	for ; end < len(b); end++ {
		c := b[end]
		if c == 'm' {
			break
		}
		if !(c >= '0' && c <= '9' || c == ';' || c == ':') || end-2 >= maxSGRParams {
			return 0, false, false
		}
	}
	if end >= len(b) || b[end] != 'm' {
		return 0, false, false
	}
	drop, reset = sgrParams(b[2:end])
	return end + 1, drop, reset
}

// sgrParams walks the parameters of an SGR sequence and reports whether it must be
// dropped, and whether together its parameters only reset attributes.
//
// A sequence is dropped when any parameter selects concealed text (8), whether it
// stands alone, has leading zeros ("08") or sub-parameters ("8:0": terminals act on
// the first one), and when an extended colour (38, 48, 58) names a colour model
// other than 2 (RGB) or 5 (indexed): how a terminal parses what follows an unknown
// model varies, and a later parameter it reads as 8 would conceal the text.
func sgrParams(p []byte) (drop, reset bool) {
	reset = true
	skip := 0 // > 0: fields left of an extended colour; -1: its colour model comes next
	for {
		field := p
		i := bytes.IndexByte(p, ';')
		if i >= 0 {
			field = p[:i]
		}
		v, colon := 0, false
		for _, c := range field {
			if c == ':' {
				colon = true
				break
			}
			v = min(v*10+int(c-'0'), 1000)
		}
		if v != 0 || colon {
			reset = false
		}
		switch {
		case skip == -1:
			switch {
			case colon:
				drop = true // 38;2:... mixes the forms: no terminal agrees on it
			case v == 5: // 38;5;n
				skip = 1
			case v == 2: // 38;2;r;g;b
				skip = 3
			default:
				drop = true
			}
		case skip > 0:
			skip--
		case v == 8:
			drop = true
		case colon: // 38:2::r:g:b and friends carry their colour inside the field
		case v == 38 || v == 48 || v == 58:
			skip = -1
		}
		if i < 0 {
			if skip != 0 {
				drop = true // an extended colour cut short: 38;5 or 38;2;1;2
			}
			return drop, reset
		}
		p = p[i+1:]
	}
}
