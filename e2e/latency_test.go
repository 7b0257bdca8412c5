//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// keypressLatency opens the help screen and closes it again n times in a running
// tailui, and returns how long each took to show on the terminal (tmux), measured
// by polling capture-pane.
func keypressLatency(tm *tmux, n int) []time.Duration {
	tm.poll = time.Millisecond
	var out []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		tm.keys("?")
		tm.waitScreen("the help screen", contains("Search & filter"))
		out = append(out, time.Since(start))
		tm.keys("?")
		tm.waitScreen("the help screen to close", func(sc string) bool { return !strings.Contains(sc, "Search & filter") })
	}
	return out
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

var rateRE = regexp.MustCompile(`([0-9.]+)(k?)/s`)

// paneRate reads the first lines/s figure in the footer ("tailui · 1 pane · 41k/s").
func paneRate(screen string) float64 {
	ls := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	for i := len(ls) - 1; i >= 0; i-- {
		if strings.Contains(ls[i], "tailui ·") {
			if m := rateRE.FindStringSubmatch(ls[i]); m != nil {
				var v float64
				fmt.Sscanf(m[1], "%g", &v)
				if m[2] == "k" {
					v *= 1000
				}
				return v
			}
		}
	}
	return 0
}

// BenchmarkTUIKeypressLatency measures how long a key takes to show on screen while
// panes receive tens of thousands of lines per second, against the same tailui
// watching a quiet pod in the same run. It prints figures; it asserts nothing about
// time.
//
//	go test -tags e2e ./e2e -run '^$' -bench KeypressLatency -benchtime 20x
func BenchmarkTUIKeypressLatency(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"firehose-a", "firehose-b"} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test", Labels: map[string]string{"testcase": "firehose"},
				Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=0,rate=20000"}},
			Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
		}
		if _, err := bed.cs.CoreV1().Pods("logs-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		defer bed.cs.CoreV1().Pods("logs-test").Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	}

	quiet := startTmux(b, 160, 48, "ledger-0", "-n", "payments")
	quiet.waitScreen("the quiet pane", contains("seq="))
	idle := keypressLatency(quiet, b.N)

	hot := startTmux(b, 160, 48, "-n", "logs-test", "-l", "testcase=firehose")
	hot.waitScreen("the firehose", func(sc string) bool { return paneRate(sc) > 1000 })
	busy := keypressLatency(hot, b.N)
	rate := paneRate(hot.screen())

	b.ReportMetric(float64(pct(idle, 0.5).Microseconds())/1000, "idle-p50-ms")
	b.ReportMetric(float64(pct(idle, 0.95).Microseconds())/1000, "idle-p95-ms")
	b.ReportMetric(float64(pct(busy, 0.5).Microseconds())/1000, "firehose-p50-ms")
	b.ReportMetric(float64(pct(busy, 0.95).Microseconds())/1000, "firehose-p95-ms")
	b.ReportMetric(rate, "firehose-lines/s")
}
