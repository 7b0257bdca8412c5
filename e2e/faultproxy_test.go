//go:build e2e

package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultProxy is a TCP proxy in front of one upstream that injects the faults of a bad
// network on command: cut every connection (both sides closed), reset one in the
// middle of a read (half of it forwarded, then RST), stall every connection (nothing
// forwarded either way, nothing closed), refuse connections for a while (the
// listener closed, then opened again on the same address). TLS passes through.
type faultProxy struct {
	upstream string
	addr     string // the address it listens on, kept across refusals

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*faultConn]struct{}
	stalled chan struct{} // non-nil while stalled; closed when the stall ends
	reset   int           // > 0: reset the first connection to forward this much after arming
	base    map[*faultConn]int64
	closed  bool
	stats   faultStats
}

// faultStats counts what the proxy did.
type faultStats struct {
	Accepted, Cut, Reset, Refused int
}

func (s faultStats) String() string {
	return fmt.Sprintf("accepted=%d cut=%d reset=%d refusals=%d", s.Accepted, s.Cut, s.Reset, s.Refused)
}

// faultConn is one client connection and its upstream.
type faultConn struct {
	down, up net.Conn
	sent     int64 // bytes forwarded from upstream (under faultProxy.mu)
	once     sync.Once
	done     chan struct{}
}

func (c *faultConn) close(rst bool) {
	c.once.Do(func() {
		if rst {
			for _, n := range []net.Conn{c.down, c.up} {
				if tc, ok := n.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close sends RST, not FIN
				}
			}
		}
		_ = c.down.Close()
		_ = c.up.Close()
		close(c.done)
	})
}

// listenFaultProxy starts a proxy on listen (host:port, port 0 for any) to upstream.
func listenFaultProxy(listen, upstream string) (*faultProxy, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &faultProxy{upstream: upstream, addr: ln.Addr().String(), ln: ln, conns: map[*faultConn]struct{}{}}
	go p.accept(ln)
	return p, nil
}

// newFaultProxy starts a proxy on 127.0.0.1 for the test and closes it at its end.
func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	p, err := listenFaultProxy("127.0.0.1:0", upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *faultProxy) serve(down net.Conn) {
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		_ = down.Close()
		return
	}
	c := &faultConn{down: down, up: up, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.close(false)
		return
	}
	p.conns[c] = struct{}{}
	p.stats.Accepted++
	p.mu.Unlock()
	go p.pump(c, c.up, c.down, false) // client to upstream
	p.pump(c, c.down, c.up, true)     // upstream to client
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// pump copies src to dst until either side fails, then closes both.
func (p *faultProxy) pump(c *faultConn, dst, src net.Conn, fromUpstream bool) {
	defer c.close(false)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			stalled := p.stalled
			p.mu.Unlock()
			if stalled != nil {
				// A stalled path: hold the data, close nothing.
				select {
				case <-stalled:
				case <-c.done:
					return
				}
			}
			p.mu.Lock()
			rst := false
			if fromUpstream {
				c.sent += int64(n)
				// The busy connection (a log stream), not one that happens to carry
				// a watch event or a lookup just then.
				rst = p.reset > 0 && n >= 64 && c.sent-p.base[c] >= int64(p.reset)
				if rst {
					p.reset, p.base = 0, nil
					p.stats.Reset++
				}
			}
			p.mu.Unlock()
			if rst {
				// Part of the read (mid TLS record, mid WebSocket frame), then RST.
				_, _ = dst.Write(buf[:n/2])
				// Let the half leave before the RST: a reset discards what is unsent.
				time.Sleep(100 * time.Millisecond)
				c.close(true)
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut closes every open connection on both sides (FIN, as a proxy or NAT that
// drops its state would).
func (p *faultProxy) cut() int {
	p.mu.Lock()
	cs := make([]*faultConn, 0, len(p.conns))
	for c := range p.conns {
		cs = append(cs, c)
	}
	p.stats.Cut += len(cs)
	p.mu.Unlock()
	for _, c := range cs {
		c.close(false)
	}
	return len(cs)
}

// cutEvery cuts every connection each interval until stop is called.
func (p *faultProxy) cutEvery(interval time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				p.cut()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// resetNext arms a reset: the first connection to forward n bytes from upstream
// from now on forwards half of the read that crosses n, then is reset (RST both
// sides).
func (p *faultProxy) resetNext(n int) {
	p.mu.Lock()
	p.reset = max(n, 64)
	p.base = map[*faultConn]int64{}
	for c := range p.conns {
		p.base[c] = c.sent
	}
	p.mu.Unlock()
}

// resetPending reports whether an armed reset has not happened yet.
func (p *faultProxy) resetPending() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reset > 0
}

// stallFor stops forwarding in both directions, on every connection old and new,
// for d, closing nothing; then forwarding goes on with what was held.
func (p *faultProxy) stallFor(d time.Duration) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.stalled = ch
	p.mu.Unlock()
	time.Sleep(d)
	p.mu.Lock()
	p.stalled = nil
	p.mu.Unlock()
	close(ch)
}

// refuseFor closes the listener and every connection, so that for d every new
// connection is refused, then listens again on the same address.
func (p *faultProxy) refuseFor(d time.Duration) error {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.stats.Refused++
	p.mu.Unlock()
	p.cut()
	time.Sleep(d)
	var err error
	for range 50 { // the port is ours; a socket in TIME_WAIT does not block a listener
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.mu.Lock()
			p.ln = ln
			p.mu.Unlock()
			go p.accept(ln)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("listen again on %s: %w", p.addr, err)
}

func (p *faultProxy) snapshot() faultStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *faultProxy) close() {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.mu.Unlock()
	p.cut() // pumps held by a stall end with their connection
}

// --- the same proxy as a process in the bed's pod network

// faultProxyEnv, when set, turns the test binary into a fault proxy (see
// faultProxyMain): that is how a proxy runs inside the bed's network namespace,
// between a gateway and Loki, with `ip netns exec`.
const faultProxyEnv = "TAILUI_E2E_FAULTPROXY"

func init() {
	if spec := os.Getenv(faultProxyEnv); spec != "" {
		os.Exit(faultProxyMain(spec, os.Stdin, os.Stdout))
	}
}

// faultProxyMain runs a proxy for spec "LISTEN>UPSTREAM". It prints "listening ADDR",
// then reads one command a line from in and answers each, once done, with "ok ..."
// or "error ...": cut, reset BYTES, stall DURATION, refuse DURATION. It exits when in
// ends.
func faultProxyMain(spec string, in io.Reader, out io.Writer) int {
	listen, upstream, ok := strings.Cut(spec, ">")
	if !ok {
		fmt.Fprintf(out, "error: %s=%q: want LISTEN>UPSTREAM\n", faultProxyEnv, spec)
		return 2
	}
	p, err := listenFaultProxy(listen, upstream)
	if err != nil {
		fmt.Fprintf(out, "error: %v\n", err)
		return 1
	}
	fmt.Fprintf(out, "listening %s\n", p.addr)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		verb, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		var err error
		switch verb {
		case "cut":
			p.cut()
		case "reset":
			var n int
			if _, err = fmt.Sscan(arg, &n); err == nil {
				p.resetNext(n)
			}
		case "stall", "refuse":
			var d time.Duration
			if d, err = time.ParseDuration(arg); err == nil {
				if verb == "stall" {
					p.stallFor(d)
				} else {
					err = p.refuseFor(d)
				}
			}
		case "stats":
		default:
			err = errors.New("unknown command")
		}
		if err != nil {
			fmt.Fprintf(out, "error %s: %v\n", verb, err)
			continue
		}
		fmt.Fprintf(out, "ok %s %s\n", verb, p.snapshot())
	}
	p.close()
	return 0
}

// netnsProxy is a fault proxy running in the bed's network namespace.
type netnsProxy struct {
	t       *testing.T
	addr    string
	stdin   io.WriteCloser
	replies chan string
}

// startNetnsProxy runs a fault proxy in the bed's pod network that listens on listen
// and forwards to upstream; it is stopped when the test ends.
func startNetnsProxy(t *testing.T, listen, upstream string) *netnsProxy {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", bedNetns, self)
	cmd.Env = append(os.Environ(), faultProxyEnv+"="+listen+">"+upstream)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the fault proxy in %s: %v", bedNetns, err)
	}
	np := &netnsProxy{t: t, stdin: stdin, replies: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			np.replies <- sc.Text()
		}
		close(np.replies)
	}()
	t.Cleanup(func() {
		_ = stdin.Close() // the proxy exits when its input ends
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	first := np.reply(30 * time.Second)
	addr, ok := strings.CutPrefix(first, "listening ")
	if !ok {
		t.Fatalf("fault proxy in %s: %s", bedNetns, first)
	}
	np.addr = addr
	return np
}

func (np *netnsProxy) reply(deadline time.Duration) string {
	np.t.Helper()
	select {
	case l, ok := <-np.replies:
		if !ok {
			np.t.Fatal("the fault proxy exited")
		}
		return l
	case <-time.After(deadline):
		np.t.Fatalf("the fault proxy did not answer within %s", deadline)
	}
	return ""
}

// do runs one command (cut, reset N, stall D, refuse D) and returns the proxy's
// counters after it.
func (np *netnsProxy) do(command string, deadline time.Duration) string {
	np.t.Helper()
	if _, err := fmt.Fprintln(np.stdin, command); err != nil {
		np.t.Fatalf("fault proxy: %v", err)
	}
	r := np.reply(deadline)
	if !strings.HasPrefix(r, "ok ") {
		np.t.Fatalf("fault proxy %q: %s", command, r)
	}
	return strings.TrimPrefix(r, "ok ")
}
