package main

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// t0 has a fraction of a second so second-precision sinceTime has something to cut.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

type testBed struct {
	t         *testing.T
	store     *Store
	clock     *fakeClock
	srv       *httptest.Server
	mu        sync.Mutex
	published map[string]int
}

// newTestBed runs the kubelet's handler with no API server. Time only moves when a
// test calls produce, so every line and timestamp is known in advance.
func newTestBed(t *testing.T) *testBed {
	t.Helper()
	ipam, err := newIPAM(testbedspec.DefaultPodCIDR)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := &testBed{t: t, clock: &fakeClock{now: t0}, published: map[string]int{}}
	b.store = NewStore(log, ipam)
	b.store.now = b.clock.Now
	b.store.manual = true
	b.store.publish = func(p *podState) {
		b.mu.Lock()
		b.published[p.key()]++
		b.mu.Unlock()
	}
	k := &kubelet{store: b.store, log: log, dialTimeout: time.Second}
	b.srv = httptest.NewServer(k.handler())
	t.Cleanup(b.srv.Close)
	return b
}

// addPod adds a pod to the store; logs maps container name to its logs annotation.
func (b *testBed) addPod(name string, containers []string, logs map[string]string, extra map[string]string) *podState {
	b.t.Helper()
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "logs-test", Name: name, UID: types.UID("uid-" + name),
			Annotations: map[string]string{}},
		Spec: v1.PodSpec{NodeName: "testbed-node"},
	}
	for _, c := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, v1.Container{Name: c, Image: "example.com/" + c + ":1"})
	}
	for c, v := range logs {
		pod.Annotations[testbedspec.LogsAnnotation(c)] = v
	}
	for k, v := range extra {
		pod.Annotations[k] = v
	}
	p, created := b.store.Sync(pod)
	if !created {
		b.t.Fatalf("pod %s was not created", name)
	}
	return p
}

// produce moves the clock to t0+d and runs every generator.
func (b *testBed) produce(d time.Duration) {
	b.clock.mu.Lock()
	b.clock.now = t0.Add(d)
	b.clock.mu.Unlock()
	b.store.Produce(t0.Add(d))
}

func (b *testBed) url(pod, container string, q url.Values) string {
	return b.srv.URL + "/containerLogs/logs-test/" + pod + "/" + container + "?" + q.Encode()
}

// get fetches a log to its end.
func (b *testBed) get(pod, container string, q url.Values) (int, string) {
	b.t.Helper()
	resp, err := http.Get(b.url(pod, container, q))
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// open starts a (follow) request and returns its body once the headers are in.
func (b *testBed) open(pod, container string, q url.Values) io.ReadCloser {
	b.t.Helper()
	resp, err := http.Get(b.url(pod, container, q))
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp.Body
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

type stamped struct {
	ts   time.Time
	text string
}

func parseStamped(t *testing.T, body string) []stamped {
	t.Helper()
	var out []stamped
	for _, l := range splitLines(body) {
		ts, text, ok := strings.Cut(l, " ")
		if !ok || len(ts) != len(timeFormatOut)-len("Z07:00")+1 {
			t.Fatalf("line without a fixed-width timestamp: %q", l)
		}
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, stamped{tm, text})
	}
	return out
}

func seqs(t *testing.T, lines []string) []int64 {
	t.Helper()
	var out []int64
	for _, l := range lines {
		n, ok := testbedspec.SeqOf(l)
		if !ok {
			t.Fatalf("line without seq: %q", l)
		}
		out = append(out, n)
	}
	return out
}

func wantSeqRange(t *testing.T, got []int64, from, to int64) {
	t.Helper()
	if int64(len(got)) != to-from+1 {
		t.Fatalf("got %d lines, want seq %d..%d (%d lines)", len(got), from, to, to-from+1)
	}
	for i, s := range got {
		if s != from+int64(i) {
			t.Fatalf("line %d has seq %d, want %d", i, s, from+int64(i))
		}
	}
}

func TestHistoryTimestampsAndContent(t *testing.T) {
	b := newTestBed(t)
	b.addPod("hist", []string{"app"}, map[string]string{"app": "history=5000,step=1ms,rate=0"}, nil)
	code, body := b.get("hist", "app", q("timestamps", "true"))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	lines := parseStamped(t, body)
	if len(lines) != 5000 {
		t.Fatalf("got %d lines, want 5000", len(lines))
	}
	for i, l := range lines {
		wantTS := t0.Add(-time.Duration(4999-i) * time.Millisecond)
		if !l.ts.Equal(wantTS) {
			t.Fatalf("line %d at %s, want %s", i, l.ts, wantTS)
		}
		want, _ := testbedspec.Line("hist", "app", int64(i+1), false)
		if l.text != want {
			t.Fatalf("line %d = %q, want %q", i, l.text, want)
		}
	}
	if !strings.HasPrefix(body, "2026-01-02T03:04:00.501000000Z ") {
		t.Fatalf("first timestamp not in the fixed 9-digit format: %q", body[:40])
	}
}

func TestLogQueries(t *testing.T) {
	b := newTestBed(t)
	b.addPod("hist", []string{"app"}, map[string]string{"app": "history=5000,step=1ms,rate=0"}, nil)
	full := func() string { _, body := b.get("hist", "app", q()); return body }()
	fullTS := func() string { _, body := b.get("hist", "app", q("timestamps", "true")); return body }()
	tests := []struct {
		name       string
		query      url.Values
		from, to   int64 // seq range expected
		firstStamp string
	}{
		{"all", q(), 1, 5000, ""},
		// sinceTime has second precision and is inclusive: 03:04:05.000 itself is in.
		{"sinceTime inclusive", q("sinceTime", "2026-01-02T03:04:05Z", "timestamps", "true"), 4500, 5000, "2026-01-02T03:04:05.000000000Z"},
		{"sinceTime before all", q("sinceTime", "2026-01-02T03:00:00Z"), 1, 5000, ""},
		{"sinceTime after all", q("sinceTime", "2026-01-02T03:04:06Z"), 1, 0, ""},
		{"sinceTime other zone", q("sinceTime", "2026-01-02T04:04:05+01:00"), 4500, 5000, ""},
		// now is t0 = 03:04:05.5, so sinceSeconds=2 starts at 03:04:03.5.
		{"sinceSeconds", q("sinceSeconds", "2", "timestamps", "true"), 3000, 5000, "2026-01-02T03:04:03.500000000Z"},
		{"tailLines", q("tailLines", "10"), 4991, 5000, ""},
		{"tailLines zero", q("tailLines", "0"), 1, 0, ""},
		{"tailLines more than all", q("tailLines", "99999"), 1, 5000, ""},
		{"legacy tail", q("tail", "3"), 4998, 5000, ""},
		{"legacy tail all", q("tail", "all"), 1, 5000, ""},
		// tailLines picks the start, then sinceTime filters (the kubelet's order).
		{"tailLines then sinceTime", q("tailLines", "1000", "sinceTime", "2026-01-02T03:04:05Z"), 4500, 5000, ""},
		{"tailLines within sinceTime", q("tailLines", "100", "sinceTime", "2026-01-02T03:04:05Z"), 4901, 5000, ""},
		{"stdout", q("stream", "Stdout"), 1, 5000, ""},
		{"stderr is empty", q("stream", "Stderr"), 1, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := b.get("hist", "app", tt.query)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			lines := splitLines(body)
			if tt.query.Get("timestamps") == "true" {
				st := parseStamped(t, body)
				lines = lines[:0]
				for _, s := range st {
					lines = append(lines, s.text)
				}
				if tt.firstStamp != "" && !strings.HasPrefix(body, tt.firstStamp+" ") {
					t.Fatalf("first line %q, want timestamp %s", body[:40], tt.firstStamp)
				}
			}
			wantSeqRange(t, seqs(t, lines), tt.from, tt.to)
		})
	}

	limits := []struct {
		name  string
		query url.Values
		whole string
		n     int
	}{
		{"limitBytes cuts mid-line", q("limitBytes", "100"), full, 100},
		{"limitBytes with timestamps cuts the prefix too", q("limitBytes", "20", "timestamps", "true"), fullTS, 20},
		{"limitBytes larger than the log", q("limitBytes", "999999999"), full, len(full)},
		{"limitBytes exactly one line", q("limitBytes", strconv.Itoa(strings.Index(full, "\n")+1)), full, strings.Index(full, "\n") + 1},
	}
	for _, tt := range limits {
		t.Run(tt.name, func(t *testing.T) {
			code, body := b.get("hist", "app", tt.query)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if body != tt.whole[:tt.n] {
				t.Fatalf("got %d bytes %q..., want the first %d bytes of the log", len(body), body[:min(len(body), 60)], tt.n)
			}
		})
	}
	t.Run("limitBytes with tailLines counts from the tail", func(t *testing.T) {
		_, tail := b.get("hist", "app", q("tailLines", "2"))
		_, body := b.get("hist", "app", q("tailLines", "2", "limitBytes", "30"))
		if body != tail[:30] {
			t.Fatalf("got %q, want %q", body, tail[:30])
		}
	})
}

func TestErrorsLikeTheKubelet(t *testing.T) {
	b := newTestBed(t)
	b.addPod("waiting", []string{"app"}, map[string]string{"app": "waiting=ContainerCreating"}, nil)
	b.addPod("pull", []string{"app"}, map[string]string{"app": "waiting=ImagePullBackOff"}, nil)
	b.addPod("bulk", []string{"app"}, map[string]string{"app": "history=10,rate=0"}, nil)
	tests := []struct {
		name, pod, container string
		query                url.Values
		code                 int
		body                 string
	}{
		{"waiting", "waiting", "app", q("follow", "true"), 400, `container "app" in pod "waiting" is waiting to start: ContainerCreating`},
		{"image pull backoff", "pull", "app", q(), 400, `container "app" in pod "pull" is waiting to start: trying and failing to pull image`},
		{"no previous", "bulk", "app", q("previous", "true"), 400, `previous terminated container "app" in pod "bulk" not found`},
		{"unknown pod", "nope", "app", q(), 404, `pod "nope" does not exist`},
		{"unknown container", "bulk", "zz", q(), 404, `container "zz" not found in pod "bulk"`},
		{"negative tailLines", "bulk", "app", q("tailLines", "-1"), 422, `{"message": "Invalid request."}`},
		{"zero limitBytes", "bulk", "app", q("limitBytes", "0"), 422, `{"message": "Invalid request."}`},
		{"both sinces", "bulk", "app", q("sinceSeconds", "5", "sinceTime", "2026-01-02T03:04:05Z"), 422, `{"message": "Invalid request."}`},
		{"tailLines with stream", "bulk", "app", q("stream", "Stdout", "tailLines", "1"), 422, `{"message": "Invalid request."}`},
		{"bad number", "bulk", "app", q("tailLines", "ten"), 400, `{"message": "Unable to decode query."}`},
		{"bad time", "bulk", "app", q("sinceTime", "yesterday"), 400, `{"message": "Unable to decode query."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := b.get(tt.pod, tt.container, tt.query)
			if code != tt.code || body != tt.body {
				t.Fatalf("got %d %q, want %d %q", code, body, tt.code, tt.body)
			}
		})
	}
}

func TestFollowRateAndCut(t *testing.T) {
	b := newTestBed(t)
	b.addPod("cut", []string{"app"}, map[string]string{"app": "history=20,rate=20,cut=50"}, nil)
	body := b.open("cut", "app", q("follow", "true", "timestamps", "true"))
	b.produce(time.Second)     // 20 more
	b.produce(2 * time.Second) // 20 more: the stream is cut after 50 in all
	all, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	lines := parseStamped(t, string(all))
	var texts []string
	for _, l := range lines {
		texts = append(texts, l.text)
	}
	wantSeqRange(t, seqs(t, texts), 1, 50)
	// Rate lines are due at start + k/rate: line 21 at t0+50ms, line 40 at t0+1s.
	if want := t0.Add(50 * time.Millisecond); !lines[20].ts.Equal(want) {
		t.Fatalf("first live line at %s, want %s", lines[20].ts, want)
	}
	if want := t0.Add(time.Second); !lines[39].ts.Equal(want) {
		t.Fatalf("line 40 at %s, want %s", lines[39].ts, want)
	}

	// A reconnect resumes: the cut counts per request.
	body = b.open("cut", "app", q("follow", "true", "sinceTime", "2026-01-02T03:04:06Z"))
	b.produce(3 * time.Second)
	r := bufio.NewReader(body)
	var got []string
	for len(got) < 50 {
		l, err := r.ReadString('\n')
		if err != nil {
			break
		}
		got = append(got, strings.TrimSuffix(l, "\n"))
	}
	// Since 03:04:06: lines at 06.0, 06.05, ... up to t0+3s = 08.5 -> seq 30..70, cut at 50 lines.
	wantSeqRange(t, seqs(t, got), 30, 79)
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("stream not closed after the cut: %v", err)
	}

	// Without follow there is no cut.
	_, all2 := b.get("cut", "app", q())
	wantSeqRange(t, seqs(t, splitLines(all2)), 1, 80)
}

func TestRestartAndPrevious(t *testing.T) {
	b := newTestBed(t)
	p := b.addPod("restarter", []string{"app"}, map[string]string{"app": "history=50,rate=10,restart-after=100"}, nil)
	c := b.store.container(p, "app")
	firstID := c.snapshot().cur.id

	body := b.open("restarter", "app", q("follow", "true"))
	b.produce(5 * time.Second)   // 50 more lines: the 100th restarts the container
	all, err := io.ReadAll(body) // the old container's stream ends after its last line
	if err != nil {
		t.Fatal(err)
	}
	wantSeqRange(t, seqs(t, splitLines(string(all))), 1, 100)

	cs := containerStatus(c)
	if cs.RestartCount != 1 || cs.State.Running == nil || cs.LastTerminationState.Terminated == nil {
		t.Fatalf("status after restart: %+v", cs)
	}
	if cs.LastTerminationState.Terminated.ContainerID != "testbed://"+firstID || cs.ContainerID == "testbed://"+firstID {
		t.Fatalf("container IDs: last %s, now %s, first %s", cs.LastTerminationState.Terminated.ContainerID, cs.ContainerID, firstID)
	}
	if b.published["logs-test/restarter"] != 1 {
		t.Fatalf("status published %d times, want 1 (at the restart)", b.published["logs-test/restarter"])
	}

	_, prev := b.get("restarter", "app", q("previous", "true"))
	wantSeqRange(t, seqs(t, splitLines(prev)), 1, 100)
	_, cur := b.get("restarter", "app", q())
	if cur != "" {
		t.Fatalf("new container log not empty at its start: %q", cur)
	}
	b.produce(10 * time.Second) // 50 more in the new container
	_, cur = b.get("restarter", "app", q())
	wantSeqRange(t, seqs(t, splitLines(cur)), 101, 150)
	b.produce(15 * time.Second) // 50 more: second restart, seq continues
	_, prev = b.get("restarter", "app", q("previous", "true"))
	wantSeqRange(t, seqs(t, splitLines(prev)), 101, 200)
	if got := containerStatus(c).RestartCount; got != 2 {
		t.Fatalf("restartCount %d, want 2", got)
	}
}

func TestHostileContent(t *testing.T) {
	b := newTestBed(t)
	b.addPod("hostile", []string{"app"}, map[string]string{"app": "hostile=true,history=60,rate=1"}, nil)
	_, body := b.get("hostile", "app", q())
	lines := splitLines(body)
	if len(lines) != 60 {
		t.Fatalf("got %d lines, want 60", len(lines))
	}
	wantSeqRange(t, seqs(t, lines), 1, 60)
	huge := 0
	for i, l := range lines {
		want, _ := testbedspec.Line("hostile", "app", int64(i+1), true)
		if l != want {
			t.Fatalf("line %d differs from the generator", i+1)
		}
		if n := len(testbedspec.SeqPattern.FindAllString(l, -1)); n != 1 {
			t.Fatalf("line %d has %d seq tokens: %q", i+1, n, l)
		}
		if len(l) == testbedspec.HugeLineSize {
			huge++
			for _, ch := range []byte(l) {
				if ch < 0x20 || ch > 0x7e {
					t.Fatalf("huge line has byte %#x", ch)
				}
			}
		}
	}
	if huge != 1 {
		t.Fatalf("%d lines of 1 MiB, want exactly 1", huge)
	}
	for _, bad := range []string{"\x1b[2J", "\x1b[31m", "\x1b]0;", "\x1b]52;", "\x1b]8;;", "\x1b[c", "\x1b[6n",
		"\u202e", "\u009b", "\x00", "\xff", "\r"} {
		if !strings.Contains(body, bad) {
			t.Errorf("hostile log lacks %q", bad)
		}
	}
}

func TestInitSidecarSucceededAndFile(t *testing.T) {
	b := newTestBed(t)
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "logs-test", Name: "multi", UID: "uid-multi"},
		Spec: v1.PodSpec{
			NodeName: "testbed-node",
			InitContainers: []v1.Container{
				{Name: "init", Image: "busybox:1.36"},
				{Name: "proxy", Image: "envoy:1.30", RestartPolicy: ptr(v1.ContainerRestartPolicyAlways)},
			},
			Containers: []v1.Container{{Name: "a", Image: "a:1"}, {Name: "b", Image: "b:1"}},
		},
	}
	p, _ := b.store.Sync(pod)
	st := podStatus(p, "127.0.0.1")
	if st.Phase != v1.PodRunning || len(st.InitContainerStatuses) != 2 || len(st.ContainerStatuses) != 2 {
		t.Fatalf("status: %+v", st)
	}
	if term := st.InitContainerStatuses[0].State.Terminated; term == nil || term.Reason != "Completed" || term.ExitCode != 0 {
		t.Fatalf("init container: %+v", st.InitContainerStatuses[0])
	}
	if st.InitContainerStatuses[1].State.Running == nil {
		t.Fatalf("sidecar not running: %+v", st.InitContainerStatuses[1])
	}
	for _, c := range st.Conditions {
		if c.Status != v1.ConditionTrue {
			t.Fatalf("condition %s is %s", c.Type, c.Status)
		}
	}
	if !strings.HasPrefix(st.PodIP, "10.213.78.") || st.ContainerStatuses[0].ContainerID == "" {
		t.Fatalf("pod IP %q, container ID %q", st.PodIP, st.ContainerStatuses[0].ContainerID)
	}
	// A finished init container's log is still served, and a follow ends at its end.
	code, body := b.get("multi", "init", q("follow", "true"))
	if code != 200 {
		t.Fatalf("init log: %d %s", code, body)
	}
	wantSeqRange(t, seqs(t, splitLines(body)), 1, 20)

	b.addPod("report", []string{"app"}, map[string]string{"app": "history=30"},
		map[string]string{testbedspec.AnnotationPhase: "Succeeded"})
	rp := b.store.pod("logs-test", "report")
	if st := podStatus(rp, "127.0.0.1"); st.Phase != v1.PodSucceeded || st.ContainerStatuses[0].State.Terminated == nil {
		t.Fatalf("finished pod status: %+v", st)
	}
	_, body = b.get("report", "app", q("follow", "true"))
	wantSeqRange(t, seqs(t, splitLines(body)), 1, 30)

	wp := b.addPod("waiting", []string{"app"}, map[string]string{"app": "waiting=ContainerCreating"}, nil)
	if st := podStatus(wp, "127.0.0.1"); st.Phase != v1.PodPending || st.ContainerStatuses[0].State.Waiting.Reason != "ContainerCreating" {
		t.Fatalf("waiting pod status: %+v", st)
	}

	file := filepath.Join(t.TempDir(), "loki.log")
	if err := os.WriteFile(file, []byte("one\ntwo\nthr"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.addPod("filelog", []string{"app"}, map[string]string{"app": "file=" + file}, nil)
	follow := b.open("filelog", "app", q("follow", "true"))
	r := bufio.NewReader(follow)
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("ee\nfour\n")
	f.Close()
	b.produce(time.Second)
	var got []string
	for range 4 {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	if strings.Join(got, "") != "one\ntwo\nthree\nfour\n" {
		t.Fatalf("file log: %q", got)
	}
}

func TestPodRemovalEndsFollow(t *testing.T) {
	b := newTestBed(t)
	b.addPod("gone", []string{"app"}, map[string]string{"app": "history=5,rate=1"}, nil)
	body := b.open("gone", "app", q("follow", "true"))
	r := bufio.NewReader(body)
	for range 5 {
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	b.store.Remove("logs-test", "gone", "uid-gone")
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after removal: %q, %v", rest, err)
	}
	if code, _ := b.get("gone", "app", q()); code != http.StatusNotFound {
		t.Fatalf("removed pod answers %d", code)
	}
}

func TestRotationKeepsTheNewest(t *testing.T) {
	b := newTestBed(t)
	b.store.maxLines = 1000
	b.addPod("fast", []string{"app"}, map[string]string{"app": "history=0,rate=5000"}, nil)
	b.produce(time.Second) // 5000 lines, at most 1000 kept
	_, body := b.get("fast", "app", q())
	got := seqs(t, splitLines(body))
	if len(got) > 1000 || got[len(got)-1] != 5000 {
		t.Fatalf("kept %d lines ending at %d", len(got), got[len(got)-1])
	}
	wantSeqRange(t, got, 5000-int64(len(got))+1, 5000)
}

// A history longer than the store's limit is served whole (the drain benchmark's
// 1,000,000 lines); lines written after it are rotated away past the container's
// own limit, the history and a quarter more, as before.
func TestLongHistoryKeptWhole(t *testing.T) {
	b := newTestBed(t)
	b.store.maxLines = 1000
	b.addPod("big", []string{"app"}, map[string]string{"app": "history=3000,rate=1000"}, nil)
	_, body := b.get("big", "app", q())
	wantSeqRange(t, seqs(t, splitLines(body)), 1, 3000)

	b.produce(time.Second) // 1000 more: 4000 records, past 3000+750
	_, body = b.get("big", "app", q())
	got := seqs(t, splitLines(body))
	if len(got) > 3750 || got[len(got)-1] != 4000 {
		t.Fatalf("kept %d lines ending at %d", len(got), got[len(got)-1])
	}
	wantSeqRange(t, got, 4000-int64(len(got))+1, 4000)
}

func ptr[T any](v T) *T { return &v }

func TestSyncUpdates(t *testing.T) {
	b := newTestBed(t)
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "logs-test", Name: "upd", UID: "uid-upd",
			Annotations: map[string]string{testbedspec.LogsAnnotation("app"): "history=3,rate=0"}},
		Spec: v1.PodSpec{NodeName: "testbed-node", Containers: []v1.Container{{Name: "app", Image: "a:1"}}},
	}
	p, _ := b.store.Sync(pod.DeepCopy())
	if ip, dialable := p.addr(); dialable || !strings.HasPrefix(ip, "10.213.78.") {
		t.Fatalf("allocated IP %s, dialable %v", ip, dialable)
	}

	// An ephemeral container appears (kubectl debug) and the pod IP annotation changes.
	pod.Spec.EphemeralContainers = []v1.EphemeralContainer{{EphemeralContainerCommon: v1.EphemeralContainerCommon{Name: "dbg", Image: "busybox"}}}
	pod.Annotations[testbedspec.AnnotationPodIP] = "127.0.0.1"
	if again, created := b.store.Sync(pod.DeepCopy()); again != p || created {
		t.Fatal("an update made a new pod")
	}
	st := podStatus(p, "127.0.0.1")
	if st.PodIP != "127.0.0.1" || len(st.EphemeralContainerStatuses) != 1 || st.EphemeralContainerStatuses[0].State.Running == nil {
		t.Fatalf("after update: ip %s, ephemeral %+v", st.PodIP, st.EphemeralContainerStatuses)
	}
	if b.published["logs-test/upd"] != 1 {
		t.Fatalf("published %d times, want 1", b.published["logs-test/upd"])
	}
	if code, body := b.get("upd", "dbg", q()); code != 200 || len(splitLines(body)) != testbedspec.DefaultHistory {
		t.Fatalf("ephemeral log: %d, %d lines", code, len(splitLines(body)))
	}

	// A pod recreated under the same name (new UID) starts over at seq 1.
	follow := b.open("upd", "app", q("follow", "true"))
	pod.UID = "uid-upd-2"
	pod.Annotations[testbedspec.LogsAnnotation("app")] = "history=2,rate=0"
	if _, created := b.store.Sync(pod.DeepCopy()); !created {
		t.Fatal("a new UID did not make a new pod")
	}
	if rest, _ := io.ReadAll(follow); len(splitLines(string(rest))) != 3 {
		t.Fatalf("old pod's follow: %q", rest)
	}
	_, body := b.get("upd", "app", q())
	wantSeqRange(t, seqs(t, splitLines(body)), 1, 2)

	// Deletion: containers stop, the status says terminated, streams end.
	np := b.store.pod("logs-test", "upd")
	follow = b.open("upd", "app", q("follow", "true"))
	b.store.Kill(np)
	if rest, _ := io.ReadAll(follow); len(splitLines(string(rest))) != 2 {
		t.Fatalf("follow after kill: %q", rest)
	}
	if st := podStatus(np, "127.0.0.1"); st.ContainerStatuses[0].State.Terminated == nil {
		t.Fatalf("killed pod status: %+v", st.ContainerStatuses[0])
	}
}
