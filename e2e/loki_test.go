//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// The test bed's pod network (hack/testbed's POD_NET and NETNS, so that a second bed
// on other addresses can run the suite too): Loki at .10:3100, the gateway at .11:8080,
// and .99, which no one holds (the API server cannot reach it).
var (
	podNet    = envOr("POD_NET", "10.213.77")
	bedLoki   = "http://" + podNet + ".10:3100"
	lokiIP    = podNet + ".10"
	gatewayIP = podNet + ".11"
	deadIP    = podNet + ".99"
	bedNetns  = envOr("NETNS", "tailui-testbed")
)

// envOr returns the environment variable name, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

const (
	fixtureNS  = "tailui-e2e-loki"
	bedNode    = "testbed-node"
	podIPAnnot = "testbed.tailui.dev/pod-ip"
)

// e2eID returns a label value unique to this run of the test.
func e2eID(t *testing.T) string {
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"))
	return fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
}

// pushLoki pushes lines to the Loki at base, one stream with labels, timestamps
// strictly increasing from start by 1 µs.
func pushLoki(t *testing.T, base string, labels map[string]string, start time.Time, lines []string) {
	t.Helper()
	vals := make([][]string, len(lines))
	for i, l := range lines {
		vals[i] = []string{strconv.FormatInt(start.Add(time.Duration(i)*time.Microsecond).UnixNano(), 10), l}
	}
	body, _ := json.Marshal(map[string]any{"streams": []any{map[string]any{"stream": labels, "values": vals}}})
	resp, err := http.Post(base+"/loki/api/v1/push", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Errorf("push to Loki: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Errorf("push to Loki: %d %s", resp.StatusCode, b)
	}
}

// pusher pushes numbered lines seq=1.. of one stream.
type pusher struct {
	t      *testing.T
	base   string
	labels map[string]string
	next   int
}

func (p *pusher) push(n int) {
	lines := make([]string, n)
	for i := range lines {
		p.next++
		lines[i] = fmt.Sprintf("e2e line seq=%d of %s", p.next, p.labels["tailui_e2e"])
	}
	pushLoki(p.t, p.base, p.labels, time.Now(), lines)
}

// warmUp pushes unnumbered lines until the tail shows one: from then on, whatever
// is pushed reaches the tail live (Loki's history query is behind it).
func warmUp(t *testing.T, r *running, base string, labels map[string]string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		pushLoki(t, base, labels, time.Now(), []string{fmt.Sprintf("warm-up %d", i)})
		end := time.Now().Add(time.Second)
		for time.Now().Before(end) {
			if bytes.Contains(r.stdout.Bytes(), []byte("warm-up ")) {
				return
			}
			select {
			case <-r.done:
				t.Fatalf("tailui exited (%d) while warming up\nstderr:\n%s", r.code, r.stderr.Bytes())
			case <-time.After(50 * time.Millisecond):
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tail never showed a warm-up line\nstderr:\n%s", r.stderr.Bytes())
		}
	}
}

// numbered returns the seq numbers of the numbered lines in out, in order.
func numbered(out []byte) []int {
	var s []int
	for _, l := range lines(out) {
		if m := seqRE.FindStringSubmatch(l); m != nil && strings.Contains(l, "e2e line") {
			n, _ := strconv.Atoi(m[1])
			s = append(s, n)
		}
	}
	return s
}

// waitNumbered waits until n numbered lines are out (or the process ended).
func waitNumbered(t *testing.T, r *running, n int, deadline time.Duration) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("%d numbered lines", n), deadline, func() bool { return len(numbered(r.stdout.Bytes())) >= n })
}

func checkExactly(t *testing.T, got []int, n int, stderr []byte) {
	t.Helper()
	seen := map[int]int{}
	var dups []int
	for _, s := range got {
		if seen[s]++; seen[s] == 2 {
			dups = append(dups, s)
		}
	}
	if len(got) != n || len(dups) > 0 {
		t.Errorf("%d numbered lines, want %d exactly once; repeated: %v\nstderr:\n%s", len(got), n, dups, stderr)
	}
	contiguous(t, got, 1)
}

func TestLokiGatewayTailReceivesEveryPushedLine(t *testing.T) {
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id, "suite": "loki"}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	r := startTailui(t, "--loki", q, "--loki-via", "gateway", "--plain", "-o", "raw")
	r.waitFor(t, "the way", 30*time.Second, func() bool { return bytes.Contains(r.stderr.Bytes(), []byte("[info] Loki via gateway")) })
	warmUp(t, r, bedLoki, labels)
	p := &pusher{t: t, base: bedLoki, labels: labels}
	const n = 300
	for range n / 50 {
		p.push(50)
	}
	waitNumbered(t, r, n, 60*time.Second)
	r.stop()
	checkExactly(t, numbered(r.stdout.Bytes()), n, r.stderr.Bytes())
	t.Logf("gateway: %d numbered lines, seq 1..%d, each exactly once, in order", n, n)

	// The gateway restored exactly this query from the path.
	var found bool
	for _, rr := range gatewayRecent(t) {
		if !rr.Upgrade || rr.Path != "/loki/api/v1/tail" || !rr.QueryArgs {
			continue
		}
		if v, err := url.ParseQuery(rr.Query); err == nil && v.Get("query") == q {
			found = true
			t.Logf("gateway debug/recent: %s %s?%s (queryargs, upgrade)", rr.Method, rr.Path, rr.Query)
		}
	}
	if !found {
		t.Errorf("the gateway's debug/recent shows no tail upgrade with the restored query %s", q)
	}
}

func TestLokiProxyNamesStrippedQueryAndAutoTakesAnotherWay(t *testing.T) {
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)

	res := runTailui(t, 60*time.Second, "--loki", q, "--loki-via", "proxy", "--plain")
	if res.code != 1 {
		t.Fatalf("--loki-via proxy: exit %d, want 1\nstderr:\n%s", res.code, res.stderr)
	}
	for _, want := range []string{"dropped the query string", "kubernetes issue 77142", "without ?limit=100&query=", "tailui gateway", "--loki-via gateway"} {
		if !bytes.Contains(res.stderr, []byte(want)) {
			t.Errorf("--loki-via proxy: stderr does not say %q:\n%s", want, res.stderr)
		}
	}
	t.Logf("proxy: %s", firstLine(res.stderr))

	t.Run("auto takes the gateway", func(t *testing.T) {
		r := startTailui(t, "--loki", q, "--plain", "-o", "raw")
		warmUp(t, r, bedLoki, labels)
		r.stop()
		if !bytes.Contains(r.stderr.Bytes(), []byte("[info] Loki via gateway")) {
			t.Fatalf("auto did not say it took the gateway:\n%s", r.stderr.Bytes())
		}
		t.Logf("auto: %s", firstLine(r.stderr.Bytes()))
	})

	t.Run("auto without a gateway takes a port-forward", func(t *testing.T) {
		fx := newFixture(t)
		fx.pod("loki-copy", lokiIP)
		fx.service("loki", "http-metrics", 3100, "loki-copy", lokiIP)
		r := startTailui(t, "--loki", q, "--plain", "-o", "raw", "--loki-service", fixtureNS+"/loki:http-metrics")
		warmUp(t, r, bedLoki, labels)
		r.stop()
		info := string(r.stderr.Bytes())
		for _, want := range []string{"[info] Loki via port-forward", "gateway failed: no tailui gateway Service",
			"proxy failed: the API server's service proxy dropped the query string", "77142"} {
			if !strings.Contains(info, want) {
				t.Errorf("stderr does not say %q:\n%s", want, info)
			}
		}
		t.Logf("auto without gateway: %s", firstLine(r.stderr.Bytes()))
	})
}

func TestLokiPortForwardAndPollDeliverTheSameLines(t *testing.T) {
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	ways := []string{"port-forward", "poll"}
	rs := map[string]*running{}
	for _, w := range ways {
		rs[w] = startTailui(t, "--loki", q, "--loki-via", w, "--plain", "-o", "raw")
	}
	for _, w := range ways {
		warmUp(t, rs[w], bedLoki, labels)
	}
	p := &pusher{t: t, base: bedLoki, labels: labels}
	const n = 250
	for range n / 50 {
		p.push(50)
	}
	var outs [][]byte
	for _, w := range ways {
		waitNumbered(t, rs[w], n, 60*time.Second)
		rs[w].stop()
		if !bytes.Contains(rs[w].stderr.Bytes(), []byte("[info] Loki via "+w)) {
			t.Errorf("%s: stderr does not say the way:\n%s", w, rs[w].stderr.Bytes())
		}
		checkExactly(t, numbered(rs[w].stdout.Bytes()), n, rs[w].stderr.Bytes())
		var only []string
		for _, l := range lines(rs[w].stdout.Bytes()) {
			if strings.Contains(l, "e2e line") {
				only = append(only, l)
			}
		}
		outs = append(outs, []byte(strings.Join(only, "\n")))
		t.Logf("%s: %d numbered lines, seq 1..%d, exactly once (%s)", w, n, n, firstLine(rs[w].stderr.Bytes()))
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("port-forward and poll printed different lines")
	}
}

func TestLokiLabelsAndSeriesForScripts(t *testing.T) {
	id := e2eID(t)
	pushLoki(t, bedLoki, map[string]string{"tailui_e2e": id, "color": "blue"}, time.Now(), []string{"a"})
	pushLoki(t, bedLoki, map[string]string{"tailui_e2e": id, "color": "red"}, time.Now(), []string{"b"})
	res := runTailui(t, 30*time.Second, "loki", "labels")
	if res.code != 0 || !bytes.Contains(res.stdout, []byte("\ntailui_e2e\n")) {
		t.Fatalf("loki labels: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = runTailui(t, 30*time.Second, "loki", "series", fmt.Sprintf(`{tailui_e2e=%q}`, id), "--since", "5m")
	// Loki adds service_name itself (discover_service_name).
	want := fmt.Sprintf("{color=\"blue\", service_name=\"unknown_service\", tailui_e2e=%q}\n{color=\"red\", service_name=\"unknown_service\", tailui_e2e=%q}\n", id, id)
	if res.code != 0 || string(res.stdout) != want {
		t.Fatalf("loki series: exit %d\n%q\nwant %q\n%s", res.code, res.stdout, want, res.stderr)
	}
	res = runTailui(t, 30*time.Second, "loki", "labels", "color", "--loki-via", "port-forward")
	if res.code != 0 || !bytes.Contains(res.stdout, []byte("blue\n")) {
		t.Fatalf("loki labels color: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = runTailui(t, 30*time.Second, "loki", "series")
	if res.code != 2 {
		t.Errorf("loki series without a selector: exit %d, want 2", res.code)
	}
	res = runTailui(t, 30*time.Second, "--loki", "{a=\"b\"}", "--loki-via", "sideways")
	if res.code != 2 {
		t.Errorf("--loki-via sideways: exit %d, want 2", res.code)
	}
}

func TestLokiRefusedQueryIsExplained(t *testing.T) {
	res := runTailui(t, 30*time.Second, "--loki", `{app="web"`, "--plain")
	if res.code != 1 || !bytes.Contains(res.stderr, []byte("Loki refused the query: parse error at line 1")) {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	// Said once: the source's error marker, not again as the exit message.
	if n := bytes.Count(res.stderr, []byte("Loki refused the query")); n != 1 {
		t.Errorf("the refusal is printed %d times, want once:\n%s", n, res.stderr)
	}
	t.Logf("%s", firstLine(res.stderr))
}

// --- a second Loki with tail_max_duration 30s, and the fixture namespace

// fixture creates pods, Services, Endpoints and EndpointSlices in fixtureNS and
// deletes them when the test ends (the namespace stays: without a controller
// manager the bed cannot finish deleting a namespace).
type fixture struct {
	t       *testing.T
	cleanup []func()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	_, err := bed.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fixtureNS}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	fx := &fixture{t: t}
	t.Cleanup(func() {
		for i := len(fx.cleanup) - 1; i >= 0; i-- {
			fx.cleanup[i]()
		}
	})
	return fx
}

// pod creates a pod the stand-in kubelet runs with the fixed IP ip, and waits
// until its status carries the IP (the service proxy checks it).
func (fx *fixture) pod(name, ip string) {
	t := fx.t
	t.Helper()
	ctx := context.Background()
	pods := bed.cs.CoreV1().Pods(fixtureNS)
	zero := int64(0)
	_ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: fixtureNS, Annotations: map[string]string{
			podIPAnnot: ip, "testbed.tailui.dev/logs.c": "history=1,rate=0"}},
		Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	var err error
	// A deleted pod of the same name may still be going.
	poll(t, "pod "+name+" created", 10*time.Second, func() bool {
		_, err = pods.Create(ctx, p, metav1.CreateOptions{})
		return !apierrors.IsAlreadyExists(err)
	})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	fx.cleanup = append(fx.cleanup, func() { _ = pods.Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero}) })
	poll(t, "pod "+name+" running with IP "+ip, 30*time.Second, func() bool {
		got, err := pods.Get(ctx, name, metav1.GetOptions{})
		return err == nil && got.Status.PodIP == ip && got.Status.Phase == corev1.PodRunning
	})
}

// poll checks cond every 100 ms until it holds, failing the test after deadline.
func poll(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	end := time.After(deadline)
	for !cond() {
		select {
		case <-tick.C:
		case <-end:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// service creates a Service without selector whose one port points at pod's ip.
func (fx *fixture) service(name, portName string, port int32, pod, ip string) {
	t := fx.t
	t.Helper()
	ctx := context.Background()
	cs := quietClient(t)
	zero := int64(0)
	_ = cs.CoreV1().Services(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	_ = cs.CoreV1().Endpoints(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{})
	_ = cs.DiscoveryV1().EndpointSlices(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{})
	tcp := corev1.ProtocolTCP
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: fixtureNS},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: portName, Port: port, Protocol: tcp, TargetPort: intstr.FromInt32(port)}}}}
	if _, err := cs.CoreV1().Services(fixtureNS).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ref := &corev1.ObjectReference{Kind: "Pod", Namespace: fixtureNS, Name: pod}
	node := bedNode
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: fixtureNS},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip, NodeName: &node, TargetRef: ref}},
			Ports:     []corev1.EndpointPort{{Name: portName, Port: port, Protocol: tcp}}}}}
	if _, err := cs.CoreV1().Endpoints(fixtureNS).Create(ctx, ep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	yes := true
	sl := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Namespace: fixtureNS, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &yes},
			NodeName: &node, TargetRef: ref}},
		Ports: []discoveryv1.EndpointPort{{Name: &portName, Port: &port, Protocol: &tcp}},
	}
	if _, err := cs.DiscoveryV1().EndpointSlices(fixtureNS).Create(ctx, sl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fx.cleanup = append(fx.cleanup, func() {
		ctx := context.Background()
		_ = cs.CoreV1().Services(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{})
		_ = cs.CoreV1().Endpoints(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{})
		_ = cs.DiscoveryV1().EndpointSlices(fixtureNS).Delete(ctx, name, metav1.DeleteOptions{})
	})
}

// quietClient is the bed's admin client without client-go's deprecation warnings
// (v1 Endpoints, which the service proxy still reads).
func quietClient(t *testing.T) *kubernetes.Clientset {
	cfg := rest.CopyConfig(bed.cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// inNetns starts a process in the bed's pod network and stops it (by its pid) when
// the test ends.
func (fx *fixture) inNetns(name string, ready func() bool, args ...string) {
	t := fx.t
	t.Helper()
	log, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", bedNetns}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	fx.cleanup = append(fx.cleanup, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for !ready() {
		select {
		case <-done:
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("%s exited:\n%s", name, tail(b, 3000))
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("%s not ready after 90s:\n%s", name, tail(b, 3000))
		}
	}
}

func httpOK(u string) func() bool {
	return func() bool {
		c := http.Client{Timeout: time.Second}
		resp, err := c.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
}

// shortTailLoki runs a second Loki on the bed's pod network, port 3101, whose
// tail_max_duration is 30 s, and a tailui gateway for it on port 8081, with
// Services loki30 and gw30 in the fixture namespace. It returns Loki's base URL.
func shortTailLoki(t *testing.T, fx *fixture) string {
	t.Helper()
	cfgSrc, err := os.ReadFile(filepath.Join(bed.state, "loki", "config.yaml"))
	if err != nil {
		t.Fatalf("the bed's Loki config: %v", err)
	}
	dir := t.TempDir()
	cfg := string(cfgSrc)
	for _, r := range [][2]string{
		{"http_listen_port: 3100", "http_listen_port: 3101"},
		{"grpc_listen_port: 9095", "grpc_listen_port: 9096"},
		{filepath.Join(bed.state, "loki"), dir},
	} {
		if !strings.Contains(cfg, r[0]) {
			t.Fatalf("the bed's Loki config has no %q", r[0])
		}
		cfg = strings.ReplaceAll(cfg, r[0], r[1])
	}
	cfg = regexp.MustCompile(`tail_max_duration: .*`).ReplaceAllString(cfg, "tail_max_duration: 30s")
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	cache := os.Getenv("TESTBED_CACHE")
	if cache == "" {
		cache = filepath.Join(home, ".cache", "tailui-testbed")
	}
	lokiBin := filepath.Join(cache, "bin", "loki-v3.7.8")
	base := "http://" + lokiIP + ":3101"
	fx.inNetns("loki30", httpOK(base+"/ready"), lokiBin, "-config.file", filepath.Join(dir, "config.yaml"), "-target", "all")
	fx.inNetns("gw30", httpOK("http://"+gatewayIP+":8081/tailui/v1/ping"),
		bed.tailui, "gateway", "--listen", gatewayIP+":8081", "--upstream", base, "--debug")
	fx.pod("loki-copy", lokiIP)
	fx.pod("gw-copy", gatewayIP)
	fx.service("loki30", "http-metrics", 3101, "loki-copy", lokiIP)
	fx.service("gw30", "http", 8081, "gw-copy", gatewayIP)
	return base
}

func TestLokiTailAcrossTailMaxDurationLosesAndRepeatsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("90 s")
	}
	fx := newFixture(t)
	base := shortTailLoki(t, fx)
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	r := startTailui(t, "--loki", q, "--plain", "-o", "raw",
		"--loki-service", fixtureNS+"/loki30:http-metrics", "--loki-gateway", fixtureNS+"/gw30:http")
	warmUp(t, r, base, labels)
	if !bytes.Contains(r.stderr.Bytes(), []byte("[info] Loki via gateway")) {
		t.Fatalf("not via the gateway:\n%s", r.stderr.Bytes())
	}
	// 90 s of lines, 10 a second, several per push: three tail_max_duration ends.
	p := &pusher{t: t, base: base, labels: labels}
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	for time.Since(start) < 90*time.Second {
		<-tick.C
		p.push(1 + p.next%3)
	}
	tick.Stop()
	n := p.next
	waitNumbered(t, r, n, 60*time.Second)
	r.stop()
	checkExactly(t, numbered(r.stdout.Bytes()), n, r.stderr.Bytes())
	stderr := string(r.stderr.Bytes())
	ends := strings.Count(stderr, "tail_max_duration")
	resumes := strings.Count(stderr, "[resume]")
	if ends < 2 || resumes < 2 {
		t.Errorf("%d tail_max_duration ends and %d resumes in 90 s with a 30 s limit, want 2 or more of each\n%s", ends, resumes, stderr)
	}
	t.Logf("90 s tail: %d lines, seq 1..%d exactly once; %d tail_max_duration ends, %d exact resumes", n, n, ends, resumes)
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "[reconnect]") || strings.Contains(l, "[resume]") {
			t.Logf("  %s", l)
		}
	}
}

// stallProxy forwards TCP to upstream; while stalled it stops reading from the
// upstream side (Loki's writes back up), with a small receive buffer so that
// Loki's socket fills soon.
type stallProxy struct {
	ln       net.Listener
	upstream string
	stalled  atomic.Bool
	mu       sync.Mutex
	resume   chan struct{}
}

func newStallProxy(t *testing.T, upstream string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, upstream: upstream, resume: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *stallProxy) stall() {
	p.mu.Lock()
	p.resume = make(chan struct{})
	p.stalled.Store(true)
	p.mu.Unlock()
}

func (p *stallProxy) unstall() {
	p.mu.Lock()
	p.stalled.Store(false)
	close(p.resume)
	p.mu.Unlock()
}

func (p *stallProxy) serve(c net.Conn) {
	defer c.Close()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	up, err := d.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, c) }()
	buf := make([]byte, 4096)
	for {
		if p.stalled.Load() {
			p.mu.Lock()
			ch := p.resume
			p.mu.Unlock()
			<-ch
		}
		n, err := up.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// droppedRE matches tailui's drop markers in plain output: Loki's, from
// dropped_entries ("at least" when Loki's list was full: it lists at most 1000
// entries per message and drops the rest unlisted), and tailui's own queue's.
var droppedRE = regexp.MustCompile(`\[dropped\] (Loki|tailui) dropped (at least )?(\d+) (?:entr|line)`)

// startTailuiCombined is startTailui with stdout and stderr into one buffer, as
// on a terminal: plain output flushes the log before each marker, so a marker
// lands where its gap is.
func startTailuiCombined(t *testing.T, args ...string) *running {
	t.Helper()
	out := &syncBuf{}
	r := &running{stdout: out, stderr: out, done: make(chan struct{})}
	r.cmd = exec.Command(bed.tailui, args...)
	r.cmd.Env = append(os.Environ(), "KUBECONFIG="+bed.kubeconfig, "NO_COLOR=1")
	r.cmd.Stdout, r.cmd.Stderr = out, out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := r.cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		}
		close(r.done)
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

// dropAccount is what a stalled tail delivered and said it lost.
type dropAccount struct {
	delivered      int // numbered lines
	missing        int // seqs between the first and last delivered that never came
	reported       int // the sum of every marker's count
	markers, least int // markers, and those that said "at least"
	gaps           int
}

// accountDrops walks combined output in order and checks every gap in the
// seqs against the markers printed since the previous numbered line: each
// missing seq lies in a gap that markers announce, exactly when every one of
// them is exact, and at least as many as they say when one says "at least" (Loki
// stops listing). No seq repeats or goes back. Markers with no gap after them
// at the end count only if Loki reported drops that no line followed.
func accountDrops(t *testing.T, out []byte) dropAccount {
	t.Helper()
	var a dropAccount
	prev := 0 // the last numbered seq seen
	sum, least := 0, false
	for _, l := range lines(out) {
		if m := droppedRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[3])
			sum += n
			least = least || m[2] != ""
			a.markers++
			if m[2] != "" {
				a.least++
			}
			a.reported += n
			continue
		}
		m := seqRE.FindStringSubmatch(l)
		if m == nil || !strings.Contains(l, "e2e line") {
			continue
		}
		s, _ := strconv.Atoi(m[1])
		if s <= prev {
			t.Errorf("seq %d after seq %d: repeated or out of order", s, prev)
			continue
		}
		a.delivered++
		miss := s - prev - 1
		if prev == 0 {
			// Before the first numbered line only warm-up lines were expected.
			miss = s - 1
		}
		switch {
		case miss == 0 && sum > 0:
			t.Errorf("markers report %d dropped before seq %d, but nothing is missing there", sum, s)
		case miss > 0 && sum == 0:
			t.Errorf("seqs %d..%d (%d lines) missing with no marker", prev+1, s-1, miss)
		case miss > 0 && !least && miss != sum:
			t.Errorf("seqs %d..%d missing: %d lines, but the markers say exactly %d", prev+1, s-1, miss, sum)
		case miss > 0 && least && miss < sum:
			t.Errorf("seqs %d..%d missing: %d lines, fewer than the markers' at least %d", prev+1, s-1, miss, sum)
		}
		if miss > 0 {
			a.gaps++
			a.missing += miss
		}
		prev, sum, least = s, 0, false
	}
	if sum > 0 {
		t.Errorf("markers report %d dropped after the last line, seq %d", sum, prev)
	}
	return a
}

func TestLokiDroppedEntriesFromAStalledReaderShowAsMarker(t *testing.T) {
	// The private Loki: 150k lines would make the shared one shard its streams.
	fx := newFixture(t)
	bedLoki := shortTailLoki(t, fx)
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	px := newStallProxy(t, lokiIP+":3101")
	// A long ping interval: the stall must not look like a dead path.
	r := startTailuiCombined(t, "--loki", q, "--loki-via", "url", "--loki-url", "http://"+px.ln.Addr().String(),
		"--plain", "-o", "raw", "--ping-interval", "120s")
	warmUp(t, r, bedLoki, labels)
	px.stall()
	// Push until Loki's buffers towards the stalled reader are full and it drops.
	p := &pusher{t: t, base: bedLoki, labels: labels}
	for range 60 {
		p.push(2500)
	}
	px.unstall()
	stalledUpTo := p.next
	// Lines after the stall, until one comes through: then Loki has caught up.
	r.waitFor(t, "a dropped marker", 60*time.Second, func() bool { return droppedRE.Match(r.stdout.Bytes()) })
	poll(t, "a line pushed after the stall", 60*time.Second, func() bool {
		p.push(1)
		s := numbered(r.stdout.Bytes())
		return len(s) > 0 && s[len(s)-1] > stalledUpTo
	})
	r.stop()
	out := r.stdout.Bytes()
	a := accountDrops(t, out)
	got := numbered(out)
	last := got[len(got)-1]
	// Every seq up to the last delivered is accounted for: delivered or in a
	// marked gap (lines pushed after it may still have been on their way).
	if a.delivered+a.missing != last {
		t.Errorf("%d delivered + %d missing in marked gaps != %d, the last seq delivered", a.delivered, a.missing, last)
	}
	if a.reported == 0 || a.missing == 0 {
		t.Fatalf("the stall lost nothing (%d delivered, %d reported dropped of %d pushed): the test proves nothing", a.delivered, a.reported, p.next)
	}
	if a.delivered+a.reported > last {
		t.Errorf("%d delivered + %d reported dropped > %d, the last seq", a.delivered, a.reported, last)
	}
	if a.least == 0 && a.delivered+a.reported != last {
		t.Errorf("every marker exact, but %d delivered + %d reported != %d", a.delivered, a.reported, last)
	}
	t.Logf("stalled reader: %d pushed, last seq delivered %d: %d delivered, %d missing in %d gaps; %d reported by %d markers (%d \"at least\": Loki lists at most 1000 per message)",
		p.next, last, a.delivered, a.missing, a.gaps, a.reported, a.markers, a.least)
	for _, m := range droppedRE.FindAll(out, 3) {
		t.Logf("  %s", m)
	}
}
