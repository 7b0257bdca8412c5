//go:build e2e

package e2e

// Tests of tailui against the stand-in kubelet behaving as a real one: headers with
// the first byte (a quiet container), log rotation, lines split into partial CRI
// records, a crash loop in the real status shape, and breaks forced from the kubelet
// side through its test hooks (POST /testbed/break|write, called directly, not
// through the API server). Each checks with seq= numbers that every line the
// container wrote arrived exactly once, or that a marker says what is missing.

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubeletPod creates a pod in logs-test scripted by spec (the logs annotation of its
// container "app"), waits until it runs, and deletes it at the end of the test.
func kubeletPod(t *testing.T, prefix, spec string) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1000000)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test",
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": spec}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := bed.cs.CoreV1().Pods("logs-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = bed.cs.CoreV1().Pods("logs-test").Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	})
	end := time.Now().Add(60 * time.Second)
	for {
		p, err := bed.cs.CoreV1().Pods("logs-test").Get(ctx, name, metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning {
			return name
		}
		if time.Now().After(end) {
			t.Fatalf("pod %s not running: %v", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kubeletHook calls a test hook of the stand-in kubelet.
func kubeletHook(t *testing.T, hook, pod, query string) {
	t.Helper()
	port := os.Getenv("KUBELET_PORT")
	if port == "" {
		port = "20250" // hack/testbed's default
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	u := fmt.Sprintf("https://127.0.0.1:%s/testbed/%s/logs-test/%s/app?%s", port, hook, pod, query)
	resp, err := c.Post(u, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
	}
	t.Logf("kubelet hook %s: %s", hook, strings.TrimSpace(string(body)))
}

// kubeletLog returns the lines of the stand-in kubelet's log about pod with msg.
func kubeletLog(t *testing.T, pod, msg string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bed.state, "logs", "kubelet.log"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `msg="`+msg+`"`) && strings.Contains(l, "pod=logs-test/"+pod+" ") {
			out = append(out, l)
		}
	}
	return out
}

// logRequests counts the log requests the kubelet received for pod.
func logRequests(t *testing.T, pod string) int { return len(kubeletLog(t, pod, "log request")) }

// markers returns tailui's stderr lines carrying [kind].
func markers(stderr []byte, kind string) []string {
	var out []string
	for _, l := range lines(stderr) {
		if strings.Contains(l, "["+kind+"]") {
			out = append(out, l)
		}
	}
	return out
}

// TestKubeletQuietContainerFollowedFiveMinutes follows a container that writes once
// a minute, with --tail 0, for five minutes: the kubelet sends its headers only with
// the first line, so the log request waits a minute for its answer each time the
// stream opens. Nothing may reconnect: no marker, one log request, every line once.
// Long: runs when E2E_LONG=1 (hack/test sets it for the first Kubernetes version).
func TestKubeletQuietContainerFollowedFiveMinutes(t *testing.T) {
	if os.Getenv("E2E_LONG") != "1" {
		t.Skip("five minutes long: set E2E_LONG=1")
	}
	pod := kubeletPod(t, "quiet", "history=3,rate=0.0166667")
	r := startTailui(t, "--plain", "-o", "raw", "-n", "logs-test", pod, "--tail", "0")
	r.waitFor(t, "five lines, one a minute", 6*time.Minute, func() bool { return len(lines(r.stdout.Bytes())) >= 5 })
	r.stop()
	s := seqs(lines(r.stdout.Bytes()))
	contiguous(t, s, 4)
	for _, k := range []string{"reconnect", "resume", "gap"} {
		if m := markers(r.stderr.Bytes(), k); len(m) > 0 {
			t.Errorf("[%s] markers on a quiet stream: %q", k, m)
		}
	}
	if n := logRequests(t, pod); n != 1 {
		t.Errorf("the kubelet saw %d log requests, want 1:\n%s", n, strings.Join(kubeletLog(t, pod, "log request"), "\n"))
	}
	t.Logf("quiet follow: expected 5 lines (seq 4..8), delivered %d (seq %v), marked 0, log requests %d", len(s), s, logRequests(t, pod))
}

// TestKubeletTailZeroBreakBeforeFirstLine: --tail 0, then the kubelet breaks the
// stream before the first line and refuses requests for a while, during which the
// container writes: the resume reads from the time the stream opened, so those lines
// arrive, after a [resume] marker that says so.
func TestKubeletTailZeroBreakBeforeFirstLine(t *testing.T) {
	pod := kubeletPod(t, "tail0", "history=5,rate=0")
	time.Sleep(2 * time.Second) // the history's second is over: it may not come back as "that second"
	r := startTailui(t, "--plain", "-o", "raw", "-n", "logs-test", pod, "--tail", "0")
	r.waitFor(t, "the log request to reach the kubelet", 30*time.Second, func() bool { return logRequests(t, pod) >= 1 })
	kubeletHook(t, "break", pod, "hold=3s&n=5") // seq 6..10, written during the break
	r.waitFor(t, "the lines written during the break", 60*time.Second, func() bool { return len(lines(r.stdout.Bytes())) >= 5 })
	kubeletHook(t, "write", pod, "n=3") // seq 11..13, on the resumed stream
	r.waitFor(t, "three more lines", 30*time.Second, func() bool { return len(lines(r.stdout.Bytes())) >= 8 })
	r.stop()
	s := seqs(lines(r.stdout.Bytes()))
	contiguous(t, s, 6)
	if len(s) != 8 {
		t.Fatalf("%d lines, want 8 (seq 6..13): %v", len(s), s)
	}
	res := markers(r.stderr.Bytes(), "resume")
	if len(res) != 1 || !strings.Contains(res[0], "when the stream opened") {
		t.Errorf("resume markers %q, want one saying it resumed from when the stream opened\nstderr:\n%s", res, r.stderr.Bytes())
	}
	if g := markers(r.stderr.Bytes(), "gap"); len(g) > 0 {
		t.Errorf("gap markers %q", g)
	}
	t.Logf("tail 0 + break before the first line: expected 8 (seq 6..13), delivered %d, marked %d ([resume]), log requests %d",
		len(s), len(res), logRequests(t, pod))
}

// TestKubeletRotationDuringFollow: the log is rotated every 50 records; a follow goes
// on through the rotations with every line once. A break during which the file is
// rotated resumes from the current file only: the lines in the rotated file are gone,
// and a [gap] marker says so exactly where they are missing.
func TestKubeletRotationDuringFollow(t *testing.T) {
	pod := kubeletPod(t, "rotate", "history=10,rate=20,rotate=50")
	r := startTailui(t, "--plain", "-o", "raw", "-n", "logs-test", pod, "--tail", "-1")
	r.waitFor(t, "four rotations under the follow", 60*time.Second, func() bool { return len(kubeletLog(t, pod, "log rotated")) >= 4 })
	phase1 := seqs(lines(r.stdout.Bytes()))
	if len(phase1) == 0 {
		t.Fatal("no lines")
	}
	contiguous(t, phase1, phase1[0])
	kubeletHook(t, "break", pod, "hold=4s") // 80 lines during the break: a rotation among them
	r.waitFor(t, "the stream to resume and go on", 60*time.Second, func() bool {
		return len(markers(r.stderr.Bytes(), "gap")) > 0 && len(lines(r.stdout.Bytes())) > len(phase1)+40
	})
	r.stop()
	all := seqs(lines(r.stdout.Bytes()))
	contiguous(t, all[:len(phase1)], phase1[0])
	jumps, missing := 0, 0
	for i := 1; i < len(all); i++ {
		switch d := all[i] - all[i-1]; {
		case d <= 0:
			t.Fatalf("seq %d after %d: a repeat", all[i], all[i-1])
		case d > 1:
			jumps++
			missing += d - 1
		}
	}
	gaps := markers(r.stderr.Bytes(), "gap")
	if jumps != 1 || len(gaps) != 1 {
		t.Fatalf("%d jumps in seq, %d gap markers; want one of each\nstderr:\n%s", jumps, len(gaps), r.stderr.Bytes())
	}
	t.Logf("rotation: %d rotations under the follow, every line once (seq %d..%d); break with a rotation: %d lines missing, marked by 1 [gap] (%s); delivered %d in all",
		len(kubeletLog(t, pod, "log rotated")), phase1[0], phase1[len(phase1)-1], missing, gaps[0], len(all))
}

var stampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z `)

// TestKubeletLongLinesSplitIntoPartialRecords: every third line is 40 000 bytes,
// which the runtime writes as three partial CRI records; the kubelet serves it
// joined. Breaks right after each long line's successor make resumes whose
// sinceTime may fall inside the long line (the kubelet then starts with its last
// pieces, unprefixed): every line arrives whole and exactly once, byte for byte what
// the kubelet serves in one read.
func TestKubeletLongLinesSplitIntoPartialRecords(t *testing.T) {
	pod := kubeletPod(t, "long", "history=0,rate=0.7,long=3")
	r := startTailui(t, "--plain", "-o", "raw", "-n", "logs-test", pod, "--tail", "-1")
	breaks := 0
	for k := 1; k <= 4; k++ {
		after := 3*k + 1
		r.waitFor(t, fmt.Sprintf("seq %d", after), 60*time.Second, func() bool {
			s := seqs(lines(r.stdout.Bytes()))
			return len(s) > 0 && s[len(s)-1] >= after
		})
		kubeletHook(t, "break", pod, "hold=500ms")
		breaks++
	}
	r.waitFor(t, "seq 16", 60*time.Second, func() bool {
		s := seqs(lines(r.stdout.Bytes()))
		return len(s) > 0 && s[len(s)-1] >= 16
	})
	r.stop()
	got := lines(r.stdout.Bytes())
	contiguous(t, seqs(got), 1)

	// What the kubelet serves in one read, and which resumes started mid-line.
	ctx := context.Background()
	raw, err := bed.cs.CoreV1().Pods("logs-test").GetLogs(pod, &corev1.PodLogOptions{Container: "app"}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := lines(raw)
	long := 0
	for i, l := range got {
		if i >= len(want) || l != want[i] {
			t.Fatalf("line %d (%d bytes) differs from the kubelet's (%d bytes)", i, len(l), len(want[min(i, len(want)-1)]))
		}
		if len(l) == 40000 {
			long++
		}
	}
	midLine, withSince := 0, 0
	sinceRE := regexp.MustCompile(`sinceTime=([0-9T:%A-Z-]+)`)
	for _, l := range kubeletLog(t, pod, "log request") {
		m := sinceRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		withSince++
		since, _ := time.Parse(time.RFC3339, strings.ReplaceAll(m[1], "%3A", ":"))
		b, err := bed.cs.CoreV1().Pods("logs-test").GetLogs(pod, &corev1.PodLogOptions{Container: "app", Timestamps: true,
			SinceTime: &metav1.Time{Time: since}}).DoRaw(ctx)
		if err == nil && len(b) > 0 && !stampRE.Match(b) {
			midLine++
		}
	}
	if long < 5 {
		t.Fatalf("%d long lines delivered, want 5", long)
	}
	t.Logf("long lines: %d lines delivered (seq 1..%d), %d of them 40000 bytes, identical to the kubelet's; %d breaks, %d log requests with a sinceTime (503s during the holds included), %d of them starting inside a long line (an unprefixed piece, which tailui dropped)",
		len(got), len(got), long, breaks, withSince, midLine)
}

// TestKubeletCrashLoopBackOff: a container that dies every 30 lines and waits 3 s in
// CrashLoopBackOff (waiting, with the dead container's ID in status and lastState):
// tailui shows each restart, reads the dead container's rest, and delivers every
// line of every instance exactly once.
func TestKubeletCrashLoopBackOff(t *testing.T) {
	pod := kubeletPod(t, "crash", "history=5,rate=10,restart-after=30,backoff=3s")
	r := startTailui(t, "--plain", "-o", "raw", "-n", "logs-test", pod, "--tail", "-1")
	sawWaiting := false
	r.waitFor(t, "three restarts", 90*time.Second, func() bool {
		p, err := bed.cs.CoreV1().Pods("logs-test").Get(context.Background(), pod, metav1.GetOptions{})
		if err == nil && len(p.Status.ContainerStatuses) == 1 {
			cs := p.Status.ContainerStatuses[0]
			if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" && cs.LastTerminationState.Terminated != nil &&
				cs.LastTerminationState.Terminated.ContainerID == cs.ContainerID {
				sawWaiting = true
			}
		}
		return len(markers(r.stderr.Bytes(), "restart")) >= 3 && len(lines(r.stdout.Bytes())) >= 100
	})
	r.stop()
	s := seqs(lines(r.stdout.Bytes()))
	contiguous(t, s, 1)
	if !sawWaiting {
		t.Error("never saw the CrashLoopBackOff status shape")
	}
	if m := markers(r.stderr.Bytes(), "reconnect"); len(m) > 0 {
		t.Errorf("reconnect markers in a crash loop: %q", m)
	}
	t.Logf("crash loop: %d restarts marked, %d lines delivered (seq 1..%d, every instance, once), gap markers %d, reconnect markers %d",
		len(markers(r.stderr.Bytes(), "restart")), len(s), s[len(s)-1], len(markers(r.stderr.Bytes(), "gap")), len(markers(r.stderr.Bytes(), "reconnect")))
}
