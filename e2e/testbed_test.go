//go:build e2e

// Package e2e runs the real tailui binary, and raw protocol probes, against the test
// bed (hack/testbed): a real kube-apiserver and etcd, a real Loki in a pod network,
// and the stand-in kubelet. TestMain brings the bed up, or reuses a running one, and
// brings down only what it started (TESTBED_KEEP=1 keeps it).
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// bed is what the tests know about the running test bed.
var bed struct {
	root       string // repository root
	state      string // TESTBED_STATE
	kubeconfig string
	tailui     string // the built binary
	kubectl    string
	stern      string       // the peer, built by hack/build-deps.sh stern
	context2   string       // the second cluster's context (TESTBED_CLUSTER2_CONTEXT), "" without one
	cfg        *rest.Config // admin
	cs         *kubernetes.Clientset
}

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	bed.root = filepath.Dir(filepath.Dir(file))
	started := false
	if out, err := exec.Command(filepath.Join(bed.root, "hack/testbed"), "status").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: test bed not running (%s); starting it\n", firstLine(out))
		cmd := exec.Command(filepath.Join(bed.root, "hack/testbed"), "up")
		cmd.Stderr = os.Stderr
		cmd.Stdout = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: hack/testbed up failed: %v\n", err)
			os.Exit(1)
		}
		started = true
	}
	code := func() int {
		if err := loadBed(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 1
		}
		return m.Run()
	}()
	if started && os.Getenv("TESTBED_KEEP") == "" {
		cmd := exec.Command(filepath.Join(bed.root, "hack/testbed"), "down")
		cmd.Stderr = os.Stderr
		_ = cmd.Run()
	}
	os.Exit(code)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

func loadBed() error {
	out, err := exec.Command(filepath.Join(bed.root, "hack/testbed"), "env").Output()
	if err != nil {
		return fmt.Errorf("hack/testbed env: %w", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "export KUBECONFIG="); ok {
			bed.kubeconfig = v
		}
		if v, ok := strings.CutPrefix(l, "export TESTBED_STATE="); ok {
			bed.state = v
		}
		if v, ok := strings.CutPrefix(l, "export TESTBED_CLUSTER2_CONTEXT="); ok {
			bed.context2 = v
		}
	}
	if bed.kubeconfig == "" {
		return fmt.Errorf("hack/testbed env printed no KUBECONFIG")
	}
	// Test the tailui of this tree, built fresh, unless TAILUI_E2E_BINARY names
	// another build (a release archive's binary, say).
	bed.tailui = os.Getenv("TAILUI_E2E_BINARY")
	if bed.tailui == "" {
		bed.tailui = filepath.Join(bed.state, "bin", "tailui-e2e")
		build := exec.Command("go", "build", "-o", bed.tailui, ".")
		build.Dir = bed.root
		build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build tailui: %v\n%s", err, out)
		}
	}
	ver := os.Getenv("K8S_VERSION")
	if ver == "" {
		ver = "1.36.3"
	}
	home, _ := os.UserHomeDir()
	cache := os.Getenv("TESTBED_CACHE")
	if cache == "" {
		cache = filepath.Join(home, ".cache", "tailui-testbed")
	}
	bed.kubectl = filepath.Join(cache, "bin", "kubectl-v"+ver)
	bed.stern = filepath.Join(cache, "bin", "stern-v"+envOr("STERN_VERSION", "1.33.0"))
	bed.cfg, err = clientcmd.BuildConfigFromFlags("", bed.kubeconfig)
	if err != nil {
		return err
	}
	bed.cs, err = kubernetes.NewForConfig(bed.cfg)
	return err
}

// restConfigFor returns the rest config of a kubeconfig context of the bed.
func restConfigFor(t *testing.T, context string) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: bed.kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// tlsFor returns a TLS config trusting the bed's CA, and the bearer token of cfg.
func tlsFor(t *testing.T, cfg *rest.Config) (*tls.Config, string) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.TLSClientConfig.CAData) {
		t.Fatal("kubeconfig has no CA data")
	}
	return &tls.Config{RootCAs: pool}, cfg.BearerToken
}

// result is what one run of a command produced.
type result struct {
	stdout, stderr []byte
	code           int
}

// runTailui runs the binary with args (KUBECONFIG set) until it exits or timeout
// passes (then it is interrupted, as a user would with ctrl+c).
func runTailui(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	return runCmd(t, timeout, bed.tailui, args...)
}

func runCmd(t *testing.T, timeout time.Duration, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+bed.kubeconfig, "NO_COLOR=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	switch {
	case cmd.ProcessState != nil:
		// Interrupted at the deadline (as a user would) or exited on its own.
		code = cmd.ProcessState.ExitCode()
	case err != nil:
		t.Fatalf("run %s %v: %v", bin, args, err)
	}
	return result{stdout: so.Bytes(), stderr: se.Bytes(), code: code}
}

// lines splits output into lines (no trailing empty line).
func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

var _ = base64.StdEncoding

// syncBuf is a bytes.Buffer safe for a writer goroutine and a polling reader.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

// running is a tailui process the test watches while it runs.
type running struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuf
	done           chan struct{}
	code           int
}

// startTailui starts the binary and returns at once.
func startTailui(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{stdout: &syncBuf{}, stderr: &syncBuf{}, done: make(chan struct{})}
	r.cmd = exec.Command(bed.tailui, args...)
	r.cmd.Env = append(os.Environ(), "KUBECONFIG="+bed.kubeconfig, "NO_COLOR=1")
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
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

// stop interrupts the process (as ctrl+c would) and waits for it.
func (r *running) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// waitFor polls cond until it holds or the deadline passes (then the test fails,
// showing what the process printed).
func (r *running) waitFor(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s\nstdout (tail):\n%s\nstderr:\n%s", what, tail(r.stdout.Bytes(), 2000), r.stderr.Bytes())
		}
		select {
		case <-r.done:
			if !cond() {
				t.Fatalf("tailui exited (%d) before %s\nstdout (tail):\n%s\nstderr:\n%s", r.code, what, tail(r.stdout.Bytes(), 2000), r.stderr.Bytes())
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
