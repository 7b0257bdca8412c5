package ui

import (
	"slices"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/tailui/tailui/stream"
)

// seg is a run of text drawn with one paint. Text holds no escape sequences:
// every line reaching the renderer was sanitized, and styling is carried by
// the paint alone.
type seg struct {
	text string
	p    paint
}

// span paints bytes [start, end) of a plain string.
type span struct {
	start, end int
	p          paint
}

// rowWriter lays segments out into screen rows of exactly width cells: it
// either wraps (continuation rows are indented by indent cells) or cuts at
// width after skipping skip cells, marking the cut with an ellipsis. Every row
// it produces ends with every attribute switched off and is padded with
// spaces, so rows can be placed side by side without styles bleeding.
// A '\n' in the text always starts a new row.
type rowWriter struct {
	width  int
	wrap   bool
	skip   int   // cells to skip at the start of each logical line (no wrap)
	indent int   // indent of continuation rows (wrap)
	base   paint // paint under everything, e.g. reverse for selected lines
	rows   []string

	buf       []byte
	col       int   // cells written in the current row
	skipped   int   // cells skipped so far in this logical line
	cur       paint // paint in effect in buf
	full      bool  // the current row is full and the line goes on (no wrap)
	lastStart int   // buf offset of the last cell written (no wrap), for the ellipsis
	lastW     int
	raw       bool // the row holds SGR sequences of the line itself
}

func (w *rowWriter) reset(width int, wrap bool) {
	w.width, w.wrap = max(width, 1), wrap
	w.rows = w.rows[:0]
	w.buf = w.buf[:0]
	w.col, w.skipped, w.full, w.cur = 0, 0, false, ""
	w.skip, w.indent, w.base = 0, 0, ""
}

func (w *rowWriter) setPaint(p paint) {
	if p == w.cur {
		return
	}
	if w.cur != "" || w.base != "" {
		w.buf = append(w.buf, paintReset...)
	}
	w.buf = append(w.buf, w.base...)
	w.buf = append(w.buf, p...)
	w.cur = p
}

// endRow pads and closes the current row.
func (w *rowWriter) endRow() {
	if w.full {
		// Replace the last cell with an ellipsis that says the line goes on.
		w.buf = w.buf[:w.lastStart]
		w.col -= w.lastW
		w.buf = append(w.buf, "…"...)
		w.col++
	}
	if w.cur != "" || w.raw {
		w.buf = append(w.buf, paintReset...)
		w.cur, w.raw = "", false
	}
	if w.base != "" && w.col < w.width {
		w.buf = append(w.buf, w.base...)
	}
	for w.col < w.width {
		w.buf = append(w.buf, ' ')
		w.col++
	}
	if w.base != "" {
		w.buf = append(w.buf, paintReset...)
	}
	w.rows = append(w.rows, string(w.buf))
	w.buf = w.buf[:0]
	w.col, w.full = 0, false
}

// newRow ends the current row and starts the next one, indented when it
// continues the same line.
func (w *rowWriter) newRow(continuation bool) {
	p := w.cur
	w.endRow()
	if continuation && w.indent > 0 && w.indent < w.width/2 {
		if w.base != "" {
			w.buf = append(w.buf, w.base...)
		}
		for range w.indent {
			w.buf = append(w.buf, ' ')
		}
		w.col = w.indent
		if w.base != "" {
			w.buf = append(w.buf, paintReset...)
		}
	}
	if !continuation {
		w.skipped = 0
	}
	w.setPaint(p)
}

// write adds text in paint p. It is the TUI's last boundary before the screen:
// lines reach it sanitized, but whatever else comes in, only the SGR sequences
// stream.Sanitize keeps pass, and every other control, escape or rune that the
// sanitizing policy names is drawn as its visible escape ("\x1b", "\u202e").
func (w *rowWriter) write(text string, p paint) {
	for len(text) > 0 {
		if text[0] == '\n' {
			w.newRow(true)
			w.skipped = 0
			text = text[1:]
			continue
		}
		if text[0] == 0x1b {
			if n := stream.KeptSGRLen(text); n > 0 {
				w.buf = append(w.buf, text[:n]...)
				w.raw = true
				text = text[n:]
				continue
			}
		}
		// Fast path: a run of printable ASCII.
		n := 0
		for n < len(text) && text[n] >= 0x20 && text[n] < 0x7f {
			n++
		}
		if n > 0 {
			w.writeASCII(text[:n], p)
			text = text[n:]
			continue
		}
		if text[0] == '\t' {
			// Tabs are expanded before measuring; one left here is a space.
			w.writeCluster(" ", 1, p)
			text = text[1:]
			continue
		}
		if text[0] < utf8.RuneSelf {
			// Any other control byte, ESC included: shown as its escape.
			w.writeASCII(stream.SanitizeString(text[:1], stream.SanitizeOptions{}), p)
			text = text[1:]
			continue
		}
		cl, rest, gw, _ := uniseg.FirstGraphemeClusterInString(text, -1)
		text = rest
		if safe := stream.SanitizeString(cl, stream.SanitizeOptions{}); safe != cl {
			// C1, bidi, invisible runes or invalid UTF-8 in the cluster:
			// draw the sanitized cluster, which holds none of them.
			w.write(safe, p)
			continue
		}
		w.writeCluster(cl, gw, p)
	}
}

func (w *rowWriter) writeASCII(s string, p paint) {
	for len(s) > 0 {
		if !w.wrap && w.skipped < w.skip {
			k := min(len(s), w.skip-w.skipped)
			w.skipped += k
			s = s[k:]
			continue
		}
		if w.full {
			return
		}
		room := w.width - w.col
		if room == 0 {
			if w.wrap {
				w.newRow(true)
				continue
			}
			w.full = true
			return
		}
		k := min(room, len(s))
		w.setPaint(p)
		w.lastStart = len(w.buf) + k - 1
		w.lastW = 1
		w.buf = append(w.buf, s[:k]...)
		w.col += k
		s = s[k:]
	}
}

func (w *rowWriter) writeCluster(cl string, gw int, p paint) {
	if !w.wrap && w.skipped < w.skip {
		w.skipped += gw
		return
	}
	if w.full {
		return
	}
	if w.col+gw > w.width {
		if w.wrap && gw <= w.width {
			w.newRow(true)
		} else {
			w.full = true
			return
		}
	}
	w.setPaint(p)
	w.lastStart, w.lastW = len(w.buf), gw
	w.buf = append(w.buf, cl...)
	w.col += gw
}

// finish closes the last row and returns all rows.
func (w *rowWriter) finish() []string {
	w.endRow()
	return w.rows
}

// overlay splits plain into segments painted by base spans, with over spans
// (search matches, highlights) drawn on top: where both apply the paints are
// combined, over last. Spans may overlap and need not be sorted.
func overlay(plain string, base, over []span) []seg {
	if len(base) == 0 && len(over) == 0 {
		return []seg{{plain, ""}}
	}
	clamp := func(v int) int { return min(max(v, 0), len(plain)) }
	cuts := make([]int, 0, 2+2*(len(base)+len(over)))
	cuts = append(cuts, 0, len(plain))
	for _, s := range base {
		cuts = append(cuts, clamp(s.start), clamp(s.end))
	}
	for _, s := range over {
		cuts = append(cuts, clamp(s.start), clamp(s.end))
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	out := make([]seg, 0, len(cuts))
	start, cp := 0, paint("")
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		var p paint
		for _, s := range base {
			if s.start <= a && b <= s.end {
				p = s.p
			}
		}
		for _, s := range over {
			if s.start <= a && b <= s.end {
				p += s.p
			}
		}
		if a > start && p != cp {
			out = append(out, seg{plain[start:a], cp})
			start = a
		}
		cp = p
	}
	if start < len(plain) {
		out = append(out, seg{plain[start:], cp})
	}
	return out
}
