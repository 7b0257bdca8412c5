//go:build e2e

package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Node logs: tailui node/NAME against the stand-in kubelet's node log query
// (hack/kubelet/nodelog.go), through the real API server's node proxy.

// nodeSeq is the seq=N of a node log line.
func nodeSeq(t *testing.T, s string) int {
	t.Helper()
	m := seqRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no seq in %q", s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// journalLine is one line of the kubelet's answer: short-precise time and message.
type journalLine struct {
	sec time.Time // the second of the line (the year does not matter here)
	msg string
}

var journalLineRE = regexp.MustCompile(`^([A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d)\.\d{6} \S+ [^ \[]+\[\d+\]: (.*)$`)

// kubeletJournal is what the API server's node proxy serves for ?QUERY, read with
// kubectl get --raw (kubectl, not tailui's code).
func kubeletJournal(t *testing.T, query string) []journalLine {
	t.Helper()
	r := runCmd(t, time.Minute, bed.kubectl, "get", "--raw", "/api/v1/nodes/"+bedNode+"/proxy/logs/?"+query)
	if r.code != 0 {
		t.Fatalf("kubectl get --raw ?%s: exit %d\n%s", query, r.code, r.stderr)
	}
	var out []journalLine
	for _, l := range lines(r.stdout) {
		m := journalLineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("kubelet answered a line that is not short-precise: %q", l)
		}
		sec, err := time.Parse("Jan 02 15:04:05", m[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, journalLine{sec: sec, msg: m[2]})
	}
	return out
}

// nodeLogWrite has the stand-in kubelet add n lines of unit now, in one second
// (a test hook on the kubelet itself), and returns the seq of the last one.
func nodeLogWrite(t *testing.T, unit string, n int) int {
	t.Helper()
	port := envOr("KUBELET_PORT", "20250")
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Post(fmt.Sprintf("https://127.0.0.1:%s/testbed/nodelog/write?unit=%s&n=%d", port, unit, n), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var wrote, next int
	if _, err := fmt.Sscanf(string(body), "wrote %d, next seq %d", &wrote, &next); err != nil || wrote != n {
		t.Fatalf("nodelog hook: %d %q", resp.StatusCode, body)
	}
	return next - 1
}

// restartKubelet restarts the stand-in kubelet with extra flags (none: as the bed
// starts it).
func restartKubelet(t *testing.T, flags ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bed.root, "hack/testbed"), append([]string{"restart", "kubelet"}, flags...)...)
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/testbed restart kubelet %v: %v\n%s", flags, err, out)
	}
}

// The plain lines are exactly the messages the kubelet served, in its order: the
// 50 lines tailui printed are a run of kubectl's answer for the seconds they span,
// starting in the first second, and what kubectl has after them is not older than
// the last second (written after tailui asked).
func TestNodeLogPlainIsWhatTheKubeletServes(t *testing.T) {
	r := runTailui(t, time.Minute, "node/"+bedNode, "--no-follow", "--tail", "50", "-o", "raw")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	got := lines(r.stdout)
	if len(got) != 50 {
		t.Fatalf("got %d lines, want 50:\n%s", len(got), r.stdout)
	}
	text := runTailui(t, time.Minute, "node/"+bedNode, "--no-follow", "--tail", "1")
	if tl := lines(text.stdout); len(tl) != 1 || !strings.HasPrefix(tl[0], bedNode+"/kubelet I") && !strings.HasPrefix(tl[0], bedNode+"/kubelet E") {
		t.Fatalf("text format: %q; want %s/kubelet and the klog line", text.stdout, bedNode)
	}

	// --where reads containerd's logfmt level.
	w := runTailui(t, time.Minute, "node/"+bedNode, "--node-log", "containerd", "--no-follow", "--tail", "40", "-o", "raw", "--where", "level>=warn")
	wl := lines(w.stdout)
	if w.code != 0 || len(wl) < 10 {
		t.Fatalf("--where: exit %d, %d lines\n%s", w.code, len(wl), w.stderr)
	}
	for _, l := range wl {
		if !strings.Contains(l, "level=warning") && !strings.Contains(l, "level=error") {
			t.Fatalf("--where level>=warn let through %q", l)
		}
	}

	// The seconds tailui's lines span, from kubectl's view of the whole recent log.
	all := kubeletJournal(t, "query=kubelet&tailLines=400")
	first := -1
	for i, l := range all {
		if l.msg == got[0] {
			first = i
		}
	}
	if first < 0 {
		t.Fatalf("tailui's first line is not in the kubelet's log: %q", got[0])
	}
	// untilTime is a point in time (journalctl --until): the second after the last.
	since, until := all[first].sec, all[first+len(got)-1].sec
	year := time.Now().UTC().Year()
	win := kubeletJournal(t, fmt.Sprintf("query=kubelet&sinceTime=%s&untilTime=%s",
		since.AddDate(year, 0, 0).Format(time.RFC3339), until.Add(time.Second).AddDate(year, 0, 0).Format(time.RFC3339)))
	at := -1
	for i, l := range win {
		if l.msg == got[0] {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("first line missing from the window ?sinceTime=%s&untilTime=%s", since, until)
	}
	for i := 0; i < at; i++ {
		if !win[i].sec.Equal(since) {
			t.Fatalf("kubectl has line %q before tailui's first, outside its first second", win[i].msg)
		}
	}
	if len(win) < at+len(got) {
		t.Fatalf("the window has %d lines from tailui's first, tailui printed %d", len(win)-at, len(got))
	}
	for i, g := range got {
		if win[at+i].msg != g {
			t.Fatalf("line %d: tailui %q, kubelet %q", i, g, win[at+i].msg)
		}
	}
	for _, l := range win[at+len(got):] {
		if l.sec.Before(until) {
			t.Fatalf("kubectl has %q after tailui's last line, before its second", l.msg)
		}
	}
	t.Logf("50 lines, equal to the kubelet's lines %d..%d of the window %s..%s", at, at+49, since.Format("15:04:05"), until.Format("15:04:05"))
}

// Following polls with sinceTime (second resolution): bursts of lines written in
// one second, while tailui polls, come out once each, none lost, for two services,
// in -o json with the node and service.
func TestNodeLogFollowNoRepeatNoLoss(t *testing.T) {
	p := startTailui(t, "node/"+bedNode, "--node-log", "kubelet,containerd", "--tail", "3", "-o", "json")
	type rec struct {
		Node, Service, Timestamp, Message string
	}
	parse := func() []rec {
		var out []rec
		for _, l := range lines(p.stdout.Bytes()) {
			var r rec
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("not JSON: %q: %v", l, err)
			}
			out = append(out, r)
		}
		return out
	}
	p.waitFor(t, "the first lines of both services", 30*time.Second, func() bool {
		k, c := 0, 0
		for _, r := range parse() {
			switch r.Service {
			case "kubelet":
				k++
			case "containerd":
				c++
			}
		}
		return k >= 3 && c >= 3
	})
	lastK, lastC := 0, 0
	for i := 0; i < 6; i++ {
		lastK = nodeLogWrite(t, "kubelet", 25)
		lastC = nodeLogWrite(t, "containerd", 10)
		time.Sleep(300 * time.Millisecond) // spread the bursts over the polls
	}
	p.waitFor(t, fmt.Sprintf("kubelet seq %d and containerd seq %d", lastK, lastC), 30*time.Second, func() bool {
		k, c := 0, 0
		for _, r := range parse() {
			if r.Service == "kubelet" {
				k = max(k, nodeSeq(t, r.Message))
			} else {
				c = max(c, nodeSeq(t, r.Message))
			}
		}
		return k >= lastK && c >= lastC
	})
	p.stop()
	seqs := map[string][]int{}
	for _, r := range parse() {
		if r.Node != bedNode || r.Timestamp == "" {
			t.Fatalf("record without node or timestamp: %+v", r)
		}
		seqs[r.Service] = append(seqs[r.Service], nodeSeq(t, r.Message))
	}
	for svc, s := range seqs {
		for i := 1; i < len(s); i++ {
			if s[i] != s[i-1]+1 {
				t.Fatalf("%s: seq %d after %d (repeat or loss); all: %v", svc, s[i], s[i-1], s)
			}
		}
		t.Logf("%s: %d lines, seq %d..%d, each once", svc, len(s), s[0], s[len(s)-1])
	}
	if len(seqs) != 2 {
		t.Fatalf("services: %v", seqs)
	}
}

// A node whose journalctl reads sinceTime's wall clock in a zone behind UTC (5 h)
// answers the boundary query with nothing: tailui says so once and follows by a
// window of the last lines, still without repeats or loss.
func TestNodeLogFollowNodeBehindUTC(t *testing.T) {
	restartKubelet(t, "--journal-utc-offset=-5h")
	t.Cleanup(func() { restartKubelet(t) })
	p := startTailui(t, "node/"+bedNode, "--tail", "3", "-o", "raw")
	seqs := func() []int {
		var out []int
		for _, l := range lines(p.stdout.Bytes()) {
			out = append(out, nodeSeq(t, l))
		}
		return out
	}
	p.waitFor(t, "the note that sinceTime is not read as UTC", 30*time.Second, func() bool {
		return strings.Contains(string(p.stderr.Bytes()), "does not read sinceTime as UTC")
	})
	last := 0
	for i := 0; i < 4; i++ {
		last = nodeLogWrite(t, "kubelet", 25)
		time.Sleep(300 * time.Millisecond) // spread the bursts over the polls
	}
	p.waitFor(t, fmt.Sprintf("kubelet seq %d", last), 30*time.Second, func() bool {
		s := seqs()
		return len(s) > 0 && s[len(s)-1] >= last
	})
	p.stop()
	s := seqs()
	for i := 1; i < len(s); i++ {
		if s[i] != s[i-1]+1 {
			t.Fatalf("seq %d after %d (repeat or loss); all: %v", s[i], s[i-1], s)
		}
	}
	if n := strings.Count(string(p.stderr.Bytes()), "does not read sinceTime as UTC"); n != 1 {
		t.Fatalf("the note came %d times:\n%s", n, p.stderr.Bytes())
	}
	t.Logf("%d lines, seq %d..%d, each once", len(s), s[0], s[len(s)-1])
}

// A TUI pane shows the node's lines, and new ones as they come; as a user without
// nodes/proxy, the pane says what is missing.
func TestNodeLogTUIPane(t *testing.T) {
	tm := startTmux(t, 200, 40, "node/"+bedNode, "--tail", "20")
	tm.waitScreen("the pane of the node and the kubelet's lines", contains("Node/"+bedNode, "live", "1187 kubelet.go:", "seq="))
	n := nodeLogWrite(t, "kubelet", 1)
	tm.waitScreen(fmt.Sprintf("the new line seq=%d", n), contains(fmt.Sprintf("seq=%d", n)))

	// Without nodes/proxy the pane says so.
	viewer := startTmux(t, 200, 12, "--context", "testbed-viewer", "node/"+bedNode)
	viewer.waitScreen("the forbidden message", contains("failed", `user "log-viewer" cannot get nodes/proxy`))
}

// Errors that say what to do: the query disabled on the node (it answers with its
// /var/log listing), nodes/proxy forbidden, an unknown node, an unknown service.
func TestNodeLogErrors(t *testing.T) {
	t.Run("forbidden", func(t *testing.T) {
		r := runTailui(t, time.Minute, "--context", "testbed-viewer", "node/"+bedNode, "--no-follow")
		want := []string{`user "log-viewer" cannot get nodes/proxy`, `resources: ["nodes/proxy"], verbs: ["get"]`}
		if r.code != 1 || !strings.Contains(string(r.stderr), want[0]) || !strings.Contains(string(r.stderr), want[1]) {
			t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
		if strings.Count(strings.TrimSpace(string(r.stderr)), "\n") != 0 {
			t.Fatalf("want one line: %q", r.stderr)
		}
	})
	t.Run("unknown node", func(t *testing.T) {
		r := runTailui(t, time.Minute, "node/no-such-node", "--no-follow")
		if want := `node "no-such-node" not found; nodes: ` + bedNode; r.code != 1 || !strings.Contains(string(r.stderr), want) {
			t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
	})
	t.Run("unknown service", func(t *testing.T) {
		r := runTailui(t, time.Minute, "node/"+bedNode, "--node-log", "nosuch", "--no-follow")
		if want := `has no log for service "nosuch"`; r.code != 1 || !strings.Contains(string(r.stderr), want) {
			t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
	})
	t.Run("file service", func(t *testing.T) {
		// kube-proxy logs to /var/log/kube-proxy.log: the kubelet refuses options for
		// it, so tailui asks without and keeps the tail itself.
		r := runTailui(t, time.Minute, "node/"+bedNode, "--node-log", "kube-proxy", "--no-follow", "--tail", "2", "-o", "raw")
		if got := lines(r.stdout); r.code != 0 || len(got) != 2 || nodeSeq(t, got[0]) != 19 || nodeSeq(t, got[1]) != 20 {
			t.Fatalf("exit %d, stdout %q, stderr %q; want kube-proxy.log's last 2 lines (seq 19, 20)", r.code, r.stdout, r.stderr)
		}
	})

	for _, flags := range [][]string{{"--enable-system-log-query=false"}, {"--feature-gates", "NodeLogQuery=false"}} {
		t.Run("disabled "+strings.Join(flags, " "), func(t *testing.T) {
			restartKubelet(t, flags...)
			t.Cleanup(func() { restartKubelet(t) })
			raw := runCmd(t, time.Minute, bed.kubectl, "get", "--raw", "/api/v1/nodes/"+bedNode+"/proxy/logs/?query=kubelet")
			if !strings.Contains(string(raw.stdout), `<a href="kube-proxy.log">`) {
				t.Fatalf("the kubelet should answer with its /var/log listing: %q %q", raw.stdout, raw.stderr)
			}
			for _, follow := range []bool{false, true} {
				args := []string{"node/" + bedNode}
				if !follow {
					args = append(args, "--no-follow")
				}
				r := runTailui(t, time.Minute, args...)
				want := []string{`node "testbed-node" does not serve node log queries`, "does not enable NodeLogQuery", "enableSystemLogQuery: true"}
				for _, w := range want {
					if r.code != 1 || !strings.Contains(string(r.stderr), w) {
						t.Fatalf("follow %v: exit %d, stderr %q; want 1 and %q", follow, r.code, r.stderr, w)
					}
				}
				if len(r.stdout) != 0 {
					t.Fatalf("the listing reached stdout: %q", r.stdout)
				}
			}
		})
	}
}
