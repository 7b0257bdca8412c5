package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/tailui/tailui/stream"
)

// stateSummary describes the pane's sources for the title bar.
func (p *pane) stateSummary() (string, int) {
	const (
		toneOK = iota
		toneWarn
		toneErr
		toneDim
	)
	if len(p.statuses) == 0 {
		return "◌ connecting", toneDim
	}
	var counts [stream.StateFailed + 1]int
	var first [stream.StateFailed + 1]stream.Status
	for _, o := range p.statusOrd {
		s := p.statuses[o]
		if s.State < 0 || s.State > stream.StateFailed {
			continue
		}
		if counts[s.State] == 0 {
			first[s.State] = s
		}
		counts[s.State]++
	}
	total := len(p.statusOrd)
	rate := formatRate(p.rate)
	single := func(st stream.State) bool { return counts[st] == total }
	switch {
	case single(stream.StateLive):
		return "● live " + rate, toneOK
	case single(stream.StateFailed):
		return "✖ failed: " + clean(first[stream.StateFailed].Err), toneErr
	case single(stream.StateReconnecting):
		s := first[stream.StateReconnecting]
		return "↻ " + reconnectText(s, p.c.now), toneWarn
	case single(stream.StateEnded):
		return "■ ended", toneDim
	case single(stream.StateConnecting):
		return "◌ connecting", toneDim
	case single(stream.StateQueued):
		return "… queued", toneDim
	}
	var parts []string
	names := [...]string{"connecting", "live", "reconnecting", "queued", "ended", "failed"}
	for st := stream.StateConnecting; st <= stream.StateFailed; st++ {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], names[st]))
		}
	}
	tone := toneOK
	switch {
	case counts[stream.StateFailed] > 0:
		tone = toneErr
	case counts[stream.StateReconnecting] > 0 || counts[stream.StateConnecting] > 0:
		tone = toneWarn
	}
	return "● " + strings.Join(parts, " · ") + " " + rate, tone
}

func reconnectText(s stream.Status, now time.Time) string {
	t := "reconnecting"
	if s.Attempt > 0 {
		t += fmt.Sprintf(" (attempt %d", s.Attempt)
		if !s.NextTry.IsZero() && s.NextTry.After(now) {
			t += fmt.Sprintf(", next in %s", s.NextTry.Sub(now).Round(time.Second))
		}
		t += ")"
	}
	if s.Err != "" {
		t += ": " + clean(s.Err)
	}
	return t
}

// formatRate formats lines per second compactly: 0/s, 0.4/s, 42/s, 1.2k/s, 50k/s.
func formatRate(r float64) string {
	switch {
	case r == 0:
		return "0/s"
	case r < 10:
		return fmt.Sprintf("%.1f/s", r) // a quiet pod still shows it is alive
	case r < 1000:
		return fmt.Sprintf("%d/s", int(r))
	case r < 10000:
		return fmt.Sprintf("%.1fk/s", r/1000)
	}
	return fmt.Sprintf("%dk/s", int(r/1000))
}

// formatCount formats a count compactly: 999, 1.2k, 12k, 1.5M.
func formatCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 10000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	case n < 1_000_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}

// levelCounts is the title's count of error and warning lines kept, "E3 W12"
// ("" when there are none): errors include fatal lines.
func (p *pane) levelCounts() string {
	e := p.buf.levels[levelError] + p.buf.levels[levelFatal]
	w := p.buf.levels[levelWarn]
	var parts []string
	if e > 0 {
		parts = append(parts, "E"+formatCount(int64(e)))
	}
	if w > 0 {
		parts = append(parts, "W"+formatCount(int64(w)))
	}
	return strings.Join(parts, " ")
}

// titleBar draws the pane's title: number, name, source state and badges
// for everything that changes what the pane shows.
func (p *pane) titleBar() string {
	st := p.c.styles
	bar, badge := st.TitleBlurred, st.TitleBlurred.Bold(true)
	mark := " "
	if p.focused {
		bar, badge = st.TitleFocused, st.TitleFocused
		mark = "▶"
	}
	state, tone := p.stateSummary()
	toneStyle := bar
	switch tone {
	case 1:
		toneStyle = st.titleWarn(p.focused)
	case 2:
		toneStyle = st.titleErr(p.focused)
	}
	var badges []string
	if !p.follow {
		badges = append(badges, fmt.Sprintf("⏸ paused · %s new", formatCount(int64(p.newSince))))
	}
	if p.buf.search != nil {
		s := "/" + clean(p.buf.search.Pattern())
		if r := p.buf.matchRank(p.cur); r > 0 {
			s += fmt.Sprintf(" %d/%d", r, len(p.buf.matches))
		} else {
			s += fmt.Sprintf(" %d", len(p.buf.matches))
		}
		badges = append(badges, s)
	}
	if p.buf.filtered {
		n := 0
		for _, r := range p.rules {
			if r.kind != ruleHighlight {
				n++
			}
		}
		f := "filter"
		if n > 0 {
			f += fmt.Sprintf(" %d", n)
		}
		if p.minLevel != levelNone {
			f += " ≥" + p.minLevel.String()
		}
		badges = append(badges, fmt.Sprintf("%s: %s/%s", f, formatCount(int64(p.buf.count())), formatCount(int64(p.buf.kept()))))
	}
	if lv := p.levelCounts(); lv != "" {
		badges = append(badges, lv)
	}
	if d := p.buf.dropped(); d > 0 {
		badges = append(badges, "scrollback −"+formatCount(d))
	}
	if p.hubDrops > 0 {
		badges = append(badges, "dropped "+formatCount(int64(p.hubDrops)))
	}
	if p.selecting {
		badges = append(badges, "select")
	}
	var toggles []string
	if p.wrap {
		toggles = append(toggles, "wrap")
	} else if p.xoff > 0 {
		toggles = append(toggles, fmt.Sprintf("→%d", p.xoff))
	}
	if p.ts != TimestampsOff {
		toggles = append(toggles, p.ts.String())
	}
	if p.pretty != prettyOff {
		toggles = append(toggles, p.pretty.String())
	}
	if len(toggles) > 0 {
		badges = append(badges, strings.Join(toggles, ","))
	}

	head := fmt.Sprintf("%s%d ", mark, int(p.id))
	right := ""
	if len(badges) > 0 {
		right = " " + strings.Join(badges, " │ ") + " "
	}
	w := p.width
	name := clean(p.title)
	// Give room to, in order: head, state, badges, name.
	avail := w - measure(head) - measure(right) - 1
	stateW := measure(state)
	nameW := measure(name)
	if nameW+1+stateW > avail {
		nameW = max(min(nameW, avail-stateW-1), min(nameW, 12, max(avail, 0)))
		name = truncateTo(name, nameW)
		nameW = measure(name)
		state = truncateTo(state, max(avail-nameW-1, 0))
		stateW = measure(state)
	}
	gap := w - measure(head) - nameW - 1 - stateW - measure(right)
	var b strings.Builder
	b.WriteString(bar.Render(head))
	b.WriteString(badge.Render(name))
	b.WriteString(bar.Render(" "))
	b.WriteString(toneStyle.Render(state))
	if gap > 0 {
		b.WriteString(bar.Render(strings.Repeat(" ", gap)))
	}
	b.WriteString(badge.Render(right))
	return fitRow(b.String(), w)
}
