package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tailui/tailui/stream"
)

// levelPane is a pane of 100 lines: line i is an error when i%10 == 3, a warning
// when i%10 == 6, info otherwise.
func levelPane(t *testing.T) (*Model, *pane, *feeder) {
	t.Helper()
	m, p, f := onePane(t, 100, 20, 0)
	var ls []stream.Line
	for i := range 100 {
		lvl := "info"
		switch i % 10 {
		case 3:
			lvl = "error"
		case 6:
			lvl = "warn"
		}
		ls = append(ls, stream.Line{Origin: oWeb, Time: testNow, Text: fmt.Sprintf("level=%s msg=m n=%d", lvl, i)})
	}
	f.lines(ls...).flush()
	return m, p, f
}

func spotText(p *pane) string {
	e, ok := p.buf.get(p.spot)
	if !ok {
		return ""
	}
	return e.plain()
}

func TestLevelJumps(t *testing.T) {
	m, p, _ := levelPane(t)
	if !strings.Contains(screen(t, m), "E10 W10") {
		t.Errorf("the title does not count levels:\n%s", firstLinesOf(screen(t, m), 1))
	}
	// Backward from the bottom: the newest error, then the one before.
	press(m, "E")
	if got := spotText(p); !strings.HasSuffix(got, "n=93") {
		t.Fatalf("E: spot %q, want n=93", got)
	}
	press(m, "E")
	if got := spotText(p); !strings.HasSuffix(got, "n=83") {
		t.Fatalf("E E: spot %q, want n=83", got)
	}
	// [ takes warnings too: n=76 is before n=83.
	press(m, "[")
	if got := spotText(p); !strings.HasSuffix(got, "n=76") {
		t.Fatalf("[: spot %q, want n=76", got)
	}
	press(m, "]", "]")
	if got := spotText(p); !strings.HasSuffix(got, "n=86") {
		t.Fatalf("] ]: spot %q, want n=86", got)
	}
	press(m, "e")
	if got := spotText(p); !strings.HasSuffix(got, "n=93") {
		t.Fatalf("e: spot %q, want n=93", got)
	}
	press(m, "e")
	if !strings.Contains(m.status.text, "no error or above after this point") {
		t.Errorf("e past the last error: status %q", m.status.text)
	}
	// Far up: the pane scrolls to reveal the line, which is drawn highlighted.
	for range 8 {
		press(m, "E")
	}
	if got := spotText(p); !strings.HasSuffix(got, "n=13") {
		t.Fatalf("E x8: spot %q, want n=13", got)
	}
	if first, last, _ := p.visibleRange(); p.spot < first || p.spot > last {
		t.Errorf("the spot line is not on screen")
	}
}

func TestMinLevel(t *testing.T) {
	m, p, f := levelPane(t)
	for _, want := range []struct {
		lvl   level
		n     int
		badge string
	}{{levelInfo, 100, "filter ≥info: 100/100"}, {levelWarn, 20, "filter ≥warn: 20/100"}, {levelError, 10, "filter ≥error: 10/100"}, {levelNone, 100, "E10 W10"}} {
		press(m, "L")
		if p.minLevel != want.lvl || p.buf.count() != want.n {
			t.Errorf("L: min level %v with %d lines, want %v with %d", p.minLevel, p.buf.count(), want.lvl, want.n)
		}
		if sc := screen(t, m); !strings.Contains(sc, want.badge) {
			t.Errorf("min level %v: no %q in\n%s", p.minLevel, want.badge, firstLinesOf(sc, 1))
		}
	}
	// Lines without a level are hidden at warn; markers stay.
	press(m, "L", "L")
	f.lines(stream.Line{Origin: oWeb, Text: "no level here"}, stream.Line{Origin: oWeb, Kind: stream.KindGap, Text: "gap"}).flush()
	if p.minLevel != levelWarn || p.buf.count() != 21 {
		t.Errorf("min %v: %d lines, want 20 and the marker", p.minLevel, p.buf.count())
	}
}

func firstLinesOf(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	return strings.Join(ls[:min(n, len(ls))], "\n")
}

// TestLevelCountsFollowTheRing: counts are of the lines kept, not of all received.
func TestLevelCountsFollowTheRing(t *testing.T) {
	b := newBuffer(10)
	for i := range 25 {
		text := "INFO ok"
		if i%5 == 0 {
			text = "ERROR bad"
		}
		b.push(newEntry(stream.Line{Origin: oWeb, Text: text}))
	}
	// Kept: lines 15..24, errors at 15 and 20.
	if b.levels[levelError] != 2 || b.levels[levelInfo] != 8 {
		t.Errorf("levels %v, want 2 errors and 8 info", b.levels)
	}
}
