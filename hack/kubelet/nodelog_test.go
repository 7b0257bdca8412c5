package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The node log query as the real kubelet answers it: the journal's units, the
// inclusive second-resolution since, until as a point in time, tail, pattern, files,
// the validation status codes, and the directory listing without the query.
func TestNodeLogQuery(t *testing.T) {
	s0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	j := newJournal("node-1", func() time.Time { return s0 })
	for i := 0; i < 6; i++ { // kubelet lines at 14:00:00.0, .5, 01.0, ... 02.5
		j.add("kubelet", s0.Add(time.Duration(i)*500*time.Millisecond))
	}
	j.add("containerd", s0.Add(1200*time.Millisecond))
	dir := t.TempDir()
	if err := prepareLogDir(dir, "node-1", s0); err != nil {
		t.Fatal(err)
	}
	serve := func(cfg nodeLogConfig) *httptest.Server {
		cfg.logDir = dir
		n := &nodeLogs{cfg: cfg, journal: j, log: slog.New(slog.DiscardHandler)}
		mux := http.NewServeMux()
		mux.Handle("GET /logs/", n.handler())
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv
	}
	get := func(srv *httptest.Server, path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	seqs := func(body string) string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
			if i := strings.LastIndex(l, "seq="); i >= 0 {
				unit := "k"
				if strings.Contains(l, "containerd[") {
					unit = "c"
				}
				out = append(out, unit+l[i+4:])
			} else {
				out = append(out, l)
			}
		}
		return strings.Join(out, " ")
	}
	on := serve(nodeLogConfig{gate: true, handler: true, query: true})
	for _, tc := range []struct {
		q    string
		code int
		want string
	}{
		{"query=kubelet", 200, "k1 k2 k3 k4 k5 k6"},
		// containerd's line came last (the journal is in arrival order): the two units merged
		{"query=kubelet&query=containerd&tailLines=3", 200, "k5 k6 c1"},
		{"query=kubelet&sinceTime=2026-12-01T14:00:01.9Z", 200, "k3 k4 k5 k6"},
		{"query=kubelet&untilTime=2026-12-01T14:00:01Z", 200, "k1 k2 k3"},
		{"query=kubelet&tailLines=0", 200, "-- No entries --"},
		{"query=kubelet&pattern=Probe", 200, "k1"},
		{"query=kube-proxy", 200, ""},
		{"query=kube-proxy&tailLines=1", 200, "options present and query resolved to log files for [kube-proxy] try without specifying options"},
		{"query=nosuch", 200, "log not found for nosuch"},
		{"query=kubelet&tailLines=-1", 406, "tailLines: Invalid value: -1: must be between 0 and 100000, inclusive"},
		{"query=kubelet&tailLines=x", 400, `tailLines: Invalid value: "x": strconv.Atoi: parsing "x": invalid syntax`},
		{"query=kubelet&sinceTime=yesterday", 400, `sinceTime: Invalid value: "yesterday": invalid time format`},
		{"query=a%20b", 406, `query: Invalid value: "a b": input contains unsupported characters`},
		{"query=kubelet&boot=1", 406, "boot: Invalid value: 1: must be less than 1"},
		{"query=%20", 400, `query: Invalid value: [" "]: may not be empty`},
	} {
		code, _, body := get(on, "/logs/?"+tc.q)
		got := seqs(body)
		if tc.q == "query=kube-proxy" {
			if code != 200 || strings.Count(body, "\n") != 20 {
				t.Errorf("%s: %d %q", tc.q, code, body)
			}
			continue
		}
		if code != tc.code || strings.Join(strings.Fields(got), " ") != tc.want {
			t.Errorf("%s: %d %q, want %d %q", tc.q, code, got, tc.code, tc.want)
		}
	}
	if code, _, body := get(on, "/logs/kube-proxy.log"); code != 200 || !strings.Contains(body, "seq=20") {
		t.Errorf("a file by path: %d %q", code, body)
	}
	if code, _, body := get(on, "/logs/pods?query=kubelet"); code != 406 || body != "path not allowed in query mode\n" {
		t.Errorf("path in query mode: %d %q", code, body)
	}

	for _, cfg := range []nodeLogConfig{{gate: false, handler: true, query: true}, {gate: true, handler: true, query: false}} {
		code, ctype, body := get(serve(cfg), "/logs/?query=kubelet")
		if code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, `<a href="kube-proxy.log">`) {
			t.Errorf("%+v: %d %s %q; want the directory listing", cfg, code, ctype, body)
		}
	}
	if code, _, body := get(serve(nodeLogConfig{gate: true, handler: false, query: true}), "/logs/?query=kubelet"); code != 405 || body != "logs endpoint is disabled.\n" {
		t.Errorf("handler off: %d %q", code, body)
	}
}
