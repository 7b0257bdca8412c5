package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/tailui/tailui/stream"
)

func TestRateHistBars(t *testing.T) {
	var h rateHist
	base := int64(1_000_000)
	for s := base - 599; s <= base; s++ {
		h.add(time.Unix(s, 0), false)
	}
	for range 50 {
		h.add(time.Unix(base-300, 0), true) // a spike of errors 5 minutes ago
	}
	h.add(time.Unix(base-10_000, 0), false) // too old: not counted
	lines, errs, step := h.bars(base, 60)
	if step != 10 || len(lines) != 60 {
		t.Fatalf("step %d, %d bars", step, len(lines))
	}
	total, spike := 0, -1
	for i := range lines {
		total += lines[i]
		if errs[i] > 0 {
			spike = i
		}
	}
	if total != 650 || spike != 29 || errs[29] != 50 || lines[29] != 60 {
		t.Errorf("total %d, error bar %d with %d errors of %d lines; want 650, bar 29 with 50 of 60", total, spike, errs[29], lines[29])
	}
}

// TestRatesRowAndClick: R shows the histogram under the title; a click on the
// spike's bar jumps to its first line.
func TestRatesRowAndClick(t *testing.T) {
	m, p, f := onePane(t, 80, 20, 0)
	var ls []stream.Line
	for i := range 600 {
		ls = append(ls, stream.Line{Origin: oWeb, Time: testNow.Add(time.Duration(i-599) * time.Second), Text: fmt.Sprintf("level=info n=%d", i)})
	}
	for i := range 40 {
		ls = append(ls, stream.Line{Origin: oWeb, Time: testNow.Add(-120 * time.Second), Text: fmt.Sprintf("level=error spike=%d", i)})
	}
	f.lines(ls...).flush()
	press(m, "R")
	sc := screen(t, m)
	rows := strings.Split(sc, "\n")
	if !strings.Contains(rows[1], "█") || !strings.Contains(rows[1], " max ") {
		t.Fatalf("no histogram under the title:\n%s", strings.Join(rows[:3], "\n"))
	}
	// Bars: 54 of them (80 - 26), 12 s each, ending at testNow; the spike at -120 s.
	x := p.rateBars - 1 - int(120/p.rateStep)
	runCmd(m, send(m, tea.MouseClickMsg{X: x, Y: 1, Button: tea.MouseLeft}))
	start := p.rateEnd - int64(p.rateBars-x)*p.rateStep + 1
	want := fmt.Sprintf("level=info n=%d", start-(testNow.Unix()-599))
	if got := spotText(p); got != want {
		t.Errorf("click on bar %d: spot %q, want %q", x, got, want)
	}
	if !strings.Contains(m.status.text, time.Unix(start, 0).UTC().Format("15:04:05")) {
		t.Errorf("status %q", m.status.text)
	}
	press(m, "R")
	if strings.Contains(strings.Split(screen(t, m), "\n")[1], " max ") {
		t.Errorf("R did not hide the histogram")
	}
}
