package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tailui/tailui/stream"
)

var nodeNow = time.Date(2026, 12, 1, 14, 0, 30, 0, time.UTC)

func jline(t time.Time, unit, msg string) string {
	return t.UTC().Format(journalStampPrecise) + " node-1 " + unit + "[42]: " + msg
}

func lineTexts(ls []stream.Line) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Text)
	}
	return out
}

// The cursor's answers, one poll after another: each answer is what the kubelet
// gives for the cursor's sinceTime (every line of the boundary second again).
func TestNodeLogCursorBoundarySecond(t *testing.T) {
	s0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	at := func(sec, us int) time.Time {
		return s0.Add(time.Duration(sec)*time.Second + time.Duration(us)*time.Microsecond)
	}
	l := func(sec, us int, msg string) string { return jline(at(sec, us), "kubelet", msg) }
	o := NodeLogOrigin("node-1", "kubelet")
	c := &nodeLogCursor{tail: -1}
	steps := []struct {
		name      string
		body      []string
		wantSince string // the query after this answer
		want      []string
	}{
		{"first answer", []string{l(0, 1, "a"), l(1, 5, "b"), l(1, 5, "b")}, "2026-12-01T14:00:01Z", []string{"a", "b", "b"}},
		{"the boundary second again, one more line in it", []string{l(1, 5, "b"), l(1, 5, "b"), l(1, 7, "c")}, "2026-12-01T14:00:01Z", []string{"c"}},
		{"nothing new", []string{l(1, 5, "b"), l(1, 5, "b"), l(1, 7, "c")}, "2026-12-01T14:00:01Z", nil},
		{"a late line of the boundary second between old ones, and a new second", []string{l(1, 5, "b"), l(1, 6, "late"), l(1, 5, "b"), l(1, 7, "c"), l(2, 0, "d"), "    continued"},
			"2026-12-01T14:00:02Z", []string{"late", "d", "    continued"}},
		{"the continuation stays with its second", []string{l(2, 0, "d"), "    continued", l(2, 9, "e")}, "2026-12-01T14:00:02Z", []string{"e"}},
	}
	for _, st := range steps {
		got := c.take([]byte(strings.Join(st.body, "\n")+"\n"), o, nodeNow, false)
		if fmt.Sprint(lineTexts(got)) != fmt.Sprint(st.want) {
			t.Fatalf("%s: got %q, want %q", st.name, lineTexts(got), st.want)
		}
		q := c.query(&NodeLog{Service: "kubelet", TailLines: 10, now: func() time.Time { return nodeNow }})
		if q["sinceTime"] != st.wantSince || q["tailLines"] != "" {
			t.Fatalf("%s: next query %v, want sinceTime %s and no tailLines", st.name, q, st.wantSince)
		}
	}
	if l := c.take([]byte(l(2, 9, "e")+"\n"), o, nodeNow, false); len(l) != 0 {
		t.Fatalf("repeat: %q", lineTexts(l))
	}
}

// A node whose journalctl reads --since in a time zone behind UTC answers nothing
// for sinceTime=boundary: the cursor says so once and polls a window of the last
// lines instead, with the same bookkeeping.
func TestNodeLogCursorSinceNotUTC(t *testing.T) {
	s0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	l := func(sec int, msg string) string { return jline(s0.Add(time.Duration(sec)*time.Second), "kubelet", msg) }
	o := NodeLogOrigin("node-1", "kubelet")
	n := &NodeLog{Service: "kubelet", TailLines: 10, now: func() time.Time { return nodeNow }}
	c := &nodeLogCursor{tail: 10}
	c.take([]byte(l(0, "a")+"\n"+l(1, "b")+"\n"), o, nodeNow, false)
	got := c.take([]byte("-- No entries --\n"), o, nodeNow, false)
	if len(got) != 1 || got[0].Kind != stream.KindInfo || !strings.Contains(got[0].Text, "does not read sinceTime as UTC") {
		t.Fatalf("switch: %+v", got)
	}
	if q := fmt.Sprint(c.query(n)); q != "map[query:kubelet tailLines:2000]" {
		t.Fatalf("query after the switch: %s", q)
	}
	got = c.take([]byte(l(0, "a")+"\n"+l(1, "b")+"\n"+l(1, "c")+"\n"+l(2, "d")+"\n"), o, nodeNow, false)
	if fmt.Sprint(lineTexts(got)) != "[c d]" {
		t.Fatalf("window: %q", lineTexts(got))
	}
	if got := c.take([]byte("-- No entries --\n"), o, nodeNow, false); len(got) != 0 {
		t.Fatalf("said twice: %+v", got)
	}
}

// A node ahead of UTC answers sinceTime=boundary with hours before it: the cursor
// drops them and switches to the window too.
func TestNodeLogCursorSinceAheadOfUTC(t *testing.T) {
	s0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	l := func(sec int, msg string) string { return jline(s0.Add(time.Duration(sec)*time.Second), "kubelet", msg) }
	o := NodeLogOrigin("node-1", "kubelet")
	c := &nodeLogCursor{tail: -1}
	c.take([]byte(l(0, "a")+"\n"), o, nodeNow, false)
	got := c.take([]byte(l(-7200, "old")+"\n"+l(0, "a")+"\n"+l(1, "b")+"\n"), o, nodeNow, false)
	if len(got) != 2 || got[0].Kind != stream.KindInfo || got[1].Text != "b" {
		t.Fatalf("got %+v", got)
	}
	if !c.noSince {
		t.Fatal("still polling with sinceTime")
	}
}

// --tail 0 asks for one line to know where the log stands, and shows none of it.
func TestNodeLogCursorTailZero(t *testing.T) {
	s0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	o := NodeLogOrigin("node-1", "kubelet")
	n := &NodeLog{Service: "kubelet", TailLines: 0, now: func() time.Time { return nodeNow }}
	c := &nodeLogCursor{tail: 0}
	if q := fmt.Sprint(c.query(n)); q != "map[query:kubelet tailLines:1]" {
		t.Fatalf("first query: %s", q)
	}
	if got := c.take([]byte(jline(s0, "kubelet", "old")+"\n"), o, nodeNow, false); len(got) != 0 {
		t.Fatalf("tail 0 showed %q", lineTexts(got))
	}
	if q := fmt.Sprint(c.query(n)); q != "map[query:kubelet sinceTime:2026-12-01T14:00:00Z]" {
		t.Fatalf("next query: %s", q)
	}
	if got := c.take([]byte(jline(s0, "kubelet", "old")+"\n"+jline(s0, "kubelet", "new")+"\n"), o, nodeNow, false); fmt.Sprint(lineTexts(got)) != "[new]" {
		t.Fatalf("then: %q", lineTexts(got))
	}
}

func TestNodeLogFirstQuery(t *testing.T) {
	now := func() time.Time { return nodeNow }
	for _, tc := range []struct {
		n    NodeLog
		want string
	}{
		{NodeLog{Service: "kubelet", TailLines: -1}, "map[query:kubelet]"},
		{NodeLog{Service: "kubelet", TailLines: 20}, "map[query:kubelet tailLines:20]"},
		{NodeLog{Service: "kubelet", TailLines: 1 << 40}, "map[query:kubelet tailLines:100000]"},
		{NodeLog{Service: "kubelet", TailLines: -1, Since: 90 * time.Second}, "map[query:kubelet sinceTime:2026-12-01T13:59:00Z]"},
	} {
		tc.n.now = now
		if got := fmt.Sprint((&nodeLogCursor{}).query(&tc.n)); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.n, got, tc.want)
		}
	}
	if got := fmt.Sprint((&nodeLogCursor{file: true}).query(&NodeLog{Service: "kube-proxy", TailLines: 5, now: now})); got != "map[query:kube-proxy]" {
		t.Errorf("file-logged: %s", got)
	}
}

func TestParseJournalLine(t *testing.T) {
	for _, tc := range []struct {
		line, msg string
		t         time.Time
		ok        bool
	}{
		{"Dec 01 14:00:00.123456 node-1 kubelet[42]: I1201 hello: world", "I1201 hello: world", time.Date(2026, 12, 1, 14, 0, 0, 123456000, time.UTC), true},
		{"Dec 31 23:59:59.000001 node-1 containerd[7]: x", "x", time.Date(2025, 12, 31, 23, 59, 59, 1000, time.UTC), true}, // last year's
		{"Dec 01 14:00:00 node-1 kubelet[42]: short", "short", time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), true},
		{"Dec 01 14:00:00.000000 node-1 systemd: Started x", "Started x", time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), true},
		{"    a continuation", "", time.Time{}, false},
		{"", "", time.Time{}, false},
	} {
		tt, msg, ok := parseJournalLine(tc.line, nodeNow)
		if ok != tc.ok || msg != tc.msg || !tt.Equal(tc.t) {
			t.Errorf("%q: %v %q %v, want %v %q %v", tc.line, tt, msg, ok, tc.t, tc.msg, tc.ok)
		}
	}
}

func TestNodeLogFileService(t *testing.T) {
	o := NodeLogOrigin("n", "kube-proxy")
	c := &nodeLogCursor{file: true, tail: 2}
	if got := lineTexts(c.take([]byte("1\n2\n3\n"), o, nodeNow, false)); fmt.Sprint(got) != "[2 3]" {
		t.Fatalf("tail 2: %q", got)
	}
	if got := lineTexts(c.take([]byte("1\n2\n3\n4\n"), o, nodeNow, false)); fmt.Sprint(got) != "[4]" {
		t.Fatalf("grown: %q", got)
	}
	got := c.take([]byte("x\n"), o, nodeNow, false)
	if len(got) != 2 || got[0].Kind != stream.KindGap || got[1].Text != "x" {
		t.Fatalf("rotated: %+v", got)
	}
}

// fakeNodeProxy answers GET /api/v1/nodes/{node}/proxy/logs/ from a script: the
// API server's Status JSON for unknown nodes and RBAC denials, the kubelet's text
// for everything else.
type fakeNodeProxy struct {
	mu      sync.Mutex
	queries []string
	answer  func(q string) (int, string, string) // code, content type, body
}

func (f *fakeNodeProxy) client(t *testing.T) *Client {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/nodes/{node}/proxy/logs/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.queries = append(f.queries, r.URL.RawQuery)
		f.mu.Unlock()
		if n := r.PathValue("node"); n != "node-1" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"nodes \"%s\" not found","reason":"NotFound","details":{"name":"%s","kind":"nodes"},"code":404}`, n, n)
			return
		}
		code, ct, body := f.answer(r.URL.RawQuery)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	})
	mux.HandleFunc("GET /api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"NodeList","apiVersion":"v1","items":[{"metadata":{"name":"node-1"}},{"metadata":{"name":"node-2"}}]}`)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	cfg := &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}, QPS: -1}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{Config: cfg, Clientset: cs}
}

const forbiddenNodeProxy = `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"nodes \"node-1\" is forbidden: User \"viewer\" cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"name":"node-1","kind":"nodes"},"code":403}`

func TestNodeLogErrorsSayWhatToDo(t *testing.T) {
	listing := "<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n<pre>\n<a href=\"pods/\">pods/</a>\n</pre>\n"
	for _, tc := range []struct {
		name, node          string
		code                int
		ctype, body         string
		want                string
		notEnabled, unknown bool
	}{
		{"directory listing", "node-1", 200, "text/html; charset=utf-8", listing, "does not enable NodeLogQuery", true, false},
		{"listing with a text type", "node-1", 200, "text/plain; charset=utf-8", listing, "directory listing", true, false},
		{"handler disabled", "node-1", 405, "text/plain; charset=utf-8", "logs endpoint is disabled.\n", "enableSystemLogHandler", true, false},
		{"unknown service", "node-1", 200, "text/plain;charset=UTF-8", "\nlog not found for kubelet\n", `no log for service "kubelet"`, false, true},
		{"validation", "node-1", 406, "text/plain; charset=utf-8", "tailLines: Invalid value: -2: must be between 0 and 100000, inclusive\n", `refused the log query for "kubelet" (HTTP 406): tailLines: Invalid value`, false, false},
		{"forbidden", "node-1", 403, "application/json", forbiddenNodeProxy, `user "viewer" cannot get nodes/proxy`, false, false},
		{"unknown node", "node-9", 0, "", "", `node "node-9" not found; nodes: node-1, node-2`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeNodeProxy{answer: func(string) (int, string, string) { return tc.code, tc.ctype, tc.body }}
			n := &NodeLog{Client: f.client(t), Node: tc.node, Service: "kubelet", TailLines: -1, Follow: true, Interval: time.Millisecond}
			sink := newLogSink()
			err := n.Run(context.Background(), sink)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v; want one line with %q", err, tc.want)
			}
			var ne *NodeLogNotEnabledError
			var ue *UnknownServiceError
			if errors.As(err, &ne) != tc.notEnabled || errors.As(err, &ue) != tc.unknown {
				t.Fatalf("error type %T", err)
			}
			if len(f.queries) != 1 {
				t.Fatalf("a permanent error was retried: %d requests", len(f.queries))
			}
			if lines, _ := sink.snapshot(); len(lines) != 0 {
				t.Fatalf("lines from an error: %q", lineTexts(lines))
			}
		})
	}
}

// A following NodeLog polls with the boundary second and survives a failing poll.
func TestNodeLogRunFollows(t *testing.T) {
	s0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	journal := []string{jline(s0, "kubelet", "one"), jline(s0.Add(time.Second), "kubelet", "two")}
	calls := 0
	f := &fakeNodeProxy{answer: func(q string) (int, string, string) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		switch calls {
		case 3:
			journal = append(journal, jline(s0.Add(time.Second), "kubelet", "three"), jline(s0.Add(2*time.Second), "kubelet", "four"))
		case 2:
			return 503, "application/json", `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"error trying to reach service: dial tcp 10.0.0.1:10250: connect: connection refused","reason":"ServiceUnavailable","code":503}`
		}
		var out []string
		for _, l := range journal {
			tt, _, _ := parseJournalLine(l, nodeNow)
			if strings.Contains(q, "sinceTime=2026-12-01T14%3A00%3A01Z") && tt.Before(s0.Add(time.Second)) {
				continue
			}
			out = append(out, l)
		}
		return 200, "text/plain;charset=UTF-8", strings.Join(out, "\n") + "\n"
	}}
	n := &NodeLog{Client: f.client(t), Node: "node-1", Service: "kubelet", TailLines: 10, Follow: true, Interval: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := newLogSink()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx, sink) }()
	sink.waitFor(t, "four", func() bool {
		ls, _ := sink.snapshot()
		return len(ls) > 0 && ls[len(ls)-1].Text == "four"
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var logs, markers []string
	lines, _ := sink.snapshot()
	for _, l := range lines {
		if l.Kind == stream.KindLog {
			logs = append(logs, l.Text)
		} else {
			markers = append(markers, l.Kind.String())
		}
	}
	if fmt.Sprint(logs) != "[one two three four]" || fmt.Sprint(markers) != "[reconnect resume]" {
		t.Fatalf("lines %q, markers %q", logs, markers)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queries[0] != "query=kubelet&tailLines=10" || !strings.Contains(f.queries[1], "sinceTime=2026-12-01T14%3A00%3A01Z") {
		t.Fatalf("queries %q", f.queries)
	}
}
