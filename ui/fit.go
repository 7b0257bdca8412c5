package ui

// The text-fitting helpers: every row that must be exactly so many cells wide
// goes through these.

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// measure returns the display width of s, without escape sequences.
func measure(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// padRight pads s (which may hold escape sequences) with spaces to width cells.
func padRight(s string, width, have int) string {
	if have >= width {
		return s
	}
	return s + strings.Repeat(" ", width-have)
}

// truncateTo cuts s to at most w cells with an ellipsis.
func truncateTo(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if measure(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// fitRow cuts (with an ellipsis) or pads a styled row to exactly w cells.
func fitRow(s string, w int) string { return fit(s, w, "…") }

// cutRow cuts (without an ellipsis) or pads a styled row to exactly w cells.
func cutRow(s string, w int) string { return fit(s, w, "") }

// fit cuts s to w cells, ending it with tail when cut, and pads it with spaces
// to exactly w cells.
func fit(s string, w int, tail string) string {
	n := measure(s)
	if n > w {
		s = ansi.Truncate(s, w, tail)
		n = measure(s)
	}
	return padRight(s, w, n)
}

// fitWidth pads or cuts s to exactly w cells, cutting in the middle so that
// both the start and the distinctive end of pod names stay readable.
func fitWidth(s string, w int) string {
	n := measure(s)
	if n <= w {
		return s + strings.Repeat(" ", w-n)
	}
	if w <= 1 {
		return strings.Repeat("…", max(w, 0))
	}
	rs := []rune(s)
	if len(rs) != n { // wide runes: cut the tail
		var rw rowWriter
		rw.reset(w, false)
		rw.write(s, "")
		return rw.finish()[0]
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return string(rs[:head]) + "…" + string(rs[len(rs)-tail:])
}

// finishRows pads rows to exactly h rows of w cells and joins them.
func finishRows(rows []string, w, h int) string {
	for len(rows) < h {
		rows = append(rows, strings.Repeat(" ", w))
	}
	return strings.Join(rows[:h], "\n")
}
