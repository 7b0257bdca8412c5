package main

// The TUI under load (issue 13): the release-built binary in a real pseudo-terminal,
// its output read back through a terminal emulator (charmbracelet/x/vt), against the
// bed's pods. There is no TUI peer on the bed (k9s is not available offline), so
// these rows have no peer, except the lag of a 50,000 lines/s container, which
// kubectl and stern have as well (how far behind their output is, on a pipe).

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The TUI benchmarks' figures.
const (
	tuiCols, tuiRows = 200, 50
	tuiMany          = 500    // containers in one pane, 200 lines of history and 1 line/s each
	tuiFireRate      = 12_500 // lines/s of each of four panes' pods
	tuiLagRate       = 50_000 // lines/s of the one container whose lag is measured
	tuiKeys          = 200    // key presses timed with four panes
	tuiWindow        = 20 * time.Second
)

var tuiParts = flag.String("tui", "many,idle,four,lag", "the TUI benchmarks to run (-only tui): many, idle, four, lag")

// tuiIdleKeys is key to screen with one quiet pane, measured before the four panes.
var tuiIdleKeys []time.Duration

// ptyRun is tailui on a pseudo-terminal whose output a terminal emulator draws.
type ptyRun struct {
	cmd   *exec.Cmd
	ptmx  *os.File
	bytes atomic.Int64 // read from tailui
	done  chan struct{}

	mu    sync.Mutex
	emu   *vt.Emulator
	scr   string // the screen after the last read (plain text), when fresh
	fresh bool
	spent time.Duration // in the emulator and the checks: the benchmark's own delay
	reads int
	want  func(screen string) bool
	hit   chan time.Time
	// each, when set, is called with the time of every read, after it is drawn
	// (with mu held: it may read emu).
	each func(at time.Time)
}

// startPTY starts tailui with args on a cols×rows pty.
func startPTY(args ...string) (*ptyRun, error) {
	cmd := exec.Command(*tailuiBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+*kubeconfig, "TERM=xterm-256color", "COLORTERM=truecolor", "TMUX=", "NO_COLOR=")
	if prof := os.Getenv("BENCH_TUI_CPUPROFILE"); prof != "" {
		cmd.Env = append(cmd.Env, "TAILUI_CPUPROFILE="+prof+"-"+args[len(args)-1]+".out")
	}
	if f := os.Getenv("BENCH_TUI_STDERR"); f != "" { // e.g. with GODEBUG=gctrace=1
		if ef, err := os.Create(f + "-" + args[len(args)-1]); err == nil {
			cmd.Stderr = ef
		}
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: tuiRows, Cols: tuiCols})
	if err != nil {
		return nil, err
	}
	r := &ptyRun{cmd: cmd, ptmx: ptmx, done: make(chan struct{}), emu: vt.NewEmulator(tuiCols, tuiRows)}
	// The emulator answers tailui's queries (colours, modes) as a terminal does.
	go func() { _, _ = io.Copy(ptmx, r.emu) }()
	go r.pump()
	return r, nil
}

func (r *ptyRun) pump() {
	defer close(r.done)
	buf := make([]byte, 256<<10)
	for {
		n, err := r.ptmx.Read(buf)
		if n > 0 {
			at := time.Now()
			r.bytes.Add(int64(n))
			r.mu.Lock()
			_, _ = r.emu.Write(buf[:n])
			r.fresh = false
			r.reads++
			if r.want != nil && r.want(r.screenLocked()) {
				r.want = nil
				r.hit <- at
			}
			if r.each != nil {
				r.each(at)
			}
			r.spent += time.Since(at)
			r.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// screen returns the screen as last drawn.
func (r *ptyRun) screen() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.screenLocked()
}

func (r *ptyRun) screenLocked() string {
	if !r.fresh {
		r.scr, r.fresh = r.emu.String(), true
	}
	return r.scr
}

// keyAndWait writes key and returns how long until the screen satisfies want.
func (r *ptyRun) keyAndWait(key string, want func(string) bool, timeout time.Duration) (time.Duration, error) {
	hit := make(chan time.Time, 1)
	r.mu.Lock()
	r.want, r.hit = want, hit
	r.mu.Unlock()
	start := time.Now()
	if key != "" {
		if _, err := r.ptmx.WriteString(key); err != nil {
			return 0, err
		}
	}
	r.mu.Lock()
	if r.want != nil && r.want(r.screenLocked()) { // already there (no key)
		r.want = nil
		r.mu.Unlock()
		return 0, nil
	}
	r.mu.Unlock()
	select {
	case at := <-hit:
		return at.Sub(start), nil
	case <-time.After(timeout):
		r.mu.Lock()
		r.want = nil
		sc := r.screenLocked()
		r.mu.Unlock()
		return 0, fmt.Errorf("%q: the screen did not change as expected within %s:\n%s", key, timeout, sc)
	case <-r.done:
		return 0, fmt.Errorf("tailui exited")
	}
}

// waitScreen waits until the screen satisfies want.
func (r *ptyRun) waitScreen(what string, want func(string) bool, timeout time.Duration) error {
	_, err := r.keyAndWait("", want, timeout)
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}

// stop quits tailui (q, then a kill) and returns its peak RSS (KiB).
func (r *ptyRun) stop() int64 {
	_, hwm := procMem(r.cmd.Process.Pid)
	r.mu.Lock()
	fmt.Fprintf(os.Stderr, "benchrun: %d reads of the pty, %s in the emulator (%.0f µs a read), %d bytes\n", r.reads, r.spent.Round(time.Millisecond), float64(r.spent.Microseconds())/float64(max(r.reads, 1)), r.bytes.Load())
	r.mu.Unlock()
	_, _ = r.ptmx.WriteString("q")
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
	}
	_ = r.cmd.Wait()
	r.ptmx.Close()
	return hwm
}

// procMem reads VmRSS and VmHWM of pid, KiB.
func procMem(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}

// procCPU returns the user+system CPU pid has used.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * (time.Second / 100) // USER_HZ
}

// bedCPU returns the CPU used so far by the bed's processes (API servers,
// etcd, the stand-in kubelets, Loki: every process whose command line names
// $TESTBED_STATE or the bed's binaries), which share the machine with tailui.
func bedCPU() time.Duration {
	state := os.Getenv("TESTBED_STATE")
	ents, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		cl := string(b)
		if state != "" && strings.Contains(cl, state) && !strings.Contains(cl, "tailui-bench") && !strings.Contains(cl, "benchrun") {
			sum += procCPU(pid)
		}
	}
	return sum
}

// loadavg is the 1-minute load average.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

var footerRate = regexp.MustCompile(`tailui · [0-9]+ panes? · ([0-9.]+)(k?)/s`)

// screenRate reads the footer's lines/s ("tailui · 4 panes · 48k/s").
func screenRate(sc string) float64 {
	m := footerRate.FindStringSubmatch(sc)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	if m[2] == "k" {
		v *= 1000
	}
	return v
}

// podsWith creates n pods prefix-0000.. in ns with the logs annotation ann and waits
// until they run.
func podsWith(cs *kubernetes.Clientset, ns, prefix string, n int, ann string) error {
	ctx := context.Background()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for i := range n {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%04d", prefix, i), Namespace: ns,
				Annotations: map[string]string{"testbed.tailui.dev/logs.app": ann}},
			Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
		}
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return waitRunning(cs, ns, n, 5*time.Minute, time.Second)
}

func durPct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// pcts is "p50 a, p90 b, p99 c, max d".
func pcts(ds []time.Duration) string {
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s", ms(durPct(ds, 0.5)), ms(durPct(ds, 0.9)), ms(durPct(ds, 0.99)), ms(durPct(ds, 1)))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// tui runs the three TUI benchmarks.
func (r *report) tui() {
	cs, err := client()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return
	}
	r.sections.WriteString("\n## The TUI under load\n\n" +
		"tailui's TUI in a real pseudo-terminal of 200×50, its output read back through a terminal\n" +
		"emulator (github.com/charmbracelet/x/vt) in the benchmark, as a person's terminal would\n" +
		"draw it. There is no TUI peer on the bed (k9s cannot be installed offline), so only the\n" +
		"lag of one 50,000 lines/s container has peers: how far behind kubectl's and stern's\n" +
		"output is, on a pipe. Key to screen is from the write of the key to the pty until the\n" +
		"emulator's screen shows its effect: t, the next timestamp mode, named in the focused pane's\n" +
		"title (and then in the status line, which comes back through a command).\n\n")
	parts := map[string]func(*kubernetes.Clientset) error{"many": r.tuiMany, "idle": r.tuiIdle, "four": r.tuiFour, "lag": r.tuiLag}
	for _, p := range strings.Split(*tuiParts, ",") {
		if fn, ok := parts[p]; ok {
			if err := fn(cs); err != nil {
				fmt.Fprintf(os.Stderr, "benchrun: tui %s: %v\n", p, err)
			}
		}
	}
	r.sections.WriteString(tuiLimits)
}

// tuiLimits says what bounds the TUI's figures, from CPU profiles of these runs
// (BENCH_TUI_CPUPROFILE=PREFIX makes each run's tailui write TAILUI_CPUPROFILE to
// PREFIX-NAME.out); kept beside the code that measures.
const tuiLimits = `
What limits them:

- **The renderer, per frame.** Bubble Tea's renderer (ultraviolet) parses the whole
  frame string and compares it cell by cell with the last: 55% of tailui's CPU with 500
  containers in one pane at 500 lines/s (parsing the frame, StyledString.Draw, 19%), 35-45%
  with four panes at 50,000 lines/s. It is paid per frame, not per line, so frames are
  bounded: lines are taken every 33 ms (30 frames a second; it was 16 ms), every 66 ms in a
  flood (each pane of a batch got more lines than it has rows, so no line stays on screen
  long enough to be read), and Bubble Tea asks for the screen after every message but the
  body and the footer are drawn again only when they changed (the footer's key help
  alone was 4% of the CPU). Keys are drawn at the renderer's next tick (60 a second)
  whatever the interval. The terminal's bytes per second follow: about 80 kB/s at 500
  lines/s and 90-120 kB/s at 50,000 (a hundred times the lines), against 260-350 kB/s
  with four panes at 16 ms frames before.
- **Per line.** At 50,000 lines/s reading the streams (TLS, WebSocket frames, the
  deliverer, Sanitize) is 20-31% of the CPU and the pane's intake (ui.newEntry) 15-19%, of
  which level detection (stream.DetectLevel: a substring search for each of thirteen keys
  in up to 512 bytes of the line) is 10-12%. It now skips the keys a line cannot hold
  (about 1.4x faster; a one-pass search of the '=' and ':' was slower than the
  vectorised searches).
- **Memory.** 500 containers with a full ring (100,000 lines): 158-169 MiB peak. Four
  panes with full rings (400,000 lines) 210-255 MiB: the rings' entries and texts, and the
  GC's headroom over them (GOGC=100: the heap was 80 MB live, 160 MB at its goal).
- **Key to screen is scheduling.** tailui's own work for a key is an Update and a View,
  well under a millisecond; then the renderer's next tick (up to 16.7 ms) and the write.
  The rest is waiting for a CPU: on the bed's machine (2 cores, four test beds, load 10-20)
  even a quiet pane's p99 is 34-57 ms, and a temporary trace of Update and View times
  showed stalls of 100-300 ms in which neither ran. The bed itself shares the machine:
  its API server, which proxies the four streams, and the stand-in kubelet, which writes
  them, used about 6 s of CPU in 20 s where tailui used 4. The figures above are of one
  run at the load it states; over six runs at load 11-20 the four panes' p99 ranged from
  54 to 860 ms (54, 190, 328, 811 ms after these changes), the quiet pane's from 32 to
  57 ms. The status line comes a command's round trip later than the title (the pane
  returns a command that yields the status message).
- **Lag.** What the screen shows of a 50,000 lines/s container is a frame behind (66 ms in
  a flood) plus the hub and the event loop; kubectl and stern on a pipe have no frame.
- The benchmark's own reading of the terminal (the emulator) is 0.7-1.4 ms a read, and its
  cost is counted in nothing above; it is printed on stderr with each run.
`

// tsNames are the timestamp modes t cycles through, from off.
var tsNames = []string{"off", "local", "utc", "relative", "since mark"}

// firstTitle is the first pane's title bar: the screen's first row, up to the
// second pane's title when the panes are side by side ("│ 2 ").
func firstTitle(sc string) string {
	row, _, _ := strings.Cut(sc, "\n")
	if i := strings.Index(row, "│ 2 "); i >= 0 {
		row = row[:i]
	}
	return strings.TrimRight(row, " ")
}

// titleShows reports whether the first pane's title names timestamp mode m (its
// last badge), or names none for off.
func titleShows(sc string, m int) bool {
	t := firstTitle(sc)
	if m != 0 {
		return strings.HasSuffix(t, " "+tsNames[m])
	}
	for _, n := range tsNames[1:] {
		if strings.HasSuffix(t, " "+n) {
			return false
		}
	}
	return true
}

// timestampKeys presses t n times, each once the previous one shows, after a
// pause of 20 to 50 ms, and returns how long each took to show: first the
// focused pane's title naming the new mode (the key's own effect, drawn in the
// same update as the timestamp column), then the status line saying it
// ("timestamps: utc", which comes back through a command).
func timestampKeys(run *ptyRun, n int) (title, status []time.Duration, err error) {
	mode := 0 // off at start
	for i := 0; i < n; i++ {
		mode = (mode + 1) % len(tsNames)
		m := mode
		d, err := run.keyAndWait("t", func(sc string) bool { return titleShows(sc, m) }, 10*time.Second)
		if err != nil {
			return title, status, err
		}
		want := "timestamps: " + tsNames[m]
		d2, err := run.keyAndWait("", func(sc string) bool { return strings.Contains(sc, want) }, 10*time.Second)
		if err != nil {
			return title, status, err
		}
		title, status = append(title, d), append(status, d+d2)
		if os.Getenv("BENCH_TUI_TRACE") != "" {
			fmt.Fprintf(os.Stderr, "keytrace %d %d\n", time.Now().Add(-d).UnixNano(), d.Microseconds())
		}
		time.Sleep(time.Duration(20+i*7%31) * time.Millisecond)
	}
	return title, status, nil
}

// measureWindow returns tailui's CPU and the bytes it wrote to the terminal over d,
// and the footer's line rate at the end.
func measureWindow(run *ptyRun, d time.Duration) (cpu time.Duration, bps, rate float64) {
	pid := run.cmd.Process.Pid
	c0, b0, t0 := procCPU(pid), run.bytes.Load(), time.Now()
	var rates []float64
	for end := t0.Add(d); time.Now().Before(end); {
		time.Sleep(time.Second)
		rates = append(rates, screenRate(run.screen()))
	}
	el := time.Since(t0)
	return procCPU(pid) - c0, float64(run.bytes.Load()-b0) / el.Seconds(), median(rates)
}

// tuiMany: 500 containers in one pane, the ring full (100,000 lines), about 500
// lines/s: peak RSS, CPU, terminal bytes per second, key to screen.
func (r *report) tuiMany(cs *kubernetes.Clientset) error {
	fmt.Fprintf(os.Stderr, "benchrun: tui, %d containers in one pane, the ring full\n", tuiMany)
	ns := runNamespace("bench-tui")
	defer cleanup(cs, ns)
	// 200 lines of history each (the last at the start) and 1 line/s: 100,000 lines
	// at once, so the ring is full as soon as the pane has read them.
	if err := podsWith(cs, ns, "many", tuiMany, "history=200,rate=1"); err != nil {
		return err
	}
	load := loadavg()
	run, err := startPTY("-n", ns, "--max-streams", strconv.Itoa(tuiMany), "many-")
	if err != nil {
		return err
	}
	hwm := int64(0)
	defer func() {
		if hwm == 0 {
			run.stop()
		}
	}()
	start := time.Now()
	if err := run.waitScreen("every stream live and the ring overflowing", func(sc string) bool {
		return strings.Contains(sc, "● live") && strings.Contains(sc, "scrollback −")
	}, 3*time.Minute); err != nil {
		return err
	}
	full := time.Since(start)
	cpu, bps, rate := measureWindow(run, tuiWindow)
	keys, keyStatus, kerr := timestampKeys(run, 50)
	_, rssNow := procMem(run.cmd.Process.Pid)
	_ = rssNow
	rss, _ := procMem(run.cmd.Process.Pid)
	hwm = run.stop()
	r.rows = append(r.rows,
		fmt.Sprintf("| TUI, %d containers in one pane, ring full (100,000 lines), peak RSS (one run, load %s) | %.0f MiB | no TUI peer | no TUI peer | | |", tuiMany, load, float64(hwm)/1024),
		fmt.Sprintf("| same, CPU at %.0f lines/s (footer), share of one core | %.1f%% | | | | |", rate, 100*cpu.Seconds()/tuiWindow.Seconds()),
		fmt.Sprintf("| same, bytes to the terminal per second | %.0f kB/s | | | | |", bps/1000))
	fmt.Fprintf(&r.sections, "- %d containers, one merged pane (`tailui -n NS many-`), 200 lines of history and 1 line/s each: every stream live and the ring overflowing after %.1f s; over %s: CPU %.2f s (%.1f%% of a core), %.0f bytes/s to the terminal at %.0f lines/s, RSS at the end %.0f MiB, peak %.0f MiB; load average %s at start, %s at the end.\n",
		tuiMany, full.Seconds(), tuiWindow, cpu.Seconds(), 100*cpu.Seconds()/tuiWindow.Seconds(), bps, rate, float64(rss)/1024, float64(hwm)/1024, load, loadavg())
	if kerr == nil {
		fmt.Fprintf(&r.sections, "  Key to screen there (t, %d presses): %s; to the status line saying it: %s.\n", len(keys), pcts(keys), pcts(keyStatus))
	}
	return kerr
}

// tuiIdle: key to screen with one quiet pane (1 line/s), the baseline of the
// machine in the same run.
func (r *report) tuiIdle(cs *kubernetes.Clientset) error {
	fmt.Fprintln(os.Stderr, "benchrun: tui, one quiet pane: key to screen")
	ns := runNamespace("bench-tuiidle")
	defer cleanup(cs, ns)
	if err := podsWith(cs, ns, "quiet", 1, "history=200,rate=1"); err != nil {
		return err
	}
	load := loadavg()
	run, err := startPTY("-n", ns, "quiet-0000")
	if err != nil {
		return err
	}
	defer run.stop()
	if err := run.waitScreen("the pane's lines", func(sc string) bool { return strings.Contains(sc, "seq=") }, time.Minute); err != nil {
		return err
	}
	keys, keyStatus, err := timestampKeys(run, tuiKeys)
	tuiIdleKeys = keys
	fmt.Fprintf(&r.sections, "- One quiet pane (1 line/s), the same key %d times: key to screen %s; to the status line saying it %s; load average %s at start, %s at the end.\n",
		len(keys), pcts(keys), pcts(keyStatus), load, loadavg())
	return err
}

// tuiFour: four panes of one pod each, 12,500 lines/s a pod: terminal bytes per
// second, CPU, and key to screen over tuiKeys presses.
func (r *report) tuiFour(cs *kubernetes.Clientset) error {
	fmt.Fprintf(os.Stderr, "benchrun: tui, four panes at %d lines/s in total\n", 4*tuiFireRate)
	ns := runNamespace("bench-tui4")
	defer cleanup(cs, ns)
	if err := podsWith(cs, ns, "fire", 4, fmt.Sprintf("history=0,rate=%d", tuiFireRate)); err != nil {
		return err
	}
	load := loadavg()
	// No query: the sources panel; * selects the four pods, O opens a pane each.
	run, err := startPTY("-n", ns)
	if err != nil {
		return err
	}
	defer run.stop()
	if err := run.waitScreen("the four pods in the panel", func(sc string) bool { return strings.Contains(sc, "fire-0003") }, time.Minute); err != nil {
		return err
	}
	if _, err := run.keyAndWait("*", func(sc string) bool {
		return strings.Contains(sc, "4 selected") || strings.Count(sc, "[x]")+strings.Count(sc, "◉")+strings.Count(sc, "☑") >= 4
	}, 5*time.Second); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: (no selection count seen: %v)\n", err)
	}
	if err := run.waitScreen("", func(string) bool { return true }, time.Second); err != nil {
		return err
	}
	if _, err := run.keyAndWait("O", func(sc string) bool { return strings.Contains(sc, "4 panes") }, 10*time.Second); err != nil {
		return err
	}
	if err := run.waitScreen("the four panes at speed", func(sc string) bool { return screenRate(sc) > 0.5*4*tuiFireRate }, 2*time.Minute); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: four panes below half the rate: %s\n", run.screen())
	}
	bed0 := bedCPU()
	cpu, bps, rate := measureWindow(run, tuiWindow)
	bed := bedCPU() - bed0
	keys, keyStatus, kerr := timestampKeys(run, tuiKeys)
	hwm := int64(0)
	_, hwm = procMem(run.cmd.Process.Pid)
	r.rows = append(r.rows,
		fmt.Sprintf("| TUI, four panes at %.0f lines/s in total (one run, footer; load %s): key to screen p50 / p99 / max (%d presses) | %s / %s / %s | no TUI peer | no TUI peer | | |", rate, load, len(keys), ms(durPct(keys, 0.5)), ms(durPct(keys, 0.99)), ms(durPct(keys, 1))),
		fmt.Sprintf("| same key, one quiet pane, the same run (the machine's baseline) | %s / %s / %s | | | | |", ms(durPct(tuiIdleKeys, 0.5)), ms(durPct(tuiIdleKeys, 0.99)), ms(durPct(tuiIdleKeys, 1))),
		fmt.Sprintf("| same, bytes to the terminal per second | %.0f kB/s | | | | |", bps/1000),
		fmt.Sprintf("| same, CPU, share of one core | %.0f%% | | | | |", 100*cpu.Seconds()/tuiWindow.Seconds()))
	fmt.Fprintf(&r.sections, "- Four panes (the sources panel, `*`, `O`), one pod each at %d lines/s: %.0f lines/s on the footer; over %s CPU %.2f s, %.0f bytes/s to the terminal (a 200×50 screen is 10,000 cells: about %.1f full screens of bytes a second); the bed's own processes (the API server that proxies the streams, the stand-in kubelet that writes them, etcd, Loki) used %.2f s of CPU over the same window on the same machine; key to screen over %d presses of t (the focused pane's title naming the new timestamp mode): %s; to the status line saying it: %s; peak RSS %.0f MiB; load average %s at start, %s at the end.\n",
		tuiFireRate, rate, tuiWindow, cpu.Seconds(), bps, bps/10000, bed.Seconds(), len(keys), pcts(keys), pcts(keyStatus), float64(hwm)/1024, load, loadavg())
	return kerr
}

var screenStamp = regexp.MustCompile(`^([0-2][0-9]):([0-5][0-9]):([0-5][0-9])\.([0-9]{3})Z$`)

// newestStamp returns the UTC time of the lowest line of the screen that starts
// with one (the newest of a following pane), as a time today; it reads only the
// cells it needs, so that the benchmark's own reading of the terminal stays cheap.
func newestStamp(emu *vt.Emulator, now time.Time) (time.Time, bool) {
	var b strings.Builder
	for y := emu.Height() - 1; y >= 0; y-- {
		b.Reset()
		for x := 0; x < 13; x++ {
			if c := emu.CellAt(x, y); c != nil {
				b.WriteString(c.Content)
			}
		}
		m := screenStamp.FindStringSubmatch(b.String())
		if m == nil {
			continue
		}
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		milli, _ := strconv.Atoi(m[4])
		u := now.UTC()
		t := time.Date(u.Year(), u.Month(), u.Day(), h, mi, s, milli*1e6, time.UTC)
		if t.After(now.Add(time.Hour)) {
			t = t.Add(-24 * time.Hour)
		}
		return t, true
	}
	return time.Time{}, false
}

// tuiLag: one container at 50,000 lines/s in one pane with UTC timestamps; how far
// the newest line on the screen is behind the clock (the kubelet stamps each line
// when it is due), sampled at every screen update; kubectl and stern on a pipe for
// comparison (their newest line read against the clock). Also the bytes to the
// terminal per second.
func (r *report) tuiLag(cs *kubernetes.Clientset) error {
	fmt.Fprintf(os.Stderr, "benchrun: tui, one container at %d lines/s: lag\n", tuiLagRate)
	ns := runNamespace("bench-tuilag")
	defer cleanup(cs, ns)
	if err := podsWith(cs, ns, "hose", 1, fmt.Sprintf("history=0,rate=%d", tuiLagRate)); err != nil {
		return err
	}
	load := loadavg()
	run, err := startPTY("-n", ns, "--timestamps=utc", "--tail", "0", "hose-0000")
	if err != nil {
		return err
	}
	if err := run.waitScreen("the pane's lines", func(sc string) bool { return strings.Contains(sc, "seq=") }, time.Minute); err != nil {
		run.stop()
		return err
	}
	time.Sleep(3 * time.Second) // settle
	var lags []time.Duration
	var mu sync.Mutex
	run.mu.Lock()
	run.each = func(at time.Time) {
		if t, ok := newestStamp(run.emu, at); ok {
			mu.Lock()
			lags = append(lags, at.Sub(t))
			mu.Unlock()
		}
	}
	run.mu.Unlock()
	cpu, bps, rate := measureWindow(run, tuiWindow)
	run.mu.Lock()
	run.each = nil
	run.mu.Unlock()
	hwm := run.stop()
	mu.Lock()
	ti := append([]time.Duration(nil), lags...)
	mu.Unlock()

	// The peers, on a pipe: the newest line read against the clock.
	peers := map[string][]time.Duration{}
	for _, t := range []tool{
		{"kubectl", *kubectlBin, []string{"logs", "-f", "hose-0000", "-n", ns, "--tail", "0", "--timestamps"}},
		{"stern", *sternBin, []string{"^hose-0000$", "-n", ns, "--tail", "0", "--timestamps", "-o", "raw"}},
	} {
		peers[t.name] = pipeLag(t, 10*time.Second)
	}
	row := func(ds []time.Duration, p float64) string {
		if len(ds) == 0 {
			return "–"
		}
		return ms(durPct(ds, p))
	}
	r.rows = append(r.rows,
		fmt.Sprintf("| one container at %d lines/s (one run, %.0f/s on screen; load %s): how far behind the screen is, median / max (kubectl, stern: their output on a pipe) | %s / %s | %s / %s | %s / %s | | |",
			tuiLagRate, rate, load, row(ti, 0.5), row(ti, 1), row(peers["kubectl"], 0.5), row(peers["kubectl"], 1), row(peers["stern"], 0.5), row(peers["stern"], 1)),
		fmt.Sprintf("| same, bytes to the terminal per second | %.0f kB/s | | | | |", bps/1000))
	fmt.Fprintf(&r.sections, "- One container at %d lines/s in one pane with UTC timestamps (`--tail 0 --timestamps=utc`), %.0f lines/s on the footer: the newest time on the screen against the clock at each of %d screen updates: median %s, p90 %s, max %s; %.0f bytes/s to the terminal; CPU %.2f s over %s; peak RSS %.0f MiB. kubectl logs -f and stern on a pipe, the newest line read against the clock: kubectl median %s, max %s; stern median %s, max %s. Load average %s at start, %s at the end.\n",
		tuiLagRate, rate, len(ti), row(ti, 0.5), row(ti, 0.9), row(ti, 1), bps, cpu.Seconds(), tuiWindow, float64(hwm)/1024,
		row(peers["kubectl"], 0.5), row(peers["kubectl"], 1), row(peers["stern"], 0.5), row(peers["stern"], 1), load, loadavg())
	return nil
}

// pipeLag runs t for d, reading its output (lines starting with an RFC 3339
// timestamp), and returns how far behind the clock the line just read was, every
// 1,000th line, after the first 2 s.
func pipeLag(t tool, d time.Duration) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.bin, t.args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+*kubeconfig, "NO_COLOR=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil
	}
	if err := cmd.Start(); err != nil {
		return nil
	}
	var lags []time.Duration
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	start, n := time.Now(), 0
	for sc.Scan() {
		n++
		if n%1000 != 0 || time.Since(start) < 2*time.Second {
			continue
		}
		f, _, _ := strings.Cut(sc.Text(), " ")
		if ts, err := time.Parse(time.RFC3339Nano, f); err == nil {
			lags = append(lags, time.Since(ts))
		}
	}
	_ = cmd.Wait()
	return lags
}
