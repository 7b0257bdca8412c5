// Package demo is a fake cluster for tailui's UI: a Catalog with a fixed set
// of pods whose sources generate plausible log lines (JSON, logfmt, klog,
// plain) at a chosen rate, occasionally reconnect, and a fake Loki label
// index. It serves the demo command, teatest flows and benchmarks; nothing
// in it talks to a network.
package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/ui"
)

// Catalog is a fake ui.Catalog.
type Catalog struct {
	// Pods is the snapshot WatchPods sends.
	Pods []ui.PodInfo
	// Rate is the number of lines per second each container produces; zero
	// means 5. Negative means none: sources only report that they are live.
	Rate int
	// Reconnects makes each source break and reconnect every this many
	// lines; zero never.
	Reconnects int
	// Backlog is how many lines each source sends at once when it starts,
	// like tailLines.
	Backlog int
	// NoLoki makes Loki report that none was found.
	NoLoki bool
	// Now is the clock for line times; nil means time.Now.
	Now func() time.Time
	// Seed makes generated text reproducible.
	Seed uint64
	// WatchErr, when set, is what WatchPods fails with.
	WatchErr error

	mu     sync.Mutex
	opened []ui.Selection
}

var _ ui.Catalog = (*Catalog)(nil)

// New returns a Catalog with a small, varied cluster.
func New() *Catalog {
	return &Catalog{Pods: Cluster(), Backlog: 20}
}

// Cluster returns a fixed set of pods in three namespaces, with every status
// the sources panel distinguishes.
func Cluster() []ui.PodInfo {
	return []ui.PodInfo{
		{Namespace: "prod", Name: "web-7d9f8b6c5-x2kq4", Workload: "Deployment/web", Phase: "Running", Ready: 2, Total: 2, Containers: []string{"app", "envoy"}},
		{Namespace: "prod", Name: "web-7d9f8b6c5-p8m2z", Workload: "Deployment/web", Phase: "Running", Ready: 2, Total: 2, Restarts: 1, Containers: []string{"app", "envoy"}},
		{Namespace: "prod", Name: "web-7d9f8b6c5-rt5vn", Workload: "Deployment/web", Phase: "Running", Ready: 1, Total: 2, Containers: []string{"app", "envoy"}, Reason: "Readiness"},
		{Namespace: "prod", Name: "api-5c7b9d4f8-k3j9h", Workload: "Deployment/api", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"init:migrate", "api"}},
		{Namespace: "prod", Name: "api-5c7b9d4f8-w7q2c", Workload: "Deployment/api", Phase: "Running", Ready: 0, Total: 1, Restarts: 7, Containers: []string{"init:migrate", "api"}, Reason: "CrashLoopBackOff"},
		{Namespace: "prod", Name: "ledger-0", Workload: "StatefulSet/ledger", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"ledger"}},
		{Namespace: "prod", Name: "ledger-1", Workload: "StatefulSet/ledger", Phase: "Pending", Ready: 0, Total: 1, Containers: []string{"ledger"}, Reason: "ContainerCreating"},
		{Namespace: "prod", Name: "backup-29112640-8kd7s", Workload: "Job/backup-29112640", Phase: "Succeeded", Ready: 0, Total: 1, Containers: []string{"backup"}},
		{Namespace: "staging", Name: "web-6f5d7c8b9-abcde", Workload: "Deployment/web", Phase: "Running", Ready: 2, Total: 2, Containers: []string{"app", "envoy"}},
		{Namespace: "staging", Name: "debug-shell", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"shell"}},
		{Namespace: "kube-system", Name: "coredns-76f75df574-9z8wq", Workload: "Deployment/coredns", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"coredns"}},
		{Namespace: "kube-system", Name: "kube-proxy-4xk2p", Workload: "DaemonSet/kube-proxy", Phase: "Running", Ready: 1, Total: 1, Containers: []string{"kube-proxy"}},
		{Namespace: "kube-system", Name: "old-node-agent-zz9", Workload: "DaemonSet/node-agent", Phase: "Running", Ready: 0, Total: 1, Deleted: true, Containers: []string{"agent"}},
	}
}

func (c *Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// WatchPods sends the snapshot once, then keeps the channel open until ctx
// ends.
func (c *Catalog) WatchPods(ctx context.Context) (<-chan []ui.PodInfo, error) {
	if c.WatchErr != nil {
		return nil, c.WatchErr
	}
	ch := make(chan []ui.PodInfo, 1)
	ch <- c.Pods
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}

// Opened returns the selections opened so far.
func (c *Catalog) Opened() []ui.Selection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ui.Selection(nil), c.opened...)
}

// Open returns one Generator per container selected, and one per Loki query.
func (c *Catalog) Open(sel ui.Selection) ([]stream.Source, error) {
	c.mu.Lock()
	c.opened = append(c.opened, sel)
	c.mu.Unlock()
	var out []stream.Source
	add := func(p ui.PodInfo, containers []string) {
		if len(containers) == 0 {
			for _, ct := range p.Containers {
				if !strings.Contains(ct, ":") {
					containers = append(containers, ct)
				}
			}
		}
		for _, ct := range containers {
			out = append(out, c.generator(p.Namespace+"/"+p.Name+"/"+ct, p.Name+"/"+ct,
				map[string]string{"namespace": p.Namespace, "pod": p.Name, "container": ct}))
		}
	}
	for _, ref := range sel.Pods {
		found := false
		for _, p := range c.Pods {
			if p.Namespace == ref.Namespace && p.Name == ref.Name {
				add(p, ref.Containers)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("demo: pods %q not found", ref.Name)
		}
	}
	for _, w := range sel.Workloads {
		for _, p := range c.Pods {
			if p.Namespace == w.Namespace && p.Workload == w.Workload {
				add(p, nil)
			}
		}
	}
	for _, q := range sel.LokiQueries {
		out = append(out, c.generator("loki:"+q, q, map[string]string{"query": q}))
	}
	return out, nil
}

func (c *Catalog) generator(id, name string, fields map[string]string) *Generator {
	h := fnv.New64a()
	h.Write([]byte(id))
	return &Generator{
		Origin:     &stream.Origin{ID: id, Name: name, Fields: fields},
		Rate:       c.Rate,
		Backlog:    c.Backlog,
		Reconnects: c.Reconnects,
		Now:        c.now,
		Seed:       c.Seed ^ h.Sum64(),
	}
}

// Loki returns a fake label index, or the reason there is none.
func (c *Catalog) Loki() (ui.LokiCatalog, error) {
	if c.NoLoki {
		return nil, fmt.Errorf("no service labelled app.kubernetes.io/name=loki in any namespace")
	}
	return &Loki{Pods: c.Pods}, nil
}

// Loki is a fake ui.LokiCatalog built from pods.
type Loki struct{ Pods []ui.PodInfo }

var _ ui.LokiCatalog = (*Loki)(nil)

func (l *Loki) sets() []map[string]string {
	var out []map[string]string
	for _, p := range l.Pods {
		app := p.Name
		if _, n, ok := strings.Cut(p.Workload, "/"); ok {
			app = n
		}
		for _, ct := range p.Containers {
			out = append(out, map[string]string{"namespace": p.Namespace, "app": app, "pod": p.Name, "container": ct})
		}
	}
	return out
}

// Labels implements ui.LokiCatalog.
func (l *Loki) Labels(context.Context) ([]string, error) {
	return []string{"app", "container", "namespace", "pod"}, nil
}

// Values implements ui.LokiCatalog.
func (l *Loki) Values(_ context.Context, name string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, s := range l.sets() {
		if v := s[name]; v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Series implements ui.LokiCatalog for selectors of the form {a="b", c=~"d|e"}.
func (l *Loki) Series(_ context.Context, selector string) ([]map[string]string, error) {
	conds := parseSelector(selector)
	var out []map[string]string
	for _, s := range l.sets() {
		ok := true
		for k, vs := range conds {
			ok = ok && contains(vs, s[k])
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// Describe implements ui.LokiCatalog.
func (l *Loki) Describe() string { return "Loki via the demo: svc/loki in monitoring" }

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// parseSelector reads the simple selectors the UI builds.
func parseSelector(s string) map[string][]string {
	out := map[string][]string{}
	s = strings.Trim(strings.TrimSpace(s), "{}")
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if k, v, ok := strings.Cut(part, "=~"); ok {
			out[k] = strings.Split(strings.ReplaceAll(strings.Trim(v, `"`), `\`, ""), "|")
		} else if k, v, ok := strings.Cut(part, "="); ok {
			out[k] = []string{strings.Trim(v, `"`)}
		}
	}
	return out
}

// Generator is a stream.Source that makes up log lines.
type Generator struct {
	Origin     *stream.Origin
	Rate       int // lines per second; 0 means 5; negative means none
	Backlog    int // lines sent at once on start
	Reconnects int // break and reconnect every this many lines; 0 never
	Now        func() time.Time
	Seed       uint64
}

// Run implements stream.Source.
func (g *Generator) Run(ctx context.Context, sink stream.Sink) error {
	now := g.Now
	if now == nil {
		now = time.Now
	}
	rng := rand.New(rand.NewPCG(g.Seed, 7))
	sink.Status(stream.Status{Origin: g.Origin, State: stream.StateConnecting, At: now()})
	sink.Status(stream.Status{Origin: g.Origin, State: stream.StateLive, At: now()})
	if g.Backlog > 0 {
		batch := make([]stream.Line, g.Backlog)
		t := now().Add(-time.Duration(g.Backlog) * time.Second)
		for i := range batch {
			batch[i] = stream.Line{Origin: g.Origin, Time: t.Add(time.Duration(i) * time.Second), Text: Text(rng)}
		}
		sink.Lines(batch)
	}
	rate := g.Rate
	if rate == 0 {
		rate = 5
	}
	if rate < 0 {
		<-ctx.Done()
		return nil
	}
	const frame = 50 * time.Millisecond
	tk := time.NewTicker(frame)
	defer tk.Stop()
	carry := 0.0
	sent, attempt := 0, 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
		carry += float64(rate) * frame.Seconds()
		n := int(carry)
		carry -= float64(n)
		if n == 0 {
			continue
		}
		batch := make([]stream.Line, 0, n+1)
		t := now()
		for range n {
			batch = append(batch, stream.Line{Origin: g.Origin, Time: t, Text: Text(rng)})
			sent++
			if g.Reconnects > 0 && sent%g.Reconnects == 0 {
				attempt++
				batch = append(batch, stream.Line{Origin: g.Origin, Time: t, Kind: stream.KindReconnect,
					Text: fmt.Sprintf("reconnecting (attempt %d): stream closed", attempt)})
				sink.Lines(batch)
				batch = make([]stream.Line, 0, n)
				sink.Status(stream.Status{Origin: g.Origin, State: stream.StateReconnecting, Attempt: attempt, NextTry: t.Add(time.Second), Err: "stream closed", At: t})
				sink.Status(stream.Status{Origin: g.Origin, State: stream.StateLive, At: t})
				batch = append(batch, stream.Line{Origin: g.Origin, Time: t, Kind: stream.KindResume, Text: "resumed, no line lost"})
			}
		}
		sink.Lines(batch)
	}
}

var (
	paths   = []string{"/api/v1/orders", "/healthz", "/api/v1/users/42", "/metrics", "/api/v1/cart", "/login"}
	methods = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	msgs    = []string{"request served", "cache miss", "upstream slow", "retrying", "connection reset by peer", "payment authorized", "token refreshed"}
)

// Text returns one made-up log line in one of several formats.
func Text(rng *rand.Rand) string {
	lv := []string{"debug", "info", "info", "info", "info", "warn", "error"}[rng.IntN(7)]
	switch rng.IntN(5) {
	case 0:
		return fmt.Sprintf(`{"level":%q,"ts":"2026-11-25T16:34:%02d.%03dZ","msg":%q,"method":%q,"path":%q,"status":%d,"latency_ms":%d}`,
			lv, rng.IntN(60), rng.IntN(1000), msgs[rng.IntN(len(msgs))], methods[rng.IntN(len(methods))], paths[rng.IntN(len(paths))],
			[]int{200, 200, 201, 204, 404, 500}[rng.IntN(6)], rng.IntN(900))
	case 1:
		return fmt.Sprintf(`level=%s msg=%q user=u%d duration=%dms trace_id=%016x`, lv, msgs[rng.IntN(len(msgs))], rng.IntN(1000), rng.IntN(500), rng.Uint64())
	case 2:
		return fmt.Sprintf("%s1125 16:34:%02d.%06d       1 controller.go:%d] %s", strings.ToUpper(lv[:1]), rng.IntN(60), rng.IntN(1000000), 100+rng.IntN(400), msgs[rng.IntN(len(msgs))])
	case 3:
		return fmt.Sprintf(`10.0.%d.%d - - "%s %s HTTP/1.1" %d %d`, rng.IntN(255), rng.IntN(255), methods[rng.IntN(len(methods))], paths[rng.IntN(len(paths))],
			[]int{200, 200, 301, 404, 503}[rng.IntN(5)], rng.IntN(50000))
	default:
		return fmt.Sprintf("%s [%s] %s", time.Date(2026, 11, 25, 16, 34, rng.IntN(60), 0, time.UTC).Format("15:04:05"), strings.ToUpper(lv), msgs[rng.IntN(len(msgs))])
	}
}
