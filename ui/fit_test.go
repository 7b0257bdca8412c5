package ui

import "testing"

// TestFit checks the text-fitting helpers on plain, styled and wide text: a
// row comes out exactly w cells wide, cut with or without an ellipsis.
func TestFit(t *testing.T) {
	const red = "\x1b[31m"
	for _, c := range []struct {
		name, got, want string
	}{
		{"fitRow pads", fitRow("ab", 4), "ab  "},
		{"fitRow cuts", fitRow("abcdef", 4), "abc…"},
		{"fitRow styled", fitRow(red+"abcdef", 4), red + "abc…"},
		{"fitRow exact", fitRow("abcd", 4), "abcd"},
		{"cutRow cuts", cutRow("abcdef", 4), "abcd"},
		{"cutRow pads", cutRow(red+"ab", 4), red + "ab  "},
		{"cutRow wide", cutRow("日本語", 5), "日本 "},
		{"truncateTo short", truncateTo("abc", 5), "abc"},
		{"truncateTo cuts", truncateTo("abcdef", 3), "ab…"},
		{"truncateTo zero", truncateTo("abc", 0), ""},
		{"fitWidth middle", fitWidth("web-7d9f-x2k", 7), "web…x2k"},
		{"fitWidth pads", fitWidth("web", 5), "web  "},
		{"padRight", padRight("ab", 4, 2), "ab  "},
		{"finishRows", finishRows([]string{"ab"}, 2, 2), "ab\n  "},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if w := measure(red + "日本"); w != 4 {
		t.Errorf("measure = %d, want 4", w)
	}
}
