//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"
)

// drain runs bin once with stdout discarded and returns its wall time. (No peak RSS:
// started from this test binary, a child's ru_maxrss begins at the test binary's
// own peak; hack/bench measures memory under a parent of its own.)
func drain(b *testing.B, bin string, args ...string) time.Duration {
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
	return time.Since(start)
}

// BenchmarkDrain100kVsKubectl drains logs-test/bulk (100,000 timestamped lines)
// through the API server with tailui and with kubectl logs, alternating, and reports
// both and their ratio. It prints figures; it asserts nothing about time.
//
//	go test -tags e2e ./e2e -run '^$' -bench Drain -benchtime 5x
func BenchmarkDrain100kVsKubectl(b *testing.B) {
	var tTotal, kTotal time.Duration
	for i := 0; i < b.N; i++ {
		d := drain(b, bed.tailui, "--plain", "-o", "raw", "bulk", "-n", "logs-test", "-c", "app", "--no-follow")
		tTotal += d
		d = drain(b, bed.kubectl, "logs", "bulk", "-n", "logs-test", "-c", "app")
		kTotal += d
	}
	n := float64(b.N)
	b.ReportMetric(tTotal.Seconds()/n, "tailui-s/op")
	b.ReportMetric(kTotal.Seconds()/n, "kubectl-s/op")
	b.ReportMetric(tTotal.Seconds()/kTotal.Seconds(), "tailui/kubectl")
}
