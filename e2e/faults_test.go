//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The fault tests of issue 12 item 5: each runs tailui through a fault (a proxy that
// cuts, resets, stalls and refuses; the API server or Loki killed and started again; a
// pod deleted and made again) and checks with the seq= numbers of the lines that
// every line the source had arrived exactly once, and that tailui recovered by
// itself: lines written after the fault arrive without anyone doing anything.

// faultAPIServerAddr is the bed's API server as host:port.
func faultAPIServerAddr(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(bed.cfg.Host)
	if err != nil || u.Host == "" {
		t.Fatalf("the bed's API server URL %q: %v", bed.cfg.Host, err)
	}
	return u.Host
}

// faultKubeconfig writes a copy of the bed's kubeconfig whose clusters point at
// server (host:port; the API server's certificate is valid for 127.0.0.1, so a
// proxy there needs no tls-server-name), with context current, and execEnv added to
// the environment of every exec credential plugin.
func faultKubeconfig(t *testing.T, server, current string, execEnv map[string]string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(bed.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = "https://" + server
	}
	if _, ok := cfg.Contexts[current]; !ok {
		t.Fatalf("the bed's kubeconfig has no context %q (hack/testbed up writes it)", current)
	}
	cfg.CurrentContext = current
	for _, u := range cfg.AuthInfos {
		if u.Exec == nil {
			continue
		}
		for k, v := range execEnv {
			u.Exec.Env = append(u.Exec.Env, clientcmdapi.ExecEnvVar{Name: k, Value: v})
		}
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// faultPod creates a pod in the fixture namespace whose container app logs as spec
// says (hack/kubelet/README.md), waits until it runs, and deletes it at the end.
func faultPod(t *testing.T, fx *fixture, name, spec string) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	pods := bed.cs.CoreV1().Pods(fixtureNS)
	zero := int64(0)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: fixtureNS, Labels: map[string]string{"testcase": "faults"},
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": spec}},
		Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	var err error
	poll(t, "pod "+name+" created", 20*time.Second, func() bool {
		_, err = pods.Create(ctx, p, metav1.CreateOptions{})
		return !apierrors.IsAlreadyExists(err)
	})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	fx.cleanup = append(fx.cleanup, func() { _ = pods.Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero}) })
	var got *corev1.Pod
	poll(t, "pod "+name+" running", 30*time.Second, func() bool {
		got, err = pods.Get(ctx, name, metav1.GetOptions{})
		return err == nil && got.Status.Phase == corev1.PodRunning && len(got.Status.ContainerStatuses) == 1 &&
			got.Status.ContainerStatuses[0].ContainerID != ""
	})
	return got
}

// faultName returns a pod name for this test, unique to this run.
func faultName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1000000)
}

// faultLastSeq returns the highest seq of the raw lines out printed so far.
func faultLastSeq(out []byte) int {
	m := 0
	for _, s := range seqs(lines(out)) {
		m = max(m, s)
	}
	return m
}

// faultWaitSeq waits until a line with seq n or later is out.
func faultWaitSeq(t *testing.T, r *running, n int, deadline time.Duration) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("the line seq=%d", n), deadline, func() bool { return faultLastSeq(r.stdout.Bytes()) >= n })
}

// faultPhase is one fault of a run: the seq range written while it lasted and until
// tailui recovered, and tailui's markers meanwhile.
type faultPhase struct {
	name          string
	from, to      int // seq from+1 .. to
	stderrFrom    int
	stderrTo      int
	outFrom       int // numbered lines out when it began
	outTo         int // and when it ended
	expected      int
	delivered     int
	repeated      int
	gaps, resumes int
	reconnects    int
}

// faultPhases records the faults of one run against the output of one tailui.
type faultPhases struct {
	t    *testing.T
	r    *running
	seqs func([]byte) []int // the seq numbers in stdout
	list []*faultPhase
}

// begin starts a phase at the current output.
func (ps *faultPhases) begin(name string) *faultPhase {
	got := ps.seqs(ps.r.stdout.Bytes())
	p := &faultPhase{name: name, stderrFrom: len(ps.r.stderr.Bytes()), outFrom: len(got)}
	for _, s := range got {
		p.from = max(p.from, s)
	}
	if n := len(ps.list); n > 0 {
		// The previous phase runs up to this one: no line falls between.
		prev := ps.list[n-1]
		prev.to, prev.outTo = max(prev.to, p.from), p.outFrom
	}
	ps.list = append(ps.list, p)
	return p
}

// recovered waits until after more lines past those written by now have arrived (the
// fault is over, tailui must have come back by itself), and ends the phase there.
func (ps *faultPhases) recovered(p *faultPhase, written, after int, deadline time.Duration) {
	ps.t.Helper()
	target := written + after
	ps.r.waitFor(ps.t, fmt.Sprintf("recovery from %s (seq %d)", p.name, target), deadline, func() bool {
		for _, s := range ps.seqs(ps.r.stdout.Bytes()) {
			if s >= target {
				return true
			}
		}
		return false
	})
	p.to = target
	p.stderrTo = len(ps.r.stderr.Bytes())
	p.outTo = len(ps.seqs(ps.r.stdout.Bytes()))
}

// check counts, per phase, the lines of its range that arrived and how often, and
// tailui's markers in it; then checks the whole run 1..last exactly once, in order,
// with no [gap] marker (the source kept every line, so nothing may be missing).
func (ps *faultPhases) check(what string) {
	t := ps.t
	t.Helper()
	got := ps.seqs(ps.r.stdout.Bytes())
	stderr := ps.r.stderr.Bytes()
	count := map[int]int{}
	firstAt := map[int]int{} // where each seq was first printed
	for i, s := range got {
		if count[s]++; count[s] == 1 {
			firstAt[s] = i
		}
	}
	for _, p := range ps.list {
		p.expected = p.to - p.from
		for s := p.from + 1; s <= p.to; s++ {
			if count[s] > 0 {
				p.delivered++
			}
		}
		// A line printed during the phase that had been printed before is a repeat
		// of this fault, whatever its seq.
		for i := p.outFrom; i < min(p.outTo, len(got)); i++ {
			if firstAt[got[i]] < i {
				p.repeated++
			}
		}
		seg := string(stderr[p.stderrFrom:max(p.stderrFrom, p.stderrTo)])
		p.gaps = strings.Count(seg, "[gap]")
		p.resumes = strings.Count(seg, "[resume]")
		p.reconnects = strings.Count(seg, "[reconnect]")
		t.Logf("%s | %-28s | seq %5d..%-5d | expected %4d | delivered %4d | repeated %d | [gap] %d | [reconnect] %d | [resume] %d",
			what, p.name, p.from+1, p.to, p.expected, p.delivered, p.repeated, p.gaps, p.reconnects, p.resumes)
	}
	faultExactlyOnce(t, got, 1, stderr)
}

// faultExactlyOnce checks that got is first, first+1, ... with nothing missing or
// repeated, and that no [gap] marker was shown.
func faultExactlyOnce(t *testing.T, got []int, first int, stderr []byte) {
	t.Helper()
	seen := map[int]int{}
	var dups, missing []int
	last := first - 1
	for _, s := range got {
		if seen[s]++; seen[s] == 2 {
			dups = append(dups, s)
		}
		last = max(last, s)
	}
	for s := first; s <= last && len(missing) < 20; s++ {
		if seen[s] == 0 {
			missing = append(missing, s)
		}
	}
	if len(dups) > 0 || len(missing) > 0 {
		t.Errorf("seq %d..%d: %d lines delivered, repeated %v, missing %v (first 20)\nstderr:\n%s",
			first, last, len(got), dups, missing, tail(stderr, 6000))
		return
	}
	if bytes.Contains(stderr, []byte("[gap]")) {
		t.Errorf("a [gap] marker, though the source kept every line:\n%s", stderr)
		return
	}
	contiguous(t, got, first)
}

// faultMarkers returns the lines of tailui's stderr that are reconnect, resume, gap
// or end markers, for the log.
func faultMarkers(stderr []byte) []string {
	var out []string
	for _, l := range lines(stderr) {
		for _, k := range []string{"[reconnect]", "[resume]", "[gap]", "[ended]", "[error]", "[restart]"} {
			if strings.Contains(l, k) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func faultLogMarkers(t *testing.T, stderr []byte) {
	t.Helper()
	ms := faultMarkers(stderr)
	for i, l := range ms {
		if i == 12 {
			t.Logf("  ... %d more", len(ms)-i)
			break
		}
		t.Logf("  %s", l)
	}
}

func faultPodSeqs(out []byte) []int { return seqs(lines(out)) }

// faultRate is the lines per second of the fault tests' pods.
const faultRate = 20

func TestFaultProxyCutsResetsStallsRefusals(t *testing.T) {
	fx := newFixture(t)
	name := faultName("faults-proxy")
	pod := faultPod(t, fx, name, fmt.Sprintf("history=20,rate=%d", faultRate))
	px := newFaultProxy(t, faultAPIServerAddr(t))
	kc := faultKubeconfig(t, px.addr, "testbed", nil)
	// Pings every 2 s: a path silent for 6 s is redialed, so the 10 s stall must be.
	r := startTailui(t, "--kubeconfig", kc, "--plain", "-o", "raw", "-n", fixtureNS, "pod/"+name, "--ping-interval", "2s")
	faultWaitSeq(t, r, 40, 60*time.Second)
	// written says which seq the kubelet has written by now.
	started := pod.Status.ContainerStatuses[0].State.Running.StartedAt.Time
	written := func() int { return 20 + int(time.Since(started).Seconds()*faultRate) }
	ps := &faultPhases{t: t, r: r, seqs: faultPodSeqs}

	p := ps.begin("cut every 3 s (x4)")
	stop := px.cutEvery(3 * time.Second)
	time.Sleep(12*time.Second + 500*time.Millisecond)
	stop()
	ps.recovered(p, written(), 2*faultRate, 60*time.Second)
	t.Logf("after the cuts: %s", px.snapshot())

	p = ps.begin("reset mid-read")
	px.resetNext(2 << 10) // the log stream forwards 2 KiB in about a second
	poll(t, "the armed reset", 30*time.Second, func() bool { return !px.resetPending() })
	ps.recovered(p, written(), 2*faultRate, 60*time.Second)

	p = ps.begin("stall 10 s")
	px.stallFor(10 * time.Second)
	ps.recovered(p, written(), 2*faultRate, 60*time.Second)

	p = ps.begin("refuse 5 s")
	if err := px.refuseFor(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	ps.recovered(p, written(), 2*faultRate, 60*time.Second)

	r.stop()
	ps.check("apiserver proxy")
	t.Logf("proxy: %s", px.snapshot())
	faultLogMarkers(t, r.stderr.Bytes())
	if s := px.snapshot(); s.Reset != 1 || s.Cut < 4 {
		t.Errorf("the proxy did not inject every fault: %s", s)
	}
	// Every fault reached tailui and was recovered from by a new request. The
	// stall in particular was noticed by the keep-alive and redialed, not waited
	// out: when it ends the proxy forwards what it held, and a follower that had
	// not noticed would go on without a reconnect.
	for _, p := range ps.list {
		if p.reconnects < 1 {
			t.Errorf("%s: no reconnect marker: the fault did not reach tailui, or the keep-alive did not notice it", p.name)
		}
	}
}

func TestFaultGatewayToLokiCutsAndStalls(t *testing.T) {
	fx := newFixture(t)
	// The gateway's upstream is a fault proxy in the pod network, in front of the
	// bed's Loki; the gateway is a private one, so the bed's is not disturbed.
	np := startNetnsProxy(t, "127.0.0.1:0", lokiIP+":3100")
	fx.inNetns("gwfault", httpOK("http://"+gatewayIP+":8082/tailui/v1/ping"),
		bed.tailui, "gateway", "--listen", gatewayIP+":8082", "--upstream", "http://"+np.addr, "--debug")
	fx.pod("gwf-copy", gatewayIP)
	fx.service("gwfault", "http", 8082, "gwf-copy", gatewayIP)

	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id, "suite": "faults"}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	r := startTailui(t, "--loki", q, "--loki-via", "gateway", "--loki-gateway", fixtureNS+"/gwfault:http", "--plain", "-o", "raw")
	warmUp(t, r, bedLoki, labels)
	if !bytes.Contains(r.stderr.Bytes(), []byte("[info] Loki via gateway")) {
		t.Fatalf("not via the gateway:\n%s", r.stderr.Bytes())
	}

	// The source: 20 lines a second, pushed straight to Loki the whole time.
	p := &pusher{t: t, base: bedLoki, labels: labels}
	var mu sync.Mutex
	written := func() int { mu.Lock(); defer mu.Unlock(); return p.next }
	stopPush := make(chan struct{})
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopPush:
				return
			case <-tick.C:
				mu.Lock()
				p.push(2)
				mu.Unlock()
			}
		}
	}()
	defer func() {
		select {
		case <-stopPush:
		default:
			close(stopPush)
		}
		<-pushed
	}()
	waitNumbered(t, r, 20, 30*time.Second)
	ps := &faultPhases{t: t, r: r, seqs: numbered}

	ph := ps.begin("gateway-Loki cut (x3, 3 s apart)")
	for i := range 3 {
		if i > 0 {
			time.Sleep(3 * time.Second)
		}
		t.Logf("cut: %s", np.do("cut", 10*time.Second))
	}
	ps.recovered(ph, written(), 20, 60*time.Second)

	ph = ps.begin("gateway-Loki stall 10 s")
	t.Logf("stall: %s", np.do("stall 10s", 30*time.Second))
	ps.recovered(ph, written(), 20, 60*time.Second)

	close(stopPush)
	<-pushed
	n := p.next
	waitNumbered(t, r, n, 60*time.Second)
	r.stop()
	ps.check("gateway-Loki proxy")
	checkExactly(t, numbered(r.stdout.Bytes()), n, r.stderr.Bytes())
	faultLogMarkers(t, r.stderr.Bytes())
	if rc := bytes.Count(r.stderr.Bytes(), []byte("[reconnect]")); rc < 2 {
		t.Errorf("%d reconnects through 3 cuts and a stall of the gateway's upstream: the faults did not reach tailui", rc)
	}
}

func TestFaultAPIServerKilledAndRestartedDuringFollow(t *testing.T) {
	// Not parallel with anything: the bed's API server goes away for a while. The
	// restart waits until it is ready again, so later tests find the bed as it was.
	fx := newFixture(t)
	name := faultName("faults-apiserver")
	pod := faultPod(t, fx, name, fmt.Sprintf("history=20,rate=%d", faultRate))
	r := startTailui(t, "--plain", "-o", "raw", "-n", fixtureNS, "pod/"+name, "--ping-interval", "2s")
	faultWaitSeq(t, r, 40, 60*time.Second)
	started := pod.Status.ContainerStatuses[0].State.Running.StartedAt.Time
	written := func() int { return 20 + int(time.Since(started).Seconds()*faultRate) }
	ps := &faultPhases{t: t, r: r, seqs: faultPodSeqs}

	p := ps.begin("kube-apiserver kill -9, 3 s down, restart")
	restart := exec.Command(filepath.Join(bed.root, "hack/testbed"), "restart", "apiserver", "3")
	out, err := restart.CombinedOutput()
	t.Logf("hack/testbed restart apiserver 3:\n%s", bytes.TrimSpace(out))
	if err != nil {
		t.Fatalf("restart the API server: %v", err)
	}
	ps.recovered(p, written(), 2*faultRate, 90*time.Second)
	r.stop()
	ps.check("apiserver restart")
	faultLogMarkers(t, r.stderr.Bytes())
	if !bytes.Contains(r.stderr.Bytes(), []byte("[reconnect]")) {
		t.Errorf("no reconnect marker: the kill did not reach tailui?\n%s", r.stderr.Bytes())
	}
}

// faultProc is a process in the bed's pod network that a test can kill and start
// again.
type faultProc struct {
	t    *testing.T
	name string
	args []string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startFaultProc(t *testing.T, name string, ready func() bool, args ...string) *faultProc {
	t.Helper()
	p := &faultProc{t: t, name: name, args: args, log: filepath.Join(t.TempDir(), name+".log")}
	p.start(ready)
	t.Cleanup(func() { p.kill(syscall.SIGTERM) })
	return p
}

func (p *faultProc) start(ready func() bool) {
	t := p.t
	t.Helper()
	log, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", bedNetns}, p.args...)...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	p.done = done
	go func(c *exec.Cmd) { _ = c.Wait(); close(done) }(p.cmd)
	deadline := time.Now().Add(90 * time.Second)
	for !ready() {
		select {
		case <-done:
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s exited:\n%s", p.name, tail(b, 3000))
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s not ready after 90s:\n%s", p.name, tail(b, 3000))
		}
	}
}

// kill sends sig to the process (ip netns exec execs it: the pid is the program's)
// and waits for it to end.
func (p *faultProc) kill(sig syscall.Signal) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// faultLokiConfig writes a config for a Loki of its own on port (gRPC grpcPort) and dir
// in the pod network, copied from the bed's.
func faultLokiConfig(t *testing.T, port, grpcPort int, dir string) (config, bin string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(bed.state, "loki", "config.yaml"))
	if err != nil {
		t.Fatalf("the bed's Loki config: %v", err)
	}
	cfg := string(src)
	for _, r := range [][2]string{
		{"http_listen_port: 3100", "http_listen_port: " + strconv.Itoa(port)},
		{"grpc_listen_port: 9095", "grpc_listen_port: " + strconv.Itoa(grpcPort)},
		{filepath.Join(bed.state, "loki"), dir},
	} {
		if !strings.Contains(cfg, r[0]) {
			t.Fatalf("the bed's Loki config has no %q", r[0])
		}
		cfg = strings.ReplaceAll(cfg, r[0], r[1])
	}
	config = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	cache := envOr("TESTBED_CACHE", filepath.Join(home, ".cache", "tailui-testbed"))
	return config, filepath.Join(cache, "bin", "loki-v"+envOr("LOKI_VERSION", "3.7.8"))
}

func TestFaultLokiRestartedDuringTail(t *testing.T) {
	// A Loki of its own (the bed's is shared by every test), with its own gateway.
	fx := newFixture(t)
	dir := t.TempDir()
	config, bin := faultLokiConfig(t, 3102, 9097, dir)
	base := "http://" + lokiIP + ":3102"
	loki := startFaultProc(t, "loki-restart", httpOK(base+"/ready"), bin, "-config.file", config, "-target", "all")
	fx.inNetns("gwrestart", httpOK("http://"+gatewayIP+":8083/tailui/v1/ping"),
		bed.tailui, "gateway", "--listen", gatewayIP+":8083", "--upstream", base, "--debug")
	fx.pod("lokir-copy", lokiIP)
	fx.pod("gwr-copy", gatewayIP)
	fx.service("lokir", "http-metrics", 3102, "lokir-copy", lokiIP)
	fx.service("gwrestart", "http", 8083, "gwr-copy", gatewayIP)

	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	r := startTailui(t, "--loki", q, "--plain", "-o", "raw",
		"--loki-service", fixtureNS+"/lokir:http-metrics", "--loki-gateway", fixtureNS+"/gwrestart:http")
	warmUp(t, r, base, labels)
	if !bytes.Contains(r.stderr.Bytes(), []byte("[info] Loki via gateway")) {
		t.Fatalf("not via the gateway:\n%s", r.stderr.Bytes())
	}
	p := &pusher{t: t, base: base, labels: labels}
	for range 10 {
		p.push(10)
		time.Sleep(100 * time.Millisecond)
	}
	waitNumbered(t, r, 50, 30*time.Second)
	ps := &faultPhases{t: t, r: r, seqs: numbered}
	ph := ps.begin("Loki kill -9 and restart")
	// Lines pushed right before the kill may not have reached the tail: they must
	// come from Loki's WAL after the restart, through the resume.
	p.push(50)
	loki.kill(syscall.SIGKILL)
	t.Logf("Loki killed with %d lines pushed, %d of them shown by then", p.next, len(numbered(r.stdout.Bytes())))
	loki.start(httpOK(base + "/ready"))
	t.Logf("Loki ready again")
	for range 10 {
		p.push(10)
		time.Sleep(100 * time.Millisecond)
	}
	ps.recovered(ph, p.next, 0, 90*time.Second)
	n := p.next
	waitNumbered(t, r, n, 30*time.Second)
	r.stop()
	ps.check("Loki restart")
	checkExactly(t, numbered(r.stdout.Bytes()), n, r.stderr.Bytes())
	faultLogMarkers(t, r.stderr.Bytes())
}

var faultServedRE = regexp.MustCompile(`msg="served logs" pod=(\S+) container=(\S+) .* lines=(\d+) bytes=\d+ end="?([^"=]+?)"? took=`)

// faultKubeletServed returns the lines the stand-in kubelet wrote to follow requests of
// ns/pod's container app since offset in its log, and how the last request ended.
func faultKubeletServed(t *testing.T, offset int, ns, pod string) (n int, lastEnd string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bed.state, "logs", "kubelet.log"))
	if err != nil {
		t.Fatalf("the kubelet's log: %v", err)
	}
	for _, l := range lines(b[min(offset, len(b)):]) {
		m := faultServedRE.FindStringSubmatch(l)
		if m == nil || m[1] != ns+"/"+pod || m[2] != "app" {
			continue
		}
		k, _ := strconv.Atoi(m[3])
		n += k
		lastEnd = m[4]
	}
	return n, lastEnd
}

func faultKubeletLogSize(t *testing.T) int {
	fi, err := os.Stat(filepath.Join(bed.state, "logs", "kubelet.log"))
	if err != nil {
		t.Fatalf("the kubelet's log: %v", err)
	}
	return int(fi.Size())
}

func TestFaultPodDeletedAndRecreatedUnderTheSameName(t *testing.T) {
	fx := newFixture(t)
	name := faultName("faults-again")
	spec := fmt.Sprintf("history=10,rate=%d", faultRate)
	off := faultKubeletLogSize(t)
	first := faultPod(t, fx, name, spec)
	r := startTailui(t, "--plain", "-o", "raw", "-n", fixtureNS, "pod/"+name)
	faultWaitSeq(t, r, 60, 60*time.Second)

	ctx := context.Background()
	zero := int64(0)
	if err := bed.cs.CoreV1().Pods(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	ended := fmt.Sprintf("%s/app: [ended] pod deleted", name)
	r.waitFor(t, "the deleted pod's end marker", 60*time.Second, func() bool { return bytes.Contains(r.stderr.Bytes(), []byte(ended)) })
	// What the kubelet wrote to the old pod's follow requests, to its end.
	var oldServed int
	var end string
	poll(t, "the kubelet's record of the old pod's last request", 20*time.Second, func() bool {
		oldServed, end = faultKubeletServed(t, off, fixtureNS, name)
		return end != "" && end != "cut"
	})
	oldOut := len(r.stdout.Bytes())
	off = faultKubeletLogSize(t)
	second := faultPod(t, fx, name, spec)
	if second.UID == first.UID {
		t.Fatalf("the pod was not made again (same UID %s)", first.UID)
	}
	// The new pod's log starts at seq=1 again, after the old one's last line.
	r.waitFor(t, "60 lines of the new pod", 60*time.Second, func() bool {
		s := faultPodSeqs(r.stdout.Bytes()[oldOut:])
		return len(s) > 0 && s[len(s)-1] >= 60
	})
	r.stop()
	out := r.stdout.Bytes()
	oldSeqs, newSeqs := faultPodSeqs(out[:oldOut]), faultPodSeqs(out[oldOut:])
	// The kubelet records a request when it ends: the new pod's, once tailui left.
	var newServed int
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if n, why := faultKubeletServed(t, off, fixtureNS, name); why != "" {
			newServed = n
			break
		}
	}
	t.Logf("old pod | expected %d (what the kubelet wrote, its last request ended %q) | delivered %d | [gap] %d | ended %d",
		oldServed, end, len(oldSeqs), bytes.Count(r.stderr.Bytes(), []byte("[gap]")), bytes.Count(r.stderr.Bytes(), []byte(ended)))
	t.Logf("new pod | seq 1..%d | delivered %d (kubelet wrote %d by the stop)", faultLastSeq(out[oldOut:]), len(newSeqs), newServed)
	faultLogMarkers(t, r.stderr.Bytes())
	faultExactlyOnce(t, oldSeqs, 1, r.stderr.Bytes())
	if len(oldSeqs) != oldServed {
		t.Errorf("old pod: %d lines delivered, the kubelet wrote %d to its end", len(oldSeqs), oldServed)
	}
	faultExactlyOnce(t, newSeqs, 1, r.stderr.Bytes())
	if n := bytes.Count(r.stderr.Bytes(), []byte(ended)); n != 1 {
		t.Errorf("%d end markers for the deleted pod, want 1", n)
	}
}

func TestFaultExecCredentialAcrossForcedReconnect(t *testing.T) {
	fx := newFixture(t)
	name := faultName("faults-exec")
	pod := faultPod(t, fx, name, fmt.Sprintf("history=20,rate=%d", faultRate))
	px := newFaultProxy(t, faultAPIServerAddr(t))
	dir := t.TempDir()
	// Two followers of the same pod through the same proxy, both as the exec-admin
	// user: one whose credential never expires (the plugin's token must be reused
	// across reconnects), one whose credential expires 4 s after each call (the
	// plugin must be run again for the requests after the cut).
	type follower struct {
		what string
		log  string
		r    *running
	}
	var fs []*follower
	for _, ttl := range []string{"", "4"} {
		f := &follower{what: "no expiry", log: filepath.Join(dir, "exec-"+ttl+".log")}
		env := map[string]string{"TAILUI_EXEC_LOG": f.log}
		if ttl != "" {
			f.what = "expires after " + ttl + " s"
			env["TAILUI_EXEC_TTL"] = ttl
		}
		kc := faultKubeconfig(t, px.addr, "testbed-exec", env)
		f.r = startTailui(t, "--kubeconfig", kc, "--plain", "-o", "raw", "-n", fixtureNS, "pod/"+name, "--ping-interval", "2s")
		fs = append(fs, f)
	}
	calls := func(f *follower) int {
		b, _ := os.ReadFile(f.log)
		return bytes.Count(b, []byte("\n"))
	}
	for _, f := range fs {
		faultWaitSeq(t, f.r, 40, 60*time.Second)
	}
	started := pod.Status.ContainerStatuses[0].State.Running.StartedAt.Time
	written := func() int { return 20 + int(time.Since(started).Seconds()*faultRate) }
	time.Sleep(5 * time.Second) // past the short credential's expiry
	before := []int{calls(fs[0]), calls(fs[1])}
	var pss []*faultPhases
	var phs []*faultPhase
	for _, f := range fs {
		ps := &faultPhases{t: t, r: f.r, seqs: faultPodSeqs}
		pss, phs = append(pss, ps), append(phs, ps.begin("exec user, proxy cut x2, "+f.what))
	}
	px.cut()
	time.Sleep(3 * time.Second)
	px.cut()
	for i, f := range fs {
		pss[i].recovered(phs[i], written(), 2*faultRate, 60*time.Second)
		f.r.stop()
	}
	for i, f := range fs {
		pss[i].check("exec credential")
		after := calls(f)
		t.Logf("%s: plugin ran %d time(s) before the cuts, %d after", f.what, before[i], after-before[i])
		for _, l := range lines(f.r.stderr.Bytes()) {
			if strings.Contains(l, "Unauthorized") || strings.Contains(l, "exec") && strings.Contains(l, "error") {
				t.Errorf("%s: %s", f.what, l)
			}
		}
		if before[i] < 1 {
			t.Errorf("%s: the exec plugin never ran: tailui did not use the exec-admin user", f.what)
		}
		if !bytes.Contains(f.r.stderr.Bytes(), []byte("[reconnect]")) {
			t.Errorf("%s: no reconnect: the cut did not reach tailui", f.what)
		}
	}
	if after := calls(fs[0]); after != before[0] {
		t.Errorf("no expiry: the plugin ran again across the reconnect (%d then %d): the credential was not reused", before[0], after)
	}
	if after := calls(fs[1]); after <= before[1] {
		t.Errorf("expiring credential: the plugin was not run again after expiry (%d then %d)", before[1], after)
	}
	t.Logf("proxy: %s", px.snapshot())
}
