package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

// timedPane is a pane of 100 lines, line i at testNow - (100-i) seconds.
func timedPane(t *testing.T) (*Model, *pane) {
	t.Helper()
	m, p, f := onePane(t, 100, 20, 0)
	var ls []stream.Line
	for i := range 100 {
		ls = append(ls, stream.Line{Origin: oWeb, Time: testNow.Add(time.Duration(i-100) * time.Second), Text: fmt.Sprintf("line %d", i)})
	}
	f.lines(ls...).flush()
	return m, p
}

func TestMarks(t *testing.T) {
	m, p := timedPane(t)
	press(m, "u")
	if !strings.Contains(m.status.text, "no marks") {
		t.Errorf("u without marks: %q", m.status.text)
	}
	press(m, "M") // the last line on screen: line 99
	if !p.buf.marked(99) || p.spot != 99 {
		t.Fatalf("M: marks %v spot %d", p.buf.marks, p.spot)
	}
	// Jump to a time, mark there; select three lines and mark them.
	press(m, "@")
	typeText(m, "-50s")
	press(m, "enter")
	if got := spotText(p); got != "line 50" {
		t.Fatalf("@ -50s: spot %q, want line 50", got)
	}
	press(m, "M")
	press(m, "v", "k", "k", "M")
	// v selects from the last line on screen (61) up two: 59..61.
	if got := fmt.Sprint(p.buf.marks); got != "[50 59 60 61 99]" {
		t.Fatalf("marks after the selection: %s", got)
	}
	// u and U walk the marks in order.
	var walk []int64
	press(m, "g")
	for range len(p.buf.marks) + 1 {
		press(m, "u")
		walk = append(walk, p.spot)
	}
	if walk[0] != p.buf.marks[0] || walk[len(walk)-2] != 99 || !strings.Contains(m.status.text, "no more marks") {
		t.Errorf("u walk %v over marks %v, status %q", walk, p.buf.marks, m.status.text)
	}
	press(m, "U")
	if p.spot != p.buf.marks[len(p.buf.marks)-2] {
		t.Errorf("U from the last mark: spot %d, marks %v", p.spot, p.buf.marks)
	}
	// Time since the mark above each line.
	p.ts = TimestampsSinceMark
	if got := p.formatTime(58, testNow.Add(-42*time.Second)); strings.TrimSpace(got) != "+8.0s" {
		t.Errorf("since mark at line 58 (mark at 50): %q, want +8.0s", got)
	}
	if got := p.formatTime(10, testNow.Add(-90*time.Second)); strings.TrimSpace(got) != "-" {
		t.Errorf("before the first mark: %q, want -", got)
	}
	// M on a marked line unmarks it.
	press(m, "G", "M")
	if p.buf.marked(99) {
		t.Errorf("M on a marked line left it marked")
	}
}

func TestParseJumpTime(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	now := time.Date(2026, 12, 1, 11, 30, 0, 0, time.UTC) // 12:30 in X
	for in, want := range map[string]time.Time{
		"10:42":                       time.Date(2026, 12, 1, 10, 42, 0, 0, loc),
		"10:42:05":                    time.Date(2026, 12, 1, 10, 42, 5, 0, loc),
		"10:42:05.250":                time.Date(2026, 12, 1, 10, 42, 5, 250e6, loc),
		"2026-12-01T10:42:05Z":        time.Date(2026, 12, 1, 10, 42, 5, 0, time.UTC),
		"2026-11-30T23:00:00.5+02:00": time.Date(2026, 11, 30, 21, 0, 0, 5e8, time.UTC),
		"2026-12-01 09:00":            time.Date(2026, 12, 1, 9, 0, 0, 0, loc),
		"-5m":                         now.Add(-5 * time.Minute),
		"90s":                         now.Add(-90 * time.Second),
		"-1h30m":                      now.Add(-90 * time.Minute),
	} {
		got, err := parseJumpTime(in, now, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "25:99", "-5x"} {
		if _, err := parseJumpTime(bad, now, loc); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestCopyAndSaveMarkedLines: with marks and no selection, y copies and s saves the
// marked lines only; alt+m clears the marks and y copies the screen again.
func TestCopyAndSaveMarkedLines(t *testing.T) {
	m, p := timedPane(t)
	for _, abs := range []int64{90, 95, 97} {
		p.buf.toggleMark(abs)
	}
	raw, status := copied(t, p.copy())
	if got := decodeOSC52(t, raw[0]); got != "line 90\nline 95\nline 97" {
		t.Errorf("copied %q", got)
	}
	if !strings.Contains(status[0].text, "copied 3 marked lines") {
		t.Errorf("status %q", status[0].text)
	}
	path := t.TempDir() + "/marked.log"
	msg := p.save(path)()
	if sm, ok := msg.(savedMsg); !ok || sm.err != nil || sm.lines != 3 {
		t.Fatalf("save: %#v", msg)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "\n"); got != 3 || !strings.HasSuffix(string(b), "line 97\n") {
		t.Errorf("saved:\n%s", b)
	}
	press(m, "alt+m")
	if len(p.buf.marks) != 0 {
		t.Fatalf("alt+m left %d marks", len(p.buf.marks))
	}
	_, status = copied(t, p.copy())
	if !strings.Contains(status[0].text, "lines on screen") {
		t.Errorf("after alt+m, status %q", status[0].text)
	}
}
