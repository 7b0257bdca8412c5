//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// seqRow returns the row of the screen, with its escapes, that shows the line with
// sequence number seq ("" when none does).
func (s *tmux) seqRow(seq string) string {
	s.t.Helper()
	re := regexp.MustCompile(`seq=` + seq + `(\D|$)`)
	plain, esc := strings.Split(s.screen(), "\n"), strings.Split(s.styled(), "\n")
	for i, row := range plain {
		if re.MatchString(row) && i < len(esc) {
			return esc[i]
		}
	}
	return ""
}

// reversed reports whether row draws text in reverse video (the highlighted line).
func reversed(row string) bool { return regexp.MustCompile(`\x1b\[[0-9;]*\b7m`).MatchString(row) }

// underlined reports whether row draws text underlined (a marked line).
func underlined(row string) bool { return regexp.MustCompile(`\x1b\[[0-9;]*\b4m`).MatchString(row) }

// TestTUILevelsMarksAndTime drives one pane in tmux: error and warning counts in the
// title, e/E and ]/[ jumps to exactly the lines kubectl shows at those levels, the
// minimum level, marks (M, u/U) and @ jumping to a time.
func TestTUILevelsMarksAndTime(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("levels-%d", time.Now().UnixNano()%1000000)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test",
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=600,step=1s,rate=0"}},
		Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := bed.cs.CoreV1().Pods("logs-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = bed.cs.CoreV1().Pods("logs-test").Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	})
	var all []string
	poll(t, "the pod's 600 lines", 60*time.Second, func() bool {
		k := runCmd(t, time.Minute, bed.kubectl, "logs", "-n", "logs-test", name, "-c", "app", "--timestamps")
		all = lines(k.stdout)
		return k.code == 0 && len(all) == 600
	})
	// The reference: each line's seq, level and time, read by the test itself.
	type ref struct {
		seq  string
		lvl  int
		time string
	}
	var refs []ref
	errs, warns := 0, 0
	for _, l := range all {
		ts, text, _ := strings.Cut(l, " ")
		_, lvl := refFields(text)
		m := seqRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("a line without seq: %q", l)
		}
		refs = append(refs, ref{m[1], lvl, ts})
		switch lvl {
		case 4:
			errs++
		case 3:
			warns++
		}
	}
	lastAt := func(minLvl int, before int) int {
		for i := before - 1; i >= 0; i-- {
			if refs[i].lvl >= minLvl {
				return i
			}
		}
		return -1
	}

	tm := startTmux(t, 200, 50, "-n", "logs-test", name)
	tm.waitScreen("the pane with its level counts", contains(fmt.Sprintf("E%d W%d", errs, warns)))

	// E: the newest error, highlighted; E again: the one before; ] from there: the
	// next warning or error after it.
	i := lastAt(4, len(refs))
	tm.keys("E")
	sc := tm.waitScreen("the newest error highlighted", func(string) bool { return reversed(tm.seqRow(refs[i].seq)) })
	j := lastAt(4, i)
	tm.keys("E")
	tm.waitScreen("the error before it", func(string) bool { return reversed(tm.seqRow(refs[j].seq)) })
	k := j + 1
	for refs[k].lvl < 3 {
		k++
	}
	tm.keys("]")
	tm.waitScreen("the next warning or error", func(string) bool { return reversed(tm.seqRow(refs[k].seq)) })
	t.Logf("levels: E%d W%d in the title; E -> %s, E -> %s, ] -> %s\n%s", errs, warns, refs[i].seq, refs[j].seq, refs[k].seq, firstLines(sc, 3))

	// M marks that line; jump away and back with u/U.
	tm.keys("M")
	tm.waitScreen("the mark", contains("line marked (1 in all)"))
	tm.keys("G")
	tm.keys("U")
	tm.waitScreen("U back to the mark", func(string) bool {
		return reversed(tm.seqRow(refs[k].seq))
	})
	tm.keys("[")
	tm.waitScreen("the marked line underlined once the spot moves on", func(string) bool {
		return underlined(tm.seqRow(refs[k].seq))
	})

	// @ with the exact time of line 300: that line is highlighted.
	tm.keys("@")
	tm.waitScreen("the time prompt", contains("jump to "))
	tm.typeText(refs[299].time)
	tm.keys("Enter")
	sc = tm.waitScreen("the line at that time", func(string) bool { return reversed(tm.seqRow(refs[299].seq)) })
	t.Logf("@ %s -> %s highlighted", refs[299].time, refs[299].seq)

	// L twice: warnings and errors only.
	tm.keys("L", "L")
	sc = tm.waitScreen("the minimum level", contains(fmt.Sprintf("filter ≥warn: %d/600", errs+warns)))
	for _, row := range strings.Split(sc, "\n")[1:] {
		if strings.Contains(row, "seq=") && !regexp.MustCompile(`(?i)warn|error`).MatchString(row) {
			t.Errorf("a row below warn is shown with L L:\n%s", row)
		}
	}
	tm.keys("q")
	tm.waitScreen("tailui to exit", contains("TAILUI-EXITED 0"))
}
