//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Several clusters at once: the bed's second cluster (context testbed-2, its own
// API server on the same etcd under another prefix, its own stand-in kubelet) holds
// a deployment shop/web like the first cluster's, with other pods and other lines,
// so only the context tells the clusters' lines apart.

// needCluster2 fails the test when the bed has no second cluster.
func needCluster2(t *testing.T) string {
	t.Helper()
	if bed.context2 == "" {
		t.Fatal("the test bed has no second cluster: hack/testbed up with TESTBED_CLUSTERS=2 (the default)")
	}
	return bed.context2
}

// webPods returns the pods of shop/web in a context, as kubectl lists them.
func webPods(t *testing.T, context string) []string {
	t.Helper()
	r := runCmd(t, time.Minute, bed.kubectl, "--context", context, "-n", "shop", "get", "pods", "-l", "app=web",
		"-o", "jsonpath={.items[*].metadata.name}")
	if r.code != 0 {
		t.Fatalf("kubectl --context %s get pods: %s", context, r.stderr)
	}
	pods := strings.Fields(string(r.stdout))
	if len(pods) == 0 {
		t.Fatalf("no shop/web pods in context %s", context)
	}
	return pods
}

// kubectlLog is a container's whole log as kubectl --context X logs gives it.
func kubectlLog(t *testing.T, context, pod string) []string {
	t.Helper()
	r := runCmd(t, time.Minute, bed.kubectl, "--context", context, "-n", "shop", "logs", pod, "-c", "app")
	if r.code != 0 {
		t.Fatalf("kubectl --context %s logs %s: %s", context, pod, r.stderr)
	}
	return lines(r.stdout)
}

// checkRun checks that got (one container's lines, in order) is a run of whole
// consecutive lines of want.
func checkRun(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 {
		t.Errorf("%s: no lines", what)
		return
	}
	for i := range want {
		if want[i] == got[0] && i+len(got) <= len(want) && slices.Equal(want[i:i+len(got)], got) {
			return
		}
	}
	t.Errorf("%s: the %d lines tailui printed are not consecutive lines of kubectl logs (%d lines); first: %q", what, len(got), len(want), got[0])
}

// key names one container of one cluster.
type key struct{ context, pod string }

func TestClustersPlainTextAndJSON(t *testing.T) {
	ctx2 := needCluster2(t)
	pods := map[string][]string{"testbed": webPods(t, "testbed"), ctx2: webPods(t, ctx2)}
	for _, p := range pods[ctx2] {
		if slices.Contains(pods["testbed"], p) {
			t.Fatalf("pod %s is in both clusters: the bed's clusters must differ", p)
		}
	}
	const tail = 20
	args := []string{"--context", "testbed", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app", "--no-follow", "--tail", "20", "--plain"}

	t.Run("text", func(t *testing.T) {
		r := runTailui(t, 2*time.Minute, args...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
		}
		re := regexp.MustCompile(`^\[([^\]]+)\] (\S+) app (.*)$`)
		got := map[key][]string{}
		for _, l := range lines(r.stdout) {
			m := re.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line without a [context] pod app prefix: %q", l)
			}
			if !slices.Contains(pods[m[1]], m[2]) {
				t.Fatalf("line tagged [%s] from pod %s, which that cluster does not have (it has %v): %q", m[1], m[2], pods[m[1]], l)
			}
			got[key{m[1], m[2]}] = append(got[key{m[1], m[2]}], m[3])
		}
		for ctx, ps := range pods {
			for _, p := range ps {
				k := key{ctx, p}
				if len(got[k]) != tail {
					t.Errorf("[%s] %s: %d lines, want %d", ctx, p, len(got[k]), tail)
				}
				checkRun(t, "["+ctx+"] "+p, got[k], kubectlLog(t, ctx, p))
			}
		}
		t.Logf("%d lines from %d containers of 2 clusters, each tagged and equal to kubectl --context X logs", len(lines(r.stdout)), len(got))

		// One cluster: no prefix, as before several clusters were possible.
		one := runTailui(t, time.Minute, "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app", "--no-follow", "--tail", "3", "--plain")
		if one.code != 0 || len(lines(one.stdout)) != 3*len(pods[ctx2]) {
			t.Fatalf("one cluster: exit %d, %d lines\n%s%s", one.code, len(lines(one.stdout)), one.stdout, one.stderr)
		}
		for _, l := range lines(one.stdout) {
			if strings.HasPrefix(l, "[") || !slices.ContainsFunc(pods[ctx2], func(p string) bool { return strings.HasPrefix(l, p+" app ") }) {
				t.Errorf("one cluster: want the plain pod prefix, got %q", l)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		r := runTailui(t, 2*time.Minute, append(args, "-o", "json")...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
		}
		got := map[key][]string{}
		for _, l := range lines(r.stdout) {
			var o struct {
				Context   *string `json:"context"`
				Namespace string  `json:"namespace"`
				Pod       string  `json:"pod"`
				Message   string  `json:"message"`
			}
			if err := json.Unmarshal([]byte(l), &o); err != nil {
				t.Fatalf("not JSON: %q: %v", l, err)
			}
			if o.Context == nil {
				t.Fatalf("no context key with two clusters: %s", l)
			}
			if !slices.Contains(pods[*o.Context], o.Pod) || o.Namespace != "shop" {
				t.Fatalf("context %q for pod %s/%s, which that cluster does not have: %s", *o.Context, o.Namespace, o.Pod, l)
			}
			got[key{*o.Context, o.Pod}] = append(got[key{*o.Context, o.Pod}], o.Message)
		}
		for ctx, ps := range pods {
			for _, p := range ps {
				k := key{ctx, p}
				if len(got[k]) != tail {
					t.Errorf("[%s] %s: %d lines, want %d", ctx, p, len(got[k]), tail)
				}
				checkRun(t, "json ["+ctx+"] "+p, got[k], kubectlLog(t, ctx, p))
			}
		}
		one := runTailui(t, time.Minute, "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app", "--no-follow", "--tail", "1", "-o", "json")
		if one.code != 0 || bytes.Contains(one.stdout, []byte(`"context"`)) || len(lines(one.stdout)) != len(pods[ctx2]) {
			t.Fatalf("one cluster: want %d lines without a context key; exit %d\n%s%s", len(pods[ctx2]), one.code, one.stdout, one.stderr)
		}
	})

	t.Run("template", func(t *testing.T) {
		r := runTailui(t, time.Minute, "--context", "testbed", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app",
			"--no-follow", "--tail", "1", "--template", "{{.Context}}|{{.PodName}}\n")
		if r.code != 0 {
			t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
		}
		seen := map[string]bool{}
		for _, l := range lines(r.stdout) {
			ctx, pod, _ := strings.Cut(l, "|")
			if !slices.Contains(pods[ctx], pod) {
				t.Fatalf(".Context %q with pod %q", ctx, pod)
			}
			seen[ctx] = true
		}
		if len(seen) != 2 {
			t.Fatalf("want lines of both clusters, got %v", seen)
		}
	})
}

func TestClustersUnknownContextNamed(t *testing.T) {
	ctx2 := needCluster2(t)
	pods2 := webPods(t, ctx2)
	r := runTailui(t, 2*time.Minute, "--context", "no-such-cluster", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app",
		"--no-follow", "--tail", "2", "--plain")
	stderr := string(r.stderr)
	t.Logf("exit %d, stderr:\n%s", r.code, stderr)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (one cluster failed)", r.code)
	}
	for _, want := range []string{`[no-such-cluster]`, `context "no-such-cluster" is not in the kubeconfig`, "testbed, " + ctx2, "1 of 2 clusters failed: no-such-cluster"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	// The other cluster still streams, all of it.
	if n := len(lines(r.stdout)); n != 2*len(pods2) {
		t.Errorf("%d lines from %s, want %d:\n%s", n, ctx2, 2*len(pods2), r.stdout)
	}
	for _, l := range lines(r.stdout) {
		if !strings.HasPrefix(l, "["+ctx2+"] ") {
			t.Errorf("line not tagged [%s]: %q", ctx2, l)
		}
	}
	// The TUI names it above the other cluster's pods.
	tm := startTmux(t, 220, 30, "--context", "no-such-cluster", "--context", ctx2, "-n", "shop")
	tm.waitScreen("the unknown context named in the sources panel, the other cluster's pods listed",
		contains(`pods: [no-such-cluster] context "no-such-cluster" is not in the kubeconfig`, "["+ctx2+"] shop", pods2[0], pods2[1]))

	// A forbidden cluster likewise.
	fb := runTailui(t, 2*time.Minute, "--context", "testbed-nobody", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app",
		"--no-follow", "--tail", "2", "--plain")
	if fb.code != 1 || !regexp.MustCompile(`tailui: \[testbed-nobody\] \[error\] .*forbidden`).Match(fb.stderr) ||
		countTagged(fb.stdout, ctx2) != 2*len(pods2) {
		t.Errorf("forbidden cluster: exit %d, %d lines of %s\n%s", fb.code, countTagged(fb.stdout, ctx2), ctx2, fb.stderr)
	}
	t.Logf("forbidden: %s", fb.stderr)

	// Alone, an unknown context is the command's error, named the same way.
	one := runTailui(t, time.Minute, "--context", "no-such-cluster", "--plain", "--no-follow")
	if one.code != 1 || !strings.Contains(string(one.stderr), `context "no-such-cluster" is not in the kubeconfig (known contexts: testbed, `) {
		t.Errorf("one unknown context: exit %d\n%s", one.code, one.stderr)
	}
}

func keysOf(context string, pods []string) []key {
	out := make([]key, len(pods))
	for i, p := range pods {
		out[i] = key{context, p}
	}
	return out
}

// countTagged counts stdout lines tagged [context].
func countTagged(b []byte, context string) int {
	n := bytes.Count(b, []byte("\n["+context+"] "))
	if bytes.HasPrefix(b, []byte("["+context+"] ")) {
		n++
	}
	return n
}

// TestClustersOneAPIServerDown kills the second cluster's API server while one
// tailui prints both clusters and another shows them in the TUI: the first
// cluster's lines keep coming, the second's stream says it is reconnecting, and
// it resumes once the API server is back.
func TestClustersOneAPIServerDown(t *testing.T) {
	ctx2 := needCluster2(t)
	pods2 := webPods(t, ctx2)
	r := startTailui(t, "--context", "testbed", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app", "--tail", "0", "--plain")
	tm := startTmux(t, 200, 40, "--context", "testbed", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app", "--tail", "5")

	// Every container of both clusters has a stream that delivers.
	pods1 := webPods(t, "testbed")
	r.waitFor(t, "lines of every container of both clusters", time.Minute, func() bool {
		out := r.stdout.Bytes()
		for _, k := range append(keysOf("testbed", pods1), keysOf(ctx2, pods2)...) {
			if !bytes.Contains(out, []byte("["+k.context+"] "+k.pod+" app ")) {
				return false
			}
		}
		return true
	})
	sc := tm.waitScreen("a pane per cluster, both live", func(sc string) bool {
		return strings.Count(sc, "● live") >= 2 && strings.Contains(sc, "[testbed] Query/deploy/web") &&
			strings.Contains(sc, "["+ctx2+"] Query/deploy/web") && strings.Contains(sc, pods2[0][len(pods2[0])-5:])
	})
	t.Logf("TUI before:\n%s", firstLines(sc, 3))

	restart := exec.Command(filepath.Join(bed.root, "hack/testbed"), "restart", "apiserver2", "15")
	var rout bytes.Buffer
	restart.Stdout, restart.Stderr = &rout, &rout
	if err := restart.Start(); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan error, 1)
	go func() { restarted <- restart.Wait() }()
	t.Cleanup(func() {
		select {
		case <-restarted:
		case <-time.After(3 * time.Minute):
		}
	})
	down := func() bool {
		select {
		case err := <-restarted:
			restarted <- err
			return false
		default:
			return true
		}
	}

	// The second cluster's streams say so, on stderr, tagged with its context.
	marker := regexp.MustCompile(`tailui: \[` + regexp.QuoteMeta(ctx2) + `\] \S+: \[(reconnect|error)\]`)
	r.waitFor(t, "a reconnect marker of "+ctx2, time.Minute, func() bool { return marker.Match(r.stderr.Bytes()) })
	n1, n2 := countTagged(r.stdout.Bytes(), "testbed"), countTagged(r.stdout.Bytes(), ctx2)
	// The first cluster's lines keep arriving while the second's API server is down.
	r.waitFor(t, "more lines of testbed", time.Minute, func() bool { return countTagged(r.stdout.Bytes(), "testbed") >= n1+20 })
	if !down() {
		t.Fatalf("the API server of %s came back before testbed's lines were counted: the test proves nothing\n%s", ctx2, rout.String())
	}
	m1 := countTagged(r.stdout.Bytes(), "testbed")
	sc = tm.waitScreen("pane 2 reconnecting, pane 1 live", func(sc string) bool {
		title := firstLines(sc, 1)
		i := strings.Index(title, "["+ctx2+"]")
		return i > 0 && strings.Contains(title[:i], "● live") && strings.Contains(title[i:], "reconnect")
	})
	if !down() {
		t.Fatalf("the API server of %s came back before the TUI was read", ctx2)
	}
	t.Logf("TUI while %s is down:\n%s", ctx2, firstLines(sc, 1))
	t.Logf("while down: testbed %d → %d lines, %s %d lines", n1, m1, ctx2, n2)

	if err := <-restarted; err != nil {
		t.Fatalf("hack/testbed restart apiserver2: %v\n%s", err, rout.String())
	}
	restarted <- nil
	t.Logf("hack/testbed restart apiserver2 15:\n%s", bytes.TrimSpace(rout.Bytes()))
	k2 := countTagged(r.stdout.Bytes(), ctx2)
	r.waitFor(t, ctx2+" lines after its API server is back", 2*time.Minute, func() bool { return countTagged(r.stdout.Bytes(), ctx2) >= k2+10 })
	for _, p := range pods2 {
		resumed := regexp.MustCompile(`tailui: \[` + regexp.QuoteMeta(ctx2) + `\] ` + p + `/app: \[resume\]`)
		r.waitFor(t, "a resume marker of ["+ctx2+"] "+p, time.Minute, func() bool { return resumed.Match(r.stderr.Bytes()) })
	}
	sc = tm.waitScreen("both panes live again", func(sc string) bool { return strings.Count(firstLines(sc, 1), "● live") == 2 })
	t.Logf("TUI after:\n%s", firstLines(sc, 1))
	t.Logf("after restart: %s %d → %d lines; stderr:\n%s", ctx2, k2, countTagged(r.stdout.Bytes(), ctx2), r.stderr.Bytes())

	// Nothing lost and nothing twice: every container's seq numbers run on, in order,
	// across the outage for the second cluster. (A --tail 0 stream that broke while
	// every line it had delivered was in its opening second used to repeat one:
	// stream.PodResume counted that second's earlier lines, never delivered, as
	// repeats; fixed there.)
	r.stop()
	seqRe := regexp.MustCompile(`^\[([^\]]+)\] (\S+) app .*\bseq=(\d+)\b`)
	seen, lo, hi := map[key]map[int]int{}, map[key]int{}, map[key]int{}
	for _, l := range lines(r.stdout.Bytes()) {
		m := seqRe.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line without [context] pod app and seq: %q", l)
		}
		k, n := key{m[1], m[2]}, 0
		fmt.Sscan(m[3], &n)
		if seen[k] == nil {
			seen[k], lo[k], hi[k] = map[int]int{}, n, n
		}
		if n < hi[k] {
			t.Errorf("[%s] %s: seq %d after %d (repeated or out of order): %q", k.context, k.pod, n, hi[k], l)
		}
		seen[k][n]++
		lo[k], hi[k] = min(lo[k], n), max(hi[k], n)
	}
	for k, ns := range seen {
		for n := lo[k]; n <= hi[k]; n++ {
			if ns[n] == 0 {
				t.Errorf("[%s] %s: seq %d lost (got %d..%d)", k.context, k.pod, n, lo[k], hi[k])
			}
		}
	}
	for _, p := range pods2 {
		if seen[key{ctx2, p}] == nil {
			t.Errorf("no lines of [%s] %s", ctx2, p)
		}
	}
	t.Logf("no seq lost in %d containers: %v..%v", len(seen), lo, hi)
}

func TestClustersTUISourcesPanel(t *testing.T) {
	ctx2 := needCluster2(t)
	pods2 := webPods(t, ctx2)
	tm := startTmux(t, 160, 40, "--context", "testbed", "--context", ctx2, "-n", "shop")
	sc := tm.waitScreen("both clusters in the sources panel", contains("[testbed] shop", "["+ctx2+"] shop", pods2[0], pods2[1]))
	// Grouped: cluster 2's pods are listed under its own header, after cluster 1's.
	i1, i2 := strings.Index(sc, "[testbed] shop"), strings.Index(sc, "["+ctx2+"] shop")
	if i1 > i2 || strings.Index(sc, pods2[0]) < i2 || strings.Index(sc, pods2[1]) < i2 {
		t.Fatalf("want cluster 2's pods under its header:\n%s", sc)
	}
	// Filter to cluster 2 and open its first web pod: the pane's title names the
	// cluster, and the lines are that pod's (its name is in its JSON lines).
	tm.typeText(ctx2 + " web")
	tm.waitScreen("the filter", func(sc string) bool { return !strings.Contains(sc, "[testbed] shop") })
	tm.keys("Down")
	tm.keys("Enter")
	sc = tm.waitScreen("a pane of cluster 2", func(sc string) bool {
		title := firstLines(sc, 1)
		return strings.Contains(title, "["+ctx2+"] "+pods2[0]) && strings.Contains(title, "● live") &&
			strings.Contains(sc, `"pod":"`+pods2[0]+`"`)
	})
	t.Logf("%s", firstLines(sc, 3))

	// Both clusters' web pods in one merged pane: every line's tag names its cluster.
	tm2 := startTmux(t, 200, 30, "--context", "testbed", "--context", ctx2, "-n", "shop")
	all := append(append([]string{"[testbed] shop", "[" + ctx2 + "] shop"}, webPods(t, "testbed")...), pods2...)
	tm2.waitScreen("both clusters' web pods in the panel", contains(all...))
	tm2.typeText("web")
	tm2.waitScreen("the filter", func(sc string) bool { return !strings.Contains(sc, "Deployment/api") && contains(all...)(sc) })
	tm2.keys("*")
	tm2.keys("Enter")
	sc = tm2.waitScreen("lines of both clusters in one pane, tagged", func(sc string) bool {
		var one, two bool
		for _, l := range strings.Split(sc, "\n")[1:] {
			one = one || strings.HasPrefix(l, "[testbed] ")
			two = two || strings.HasPrefix(l, "["+ctx2+"]")
		}
		return one && two
	})
	t.Logf("merged pane:\n%s", firstLines(sc, 8))
}

// TestClustersLokiFoundPerCluster tails a LogQL query in both clusters: Loki is
// found in the first (the bed's Loki), not in the second (it has none), which is
// said for that cluster while the first one's entries print.
func TestClustersLokiFoundPerCluster(t *testing.T) {
	ctx2 := needCluster2(t)
	r := runTailui(t, 2*time.Minute, "--context", "testbed", "--context", ctx2, "--loki", `{namespace="shop", app="api"}`,
		"--loki-limit", "5", "--no-follow", "--plain")
	stderr := string(r.stderr)
	if r.code != 1 || !strings.Contains(stderr, "tailui: ["+ctx2+"] [error] no Loki Service found") {
		t.Fatalf("exit %d, want 1 and the second cluster's missing Loki named:\n%s", r.code, stderr)
	}
	out := lines(r.stdout)
	if len(out) != 5 {
		t.Fatalf("%d lines, want the 5 of --loki-limit from the first cluster's Loki:\n%s\n%s", len(out), r.stdout, stderr)
	}
	for _, l := range out {
		if !strings.HasPrefix(l, "[testbed] api-") {
			t.Errorf("want a Loki entry of testbed's shop/api tagged [testbed]: %q", l)
		}
	}
}

// TestClustersUnreachableAtStart adds a context whose API server does not answer:
// it is reported as that cluster's error, in plain text and in the TUI's panel, and
// the other cluster streams.
func TestClustersUnreachableAtStart(t *testing.T) {
	ctx2 := needCluster2(t)
	pods2 := webPods(t, ctx2)
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	b, err := os.ReadFile(bed.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kc, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"config", "set-cluster", "dead", "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify"},
		{"config", "set-context", "dead", "--cluster", "dead", "--user", "testbed-admin"},
	} {
		if r := runCmd(t, time.Minute, bed.kubectl, append([]string{"--kubeconfig", kc}, args...)...); r.code != 0 {
			t.Fatalf("kubectl %v: %s", args, r.stderr)
		}
	}
	r := runTailui(t, 2*time.Minute, "--kubeconfig", kc, "--context", "dead", "--context", ctx2, "-n", "shop", "deploy/web", "-c", "app",
		"--no-follow", "--tail", "2", "--plain")
	stderr := string(r.stderr)
	t.Logf("exit %d, stderr:\n%s", r.code, stderr)
	if r.code != 1 || !regexp.MustCompile(`tailui: \[dead\] \[error\] .*127\.0\.0\.1:1`).MatchString(stderr) ||
		!strings.Contains(stderr, "1 of 2 clusters failed: dead") {
		t.Errorf("want exit 1 and the dead cluster's error naming its address")
	}
	if n := countTagged(r.stdout, ctx2); n != 2*len(pods2) || n != len(lines(r.stdout)) {
		t.Errorf("%d lines of %s (of %d), want %d:\n%s", n, ctx2, len(lines(r.stdout)), 2*len(pods2), r.stdout)
	}

	tm := startTmux(t, 220, 30, "--kubeconfig", kc, "--context", "dead", "--context", ctx2, "-n", "shop")
	tm.waitScreen("the dead cluster named in the panel above the other's pods",
		contains("pods: [dead] cannot reach the API server at https://127.0.0.1:1", "["+ctx2+"] shop", pods2[0], pods2[1]))
}
