package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tailui/tailui/stream"
)

// TestContextToggle: C shows 3 lines around each line the filter keeps (faint),
// merging overlaps, as new lines arrive too; C again hides them.
func TestContextToggle(t *testing.T) {
	m, p, f := onePane(t, 100, 30, 0)
	var ls []stream.Line
	for i := range 40 {
		text := fmt.Sprintf("line %d", i)
		if i == 10 || i == 14 || i == 30 {
			text += " HIT"
		}
		ls = append(ls, stream.Line{Origin: oWeb, Text: text})
	}
	f.lines(ls...).flush()
	press(m, "f")
	typeText(m, "HIT")
	press(m, "enter")
	if p.buf.count() != 3 {
		t.Fatalf("filter: %d lines, want 3", p.buf.count())
	}
	press(m, "C")
	// 7..17 (10 and 14 overlap) and 27..33.
	var got []string
	for k := range p.buf.count() {
		e, _ := p.buf.get(p.buf.absAt(k))
		got = append(got, strings.TrimPrefix(e.plain(), "line "))
	}
	if want := "7 8 9 10 HIT 11 12 13 14 HIT 15 16 17 27 28 29 30 HIT 31 32 33"; strings.Join(got, " ") != want {
		t.Errorf("with context:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if e, _ := p.buf.get(7); !p.buf.isContext(&e) {
		t.Error("line 7 is not drawn as context")
	}
	// Live: a new match brings its 3 lines before; the 3 after follow as they come.
	f.lines(stream.Line{Origin: oWeb, Text: "line 40"}, stream.Line{Origin: oWeb, Text: "line 41 HIT"},
		stream.Line{Origin: oWeb, Text: "line 42"}, stream.Line{Origin: oWeb, Text: "line 43"},
		stream.Line{Origin: oWeb, Text: "line 44"}, stream.Line{Origin: oWeb, Text: "line 45"}).flush()
	if n := p.buf.count(); n != 18+3+1+3 {
		t.Errorf("after live lines: %d shown, want 25 (38, 39, 40, 41, 42, 43, 44 added)", n)
	}
	press(m, "C")
	if p.buf.count() != 4 {
		t.Errorf("C off: %d lines, want the 4 matches", p.buf.count())
	}
}

// TestSearchKeepsItsPlaceWhenTheFilterChanges: the current match stays current
// when a filter hides other lines, and moves to the next one when it hides it.
func TestSearchKeepsItsPlaceWhenTheFilterChanges(t *testing.T) {
	m, p, f := onePane(t, 100, 10, 0)
	var ls []stream.Line
	for i := range 200 {
		lvl := "info"
		if i%2 == 0 {
			lvl = "warn"
		}
		ls = append(ls, stream.Line{Origin: oWeb, Text: fmt.Sprintf("level=%s n=%d needle", lvl, i)})
	}
	f.lines(ls...).flush()
	press(m, "/")
	typeText(m, "needle")
	press(m, "enter")
	for range 100 {
		press(m, "N") // back to n=99, far above the screen
	}
	cur := p.cur
	if e, _ := p.buf.get(cur); !strings.Contains(e.plain(), "n=99 ") {
		t.Fatalf("current match %q", e.plain())
	}
	// A filter that hides n=99 (info): the next match (n=100) is current, on screen.
	press(m, "&")
	typeText(m, "level>=warn")
	press(m, "enter")
	if e, _ := p.buf.get(p.cur); !strings.Contains(e.plain(), "n=100 ") {
		t.Errorf("after the filter, current match %q, want n=100", e.plain())
	}
	if first, last, _ := p.visibleRange(); p.cur < first || p.cur > last {
		t.Errorf("the current match is not on screen")
	}
	// Removing the filter keeps it current and on screen.
	press(m, "c", "D")
	if e, _ := p.buf.get(p.cur); !strings.Contains(e.plain(), "n=100 ") {
		t.Errorf("after removing the filter, current match %q", e.plain())
	}
	if first, last, _ := p.visibleRange(); p.cur < first || p.cur > last {
		t.Errorf("the current match is not on screen after the filter went")
	}
}
