//go:build e2e

package e2e

// Gap fill across sources on the test bed: a pod whose log is rotated during a
// break loses the lines of the rotated file (the kubelet reads only the current
// one), and tailui marks the gap; the stand-in kubelet pushed every line to the
// bed's Loki, so tailui fills the gap from there: every line the container wrote
// arrives exactly once, in order, the spliced ones marked as from Loki. With
// --fill-gaps=false, or with Loki stopped, the gap marker stays and says why.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// lokiPod creates a pod in logs-test scripted by spec whose lines the kubelet
// pushes to Loki, waits until it runs, and deletes it at the end of the test.
func lokiPod(t *testing.T, prefix, spec string) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1000000)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test",
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": spec, "testbed.tailui.dev/loki": "true"}},
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

// lokiSeqs returns the seq numbers Loki holds for the pod's container app, in order.
func lokiSeqs(t *testing.T, pod string, since time.Time) []int {
	t.Helper()
	q := url.Values{"query": {fmt.Sprintf(`{namespace="logs-test", pod=%q, container="app"}`, pod)},
		"direction": {"forward"}, "limit": {"5000"},
		"start": {strconv.FormatInt(since.UnixNano(), 10)}, "end": {strconv.FormatInt(time.Now().UnixNano(), 10)}}
	resp, err := http.Get(bedLoki + "/loki/api/v1/query_range?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Values [][2]string `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	type ent struct {
		ts  int64
		seq int
	}
	var es []ent
	for _, r := range body.Data.Result {
		for _, v := range r.Values {
			ts, _ := strconv.ParseInt(v[0], 10, 64)
			es = append(es, ent{ts, seqs([]string{v[1]})[0]})
		}
	}
	// Streams (one per level) interleave by time.
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].ts < es[j-1].ts; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.seq
	}
	return out
}

// jsonLine is one line of tailui -o json.
type jsonLine struct {
	Pod     string `json:"pod"`
	Message string `json:"message"`
	Source  string `json:"source"`
}

func decodeJSONLines(t *testing.T, b []byte) []jsonLine {
	t.Helper()
	var out []jsonLine
	for _, l := range lines(b) {
		var j jsonLine
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		out = append(out, j)
	}
	return out
}

// rotationGap follows a pod rotated every 50 records with args, breaks its stream
// for 4 s (80 lines, a rotation among them: lines lost at the kubelet), and returns
// tailui once it is past the gap, stopped.
func rotationGap(t *testing.T, args ...string) (*running, string) {
	t.Helper()
	pod := lokiPod(t, "gapfill", "history=10,rate=20,rotate=50")
	r := startTailui(t, append([]string{"--plain", "-n", "logs-test", pod, "--tail", "-1"}, args...)...)
	r.waitFor(t, "two rotations under the follow", 60*time.Second, func() bool { return len(kubeletLog(t, pod, "log rotated")) >= 2 })
	before := len(lines(r.stdout.Bytes()))
	kubeletHook(t, "break", pod, "hold=4s")
	r.waitFor(t, "the stream to go on past the gap", 90*time.Second, func() bool {
		return len(markers(r.stderr.Bytes(), "resume")) > 0 && len(lines(r.stdout.Bytes())) > before+150
	})
	r.stop()
	return r, pod
}

// TestGapFillFromLoki: the gap a rotation during a break makes is filled from Loki:
// every seq once, in order (what Loki holds, too), the spliced lines marked with
// "source":"loki" and between two [fill] markers, and no [gap] left.
func TestGapFillFromLoki(t *testing.T) {
	start := time.Now().Add(-time.Minute)
	r, pod := rotationGap(t, "-o", "json")
	js := decodeJSONLines(t, r.stdout.Bytes())
	var all []int
	filled, firstFilled, lastFilled := 0, -1, -1
	for i, j := range js {
		s := seqs([]string{j.Message})[0]
		all = append(all, s)
		switch j.Source {
		case "loki":
			filled++
			if firstFilled < 0 {
				firstFilled = i
			}
			lastFilled = i
		case "":
		default:
			t.Errorf("line %d: source %q", i, j.Source)
		}
	}
	if len(all) == 0 {
		t.Fatal("no lines")
	}
	contiguous(t, all, all[0])
	if filled == 0 {
		t.Fatalf("no line marked as from Loki\nstderr:\n%s", r.stderr.Bytes())
	}
	if lastFilled-firstFilled+1 != filled {
		t.Errorf("the %d lines from Loki are not one block (lines %d..%d)", filled, firstFilled, lastFilled)
	}
	fills, gaps := markers(r.stderr.Bytes(), "fill"), markers(r.stderr.Bytes(), "gap")
	if len(fills) != 2 || len(gaps) != 0 {
		t.Errorf("%d [fill] and %d [gap] markers, want 2 and 0\nstderr:\n%s", len(fills), len(gaps), r.stderr.Bytes())
	}
	if len(fills) > 0 && !strings.Contains(fills[0], fmt.Sprintf("%d line(s)", filled)) {
		t.Errorf("the [fill] marker %q does not count the %d lines", fills[0], filled)
	}
	// What Loki holds for the pod is what tailui printed, line for line (up to
	// what Loki has ingested of the newest lines).
	holds := lokiSeqs(t, pod, start)
	i := indexOf(holds, all[0])
	if i < 0 || len(holds)-i <= lastFilled {
		t.Fatalf("Loki holds seq %v... (%d lines), tailui printed %d..%d", head(holds), len(holds), all[0], all[len(all)-1])
	}
	for k := 0; k < len(all) && i+k < len(holds); k++ {
		if holds[i+k] != all[k] {
			t.Fatalf("line %d: tailui seq %d, Loki seq %d", k, all[k], holds[i+k])
		}
	}
	t.Logf("gap fill: %d lines printed (seq %d..%d), every one once; the gap (seq %d..%d) filled with %d lines from Loki, marked by %d [fill] markers (%s); %d [gap] left",
		len(all), all[0], all[len(all)-1], all[firstFilled], all[lastFilled], filled, len(fills), firstOr(fills), len(gaps))
}

// TestGapFillText: in text format the spliced lines carry a [from loki] tag.
func TestGapFillText(t *testing.T) {
	r, _ := rotationGap(t)
	var all []int
	tagged := 0
	for _, l := range lines(r.stdout.Bytes()) {
		all = append(all, seqs([]string{l})[0])
		if strings.Contains(l, " app [from loki] ") {
			tagged++
		}
	}
	contiguous(t, all, all[0])
	if tagged == 0 || len(markers(r.stderr.Bytes(), "gap")) != 0 {
		t.Fatalf("%d lines tagged [from loki], %d [gap] markers; want some and none\nstderr:\n%s", tagged, len(markers(r.stderr.Bytes(), "gap")), r.stderr.Bytes())
	}
	t.Logf("text: %d lines, %d of them tagged [from loki], every seq once", len(all), tagged)
}

// TestGapFillOff: with --fill-gaps=false the gap stays: a jump in seq, one [gap]
// marker, no line from Loki.
func TestGapFillOff(t *testing.T) {
	r, _ := rotationGap(t, "-o", "json", "--fill-gaps=false")
	js := decodeJSONLines(t, r.stdout.Bytes())
	jumps, missing := seqJumps(t, js)
	for _, j := range js {
		if j.Source != "" {
			t.Fatalf("a line from %s with --fill-gaps=false", j.Source)
		}
	}
	gaps := markers(r.stderr.Bytes(), "gap")
	if jumps != 1 || len(gaps) != 1 || len(markers(r.stderr.Bytes(), "fill")) != 0 {
		t.Fatalf("%d jumps, %d [gap] markers; want one each and no [fill]\nstderr:\n%s", jumps, len(gaps), r.stderr.Bytes())
	}
	if strings.Contains(gaps[0], "Loki") {
		t.Errorf("the gap marker speaks of Loki with --fill-gaps=false: %s", gaps[0])
	}
	t.Logf("--fill-gaps=false: %d lines missing, marked by 1 [gap] (%s)", missing, gaps[0])
}

// TestGapFillLokiStopped: with Loki stopped (SIGSTOP: it takes connections and
// answers nothing) the gap stays, and its marker says the fill did not happen and
// why; every line the stream read is there once.
func TestGapFillLokiStopped(t *testing.T) {
	pid := lokiPid(t)
	stopped := false
	cont := func() {
		if stopped {
			_ = syscall.Kill(pid, syscall.SIGCONT)
			stopped = false
		}
	}
	t.Cleanup(cont)
	pod := lokiPod(t, "gapfill", "history=10,rate=20,rotate=50")
	r := startTailui(t, "--plain", "-o", "json", "-n", "logs-test", pod, "--tail", "-1")
	r.waitFor(t, "two rotations under the follow", 60*time.Second, func() bool { return len(kubeletLog(t, pod, "log rotated")) >= 2 })
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped = true
	before := len(lines(r.stdout.Bytes()))
	kubeletHook(t, "break", pod, "hold=4s")
	r.waitFor(t, "the gap marker and the stream past it", 90*time.Second, func() bool {
		return len(markers(r.stderr.Bytes(), "gap")) > 0 && len(lines(r.stdout.Bytes())) > before+150
	})
	cont()
	r.stop()
	js := decodeJSONLines(t, r.stdout.Bytes())
	jumps, missing := seqJumps(t, js)
	gaps := markers(r.stderr.Bytes(), "gap")
	if jumps != 1 || len(gaps) != 1 || len(markers(r.stderr.Bytes(), "fill")) != 0 {
		t.Fatalf("%d jumps, %d [gap] markers; want one each and no [fill]\nstderr:\n%s", jumps, len(gaps), r.stderr.Bytes())
	}
	if !strings.Contains(gaps[0], "not filled from Loki: ") {
		t.Errorf("the gap marker does not say why Loki did not fill it: %s", gaps[0])
	}
	t.Logf("Loki stopped: %d lines missing, marked by 1 [gap] (%s)", missing, gaps[0])
}

// seqJumps checks the seq numbers of js never repeat nor go back, and counts the
// jumps and the lines they skip.
func seqJumps(t *testing.T, js []jsonLine) (jumps, missing int) {
	t.Helper()
	var all []int
	for _, j := range js {
		all = append(all, seqs([]string{j.Message})[0])
	}
	for i := 1; i < len(all); i++ {
		switch d := all[i] - all[i-1]; {
		case d <= 0:
			t.Fatalf("seq %d after %d: a repeat", all[i], all[i-1])
		case d > 1:
			jumps++
			missing += d - 1
		}
	}
	return jumps, missing
}

// lokiPid is the bed's Loki process.
func lokiPid(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bed.state, "pids", "loki"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func head(s []int) []int { return s[:min(len(s), 5)] }

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// faintTag is the [loki] tag drawn faint or grey (the theme's timestamp paint).
var faintTag = regexp.MustCompile(`\x1b\[(2|90)m(\x1b\[[0-9;]*m)*\[loki\] `)

// TestGapFillTUI: in the TUI the spliced lines carry a faint [loki] tag, between the
// fill markers, and no gap marker is left.
func TestGapFillTUI(t *testing.T) {
	pod := lokiPod(t, "gapfill", "history=10,rate=10,rotate=20")
	tm := startTmux(t, 160, 60, "-n", "logs-test", pod, "--tail", "-1")
	tm.waitScreen("the pane with lines", contains("seq="))
	end := time.Now().Add(60 * time.Second)
	for len(kubeletLog(t, pod, "log rotated")) < 2 {
		if time.Now().After(end) {
			t.Fatal("no rotations")
		}
		time.Sleep(200 * time.Millisecond)
	}
	kubeletHook(t, "break", pod, "hold=4s")
	// The block may be taller than the screen (the opening marker above it).
	sc := tm.waitScreen("the lines from Loki", contains("[loki] ", "end of the"))
	if strings.Contains(sc, "── lines shown before the break") {
		t.Errorf("a gap marker is left:\n%s", sc)
	}
	var got []int
	for _, l := range strings.Split(sc, "\n") {
		if strings.Contains(l, "[loki] ") {
			got = append(got, seqs([]string{l})[0])
		}
	}
	contiguous(t, got, got[0])
	styled := tm.styled()
	faint := false
	for _, l := range strings.Split(styled, "\n") {
		if faintTag.MatchString(l) {
			faint = true
		}
	}
	if !faint {
		for _, l := range strings.Split(styled, "\n") {
			if strings.Contains(l, "[loki]") {
				t.Errorf("the [loki] tag is not faint: %q", l)
				break
			}
		}
	}
	t.Logf("TUI: %d lines tagged [loki] on screen (seq %d..%d):\n%s", len(got), got[0], got[len(got)-1], sc)
}

// TestGapFillLokiDropsRefetchedFromThePod: a Loki tail of a busy pod's stream read
// through a stalled path makes Loki drop entries (dropped_entries); tailui reads
// them again from the pod (it still has them: no rotation) and splices them in
// place of the markers, tagged [from pod]: no seq comes twice, and what the pod gave
// back is counted by [fill] markers.
func TestGapFillLokiDropsRefetchedFromThePod(t *testing.T) {
	pod := lokiPod(t, "dropfill", "history=0,rate=4000")
	px := newStallProxy(t, lokiIP+":3100")
	r := startTailuiCombined(t, "--loki", fmt.Sprintf(`{pod=%q}`, pod), "--loki-via", "url", "--loki-url", "http://"+px.ln.Addr().String(),
		"--plain", "--ping-interval", "120s", "--loki-limit", "0")
	r.waitFor(t, "the pod's lines through Loki", 60*time.Second, func() bool { return strings.Contains(string(r.stdout.Bytes()), "seq=") })
	px.stall()
	time.Sleep(15 * time.Second) // 60000 lines pushed meanwhile: more than Loki buffers for a stalled tail
	px.unstall()
	r.waitFor(t, "the entries refetched from the pod", 90*time.Second, func() bool {
		return strings.Contains(string(r.stdout.Bytes()), "refetched from the pod")
	})
	time.Sleep(2 * time.Second)
	r.stop()
	seen := map[int]int{}
	fromPod, fills, dropped := 0, 0, 0
	for _, l := range lines(r.stdout.Bytes()) {
		switch {
		case strings.Contains(l, "[fill] ") && strings.Contains(l, "refetched from the pod"):
			fills++
		case strings.Contains(l, "[dropped] "):
			dropped++
		case strings.Contains(l, "seq="):
			s := seqs([]string{l})[0]
			seen[s]++
			if seen[s] > 1 {
				t.Errorf("seq %d twice", s)
			}
			if strings.Contains(l, "[from pod] ") {
				fromPod++
			}
		}
	}
	if fromPod == 0 || fills == 0 {
		t.Fatalf("%d lines from the pod, %d fill markers; want some", fromPod, fills)
	}
	t.Logf("Loki drops: %d lines in all, %d of them refetched from the pod under %d [fill] markers; %d [dropped] markers left (what Loki did not list, or the pod no longer had)",
		len(seen), fromPod, fills, dropped)
}
