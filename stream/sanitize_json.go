package stream

import "unicode/utf8"

// AppendJSONString appends s to dst as a JSON string, quotes included, under
// Sanitize's policy: every rune Sanitize would escape (C0 controls, DEL, C1 and bidi
// controls, the line separators and the invisible characters Sanitize lists) is
// written as a \u escape ("\u001b", "\u202e"; a surrogate pair above U+FFFF), so that
// the output holds none of them raw and a JSON decoder gets s back exactly. Invalid
// UTF-8 becomes "\ufffd", as encoding/json writes it. Unlike encoding/json it leaves
// '<', '>' and '&' alone: the output is for terminals and scripts, not HTML.
//
// It does not allocate when dst has room.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case escapedRune(r):
			dst = append(dst, s[start:i]...)
			if r > 0xffff {
				r -= 0x10000
				dst = appendU(dst, 0xd800+r>>10)
				dst = appendU(dst, 0xdc00+r&0x3ff)
			} else {
				dst = appendU(dst, r)
			}
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendU appends the JSON escape \uXXXX of r (r <= 0xffff).
func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}
