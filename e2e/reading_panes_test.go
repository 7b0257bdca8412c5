//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// filePod creates a pod whose log is the lines of a file the test writes (the
// stand-in kubelet's file= script), labelled testcase=tc.
func filePod(t *testing.T, name, tc string, lines []string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name+".log")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test", Labels: map[string]string{"testcase": tc},
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "file=" + file}},
		Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := bed.cs.CoreV1().Pods("logs-test").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = bed.cs.CoreV1().Pods("logs-test").Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	})
}

// TestTUIFollowIDAcrossPanes: two pods in two panes share one trace among others;
// # on a line of that trace leaves, in both panes, exactly that trace's lines.
func TestTUIFollowIDAcrossPanes(t *testing.T) {
	id := fmt.Sprintf("%d", time.Now().UnixNano()%1000000)
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	var a, b []string
	for i := range 30 {
		ta, tb := fmt.Sprintf("%032x", 1000+i), fmt.Sprintf("%032x", 5000+i)
		if i%7 == 3 {
			ta = trace
		}
		if i%5 == 1 {
			tb = trace
		}
		a = append(a, fmt.Sprintf("level=info msg=\"order step\" n=%d trace_id=%s", i, ta))
		b = append(b, fmt.Sprintf(`{"level":"info","msg":"payment step","n":%d,"trace_id":"%s"}`, i, tb))
	}
	// The last line of the first pod is of the trace: # takes the last line on screen.
	a = append(a, "level=warn msg=\"order done\" n=30 trace_id="+trace)
	filePod(t, "followa-"+id, "follow-"+id, a)
	filePod(t, "followb-"+id, "follow-"+id, b)
	wantA, wantB := 0, 0
	for _, l := range a {
		if strings.Contains(l, trace) {
			wantA++
		}
	}
	for _, l := range b {
		if strings.Contains(l, trace) {
			wantB++
		}
	}

	tm := startTmux(t, 200, 50, "-n", "logs-test")
	tm.waitScreen("the sources panel", contains("followa-"+id, "followb-"+id))
	tm.typeText(id) // both pods' names hold it
	tm.waitScreen("both pods alone", func(sc string) bool {
		return strings.Contains(sc, "followa-"+id) && strings.Contains(sc, "followb-"+id) && !strings.Contains(sc, "bulk")
	})
	tm.keys("*", "O")
	tm.waitScreen("two panes with all their lines", func(sc string) bool {
		return strings.Contains(sc, "n=30 trace_id") && strings.Contains(sc, `"n":29`)
	})
	// Focus the first pod's pane (panes open in the order listed).
	sc := tm.screen()
	if !strings.Contains(firstLines(sc, 1), "▶1") {
		tm.keys("Tab")
	}
	tm.keys("#")
	sc = tm.waitScreen("both panes following the trace", contains(
		fmt.Sprintf("filter 1: %d/31", wantA), fmt.Sprintf("filter 1: %d/30", wantB), "following trace_id="+trace+" in 2 panes"))
	rows := 0
	for _, row := range strings.Split(sc, "\n")[1:] {
		for _, half := range strings.Split(row, "│") {
			if strings.Contains(half, "order ") || strings.Contains(half, "payment step") {
				rows++
				if !strings.Contains(half, trace[:20]) {
					t.Errorf("a line of another trace is shown:\n%s", half)
				}
			}
		}
	}
	if rows != wantA+wantB {
		t.Errorf("%d lines of the trace on screen, want %d + %d\n%s", rows, wantA, wantB, sc)
	}
	t.Logf("# on %s: %d + %d lines in two panes\n%s", trace, wantA, wantB, firstLines(sc, 12))
	tm.keys("q")
	tm.waitScreen("tailui to exit", contains("TAILUI-EXITED 0"))
}

// TestTUIRatesHistogram: R shows lines per second under the title; the spike of a
// burst shows as the tallest bar, and a click on a bar highlights a line of that time.
func TestTUIRatesHistogram(t *testing.T) {
	ctx := context.Background()
	id := fmt.Sprintf("%d", time.Now().UnixNano()%1000000)
	mk := func(name, logs string) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test", Labels: map[string]string{"testcase": "rates-" + id},
				Annotations: map[string]string{"testbed.tailui.dev/logs.app": logs}},
			Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
		}
		if _, err := bed.cs.CoreV1().Pods("logs-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = bed.cs.CoreV1().Pods("logs-test").Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
		})
	}
	mk("steady-"+id, "history=500,step=1s,rate=0")
	mk("burst-"+id, "history=2000,step=1ms,rate=0")
	// What the pane's title will count once it has every line: errors and warnings.
	errs, warns := 0, 0
	for name, n := range map[string]int{"steady-" + id: 500, "burst-" + id: 2000} {
		var ls []string
		poll(t, name+"'s lines", 60*time.Second, func() bool {
			k := runCmd(t, time.Minute, bed.kubectl, "logs", "-n", "logs-test", name, "-c", "app")
			ls = lines(k.stdout)
			return k.code == 0 && len(ls) == n
		})
		for _, l := range ls {
			switch _, lvl := refFields(l); lvl {
			case 4:
				errs++
			case 3:
				warns++
			}
		}
	}
	tm := startTmux(t, 120, 40, "-n", "logs-test", "-l", "testcase=rates-"+id)
	tm.waitScreen("the merged pane with every line", contains(fmt.Sprintf("E%d W%d", errs, warns)))
	tm.keys("R")
	sc := tm.waitScreen("the histogram", contains(" max "))
	row := strings.Split(sc, "\n")[1]
	barsText, _, _ := strings.Cut(row, " max ")
	bars := []rune(barsText)
	// The burst is the newest second or two: the tallest bars are at the right end.
	last := strings.TrimRight(barsText, " ")
	if !strings.HasSuffix(last, "█") && !strings.HasSuffix(strings.TrimRight(last, "▁ "), "█") {
		t.Errorf("the burst is not the tallest bar at the right:\n%s", strings.Split(sc, "\n")[1])
	}
	if !regexp.MustCompile(` max \d`).MatchString(sc) {
		t.Errorf("no peak rate:\n%s", firstLines(sc, 2))
	}
	// Click the middle of the bars (SGR mouse report): a line is highlighted and the
	// status names that bar's time.
	x := (len(bars) - 22) / 2
	tm.typeText(fmt.Sprintf("\x1b[<0;%d;2M\x1b[<0;%d;2m", x+1, x+1))
	sc = tm.waitScreen("the jump", func(sc string) bool { return regexp.MustCompile(`\d\d:\d\d:\d\d–\d\d:\d\d:\d\d`).MatchString(sc) })
	if !reversed(strings.Join(strings.Split(tm.styled(), "\n")[2:], "\n")) {
		t.Errorf("no line highlighted after the click:\n%s", sc)
	}
	t.Logf("rates row and a click on bar %d:\n%s", x, firstLines(sc, 4))
	tm.keys("q")
	tm.waitScreen("tailui to exit", contains("TAILUI-EXITED 0"))
}
