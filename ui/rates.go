package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// rateSpan is how far back a pane's rate histogram reaches, one bucket a second.
const rateSpan = 600

// rateHist counts a pane's lines and error lines per second of their timestamps
// (their arrival when they carry none) over the last rateSpan seconds: a fixed
// ring, nothing allocated per line.
type rateHist struct {
	sec   [rateSpan]int64 // the Unix second a bucket holds, 0 when empty
	lines [rateSpan]int32
	errs  [rateSpan]int32
	last  int64 // newest second seen
}

func (h *rateHist) add(t time.Time, isErr bool) {
	s := t.Unix()
	if s <= h.last-rateSpan {
		return // older than the histogram reaches
	}
	h.last = max(h.last, s)
	i := s % rateSpan
	if h.sec[i] != s {
		h.sec[i], h.lines[i], h.errs[i] = s, 0, 0
	}
	h.lines[i]++
	if isErr {
		h.errs[i]++
	}
}

// bars sums the histogram into n bars that end at the second end, each covering
// step seconds; lines and errs are per bar.
func (h *rateHist) bars(end int64, n int) (lines, errs []int, step int64) {
	step = max(int64(1), (rateSpan+int64(n)-1)/int64(n))
	lines, errs = make([]int, n), make([]int, n)
	start := end - int64(n)*step + 1
	for s := max(start, end-rateSpan+1); s <= end; s++ {
		i := s % rateSpan
		if s < 0 || h.sec[i] != s {
			continue
		}
		b := (s - start) / step
		lines[b] += int(h.lines[i])
		errs[b] += int(h.errs[i])
	}
	return lines, errs, step
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// ratesRow draws the histogram row of the pane: one bar per step seconds ending
// now, error bars in the error colour, the highest rates at the right. It records
// where the bars start so that a click can find its second.
func (p *pane) ratesRow() string {
	st := p.c.styles
	now := p.c.now.Unix()
	// The label's width is fixed so that the bars do not move as the numbers change.
	const labelWidth = 26
	n := p.width
	if n > 2*labelWidth {
		n -= labelWidth
	}
	n = max(n, 1)
	lines, errs, step := p.rates.bars(now, n)
	peak, peakErr := 0, 0
	for i := range lines {
		peak, peakErr = max(peak, lines[i]), max(peakErr, errs[i])
	}
	var b strings.Builder
	for i, c := range lines {
		r := ' '
		if c > 0 {
			r = sparks[min(len(sparks)-1, (c*len(sparks)-1)/max(peak, 1))]
		}
		pt := st.pTimestamp
		if errs[i] > 0 {
			pt = st.pLevel[levelError]
		}
		if pt != "" {
			b.WriteString(string(pt) + string(r) + paintReset)
		} else {
			b.WriteRune(r)
		}
	}
	label := ""
	if n < p.width {
		label = " max " + formatRate(float64(peak)/float64(step))
		if peakErr > 0 {
			label += " err " + formatRate(float64(peakErr)/float64(step))
		}
		label = fitWidth(label+fmt.Sprintf(" · %dm", rateSpan/60), p.width-n)
	}
	p.rateStep, p.rateEnd, p.rateBars = step, now, n
	return b.String() + st.Faint.Render(label)
}

// clickRate jumps to the first line of the second under bar x of the rates row.
func (p *pane) clickRate(x int) tea.Cmd {
	if !p.showRates || x < 0 || x >= p.rateBars {
		return nil
	}
	start := p.rateEnd - int64(p.rateBars-x)*p.rateStep + 1
	t := time.Unix(start, 0)
	abs, ok := p.buf.nearestTime(t)
	if !ok {
		return statusCmd("no line with a time to jump to", true)
	}
	p.spot = abs
	p.invalidate()
	p.reveal(abs)
	return statusCmd(fmt.Sprintf("%s–%s", t.In(p.c.loc).Format("15:04:05"), t.Add(time.Duration(p.rateStep)*time.Second).In(p.c.loc).Format("15:04:05")), false)
}
