//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailui/tailui/stream/streamtest"
)

// hostilePod is a label value that, printed raw, sets the terminal's title and clears
// the screen, then hides, reorders and tags what follows.
const hostilePod = "\x1b]0;pwned\x07\x1b[2J\u009b2J\u202e\u200b\U000e0041web"

// TestHostileLokiLabelsReachNoTerminal pushes a stream whose pod label is hostile to
// the bed's Loki, with hostile line text, and runs the real binary in text and JSON
// output, with colour off (NO_COLOR) and forced on: the raw bytes on stdout and
// stderr hold no ESC (colour off) or only SGR (colour on), none of the runes the
// policy names, and show the label's escaped form.
func TestHostileLokiLabelsReachNoTerminal(t *testing.T) {
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id, "pod": hostilePod}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	pushLoki(t, bedLoki, labels, time.Now(), []string{
		"e2e hostile line seq=1 \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[8:0mhidden\x1b[0m \u2066x\u2069 \ufeff",
	})
	for _, tc := range []struct {
		name   string
		args   []string
		colour bool
		want   string // on stdout, the escaped label value
	}{
		{"text", []string{"-o", "text"}, false, `\x1b]0;pwned\x07\x1b[2J\u009b2J\u202e\u200b\U000e0041web`},
		{"text in colour", []string{"-o", "text", "--color", "always", "--keep-log-colors"}, true, `\x1b]0;pwned\x07\x1b[2J\u009b2J\u202e\u200b\U000e0041web`},
		{"json", []string{"-o", "json"}, false, `"pod":"\u001b]0;pwned\u0007\u001b[2J\u009b2J\u202e\u200b\udb40\udc41web"`},
		{"json in colour", []string{"-o", "json", "--color", "always"}, true, `"pod":"\u001b]0;pwned\u0007\u001b[2J\u009b2J\u202e\u200b\udb40\udc41web"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			// Loki may take a moment to serve what it was just pushed.
			poll(t, "the hostile line from Loki", 60*time.Second, func() bool {
				args := append([]string{"--plain", "--loki", q, "--no-follow", "--since", "10m"}, tc.args...)
				r = runTailui(t, 30*time.Second, args...)
				return bytes.Contains(r.stdout, []byte("e2e hostile line"))
			})
			checkInert(t, "stdout", r.stdout, tc.colour)
			checkInert(t, "stderr", r.stderr, tc.colour)
			if !bytes.Contains(r.stdout, []byte(tc.want)) {
				t.Errorf("stdout does not show the label as %s:\n%q", tc.want, r.stdout)
			}
			osc52 := `\x1b]52;c;cm0gLXJmIH4=\x07`
			if strings.HasPrefix(tc.name, "json") {
				osc52 = `\\x1b]52;c;cm0gLXJmIH4=\\x07` // the message is the sanitized line, its backslashes escaped
			}
			if !bytes.Contains(r.stdout, []byte(osc52)) {
				t.Errorf("stdout does not show the OSC 52 of the line escaped:\n%q", r.stdout)
			}
			if strings.HasPrefix(tc.name, "json") {
				for _, l := range lines(r.stdout) {
					var m map[string]any
					if err := json.Unmarshal([]byte(l), &m); err != nil {
						t.Fatalf("not JSON: %q: %v", l, err)
					}
					if got := m["labels"].(map[string]any)["pod"]; got != hostilePod {
						t.Errorf("labels.pod decodes to %q, want the pushed value %q", got, hostilePod)
					}
				}
			}
			t.Logf("%s: %d bytes on stdout, %d on stderr, inert", tc.name, len(r.stdout), len(r.stderr))
		})
	}
}

// TestHostileLokiLabelsInTheTUI opens the TUI in tmux on the hostile Loki stream and
// checks what tmux itself saw: the pane's title was not set by the label's OSC 0, the
// screen (captured with its attributes, -e) holds no escape but SGR, none of the
// runes the policy names, and the escaped label and line text are shown.
func TestHostileLokiLabelsInTheTUI(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed (apt-get install tmux)")
	}
	id := e2eID(t)
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	// Two streams, so that the pane tags each line with its stream's labels; the
	// labels differ at their start, which the tags keep.
	for _, pod := range []string{"a\u200b\U000e0041\u00ad", "b\u200b\U000e0041\u00ad"} {
		pushLoki(t, bedLoki, map[string]string{"tailui_e2e": id, "pod": pod}, time.Now(), []string{
			"e2e hostile line seq=1 \x1b]0;pwned-by-line\x07\x1b]52;c;cm0gLXJmIH4=\x07 \u202eend",
		})
	}
	session := fmt.Sprintf("tailui-hostile-%d", time.Now().UnixNano())
	tm := func(args ...string) string {
		out, err := exec.Command("tmux", append(args[:1:1], append([]string{"-t", session}, args[1:]...)...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cmdline := fmt.Sprintf("env KUBECONFIG=%s TERM=xterm-256color %s --loki '%s' --since 10m; sleep 600", bed.kubeconfig, bed.tailui, q)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "30", cmdline).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", session).Run() })
	tm("set-option", "set-clipboard", "on")
	before := tm("display-message", "-p", "#{pane_title}")
	var sc string
	poll(t, "the hostile line on screen", 60*time.Second, func() bool {
		sc = tm("capture-pane", "-p", "-e")
		return strings.Contains(sc, "e2e hostile line")
	})
	if err := streamtest.Inert([]byte(sc), streamtest.Allow{SGR: true, Newline: true}); err != nil {
		t.Errorf("screen: %v", err)
	}
	for _, want := range []string{`\x1b]0;pwned-by-line\x07`, `\u202eend`, `a\u200b\U000e0041\u00ad`} {
		if !strings.Contains(sc, want) {
			t.Errorf("screen does not show %s:\n%s", want, sc)
		}
	}
	if title := tm("display-message", "-p", "#{pane_title}"); strings.Contains(title, "pwned") {
		t.Errorf("the pane title was set by the log: %q (was %q)", title, before)
	}
	if out, err := exec.Command("tmux", "show-buffer").CombinedOutput(); err == nil && strings.Contains(string(out), "rm -rf") {
		t.Errorf("the log wrote tmux's clipboard: %q", out)
	}
	tm("send-keys", "q")
	t.Logf("screen inert, title %q", strings.TrimSpace(tm("display-message", "-p", "#{pane_title}")))
}

// TestHostilePodLinesAndWaitingReasonReachNoTerminal follows the bed's hostile pod
// (every even line is terminal-hostile) in text and JSON, and a pod whose container
// waits with a hostile reason, which reaches tailui in the API server's error and the
// markers built from it.
func TestHostilePodLinesAndWaitingReasonReachNoTerminal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		colour bool
	}{
		{"text", []string{"-o", "text"}, false},
		{"text in colour", []string{"-o", "text", "--color", "always", "--keep-log-colors"}, true},
		{"json", []string{"-o", "json", "--color", "always", "--keep-log-colors"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runTailui(t, time.Minute, append([]string{"--plain", "hostile", "-n", "logs-test", "--no-follow"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			checkInert(t, "stdout", r.stdout, tc.colour)
			checkInert(t, "stderr", r.stderr, tc.colour)
			if n := len(lines(r.stdout)); n < 40 {
				t.Fatalf("%d lines, want the pod's history", n)
			}
			t.Logf("%s: %d lines, %d bytes, inert", tc.name, len(lines(r.stdout)), len(r.stdout))
		})
	}

	t.Run("waiting reason", func(t *testing.T) {
		const ns, name = "tailui-e2e-hostile", "waits"
		reason := "Err\x1b]0;pwned\x07\x1b[2J\u202eImagePull"
		ctx := context.Background()
		if _, err := bed.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		pods := bed.cs.CoreV1().Pods(ns)
		zero := int64(0)
		_ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: map[string]string{
				"testbed.tailui.dev/logs.c": "waiting=" + reason}},
			Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}
		var err error
		poll(t, "pod created", 20*time.Second, func() bool {
			_, err = pods.Create(ctx, p, metav1.CreateOptions{})
			return !apierrors.IsAlreadyExists(err)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pods.Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero}) })
		poll(t, "the container waiting with the hostile reason", 30*time.Second, func() bool {
			got, err := pods.Get(ctx, name, metav1.GetOptions{})
			if err != nil || len(got.Status.ContainerStatuses) == 0 {
				return false
			}
			w := got.Status.ContainerStatuses[0].State.Waiting
			return w != nil && w.Reason == reason
		})
		r := runTailui(t, 20*time.Second, "--plain", name, "-n", ns, "--no-follow")
		checkInert(t, "stdout", r.stdout, false)
		checkInert(t, "stderr", r.stderr, false)
		// Both the marker and the final error quote the API server's message.
		escaped := `is waiting to start: Err\x1b]0;pwned\x07\x1b[2J\u202eImagePull`
		if n := bytes.Count(r.stderr, []byte(escaped)); r.code != 1 || n != 2 || !bytes.Contains(r.stderr, []byte("[error] ")) {
			t.Errorf("exit %d, %d lines showing the waiting reason escaped, want exit 1, an [error] marker and the final error:\n%q", r.code, n, r.stderr)
		}
		t.Logf("exit %d; stderr:\n%s", r.code, r.stderr)
	})
}

// checkInert fails t when out holds anything but text, newlines, tabs and (with
// colour) SGR that does not conceal.
func checkInert(t *testing.T, what string, out []byte, colour bool) {
	t.Helper()
	if err := streamtest.Inert(out, streamtest.Allow{SGR: colour, Newline: true, Tab: true}); err != nil {
		t.Fatalf("%s (colour %v): %v", what, colour, err)
	}
}
