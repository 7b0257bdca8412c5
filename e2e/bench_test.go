//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// drain runs bin once with stdout discarded and returns wall time and peak RSS (KiB).
func drain(b *testing.B, bin string, args ...string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+bed.kubeconfig, "NO_COLOR=1")
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	defer devnull.Close()
	cmd.Stdout = devnull
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s", bin, err, errOut.Bytes())
	}
	d := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return d, rss
}

// BenchmarkDrain100kVsKubectl drains logs-test/bulk (100,000 timestamped lines)
// through the API server with tailui and with kubectl logs, alternating, and reports
// both and their ratio. It prints figures; it asserts nothing about time.
//
//	go test -tags e2e ./e2e -run '^$' -bench Drain -benchtime 5x
func BenchmarkDrain100kVsKubectl(b *testing.B) {
	var tTotal, kTotal time.Duration
	var tRSS, kRSS int64
	for i := 0; i < b.N; i++ {
		d, rss := drain(b, bed.tailui, "--plain", "-o", "raw", "bulk", "-n", "logs-test", "-c", "app", "--no-follow")
		tTotal += d
		tRSS = max(tRSS, rss)
		d, rss = drain(b, bed.kubectl, "logs", "bulk", "-n", "logs-test", "-c", "app")
		kTotal += d
		kRSS = max(kRSS, rss)
	}
	n := float64(b.N)
	b.ReportMetric(tTotal.Seconds()/n, "tailui-s/op")
	b.ReportMetric(kTotal.Seconds()/n, "kubectl-s/op")
	b.ReportMetric(tTotal.Seconds()/kTotal.Seconds(), "tailui/kubectl")
	b.ReportMetric(float64(tRSS)/1024, "tailui-maxrss-MiB")
	b.ReportMetric(float64(kRSS)/1024, "kubectl-maxrss-MiB")
}
