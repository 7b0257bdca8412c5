// Command benchrun measures tailui against its peers (kubectl logs, stern) on the
// test bed, in the same run, alternating, and writes docs/benchmarks.md. hack/bench
// brings the bed up, builds the binaries and calls it; run it through hack/bench.
//
// Every figure is a median of several alternating runs; nothing is asserted.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

var (
	tailuiBin  = flag.String("tailui", "", "the tailui binary")
	kubectlBin = flag.String("kubectl", "", "the kubectl binary")
	sternBin   = flag.String("stern", "", "the stern binary")
	kubeconfig = flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "the bed's kubeconfig")
	out        = flag.String("out", "docs/benchmarks.md", "where to write the report")
	rounds     = flag.Int("rounds", 7, "alternating runs per tool and benchmark (medians are reported)")
	streams    = flag.Int("streams", 500, "containers followed at once in the many-streams benchmark")
	window     = flag.Duration("window", 30*time.Second, "the many-streams benchmark counts the streams delivering within this")
	windowAll  = flag.Duration("window-all", 4*time.Minute, "how long each tool may follow in the many-streams benchmark for every stream to deliver")
	only       = flag.String("only", "", "comma-separated benchmarks to run (drain,drainbig,first,many,many5k,tui,micro); empty: all but many5k; all: all of them")
	peers      = flag.String("peers", "", "the peers' versions, as the report names them")
	revision   = flag.String("revision", "", "tailui's revision, as the report names it")
)

// sample is one run of one tool.
type sample struct {
	wall, user, sys time.Duration
	rssKiB          int64
	extra           float64 // benchmark-specific (streams delivering, lines)
}

// tool is one peer's command line for a benchmark.
type tool struct {
	name string
	bin  string
	args []string
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == measureArg {
		os.Exit(measureChild(os.Args[2:]))
	}
	flag.Parse()
	for _, b := range []*string{tailuiBin, kubectlBin, sternBin} {
		if *b == "" {
			fmt.Fprintln(os.Stderr, "benchrun: -tailui, -kubectl and -stern are required (run hack/bench)")
			os.Exit(2)
		}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s != "" {
			want[s] = true
		}
	}
	if want["all"] {
		want = map[string]bool{}
		for _, name := range []string{"drain", "drainbig", "first", "many", "many5k", "tui", "micro"} {
			want[name] = true
		}
	}
	run := func(name string) bool { return len(want) == 0 || want[name] }
	r := &report{}
	r.machine()
	if run("drain") {
		r.drain()
	}
	if run("drainbig") {
		r.drainBig()
	}
	if run("first") {
		r.firstLine()
	}
	if run("many") {
		r.many()
	}
	if run("tui") {
		r.tui()
	}
	if want["many5k"] { // not in the default set: it takes about 10 minutes
		r.many5k()
	}
	if run("micro") {
		r.micro()
	}
	if err := os.WriteFile(*out, []byte(r.String()), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("benchrun: wrote %s\n", *out)
}

// report collects the sections of docs/benchmarks.md.
type report struct {
	head     strings.Builder
	rows     []string
	sections strings.Builder
}

func (r *report) machine() {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, cpu, _ = strings.Cut(l, ": ")
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			kb, _ := strconv.Atoi(f[1])
			mem = fmt.Sprintf(", %d GiB", (kb+512*1024)/(1024*1024))
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	ver := func(bin string, args ...string) string {
		o, _ := exec.Command(bin, args...).CombinedOutput()
		s, _, _ := strings.Cut(strings.TrimSpace(string(o)), "\n")
		return s
	}
	fmt.Fprintf(&r.head, "Machine: %d cores (%s)%s, %s, load average at start %s. ", runtime.NumCPU(), strings.TrimSpace(cpu), mem, runtime.Version(), load)
	p := *peers
	if p == "" {
		p = fmt.Sprintf("`%s`, `%s`", ver(*kubectlBin, "version", "--client"), ver(*sternBin, "--version"))
	}
	rev := *revision
	if rev == "" {
		rev = ver(*tailuiBin, "version")
	}
	fmt.Fprintf(&r.head, "Peers: %s; tailui at %s. ", p, rev)
	fmt.Fprintf(&r.head, "Unless its row says otherwise, every figure is the median of %d runs per tool, the tools alternating run by run; written %s.\n", *rounds, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

// exec runs t once with stdout to w (nil: discarded) and returns what it cost.
//
// t runs under benchrun itself as its measuring parent (measureChild): its peak RSS
// is its own, not benchrun's (see measureArg).
func execOnce(ctx context.Context, t tool, w io.Writer) (sample, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return sample{}, err
	}
	defer pr.Close()
	cmd := exec.CommandContext(ctx, self, append([]string{measureArg, t.bin}, t.args...)...)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.Env = append(os.Environ(), "KUBECONFIG="+*kubeconfig, "NO_COLOR=1")
	if w == nil {
		w = io.Discard
	}
	cmd.Stdout = w
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	err = cmd.Start()
	_ = pw.Close()
	if err != nil {
		return sample{}, err
	}
	measured, _ := io.ReadAll(pr)
	err = cmd.Wait()
	var s sample
	var wall, user, sys int64
	if _, serr := fmt.Sscan(string(measured), &wall, &user, &sys, &s.rssKiB); serr != nil {
		return s, fmt.Errorf("%s: not measured (%v): %s", t.name, serr, strings.TrimSpace(errb.String()))
	}
	s.wall, s.user, s.sys = time.Duration(wall), time.Duration(user), time.Duration(sys)
	if err != nil && ctx.Err() == nil {
		return s, fmt.Errorf("%s: %v: %s", t.name, err, strings.TrimSpace(errb.String()))
	}
	return s, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// stats are a tool's medians over its samples.
type stats struct{ wall, cpu, user, rss, extra float64 }

func summarize(ss []sample) stats {
	var w, c, u, r, e []float64
	for _, s := range ss {
		w = append(w, s.wall.Seconds())
		c = append(c, (s.user + s.sys).Seconds())
		u = append(u, s.user.Seconds())
		r = append(r, float64(s.rssKiB)/1024)
		e = append(e, s.extra)
	}
	return stats{median(w), median(c), median(u), median(r), median(e)}
}

// alternate runs each tool once per round, in turn, with fn, and returns each
// tool's samples.
func alternate(tools []tool, fn func(tool) (sample, error)) map[string][]sample {
	got := map[string][]sample{}
	for i := 0; i < *rounds; i++ {
		for _, t := range tools {
			s, err := fn(t)
			if err != nil {
				fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
				continue
			}
			got[t.name] = append(got[t.name], s)
		}
		fmt.Fprintf(os.Stderr, ".")
	}
	fmt.Fprintln(os.Stderr)
	return got
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// drain: the 100,000-line history of logs-test/bulk, printed and exit.
func (r *report) drain() { r.drainPod("logs-test", "bulk", 100_000) }

// drainPod: the whole history of ns/pod (n lines), printed and exit, by each tool.
func (r *report) drainPod(ns, pod string, n int) {
	fmt.Fprintf(os.Stderr, "benchrun: drain %d lines\n", n)
	tools := []tool{
		{"tailui", *tailuiBin, []string{"--plain", "-o", "raw", pod, "-n", ns, "-c", "app", "--no-follow"}},
		{"kubectl", *kubectlBin, []string{"logs", pod, "-n", ns, "-c", "app"}},
		{"stern", *sternBin, []string{"^" + pod + "$", "-n", ns, "-c", "app", "--no-follow", "-o", "raw"}},
	}
	got := alternate(tools, func(t tool) (sample, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var lc lineCounter
		s, err := execOnce(ctx, t, &lc)
		if err == nil && lc.n != n {
			err = fmt.Errorf("%s printed %d lines, want %d", t.name, lc.n, n)
		}
		return s, err
	})
	ti, ku, st := summarize(got["tailui"]), summarize(got["kubectl"]), summarize(got["stern"])
	r.rows = append(r.rows,
		fmt.Sprintf("| drain a %s-line history (wall) | %.3f s | %.3f s | %.3f s | %s | %s |", thousands(n), ti.wall, ku.wall, st.wall, ratio(ti.wall, ku.wall), ratio(ti.wall, st.wall)),
		fmt.Sprintf("| same, user CPU | %.3f s | %.3f s | %.3f s | %s | %s |", ti.user, ku.user, st.user, ratio(ti.user, ku.user), ratio(ti.user, st.user)),
		fmt.Sprintf("| same, CPU (user+sys) | %.3f s | %.3f s | %.3f s | %s | %s |", ti.cpu, ku.cpu, st.cpu, ratio(ti.cpu, ku.cpu), ratio(ti.cpu, st.cpu)),
		fmt.Sprintf("| same, peak RSS | %.0f MiB | %.0f MiB | %.0f MiB | %s | %s |", ti.rss, ku.rss, st.rss, ratio(ti.rss, ku.rss), ratio(ti.rss, st.rss)))
}

// thousands writes n with commas: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// historyPod creates ns/name, one container whose history is n lines and which
// writes no more, and waits until it runs.
func historyPod(cs *kubernetes.Clientset, ns, name string, n int) error {
	ctx := context.Background()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": fmt.Sprintf("history=%d,rate=0", n)}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning {
			return nil
		}
	}
	return fmt.Errorf("pod %s/%s did not start within 2 minutes", ns, name)
}

// lineCounter counts newlines written to it.
type lineCounter struct{ n int }

func (c *lineCounter) Write(b []byte) (int, error) {
	c.n += bytes.Count(b, []byte{'\n'})
	return len(b), nil
}

// firstLine: from start to the first line on stdout, following logs-test/fast
// (5,000 lines a second) with --tail 1.
func (r *report) firstLine() {
	fmt.Fprintln(os.Stderr, "benchrun: time to the first line")
	tools := []tool{
		{"tailui", *tailuiBin, []string{"--plain", "-o", "raw", "fast", "-n", "logs-test", "--tail", "1"}},
		{"kubectl", *kubectlBin, []string{"logs", "-f", "fast", "-n", "logs-test", "--tail", "1"}},
		{"stern", *sternBin, []string{"^fast$", "-n", "logs-test", "--tail", "1", "-o", "raw"}},
	}
	got := alternate(tools, func(t tool) (sample, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		first := make(chan time.Duration, 1)
		start := time.Now()
		pr, pw := io.Pipe()
		go func() {
			br := bufio.NewReader(pr)
			if _, err := br.ReadString('\n'); err == nil {
				first <- time.Since(start)
			}
			cancel()
			_, _ = io.Copy(io.Discard, br)
		}()
		s, err := execOnce(ctx, t, pw)
		pw.Close()
		select {
		case d := <-first:
			s.extra = d.Seconds()
			return s, nil
		default:
			if err == nil {
				err = fmt.Errorf("%s printed no line", t.name)
			}
			return s, err
		}
	})
	ti, ku, st := summarize(got["tailui"]), summarize(got["kubectl"]), summarize(got["stern"])
	r.rows = append(r.rows, fmt.Sprintf("| start to the first line (--tail 1, a 5,000 lines/s pod) | %.0f ms | %.0f ms | %.0f ms | %s | %s |",
		ti.extra*1000, ku.extra*1000, st.extra*1000, ratio(ti.extra, ku.extra), ratio(ti.extra, st.extra)))
}

// many: N containers of a namespace followed at once for a window; memory, CPU
// and how many streams delivered at least one line.
func (r *report) many() {
	n := *streams
	fmt.Fprintf(os.Stderr, "benchrun: %d containers followed until every stream delivered (at most %s)\n", n, *windowAll)
	cs, ns, done := benchNamespace("bench-many")
	if cs == nil {
		return
	}
	defer done()
	if err := manyPods(cs, ns, n); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return
	}
	tools := []tool{
		{"tailui", *tailuiBin, []string{"--plain", "-n", ns, "--tail", "0", "--max-streams", strconv.Itoa(n)}},
		{"stern", *sternBin, []string{".", "-n", ns, "--tail", "0", "--max-log-requests", strconv.Itoa(n)}},
	}
	saved := *rounds
	*rounds = min(*rounds, 3) // each run lasts until every stream delivered
	type result struct {
		within, delivering int           // streams delivering within -window, by the end
		last               time.Duration // until the last of them delivered
	}
	res := map[string][]result{}
	got := alternate(tools, func(t tool) (sample, error) {
		s, w, err := followUntilAll(t, n)
		rs := result{delivering: len(w.seen)}
		for _, d := range w.seen {
			rs.last = max(rs.last, d)
			if d <= *window {
				rs.within++
			}
		}
		res[t.name] = append(res[t.name], rs)
		fmt.Fprintf(os.Stderr, "benchrun: %s: %d of %d delivering (the last after %s), peak RSS %d MiB\n",
			t.name, rs.delivering, n, rs.last.Round(100*time.Millisecond), s.rssKiB>>10)
		return s, err
	})
	*rounds = saved
	ti, st := summarize(got["tailui"]), summarize(got["stern"])
	med := func(name string, f func(result) float64) float64 {
		var xs []float64
		for _, rs := range res[name] {
			xs = append(xs, f(rs))
		}
		return median(xs)
	}
	within := func(rs result) float64 { return float64(rs.within) }
	delivering := func(rs result) float64 { return float64(rs.delivering) }
	last := func(rs result) float64 { return rs.last.Seconds() }
	until := func(name string) string {
		if d := med(name, delivering); d < float64(n) {
			return fmt.Sprintf("%.0f of %d by %s", d, n, *windowAll)
		}
		return fmt.Sprintf("%.1f s", med(name, last))
	}

	r.rows = append(r.rows,
		fmt.Sprintf("| %d containers followed, plain, peak RSS, each tool running until every stream delivered and %s more (median of %d) | %.0f MiB | | %.0f MiB | | %s |",
			n, manySettle, len(got["tailui"]), ti.rss, st.rss, ratio(ti.rss, st.rss)),
		fmt.Sprintf("| same, streams delivering within %s | %.0f of %d | | %.0f of %d | | |", *window, med("tailui", within), n, med("stern", within), n),
		fmt.Sprintf("| same, until every stream delivered | %s | | %s | | |", until("tailui"), until("stern")),
		fmt.Sprintf("| same, CPU over the run (tailui's run %.0f s, stern's %.0f s) | %.1f s | | %.1f s | | %s |", ti.wall, st.wall, ti.cpu, st.cpu, ratio(ti.cpu, st.cpu)))
}

// manySettle is how long the many benchmark follows once every stream delivered.
const manySettle = 10 * time.Second

// followUntilAll runs t, a follow of n one-container pods (many-0000...), until
// each of them delivered a line and manySettle more, or for -window-all at most,
// so that every tool's peak RSS is that of n streams delivering: stern opens its
// streams at client-go's default request rate and needs minutes for 500.
func followUntilAll(t tool, n int) (sample, *podFirstLine, error) {
	ctx, cancel := context.WithTimeout(context.Background(), *windowAll)
	defer cancel()
	w := &podFirstLine{seen: map[string]time.Duration{}, start: time.Now(), want: n, all: make(chan struct{})}
	go func() {
		select {
		case <-w.all:
			select {
			case <-time.After(manySettle):
				cancel()
			case <-ctx.Done():
			}
		case <-ctx.Done():
		}
	}()
	s, err := execOnce(ctx, t, w)
	return s, w, err
}

// benchNamespace is a client and a namespace of this run for a benchmark's pods, and
// the cleanup to defer; a nil client (said on stderr) skips the benchmark.
func benchNamespace(prefix string) (*kubernetes.Clientset, string, func()) {
	cs, err := client()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return nil, "", nil
	}
	ns := runNamespace(prefix)
	return cs, ns, func() { cleanup(cs, ns) }
}

// runNamespace names a namespace of this run: the bed runs no namespace controller,
// so a deleted namespace stays Terminating and cannot be used again.
func runNamespace(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, startTime.Unix())
}

var startTime = time.Now()

// cleanup deletes the pods of ns at once (the stand-in kubelet stops their logs)
// and then ns.
func cleanup(cs *kubernetes.Clientset, ns string) {
	ctx := context.Background()
	zero := int64(0)
	_ = cs.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
	_ = cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
}

func client() (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	return kubernetes.NewForConfig(cfg)
}

// manyPods creates n pods of one container each, logging 2 lines a second, and
// waits until the stand-in kubelet reports them running.
func manyPods(cs *kubernetes.Clientset, ns string, n int) error {
	ctx := context.Background()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for i := range n {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("many-%04d", i), Namespace: ns,
				Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=0,rate=2"}},
			Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
		}
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return waitRunning(cs, ns, n, 5*time.Minute, time.Second)
}

// waitRunning waits until n pods of ns are running (the stand-in kubelet says so),
// listing them every poll, for at most within.
func waitRunning(cs *kubernetes.Clientset, ns string, n int, within, poll time.Duration) error {
	ctx := context.Background()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(poll) {
		// ResourceVersion 0: from the API server's cache, not a quorum read of etcd.
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running >= n {
			return nil
		}
	}
	return fmt.Errorf("%d pods did not all start within %s", n, within)
}

// micro runs the Go micro benchmarks of stream and ui and keeps their lines.
func (r *report) micro() {
	fmt.Fprintln(os.Stderr, "benchrun: micro benchmarks")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "300ms", "./stream/", "./ui/")
	o, err := cmd.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: micro benchmarks: %v\n%s", err, o)
	}
	r.sections.WriteString("\n## Micro benchmarks\n\n`go test -run '^$' -bench . -benchmem -benchtime 300ms ./stream/ ./ui/` (`hack/bench micro`), the same run:\n\n```\n")
	for _, l := range strings.Split(string(o), "\n") {
		if f := strings.Fields(l); len(f) > 3 && strings.HasPrefix(l, "BenchmarkBytesPerLine") {
			for i := 1; i < len(f); i++ {
				if f[i] == "B/line" {
					r.rows = append(r.rows, fmt.Sprintf("| bytes a TUI pane holds per buffered line, beyond its text (BenchmarkBytesPerLine) | %s B | | | | |", f[i-1]))
				}
			}
		}
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "pkg:") {
			r.sections.WriteString(l + "\n")
		}
	}
	r.sections.WriteString("```\n")
}

func (r *report) String() string {
	var b strings.Builder
	b.WriteString("<!-- Written by hack/bench: do not edit by hand; rerun it. -->\n# Benchmarks\n\n")
	b.WriteString("tailui against `kubectl logs` and stern v1.33.0 on the test bed (`hack/testbed`: a real\n" +
		"kube-apiserver and etcd, the stand-in kubelet), all three measured in the same run.\n" +
		"Reproduce with `hack/bench` (after the README's set-up; `hack/bench -only drain,first` for a part).\n\n")
	b.WriteString(r.head.String())
	b.WriteString("\n| what | tailui | kubectl | stern | tailui/kubectl | tailui/stern |\n|---|---|---|---|---|---|\n")
	for _, row := range r.rows {
		b.WriteString(row + "\n")
	}
	b.WriteString(limits)
	b.WriteString(r.sections.String())
	return b.String()
}

// limits says what bounds each figure, as far as the code and these runs show; it
// is kept here, beside the code that measures, so that the two change together.
const limits = `
## What limits each figure

From pprof profiles of the same binary (` + "`TAILUI_CPUPROFILE=cpu.out TAILUI_MEMPROFILE=mem.out`" + `
write them; ` + "`TAILUI_MEMPROFILE_AT=20s`" + ` takes the heap profile 20 s in, for a run that
follows, and prints the runtime's heap, stack and goroutine figures), read with
` + "`go tool pprof -top`" + `.

- **Peak RSS is mostly the binary.** Built as a release is (CGO_ENABLED=0, -s -w),
  tailui is 53 MB (kubectl 60, stern 50), and a run maps much of it: following
  nothing yet, 32 MiB of tailui's RSS was its file (text 17 MiB, read-only data 7, the
  function tables 8), stern's 28 (15, 7, 6), and the anonymous memory 5 MiB each. A
  program that only imports client-go's clientset maps 14 MiB of its file at start
  (the scheme registers every API group's types). How the file sits in the page
  cache matters as much: a binary the linker has just written can be kept there in
  2 MiB folios, which the kernel maps whole (FilePmdMapped in /proc/PID/smaps_rollup).
  The same tailui following the same 500 containers peaked at 89 MiB linked in
  place and at 71 MiB as a copy (FilePmdMapped 30 MiB and 0), so hack/bench copies
  every binary it measures, as an installer writes one. A cgo build, linked
  externally, showed the same: about 20 MiB more.
` + drainLimits + `- **Many streams.** With 500 quiet streams, the heap 20 s in was 91 MB and 1,017
  goroutines: a 64 KiB read buffer held by every stream between frames, gorilla's
  64 KiB read buffer and 4 KiB write buffer per connection, a pinger goroutine per
  stream. Now the read buffer is lent from a pool for one frame, gorilla's read
  buffer is 4 KiB (frame payloads are read straight into the pooled buffer) and its
  write buffer pooled (only pings are written, as control frames), and pings run
  from a timer: 25 MB of heap, 517 goroutines (one reader each), 9 MiB of stacks.
  A quiet stream's goroutine waited for its next frame 4.4 KiB deep, and the
  runtime shrinks a stack only when under a quarter of it is used (with 800 bytes
  of guard): the handshake grew it to 16 KiB and it stayed there. The dial, the
  frame loop, the run loop's decisions and the follower's queue wait are now
  functions of their own, 2.8 KiB deep: 8 KiB of stack a stream. A stream's dialer
  (its TLS config, whose CA pool parsed the certificate again per stream) is one
  per client, gorilla's read buffer 512 bytes, the pooled read buffer 8 KiB (frames
  are at most 2 KiB), and the pod informer drops managedFields. At 500 streams
  20 s in: 22 MB of heap, 7 MiB of stacks (shrinking), 517 goroutines. The
  informers keep of each pod only what tailui reads (its metadata, its containers'
  names, the fields a field selector can name, its status): about 2 MiB less at 500
  pods here, and on a real cluster, where a pod's spec is most of its 10-30 KiB,
  far more. What is left a stream is its TLS connection (record buffers, AES-GCM
  state), gorilla's connection and the stream's own state; the peak RSS adds the
  binary (above) and the GC's headroom (GOGC=100). stern opens its streams at
  client-go's default 5 requests a second: 158 of 500 within 30 s, all of them
  after about 100 s, and its RSS grows with them (55 MiB at 30 s, 67 MiB once all
  500 delivered, in one run by hand). So the row compares each tool once every
  stream has delivered.
- **Opening many streams.** Log requests are dialed as WebSockets, outside
  client-go's rate limiter; they are paced per client at 100 a second in bursts of
  50, streams of panes on screen first (one dispatcher per client gives each turn
  to the first waiting stream on screen; a rate.Limiter alone serves waiters in the
  order they came). At most 50 TLS handshakes are in flight per client: on this
  loaded machine 5,000 paced opens had piled up thousands of handshakes (11,912
  goroutines, 158 MiB of stacks and 48 MiB of ML-KEM key shares 80 s in), and
  their path checks timed out into reconnects. TLS sessions are resumed (no client
  certificate only). A stream starts from the pod its follower listed, and streams
  anchoring together (--tail 0) share one reading of the API server's clock: each
  had made two GETs through client-go's limiter (QPS 50), which held 5,000 streams
  to 875 delivering in 90 s. ` + "`--max-streams`" + ` defaults to a quarter of the memory
  available over 128 KiB a stream (about twice what 5,000 streams cost: 307 and 322
  MiB peaks in two runs, 56-59 KiB a stream beyond the binary), from 100 to 10,000.
- **First line.** tailui lists and watches pods (an informer) before it opens a
  stream; stern lists the pods and starts its stream at once. With --tail 0 tailui
  also asks the API server's clock (one GET of the pod, shared by the streams that
  start within a second) before the stream, so that a break before the first line
  resumes exactly.
- **TUI buffer.** A buffered line was 112 bytes beyond its text, and pushing it moved
  it to the heap (one allocation per line: the escape analysis saw a pointer to it
  passed to the filter). It is now 64 bytes (the time as Unix nanoseconds, the drawn
  and plain texts kept only when they differ from the line's) and is looked at where
  the ring keeps it. A frame's cost does not grow with the buffer
  (BenchmarkPaneFrame at 1k, 100k and 1M lines: the same bytes and allocations);
  its time at 1M lines includes the GC scanning the buffer's pointers.
- **Where.** ` + "`--where`" + ` decodes a JSON line into a map for each comparison set
  (BenchmarkWhereJSON); only lines of sources that are filtered pay for it.
`
