//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

	"github.com/creack/pty"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The slow terminal test's figures.
const (
	slowRate       = 10000   // lines/s the pod writes
	slowScrollback = 20000   // --scrollback: the ring overflows within seconds
	slowTermBps    = 125_000 // 1 Mbit/s: what the terminal reads
	slowFastPhase  = 8 * time.Second
	// The whole run stays under the stand-in kubelet's 500,000 lines a run, past
	// which it drops the oldest quarter.
	slowPhase    = 30 * time.Second
	slowMemLimit = 160 << 20 // tailui's VmHWM bound, bytes: twice what it used on the bed
	slowCols     = 120
	slowRows     = 40
)

// slowTerm is a terminal that reads tailui's output through a token bucket, and
// shows it: what it reads goes on to tmux through a FIFO (tmux as the screen
// emulator), so capture-pane shows what a person on that terminal sees.
type slowTerm struct {
	ptmx    *os.File
	limit   *rate.Limiter
	bytes   atomic.Int64 // read from tailui
	tm      *tmux
	stopped chan struct{}
}

func (s *slowTerm) pump(fifo io.Writer) {
	defer close(s.stopped)
	buf := make([]byte, 4096)
	for {
		n, err := s.ptmx.Read(buf)
		if n > 0 {
			s.bytes.Add(int64(n))
			_ = s.limit.WaitN(context.Background(), n)
			if _, werr := fifo.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// unthrottle makes the terminal read as fast as tailui writes.
func (s *slowTerm) unthrottle() { s.limit.SetLimit(rate.Inf) }

// throttle makes the terminal read at bps bytes/s.
func (s *slowTerm) throttle(bps int) {
	s.limit.SetLimit(rate.Limit(bps))
	s.limit.SetBurst(4096)
}

// memStatus reads VmRSS and VmHWM (bytes) of pid.
func memStatus(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}

var (
	scrollbackBadge = regexp.MustCompile(`scrollback −([0-9.]+[kM]?)`)
	droppedBadge    = regexp.MustCompile(`│ dropped ([0-9.]+[kM]?) `)
	savedMarker     = regexp.MustCompile(`── dropped ([0-9]+) lines: the screen fell behind ──`)
)

// TestTUIBehindASlowTerminal runs the TUI on a pty that reads at 1 Mbit/s while
// a pod writes 10,000 lines a second, and shows that tailui keeps reading the
// pod's stream (what it holds at the end is what the kubelet wrote, not what
// the terminal could take), stays within a memory bound, and accounts for every
// line: the lines it keeps (saved with s), the hub's drop markers among them,
// and the ring's overflow in the title add up to all the pod wrote.
func TestTUIBehindASlowTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed (apt-get install tmux)")
	}
	ctx := context.Background()
	const ns, name = "logs-test", "slowterm"
	pods := bed.cs.CoreV1().Pods(ns)
	_ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	poll(t, "an earlier slowterm pod to go", 30*time.Second, func() bool {
		_, err := pods.Get(ctx, name, metav1.GetOptions{})
		return err != nil
	})
	// The screen: tmux shows what the slow terminal read.
	dir := t.TempDir()
	fifoPath := filepath.Join(dir, "screen.fifo")
	if err := syscall.Mkfifo(fifoPath, 0o600); err != nil {
		t.Fatal(err)
	}
	tm := &tmux{t: t, session: fmt.Sprintf("tailui-slowterm-%d", time.Now().UnixNano())}
	if out, err := tmuxNewSession(tm.session, slowCols, slowRows, "stty raw -echo; cat "+fifoPath+"; sleep 600"); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = tmuxCmd("kill-session", "-t", tm.session).Run() })
	fifo, err := os.OpenFile(fifoPath, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fifo.Close()

	// tailui on a pty of the same size, in a directory of its own for the save.
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	// --tail -1: the whole log, from seq 1, so that every line the pod writes
	// is accounted for (without --tail a pane asks for its scrollback's worth).
	cmd := exec.Command(bed.tailui, "-n", ns, name, "--scrollback", fmt.Sprint(slowScrollback), "--tail", "-1")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "KUBECONFIG="+bed.kubeconfig, "TERM=xterm-256color", "TMUX=")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: slowRows, Cols: slowCols})
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	term := &slowTerm{ptmx: ptmx, limit: rate.NewLimiter(rate.Inf, 4096), tm: tm, stopped: make(chan struct{})}
	go term.pump(fifo)
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		ptmx.Close()
	})
	pid := cmd.Process.Pid
	key := func(s string) {
		t.Helper()
		if _, err := ptmx.WriteString(s); err != nil {
			t.Fatalf("type %q: %v", s, err)
		}
	}
	// The pod comes after tailui is watching: a container that starts while tailui
	// follows is read from its first line, so every seq the pod writes reaches the
	// pane (a pod already there would be read from its last --scrollback lines).
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": fmt.Sprintf("history=0,rate=%d", slowRate)}},
		Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}) })
	var started time.Time
	poll(t, "the pod to run", 30*time.Second, func() bool {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Running == nil {
			return false
		}
		started = p.Status.ContainerStatuses[0].State.Running.StartedAt.Time
		return true
	})

	tm.waitScreen("the pane's lines", contains("seq="))

	// Memory, sampled all along.
	var mu sync.Mutex
	var samples []int64 // VmRSS
	var hwm int64
	stopMem := make(chan struct{})
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopMem:
				return
			case <-tick.C:
			}
			rss, h, err := memStatus(pid)
			if err != nil {
				return
			}
			mu.Lock()
			samples = append(samples, rss)
			hwm = max(hwm, h)
			mu.Unlock()
		}
	}()

	// A terminal that keeps up: how much tailui writes when nothing holds it back.
	b0, t0 := term.bytes.Load(), time.Now()
	time.Sleep(slowFastPhase)
	fastBps := float64(term.bytes.Load()-b0) / time.Since(t0).Seconds()

	// The slow terminal.
	term.throttle(slowTermBps)
	b0, t0 = term.bytes.Load(), time.Now()
	newest := []int{}
	var sampledAt time.Time
	for end := time.Now().Add(slowPhase); time.Now().Before(end); {
		time.Sleep(2 * time.Second)
		sampledAt = time.Now()
		if m := seqRE.FindAllStringSubmatch(tm.screen(), -1); m != nil {
			n, _ := strconv.Atoi(m[len(m)-1][1])
			newest = append(newest, n)
		}
	}
	slowBps := float64(term.bytes.Load()-b0) / time.Since(t0).Seconds()
	// (a) tailui kept reading: the newest line on the slow screen is about the
	// newest the pod wrote. A tailui that the terminal held back would be far
	// behind (and, once the pod goes, take long to drain the kubelet's stream).
	seen := 0
	if len(newest) > 0 {
		seen = newest[len(newest)-1]
	}
	if by := int(sampledAt.Sub(started).Seconds() * slowRate); seen < by/2 {
		t.Fatalf("the slow screen's newest seq is %d, of about %d the pod wrote by then: tailui fell behind the pod's stream\nnewest every 2 s: %v\n%s",
			seen, by, newest, tm.screen())
	}

	// The pod goes: its stream ends, and what the pane holds is final. Had
	// tailui stopped reading while the terminal was slow, the kubelet's follow
	// stream would be far behind what it wrote, and ends with it.
	stoppedAt := time.Now()
	if err := pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	written := int(stoppedAt.Sub(started).Seconds() * slowRate)
	term.unthrottle()
	sc := tm.waitScreen("the stream to end", func(sc string) bool { return strings.Contains(sc, "ended") || strings.Contains(sc, "deleted") })

	// Save the pane (s, then enter takes the default path).
	key("s")
	tm.waitScreen("the save prompt", contains(".log"))
	key("\r")
	sc = tm.waitScreen("the save", contains("saved"))
	close(stopMem)
	<-memDone
	files, _ := filepath.Glob(filepath.Join(work, "tailui-*.log"))
	if len(files) != 1 {
		t.Fatalf("saved files %v, want one\n%s", files, sc)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	key("q")
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Errorf("tailui did not quit on q")
	}

	// What the save holds: kept lines in order, hub drop markers after the
	// lines that followed their gap (the hub drops the oldest pending lines and
	// the pane notes the count after the batch).
	var kept, hubDropped, gapLines, first, last int
	pendingGap := 0
	firstMarker := true
	before := 0 // hub drops the first marker counts before the first kept line
	for _, l := range lines(data) {
		if m := savedMarker.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			hubDropped += n
			switch {
			case firstMarker && pendingGap < n:
				// Part of its gap lies before the first line the ring kept.
				before = n - pendingGap
			case pendingGap != n:
				t.Errorf("a drop marker says %d lines, the seqs since the last marker miss %d", n, pendingGap)
			}
			firstMarker, pendingGap = false, 0
			continue
		}
		m := seqRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		s, _ := strconv.Atoi(m[1])
		if first == 0 {
			first = s
		} else if s <= last {
			t.Errorf("seq %d after %d: repeated or out of order", s, last)
		} else {
			pendingGap += s - last - 1
			gapLines += s - last - 1
		}
		kept++
		last = s
	}
	if pendingGap != 0 {
		t.Errorf("%d lines missing after the last drop marker, with no marker", pendingGap)
	}
	// The pod's lines start at seq 1 (history=0, --tail -1): those before the
	// first kept line were dropped by the ring, or by the hub (marked).
	ringDropped := first - 1 - before
	title := scrollbackBadge.FindStringSubmatch(sc)
	mu.Lock()
	peak, n := hwm, len(samples)
	mu.Unlock()

	t.Logf("pod wrote about %d lines (%d/s for %.0f s); the pane received %d: kept %d (seq %d..%d), hub dropped %d (marked; %d missing in the kept window), ring dropped %d (title %v)",
		written, slowRate, stoppedAt.Sub(started).Seconds(), last, kept, first, last, hubDropped, gapLines, ringDropped, title)
	t.Logf("terminal output: %.0f bytes/s with a terminal that keeps up, %.0f bytes/s read at the 1 Mbit/s limit (%d B/s)", fastBps, slowBps, slowTermBps)
	t.Logf("newest seq on the slow screen every 2 s: %v", newest)
	t.Logf("tailui memory: VmHWM %d MiB over %d samples (bound %d MiB)", peak>>20, n, slowMemLimit>>20)

	// (a) tailui kept reading: it received most of what the pod wrote. (A
	// tailui that blocked on the terminal would have taken about what 125 kB/s of
	// screen updates allow.)
	if last < written/2 {
		t.Errorf("the pane received up to seq %d of about %d the pod wrote: tailui fell behind the pod's stream", last, written)
	}
	// (b) bounded memory.
	if peak == 0 || peak > slowMemLimit {
		t.Errorf("tailui's VmHWM %d MiB, bound %d MiB", peak>>20, slowMemLimit>>20)
	}
	// (c) every line accounted for: received = kept + hub dropped (marked) + ring dropped (title).
	if kept+hubDropped+ringDropped != last {
		t.Errorf("kept %d + hub dropped %d + ring dropped %d != %d received", kept, hubDropped, ringDropped, last)
	}
	if ringDropped > 0 {
		if title == nil {
			t.Errorf("the ring dropped %d lines and the title does not say so:\n%s", ringDropped, sc)
		} else if want := countString(int64(ringDropped)); title[1] != want {
			t.Errorf("the title says scrollback −%s, the ring dropped %d (%s)", title[1], ringDropped, want)
		}
	} else {
		t.Errorf("the ring (%d lines) never overflowed: %d received", slowScrollback, last)
	}
	if hubDropped > 0 {
		if m := droppedBadge.FindStringSubmatch(sc); m == nil || m[1] != countString(int64(hubDropped)) {
			t.Errorf("the hub dropped %d lines (marked), the title says %v", hubDropped, m)
		}
	}
	if t.Failed() {
		t.Logf("screen:\n%s", sc)
	}
}

// countString is ui's formatCount: how the title abbreviates counts.
func countString(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 10000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	case n < 1_000_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}
