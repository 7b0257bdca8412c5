//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// olderScrollback is the scrollback of the panes below: what a pane asks for on
// open, and what one press of o loads.
const olderScrollback = 40

// olderPod creates a pod in logs-test whose log is 300 lines of history, every one
// with the same timestamp to the nanosecond (step=0), and nothing after (rate=0):
// the hardest case for matching the pane's first line by time and count, and a
// log that kubectl reads the same before and after.
func olderPod(t *testing.T, prefix string) string {
	t.Helper()
	return olderPodNamed(t, fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%100000), nil)
}

func olderPodNamed(t *testing.T, name string, labels map[string]string) string {
	t.Helper()
	ctx := context.Background()
	pods := bed.cs.CoreV1().Pods("logs-test")
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test", Labels: labels,
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=300,step=0,rate=0"}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}) })
	poll(t, "the pod to run", 60*time.Second, func() bool {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		return err == nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Running != nil
	})
	return name
}

// kubectlLogs is the pod's log as kubectl gives it, with timestamps.
func kubectlLogs(t *testing.T, pod string) []string {
	t.Helper()
	r := runCmd(t, time.Minute, bed.kubectl, "-n", "logs-test", "logs", pod, "-c", "app", "--timestamps")
	if r.code != 0 {
		t.Fatalf("kubectl logs: exit %d: %s", r.code, r.stderr)
	}
	return stampsAsSaved(t, lines(r.stdout))
}

// stampsAsSaved writes each line's leading timestamp as a save does (Go's
// RFC 3339 with nanoseconds, trailing zeros trimmed: the kubelet keeps nine digits).
func stampsAsSaved(t *testing.T, ls []string) []string {
	t.Helper()
	out := make([]string, len(ls))
	for i, l := range ls {
		ts, rest, _ := strings.Cut(l, " ")
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatalf("line without a timestamp: %q", l)
		}
		out[i] = tm.UTC().Format(time.RFC3339Nano) + " " + rest
	}
	return out
}

// startOlderTUI runs tailui on pod in tmux, in a directory of its own (where s
// saves), with a small scrollback.
func startOlderTUI(t *testing.T, selection ...string) (*tmux, string) {
	t.Helper()
	dir := t.TempDir()
	s := &tmux{t: t, session: fmt.Sprintf("tailui-e2e-older-%d", time.Now().UnixNano())}
	cmdline := fmt.Sprintf("cd '%s' && env KUBECONFIG=%s TERM=xterm-256color %s -n logs-test %s --scrollback %d; echo TAILUI-EXITED $?; sleep 600",
		dir, bed.kubeconfig, bed.tailui, strings.Join(selection, " "), olderScrollback)
	if out, err := tmuxNewSession(s.session, 200, 30, cmdline); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = tmuxCmd("kill-session", "-t", s.session).Run() })
	return s, dir
}

// saveOlderPane saves the pane (s, enter: the default path) and returns the
// saved lines: log lines and, apart, the markers.
func saveOlderPane(t *testing.T, tm *tmux, dir string, n int) (logs, markers []string) {
	t.Helper()
	tm.keys("s")
	tm.waitScreen("the save prompt", contains(".log"))
	tm.keys("Enter")
	tm.waitScreen("the save", contains("saved"))
	files, _ := filepath.Glob(filepath.Join(dir, "tailui-*.log"))
	if len(files) != n {
		t.Fatalf("saved files %v, want %d", files, n)
	}
	slices.Sort(files)
	data, err := os.ReadFile(files[n-1])
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines(data) {
		if strings.Contains(l, "── ") {
			markers = append(markers, l)
		} else {
			logs = append(logs, l)
		}
	}
	_ = os.Rename(files[n-1], files[n-1]+".done") // the next save's default name is free
	return logs, markers
}

// TestTUILoadOlderLines opens a pane on a pod with a long history, all of it in one
// nanosecond, with a small scrollback: the pane asks for its last 40 lines only.
// Scrolled to the top it offers older lines; o loads 40 more, then 40 more: after
// each, the pane holds exactly the last 80, then 120, lines kubectl logs gives, once
// each, in order.
func TestTUILoadOlderLines(t *testing.T) {
	pod := olderPod(t, "older")
	tm, dir := startOlderTUI(t, pod)
	testLoadOlder(t, tm, dir, pod)
}

// TestTUILoadOlderLinesJoiningPod: the same with a pod that joins the pane's
// selection after the pane opened (a container that started after tailui, which
// a pane used to read whole): it too is asked for the pane's scrollback only, and
// offers older lines.
func TestTUILoadOlderLinesJoiningPod(t *testing.T) {
	label := fmt.Sprintf("join-%d", time.Now().UnixNano()%100000)
	tm, dir := startOlderTUI(t, "-l", "older="+label)
	tm.waitScreen("the pane waiting for a pod", contains("waiting for one to appear"))
	pod := olderPodNamed(t, "older-"+label, map[string]string{"older": label})
	testLoadOlder(t, tm, dir, pod)
}

func testLoadOlder(t *testing.T, tm *tmux, dir, pod string) {
	want := kubectlLogs(t, pod)
	if len(want) != 300 {
		t.Fatalf("kubectl logs: %d lines, want 300", len(want))
	}
	tm.waitScreen("the pane's lines", contains("seq=300"))
	got, _ := saveOlderPane(t, tm, dir, 1)
	if !slices.Equal(got, want[300-len(got):]) || len(got) < olderScrollback-1 {
		t.Fatalf("on open the pane holds %d lines, not kubectl's last %d (or %d with a marker):\n%s", len(got), olderScrollback, olderScrollback-1, strings.Join(got, "\n"))
	}
	tm.keys("g")
	tm.waitScreen("the offer of older lines", contains(fmt.Sprintf("↑ older lines: press o to load %d more", olderScrollback)))
	for press, held := 1, 2*olderScrollback; press <= 2; press, held = press+1, held+olderScrollback {
		tm.keys("o")
		sc := tm.waitScreen("the older lines", contains(fmt.Sprintf("%d older lines loaded (the pane keeps %d lines now)", olderScrollback, held)))
		got, markers := saveOlderPane(t, tm, dir, 1)
		if len(markers) > 0 {
			t.Errorf("press %d: markers in the pane: %v", press, markers)
		}
		if !slices.Equal(got, want[300-held:]) {
			t.Fatalf("press %d: the pane holds %d lines, want kubectl's last %d:\n%s\nscreen:\n%s", press, len(got), held, strings.Join(got, "\n"), sc)
		}
		tm.keys("g")
		sc = tm.waitScreen("the top", contains(fmt.Sprintf("seq=%d", 300-held+1)))
		t.Logf("press %d: the pane holds kubectl's last %d lines exactly; its top:\n%s", press, held, firstLines(sc, 4))
	}
	// What tailui asked the kubelet for: the pane's open asked for its scrollback
	// (less the marker a pane waiting for its pod holds), each press for what the
	// pane held and 40 more; never a whole log (kubectl's own request is the one
	// without tailLines).
	asked := kubeletAsked(t, pod)
	if want := []string{"follow=true&tailLines=40&timestamps=true", "tailLines=80&timestamps=true", "tailLines=120&timestamps=true"}; !slices.Equal(asked, want) {
		t.Errorf("tailui asked the kubelet for %v, want %v", asked, want)
	}
}

// TestTUILoadOlderPodGone: the pod is deleted before the key. The row says the pod
// is gone, and the pane keeps every line it had.
func TestTUILoadOlderPodGone(t *testing.T) {
	ctx := context.Background()
	pod := olderPod(t, "older-gone")
	want := kubectlLogs(t, pod)
	tm, dir := startOlderTUI(t, pod)
	tm.waitScreen("the pane's lines", contains("seq=300"))
	if err := bed.cs.CoreV1().Pods("logs-test").Delete(ctx, pod, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	poll(t, "the pod to be gone", 60*time.Second, func() bool {
		_, err := bed.cs.CoreV1().Pods("logs-test").Get(ctx, pod, metav1.GetOptions{})
		return err != nil
	})
	tm.waitScreen("the stream to end", contains("pod deleted"))
	before, _ := saveOlderPane(t, tm, dir, 1)
	tm.keys("g")
	tm.waitScreen("the offer of older lines", contains("↑ older lines: press o"))
	tm.keys("o")
	sc := tm.waitScreen("the row saying the pod is gone", contains(fmt.Sprintf("pod %q is gone", pod)))
	after, _ := saveOlderPane(t, tm, dir, 1)
	if !slices.Equal(after, before) || len(after) < olderScrollback-1 || !slices.Equal(after, want[300-len(after):]) {
		t.Fatalf("the pane changed or lost lines: %d before, %d after (want kubectl's last %d)\nafter:\n%s\nkubectl:\n%s\n%s", len(before), len(after), len(before),
			strings.Join(after, "\n"), strings.Join(want[300-len(after):], "\n"), sc)
	}
	t.Logf("pod gone: the pane kept its %d lines; its top:\n%s", len(after), firstLines(sc, 3))
}

// kubeletAsked returns the queries of tailui's log requests for pod, in order, from
// the stand-in kubelet's log (kubectl's own, "timestamps=true" alone, left out).
func kubeletAsked(t *testing.T, pod string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bed.state, "logs", "kubelet.log"))
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	for _, l := range lines(b) {
		if strings.Contains(l, `msg="log request" pod=logs-test/`+pod+" ") {
			_, q, _ := strings.Cut(l, "query=")
			if q = strings.Trim(q, `"`); q != "timestamps=true" {
				asked = append(asked, q)
			}
		}
	}
	return asked
}

// TestTUIReconnectAsksNoHistory: a pane on a pod whose kubelet closes every follow
// stream after 50 lines asks for its scrollback once, on open; every reconnect
// resumes by sinceTime and asks for no history it had (no tailLines).
func TestTUIReconnectAsksNoHistory(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("older-cut-%d", time.Now().UnixNano()%100000)
	pods := bed.cs.CoreV1().Pods("logs-test")
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test",
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=300,rate=20,cut=50"}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}) })
	poll(t, "the pod to run", 60*time.Second, func() bool {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		return err == nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Running != nil
	})
	tm, _ := startOlderTUI(t, name)
	tm.waitScreen("the pane's lines", contains("seq="))
	poll(t, "three reconnects", 60*time.Second, func() bool { return len(kubeletAsked(t, name)) >= 4 })
	asked := kubeletAsked(t, name)
	if asked[0] != "follow=true&tailLines=40&timestamps=true" {
		t.Errorf("the open asked for %q, want the pane's scrollback (tailLines=40)", asked[0])
	}
	for _, q := range asked[1:] {
		if strings.Contains(q, "tailLines") || !strings.Contains(q, "sinceTime=") || !strings.Contains(q, "follow=true") {
			t.Errorf("a reconnect asked for %q: want a resume by sinceTime, without tailLines", q)
		}
	}
	t.Logf("what tailui asked the kubelet for: %v", asked)
}

// TestTUILoadOlderRotated: the container's log was rotated past the pane's first
// line (the kubelet serves only the current file): the row says so, and the pane
// keeps what it had.
func TestTUILoadOlderRotated(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("older-rot-%d", time.Now().UnixNano()%100000)
	pods := bed.cs.CoreV1().Pods("logs-test")
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test",
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=0,rate=20,rotate=30"}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}) })
	poll(t, "the pod to run", 60*time.Second, func() bool {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		return err == nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Running != nil
	})
	// The pane (scrollback 40) holds lines of two files and more once the pod has
	// written 70 lines; the current file holds 30 at most.
	tm, _ := startOlderTUI(t, name)
	tm.waitScreen("70 lines", contains("seq=70"))
	tm.keys("g")
	tm.waitScreen("the offer of older lines", contains("↑ older lines: press o"))
	tm.keys("o")
	sc := tm.waitScreen("the row saying the log was rotated", contains("rotated or truncated"))
	if !strings.Contains(sc, "no older lines loaded") {
		t.Errorf("rotated: the row does not say nothing was loaded:\n%s", sc)
	}
	t.Logf("rotated; the pane's top:\n%s", firstLines(sc, 3))
}
