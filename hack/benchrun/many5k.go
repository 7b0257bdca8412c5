package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

var (
	streams5k = flag.Int("streams5k", 5000, "containers followed at once in the many5k benchmark")
	window5k  = flag.Duration("window5k", 90*time.Second, "how long each tool follows in the many5k benchmark")
	tailuiWas = flag.String("tailui-before", "", "another tailui binary (an older revision) that many5k also runs, on the same pods, for a before and after")
)

// many5k: 5,000 one-container pods (one line a second each) followed by one process
// for a window: peak RSS, how many streams delivered a line, how long until the last
// of them did, and CPU, tailui against stern with --max-log-requests 5000. Each tool
// runs once (a run is a whole window), tailui first; the load average is printed with
// the figures, since the run fills both cores.
func (r *report) many5k() {
	n := *streams5k
	fmt.Fprintf(os.Stderr, "benchrun: %d containers followed for %s\n", n, *window5k)
	cs, ns, done := benchNamespace("bench-many5k")
	if cs == nil {
		return
	}
	defer done()
	start := time.Now()
	if err := manyPodsParallel(cs, ns, n, "history=0,rate=1"); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return
	}
	fmt.Fprintf(os.Stderr, "benchrun: %d pods running after %s\n", n, time.Since(start).Round(time.Second))
	tools := []tool{
		{"tailui", *tailuiBin, []string{"--plain", "-n", ns, "--tail", "0", "--max-streams", strconv.Itoa(n)}},
		{"stern", *sternBin, []string{".", "-n", ns, "--tail", "0", "--max-log-requests", strconv.Itoa(n)}},
	}
	type result struct {
		s          sample
		delivering int
		last       time.Duration // until the last stream that delivered did
		load       string
	}
	if *tailuiWas != "" {
		tools = append(tools, tool{"tailui-before", *tailuiWas, tools[0].args})
	}
	res := map[string]result{}
	for _, t := range tools {
		ctx, cancel := context.WithTimeout(context.Background(), *window5k)
		w := &podFirstLine{seen: map[string]time.Duration{}, start: time.Now()}
		s, err := execOnce(ctx, t, w)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		}
		rs := result{s: s, delivering: len(w.seen), load: loadAvg()}
		for _, d := range w.seen {
			rs.last = max(rs.last, d)
		}
		res[t.name] = rs
		fmt.Fprintf(os.Stderr, "benchrun: %s: %d of %d delivering (the last after %s), peak RSS %d MiB, CPU %.1f s, load %s\n",
			t.name, rs.delivering, n, rs.last.Round(100*time.Millisecond), s.rssKiB>>10, (s.user + s.sys).Seconds(), rs.load)
	}
	ti, st := res["tailui"], res["stern"]
	mib := func(r result) float64 { return float64(r.s.rssKiB) / 1024 }
	cpu := func(r result) float64 { return (r.s.user + r.s.sys).Seconds() }
	r.rows = append(r.rows,
		fmt.Sprintf("| %s containers followed by one process, plain, peak RSS (one run each, load after it %s / %s) | %.0f MiB | | %.0f MiB | | %s |",
			thousands(n), ti.load, st.load, mib(ti), mib(st), ratio(mib(ti), mib(st))),
		fmt.Sprintf("| same, streams delivering within %s | %s of %s | | %s of %s | | |", *window5k, thousands(ti.delivering), thousands(n), thousands(st.delivering), thousands(n)),
		fmt.Sprintf("| same, until the last of them delivered | %.1f s | | %.1f s | | |", ti.last.Seconds(), st.last.Seconds()),
		fmt.Sprintf("| same, CPU over the window | %.1f s | | %.1f s | | %s |", cpu(ti), cpu(st), ratio(cpu(ti), cpu(st))))
	if b, ok := res["tailui-before"]; ok {
		r.rows = append(r.rows, fmt.Sprintf("| same, tailui before (-tailui-before, run last, load after it %s): peak RSS, delivering, until the last, CPU | %.0f MiB, %s, %.1f s, %.1f s | | | | |",
			b.load, mib(b), thousands(b.delivering), b.last.Seconds(), cpu(b)))
	}
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return "?"
	}
	return string(bytes.Join(f[:3], []byte(" ")))
}

// podFirstLine records, for each pod named first on an output line ("many-..."),
// when its first line arrived. It keeps no output. With want set it closes all
// once that many pods delivered.
type podFirstLine struct {
	mu    sync.Mutex
	start time.Time
	seen  map[string]time.Duration
	part  []byte // an unfinished line's start (only its first field matters)
	want  int
	all   chan struct{}
}

func (p *podFirstLine) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.part) < 64 {
				p.part = append(p.part, b[:min(len(b), 64)]...)
			}
			break
		}
		line := b[:i]
		if len(p.part) > 0 {
			line = append(p.part, line[:min(len(line), 64)]...)
			p.part = p.part[:0]
		}
		if f := bytes.Fields(line[:min(len(line), 64)]); len(f) > 0 && bytes.HasPrefix(f[0], []byte("many-")) {
			if _, ok := p.seen[string(f[0])]; !ok {
				p.seen[string(f[0])] = time.Since(p.start)
				if p.want > 0 && len(p.seen) == p.want {
					close(p.all)
				}
			}
		}
		b = b[i+1:]
	}
	return n, nil
}

// manyPodsParallel creates n pods of one container each (many-0000...), whose log is
// scripted by logs (the stand-in kubelet's annotation), from several workers, and
// waits until the stand-in kubelet reports them all running.
func manyPodsParallel(cs *kubernetes.Clientset, ns string, n int, logs string) error {
	ctx := context.Background()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan int)
	)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("many-%04d", i), Namespace: ns,
						Annotations: map[string]string{"testbed.tailui.dev/logs.app": logs}},
					Spec: corev1.PodSpec{NodeName: "testbed-node", Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
				}
				if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("creating %d pods: %d failed, the first: %w", n, len(errs), errs[0])
	}
	return waitRunning(cs, ns, n, 10*time.Minute, 2*time.Second)
}
