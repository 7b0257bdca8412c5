//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var seqRE = regexp.MustCompile(`seq=(\d+)`)

// seqs returns the sequence number of every line (0 for a line without one).
func seqs(ls []string) []int {
	out := make([]int, len(ls))
	for i, l := range ls {
		if m := seqRE.FindStringSubmatch(l); m != nil {
			out[i], _ = strconv.Atoi(m[1])
		}
	}
	return out
}

// contiguous checks that s runs first, first+1, ... with no gap and no repeat.
func contiguous(t *testing.T, s []int, first int) {
	t.Helper()
	for i, v := range s {
		if v != first+i {
			lo, hi := max(0, i-3), min(len(s), i+3)
			t.Fatalf("line %d has seq %d, want %d (around it: %v)", i, v, first+i, s[lo:hi])
		}
	}
}

func TestPlainNoFollowPrints100kHistoryExactly(t *testing.T) {
	r := runTailui(t, 2*time.Minute, "--plain", "-o", "raw", "bulk", "-n", "logs-test", "-c", "app", "--no-follow")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	ls := lines(r.stdout)
	if len(ls) != 100000 {
		t.Fatalf("%d lines, want 100000\nstderr: %s", len(ls), r.stderr)
	}
	contiguous(t, seqs(ls), 1)
	// The same bytes kubectl prints (the content is deterministic per line).
	k := runCmd(t, 2*time.Minute, bed.kubectl, "logs", "-n", "logs-test", "bulk", "-c", "app")
	if k.code != 0 {
		t.Fatalf("kubectl logs: exit %d: %s", k.code, k.stderr)
	}
	if !bytes.Equal(k.stdout, r.stdout) {
		t.Fatalf("tailui's output differs from kubectl logs' (%d vs %d bytes)", len(r.stdout), len(k.stdout))
	}
}

func TestFollowThroughKubeletCutsEvery50Lines(t *testing.T) {
	// The kubelet closes every follow stream of logs-test/cut after 50 lines; kubectl
	// and stern stop there. tailui must resume exactly, again and again.
	r := runTailui(t, 30*time.Second, "--plain", "-o", "raw", "cut", "-n", "logs-test")
	ls := lines(r.stdout)
	s := seqs(ls)
	if len(s) < 200 {
		t.Fatalf("only %d lines in 30 s (the pod writes 20/s)\nstderr:\n%s", len(s), r.stderr)
	}
	contiguous(t, s, 1)
	resumes := strings.Count(string(r.stderr), "[resume]")
	if resumes < len(s)/50-2 {
		t.Errorf("%d resume markers for %d lines cut every 50", resumes, len(s))
	}
	t.Logf("%d lines, seq 1..%d contiguous, %d exact resumes", len(s), s[len(s)-1], resumes)

	k := runCmd(t, 10*time.Second, bed.kubectl, "logs", "-f", "-n", "logs-test", "cut")
	t.Logf("for comparison, kubectl logs -f got %d lines in 10 s before the cut ended it", len(lines(k.stdout)))
}

func TestRestartMidFollowContinuesAfterMarker(t *testing.T) {
	// logs-test/restarter restarts every 100 lines at 10 lines/s.
	r := runTailui(t, 25*time.Second, "--plain", "-o", "raw", "restarter", "-n", "logs-test")
	s := seqs(lines(r.stdout))
	if len(s) < 150 {
		t.Fatalf("only %d lines\nstderr:\n%s", len(s), r.stderr)
	}
	contiguous(t, s, s[0])
	if n := strings.Count(string(r.stderr), "[restart]"); n < 1 {
		t.Fatalf("no restart marker in 25 s\nstderr:\n%s", r.stderr)
	}
	t.Logf("%d lines across restarts, seq %d..%d contiguous", len(s), s[0], s[len(s)-1])
}

func TestPodCreatedMidFollowAppearsAndDeletedEnds(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("late-%d", time.Now().UnixNano()%100000)
	r := startTailui(t, "--plain", "-n", "logs-test", "-l", "testcase=late")
	r.waitFor(t, "tailui to say it waits for a pod", 30*time.Second, func() bool {
		return strings.Contains(string(r.stderr.Bytes()), "waiting for one to appear")
	})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test", Labels: map[string]string{"testcase": "late"},
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=5,rate=10"}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := bed.cs.CoreV1().Pods("logs-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "30 lines of the new pod", 60*time.Second, func() bool {
		return strings.Count(string(r.stdout.Bytes()), name+" app ") >= 30
	})
	if err := bed.cs.CoreV1().Pods("logs-test").Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the deleted pod's stream to end", 60*time.Second, func() bool {
		return strings.Contains(string(r.stderr.Bytes()), name+"/app: [ended] pod deleted")
	})
	r.stop()
	s := seqs(lines(r.stdout.Bytes()))
	contiguous(t, s, 1)
	t.Logf("pod created mid-follow: %d lines, seq 1..%d; ended cleanly on delete", len(s), s[len(s)-1])
}

func TestNoRightsUserGetsOneLineError(t *testing.T) {
	r := runTailui(t, 30*time.Second, "--plain", "--context", "testbed-nobody", "-n", "logs-test", "bulk")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	msg := strings.TrimSpace(string(r.stderr))
	if strings.Count(msg, "\n") != 0 {
		t.Fatalf("want one line, got:\n%s", msg)
	}
	for _, want := range []string{"forbidden", `"nobody"`, "list", "pods", `"logs-test"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
}

func TestHostileContentInertAndWhole(t *testing.T) {
	r := runTailui(t, time.Minute, "--plain", "-o", "raw", "hostile", "-n", "logs-test", "--no-follow")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	out := r.stdout
	if i := bytes.IndexFunc(out, func(c rune) bool { return c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c < 0xa0 }); i >= 0 {
		t.Fatalf("control character %q at byte %d: %q", out[i], i, out[max(0, i-40):min(len(out), i+40)])
	}
	if !utf8.Valid(out) {
		t.Fatal("output is not valid UTF-8")
	}
	for _, bidi := range []string{"\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f"} {
		if bytes.Contains(out, []byte(bidi)) {
			t.Fatalf("bidi control %U passed through", []rune(bidi)[0])
		}
	}
	ls := lines(out)
	s := seqs(ls)
	contiguous(t, s, 1)
	var long int
	for _, l := range ls {
		long = max(long, len(l))
	}
	if long < 1<<20 {
		t.Fatalf("longest line %d bytes: the 1 MiB line did not come out whole", long)
	}
	t.Logf("%d hostile lines inert, longest %d bytes", len(ls), long)
}

func TestUnknownPodAndBadFlag(t *testing.T) {
	r := runTailui(t, 30*time.Second, "--plain", "-n", "logs-test", "no-such-pod-xyz", "--no-follow")
	if r.code != 1 || !strings.Contains(string(r.stderr), "no pod matches") {
		t.Errorf("unknown pod: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runTailui(t, 30*time.Second, "--plain", "--tial", "3")
	if r.code != 2 || !strings.Contains(string(r.stderr), "unknown flag: --tial") {
		t.Errorf("bad flag: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runTailui(t, 30*time.Second, "--plain", "-n", "logs-test", "waiting", "--no-follow")
	if r.code != 1 || !strings.Contains(string(r.stderr), "ContainerCreating") {
		t.Errorf("waiting container: exit %d, stderr %q", r.code, r.stderr)
	}
}
