package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tailui/tailui/loki/queryargs"
)

// seen is one request as the fake Loki got it.
type seen struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     string
	Upgrade  bool
}

// fakeLoki stands in for Loki: it records every request, answers /ready with
// readyStatus, upgrades /loki/api/v1/tail (refusing it without ?query=, as Loki
// does) and hands the socket to tail.
type fakeLoki struct {
	*httptest.Server
	mu          sync.Mutex
	reqs        []seen
	readyStatus int
	readyHits   int
	tail        func(c *websocket.Conn)
	plain       func(w http.ResponseWriter, r *http.Request) // overrides the default 200 "ok"
}

func newFakeLoki(t *testing.T) *fakeLoki {
	t.Helper()
	f := &fakeLoki{readyStatus: http.StatusOK}
	up := websocket.Upgrader{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body), websocket.IsWebSocketUpgrade(r)})
		ready, tail, plain := f.readyStatus, f.tail, f.plain
		if strings.HasSuffix(r.URL.Path, "/ready") {
			f.readyHits++
		}
		f.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/ready"):
			w.WriteHeader(ready)
		case strings.HasSuffix(r.URL.Path, "/loki/api/v1/tail"):
			if r.URL.Query().Get("query") == "" {
				http.Error(w, "query parameter is missing", http.StatusBadRequest)
				return
			}
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			if tail != nil {
				tail(c)
			}
		case plain != nil:
			plain(w, r)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLoki) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// lockedBuffer is a log sink safe for the gateway's goroutines.
type lockedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // signalled after each write
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{changed: make(chan struct{}, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer func() {
		select {
		case l.changed <- struct{}{}:
		default:
		}
	}()
	return l.b.Write(p)
}

// waitFor waits until the log holds s: a session's line is written when the
// session ends, which the gateway sees after the client does.
func (l *lockedBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for !strings.Contains(l.String(), s) {
		select {
		case <-l.changed:
		case <-timeout:
			t.Fatalf("log never got %q:\n%s", s, l.String())
		}
	}
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startGateway runs a Gateway with cfg on a loopback port through Serve and returns
// its address and log. Cleanup shuts it down and checks Serve returned nil.
func startGateway(t *testing.T, cfg Config) (string, *lockedBuffer) {
	t.Helper()
	logs := newLockedBuffer()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), logs
}

// rawDo sends one HTTP/1.1 request with target written exactly as given, so tests
// control every byte of the path.
func rawDo(t *testing.T, addr, method, target string, hdr http.Header, body string) (int, http.Header, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n", method, target)
	for k, vs := range hdr {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", method, truncate(target, 80), err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

func enc(q string) string { return base64.URLEncoding.EncodeToString([]byte(q)) }

const tailQuery = "query=%7Bapp%3D%22web%22%7D&limit=10&start=1700000000000000000&delay_for=0"

func TestForwardRestoresQuery(t *testing.T) {
	tests := []struct {
		name       string
		prefix     string // upstream path prefix
		method     string
		target     string
		body       string
		wantPath   string
		wantQuery  string
		wantBody   string
		wantStatus int
	}{
		{name: "query_range from queryargs", method: "GET",
			target:   queryargs.EncodeQueryArgs("/loki/api/v1/query_range", "query=%7Bapp%3D%22x%22%7D&direction=forward"),
			wantPath: "/loki/api/v1/query_range", wantQuery: "query=%7Bapp%3D%22x%22%7D&direction=forward"},
		{name: "queryargs without final slash", method: "GET",
			target:   "/loki/api/v1/labels/queryargs/" + enc("since=1h"),
			wantPath: "/loki/api/v1/labels", wantQuery: "since=1h"},
		{name: "plain query string passes through", method: "GET",
			target:   "/loki/api/v1/labels?since=1h",
			wantPath: "/loki/api/v1/labels", wantQuery: "since=1h"},
		{name: "label values", method: "GET",
			target:   queryargs.EncodeQueryArgs("/loki/api/v1/label/app/values", "start=1&end=2"),
			wantPath: "/loki/api/v1/label/app/values", wantQuery: "start=1&end=2"},
		{name: "series with match[] escaped", method: "GET",
			target:   queryargs.EncodeQueryArgs("/loki/api/v1/series", "match%5B%5D=%7Bapp%3D%22x%22%7D"),
			wantPath: "/loki/api/v1/series", wantQuery: "match%5B%5D=%7Bapp%3D%22x%22%7D"},
		{name: "post query form", method: "POST", target: "/loki/api/v1/query", body: "query=count_over_time(%7Ba%3D%22b%22%7D%5B1m%5D)",
			wantPath: "/loki/api/v1/query", wantBody: "query=count_over_time(%7Ba%3D%22b%22%7D%5B1m%5D)"},
		{name: "ready", method: "GET", target: "/ready", wantPath: "/ready"},
		{name: "upstream prefix", prefix: "/loki-base", method: "GET",
			target:   queryargs.EncodeQueryArgs("/loki/api/v1/query", "query=x"),
			wantPath: "/loki-base/loki/api/v1/query", wantQuery: "query=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loki := newFakeLoki(t)
			addr, logs := startGateway(t, Config{Upstream: loki.URL + tt.prefix})
			status, _, body := rawDo(t, addr, tt.method, tt.target, nil, tt.body)
			if status != http.StatusOK {
				t.Fatalf("status %d, body %q", status, body)
			}
			reqs := loki.requests()
			if len(reqs) != 1 {
				t.Fatalf("Loki got %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.Method != tt.method || got.Path != tt.wantPath || got.RawQuery != tt.wantQuery || got.Body != tt.wantBody {
				t.Errorf("Loki got %s %s ? %q body %q; want %s %s ? %q body %q",
					got.Method, got.Path, got.RawQuery, got.Body, tt.method, tt.wantPath, tt.wantQuery, tt.wantBody)
			}
			logs.waitFor(t, "status=200")
		})
	}
}

func TestPlainResponseStreams(t *testing.T) {
	loki := newFakeLoki(t)
	release := make(chan struct{})
	loki.plain = func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select { // the rest only after the client has seen "first"
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "second\n")
	}
	addr, _ := startGateway(t, Config{Upstream: loki.URL})
	resp, err := http.Get("http://" + addr + queryargs.EncodeQueryArgs("/loki/api/v1/query_range", "query=x"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i, want := range []string{"first\n", "second\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("line %d = %q, %v; want %q", i, line, err, want)
		}
		if i == 0 {
			close(release)
		}
	}
}

func TestWebSocketTail(t *testing.T) {
	loki := newFakeLoki(t)
	loki.tail = func(c *websocket.Conn) {
		for i := range 3 {
			msg := fmt.Sprintf(`{"streams":[{"stream":{"app":"web"},"values":[["%d","line %d"]]}]}`, 1700000000000000000+i, i)
			if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				return
			}
		}
		// Frames flow the other way too: echo one, then end the way Loki does
		// after tail_max_duration.
		_, p, err := c.ReadMessage()
		if err != nil {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, append([]byte("echo:"), p...))
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "reached tail max duration limit"), time.Now().Add(5*time.Second))
		for { // until the client answers the close
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}
	addr, logs := startGateway(t, Config{Upstream: loki.URL, Debug: true})

	path := queryargs.EncodeQueryArgs("/loki/api/v1/tail", tailQuery)
	c, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+path, nil)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	defer c.Close()
	for i := range 3 {
		_, p, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if want := fmt.Sprintf(`"line %d"`, i); !strings.Contains(string(p), want) {
			t.Fatalf("message %d = %s, want it to hold %s", i, p, want)
		}
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("ping-from-client")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(); err != nil || string(p) != "echo:ping-from-client" {
		t.Fatalf("echo = %q, %v", p, err)
	}
	_, _, err = c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseInternalServerErr || ce.Text != "reached tail max duration limit" {
		t.Fatalf("after the close frame: %v, want close 1011", err)
	}
	c.Close()

	reqs := loki.requests()
	if len(reqs) != 1 || reqs[0].Path != "/loki/api/v1/tail" || reqs[0].RawQuery != tailQuery || !reqs[0].Upgrade {
		t.Fatalf("Loki got %+v, want one upgrade of /loki/api/v1/tail?%s", reqs, tailQuery)
	}

	// The debug endpoint shows the restored query (the e2e test relies on it).
	status, _, body := rawDo(t, addr, "GET", recentPath, nil, "")
	var rec Recent
	if status != http.StatusOK || json.Unmarshal([]byte(body), &rec) != nil || len(rec.Recent) != 1 {
		t.Fatalf("recent: %d %s", status, body)
	}
	if r := rec.Recent[0]; r.Path != "/loki/api/v1/tail" || r.Query != tailQuery || !r.QueryArgs || !r.Upgrade {
		t.Errorf("recent[0] = %+v", r)
	}
	// One log line for the session, once it ended.
	logs.waitFor(t, "upgrade=true")
	for _, want := range []string{"status=101", "upgrade=true", "restored=\"/loki/api/v1/tail?" + tailQuery + "\"", "queryargs=true", "bytes_in="} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestWebSocketHandshakeErrorPassesThrough(t *testing.T) {
	loki := newFakeLoki(t)
	addr, _ := startGateway(t, Config{Upstream: loki.URL})
	// No queryargs: Loki's own 400 reaches the client, as through the service proxy.
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/loki/api/v1/tail", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("dial without query: err %v, resp %v; want Loki's 400", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "query parameter is missing") {
		t.Errorf("body %q is not Loki's", body)
	}
}

func TestRefusals(t *testing.T) {
	oversized := "/loki/api/v1/tail/queryargs/" + strings.Repeat("A", queryargs.MaxQueryArgsBytes+4) + "/"
	ws := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	tests := []struct {
		name       string
		method     string
		target     string
		hdr        http.Header
		body       string
		wantStatus int
		wantReason string
	}{
		{"push", "POST", "/loki/api/v1/push", nil, "x", http.StatusForbidden, "not on the allow-list"},
		{"push via queryargs", "GET", queryargs.EncodeQueryArgs("/loki/api/v1/push", "a=1"), nil, "", http.StatusForbidden, "/loki/api/v1/push is not on the allow-list"},
		{"metrics", "GET", "/metrics", nil, "", http.StatusForbidden, "not on the allow-list"},
		{"config", "GET", "/config", nil, "", http.StatusForbidden, "not on the allow-list"},
		{"delete api", "DELETE", "/loki/api/v1/delete?query=x", nil, "", http.StatusForbidden, "not on the allow-list"},
		{"flush", "POST", "/flush", nil, "", http.StatusForbidden, "not on the allow-list"},
		{"trailing slash", "GET", "/loki/api/v1/labels/", nil, "", http.StatusForbidden, "not on the allow-list"},
		{"bad label name", "GET", "/loki/api/v1/label/1x/values", nil, "", http.StatusForbidden, "not on the allow-list"},
		{"dot dot", "GET", "/loki/api/v1/query/../../../metrics", nil, "", http.StatusBadRequest, "dot segment \"..\""},
		{"dot", "GET", "/loki/api/v1/./query", nil, "", http.StatusBadRequest, "dot segment \".\""},
		{"encoded dot dot", "GET", "/loki/api/v1/query/%2e%2e/%2E%2E/push", nil, "", http.StatusBadRequest, "encoded dot"},
		{"encoded slash", "GET", "/loki/api/v1/label/a%2Fb/values", nil, "", http.StatusBadRequest, "encoded slash"},
		{"other percent", "GET", "/loki/api/v1/%71uery", nil, "", http.StatusBadRequest, "percent-encoding"},
		{"double slash", "GET", "//loki/api/v1/query", nil, "", http.StatusBadRequest, "empty path segment"},
		{"backslash", "GET", "/loki/api/v1\\query", nil, "", http.StatusBadRequest, "'\\\\'"},
		{"absolute form", "GET", "http://loki.monitoring.svc:3100/metrics", nil, "", http.StatusBadRequest, "absolute path"},
		{"bad base64", "GET", "/loki/api/v1/tail/queryargs/not*base64/", nil, "", http.StatusBadRequest, "queryargs: encoded query has '*'"},
		{"unpadded base64", "GET", "/loki/api/v1/tail/queryargs/YT0xMg/", nil, "", http.StatusBadRequest, "padding"},
		{"oversized query", "GET", oversized, nil, "", http.StatusRequestURITooLong, "more than the limit"},
		{"two queryargs", "GET", "/loki/api/v1/tail/queryargs/" + enc("a=1") + "/queryargs/" + enc("b=2") + "/", nil, "", http.StatusBadRequest, "2 \"queryargs\" segments"},
		{"queryargs not last", "GET", "/loki/api/v1/queryargs/" + enc("a=1") + "/tail", nil, "", http.StatusBadRequest, "at the end of the path"},
		{"query string and queryargs", "GET", queryargs.EncodeQueryArgs("/loki/api/v1/query", "query=x") + "?query=y", nil, "", http.StatusBadRequest, "both a query string and queryargs"},
		{"post to labels", "POST", "/loki/api/v1/labels", nil, "a=1", http.StatusMethodNotAllowed, "method POST is not allowed"},
		{"put to query", "PUT", "/loki/api/v1/query", nil, "", http.StatusMethodNotAllowed, "method PUT"},
		{"upgrade on query", "GET", queryargs.EncodeQueryArgs("/loki/api/v1/query", "query=x"), ws, "", http.StatusBadRequest, "upgrades are forwarded only for /loki/api/v1/tail"},
		{"upgrade to h2c", "GET", queryargs.EncodeQueryArgs("/loki/api/v1/tail", "query=x"), http.Header{"Connection": {"Upgrade"}, "Upgrade": {"h2c"}}, "", http.StatusBadRequest, "only websocket"},
		{"body too large", "POST", "/loki/api/v1/query", nil, "query=" + strings.Repeat("x", 2000), http.StatusRequestEntityTooLarge, "larger than 1024 bytes"},
		{"debug off", "GET", recentPath, nil, "", http.StatusNotFound, "only when the gateway runs with --debug"},
		{"post ping", "POST", pingPath, nil, "", http.StatusMethodNotAllowed, "method POST"},
	}
	loki := newFakeLoki(t)
	addr, logs := startGateway(t, Config{Upstream: loki.URL, MaxRequestBytes: 1024})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := rawDo(t, addr, tt.method, tt.target, tt.hdr, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d (body %s)", status, tt.wantStatus, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var eb errorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil {
				t.Fatalf("body %q is not {\"error\":...}: %v", body, err)
			}
			if !strings.HasPrefix(eb.Error, "tailui gateway: ") || !strings.Contains(eb.Error, tt.wantReason) {
				t.Errorf("error %q, want it to start with \"tailui gateway: \" and hold %q", eb.Error, tt.wantReason)
			}
			if status == http.StatusMethodNotAllowed && hdr.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
		})
	}
	if reqs := loki.requests(); len(reqs) != 0 {
		t.Errorf("Loki got %d refused requests: %+v", len(reqs), reqs)
	}
	logs.waitFor(t, "reason=")
}

func TestHeaders(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	passFile := filepath.Join(dir, "password")
	if err := os.WriteFile(tokenFile, []byte("s3cr3t-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(passFile, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clientAuth := http.Header{"Authorization": {"Bearer users-kube-token"}, "Cookie": {"session=abc"}, "Proxy-Authorization": {"Basic eA=="}}
	tests := []struct {
		name     string
		cfg      Config
		hdr      http.Header
		wantOrg  string
		wantAuth string
	}{
		{name: "org passes through", hdr: http.Header{"X-Scope-Orgid": {"team-a"}}, wantOrg: "team-a"},
		{name: "org default", cfg: Config{OrgID: "fallback"}, wantOrg: "fallback"},
		{name: "client org equal to the configured one", cfg: Config{OrgID: "team-a"}, hdr: http.Header{"X-Scope-Orgid": {"team-a"}}, wantOrg: "team-a"},
		{name: "client auth stripped", hdr: clientAuth},
		{name: "bearer injected", cfg: Config{BearerTokenFile: tokenFile}, hdr: clientAuth, wantAuth: "Bearer s3cr3t-token"},
		{name: "basic injected", cfg: Config{BasicAuthUser: "loki", BasicAuthPasswordFile: passFile}, hdr: clientAuth,
			wantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte("loki:pw"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loki := newFakeLoki(t)
			cfg := tt.cfg
			cfg.Upstream = loki.URL
			addr, logs := startGateway(t, cfg)
			if status, _, body := rawDo(t, addr, "GET", queryargs.EncodeQueryArgs("/loki/api/v1/labels", "since=1h"), tt.hdr, ""); status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			logs.waitFor(t, "msg=request")
			for _, secret := range []string{"s3cr3t-token", "users-kube-token", "session=abc", "bG9raTpwdw==", "eA=="} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("log shows %q:\n%s", secret, logs.String())
				}
			}
			reqs := loki.requests()
			if len(reqs) != 1 {
				t.Fatalf("Loki got %d requests", len(reqs))
			}
			h := reqs[0].Header
			if got := h.Get("X-Scope-OrgID"); got != tt.wantOrg {
				t.Errorf("X-Scope-OrgID = %q, want %q", got, tt.wantOrg)
			}
			if got := h.Values("Authorization"); tt.wantAuth == "" && len(got) != 0 || tt.wantAuth != "" && (len(got) != 1 || got[0] != tt.wantAuth) {
				t.Errorf("Authorization = %q, want %q", got, tt.wantAuth)
			}
			if h.Get("Cookie") != "" || h.Get("Proxy-Authorization") != "" {
				t.Errorf("client Cookie/Proxy-Authorization reached Loki: %v", h)
			}
		})
	}
}

func TestWebSocketHeaders(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok"), 0o600); err != nil {
		t.Fatal(err)
	}
	loki := newFakeLoki(t)
	loki.tail = func(c *websocket.Conn) {
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(5*time.Second))
	}
	addr, _ := startGateway(t, Config{Upstream: loki.URL, OrgID: "dflt", BearerTokenFile: tokenFile})
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+queryargs.EncodeQueryArgs("/loki/api/v1/tail", "query=x"), http.Header{"Authorization": {"Bearer client"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	reqs := loki.requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer tok" || reqs[0].Header.Get("X-Scope-OrgID") != "dflt" {
		t.Fatalf("Loki got %+v", reqs)
	}
}

func TestPing(t *testing.T) {
	tests := []struct {
		name  string
		ready int
		down  bool
		want  bool
	}{
		{"ready", http.StatusOK, false, true},
		{"not ready", http.StatusServiceUnavailable, false, false},
		{"unreachable", 0, true, false},
	}
	old := Version
	Version = "v1.2.3-test"
	t.Cleanup(func() { Version = old })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loki := newFakeLoki(t)
			loki.readyStatus = tt.ready
			upstream := loki.URL
			if tt.down {
				loki.Close()
			}
			addr, _ := startGateway(t, Config{Upstream: upstream})
			status, hdr, body := rawDo(t, addr, "GET", pingPath, nil, "")
			if status != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
				t.Fatalf("ping: %d %s", status, body)
			}
			var p Ping
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if p != (Ping{Gateway: "tailui", Version: "v1.2.3-test", UpstreamOK: tt.want}) {
				t.Errorf("ping = %+v, want upstream_ok %v", p, tt.want)
			}
			if !strings.Contains(body, `"upstream_ok":`) {
				t.Errorf("body %s lacks upstream_ok", body)
			}
		})
	}
}

func TestPingCache(t *testing.T) {
	loki := newFakeLoki(t)
	g, err := New(Config{Upstream: loki.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	g.now = func() time.Time { return now }
	steps := []struct {
		advance  time.Duration
		ready    int
		want     bool
		wantHits int
	}{
		{0, http.StatusOK, true, 1},
		{time.Second, http.StatusServiceUnavailable, true, 1}, // cached
		{defaultProbeTTL, http.StatusServiceUnavailable, false, 2},
		{defaultProbeTTL - time.Nanosecond, http.StatusOK, false, 2}, // still cached
		{time.Nanosecond, http.StatusOK, true, 3},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		loki.mu.Lock()
		loki.readyStatus = s.ready
		loki.mu.Unlock()
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest("GET", pingPath, nil))
		var p Ping
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		loki.mu.Lock()
		hits := loki.readyHits
		loki.mu.Unlock()
		if p.UpstreamOK != s.want || hits != s.wantHits {
			t.Errorf("step %d: upstream_ok %v after %d probes, want %v after %d", i, p.UpstreamOK, hits, s.want, s.wantHits)
		}
	}
}

func TestMaxIdleCutsSilentUpstream(t *testing.T) {
	loki := newFakeLoki(t)
	loki.plain = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	addr, logs := startGateway(t, Config{Upstream: loki.URL, MaxIdle: 50 * time.Millisecond})
	status, _, body := rawDo(t, addr, "GET", "/loki/api/v1/query_range?query=x", nil, "")
	if status != http.StatusGatewayTimeout || !strings.Contains(body, "--max-idle") {
		t.Fatalf("status %d body %s, want 504 naming --max-idle", status, body)
	}
	logs.waitFor(t, "cut=\"upstream idle\"")
}

func TestMaxSessionClosesWebSocket(t *testing.T) {
	loki := newFakeLoki(t)
	loki.tail = func(c *websocket.Conn) {
		_ = c.WriteMessage(websocket.TextMessage, []byte("hello"))
		for { // until the gateway cuts the session
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}
	addr, _ := startGateway(t, Config{Upstream: loki.URL, MaxSession: 100 * time.Millisecond, MaxIdle: time.Millisecond})
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+queryargs.EncodeQueryArgs("/loki/api/v1/tail", "query=x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, p, err := c.ReadMessage(); err != nil || string(p) != "hello" {
		t.Fatalf("first message %q, %v", p, err)
	}
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseAbnormalClosure) {
		t.Fatalf("after --max-session: %v, want an abnormal close (1006)", err)
	}
}

func TestShutdownClosesWebSockets(t *testing.T) {
	loki := newFakeLoki(t)
	loki.tail = func(c *websocket.Conn) {
		_ = c.WriteMessage(websocket.TextMessage, []byte("hello"))
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}
	g, err := New(Config{Upstream: loki.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+queryargs.EncodeQueryArgs("/loki/api/v1/tail", "query=x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
	if _, _, err := c.ReadMessage(); err == nil {
		t.Errorf("session survived shutdown")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no upstream", Config{}, "no upstream"},
		{"scheme", Config{Upstream: "ftp://loki"}, "scheme"},
		{"no host", Config{Upstream: "http://"}, "no host"},
		{"userinfo", Config{Upstream: "http://u:p@loki"}, "credentials"},
		{"query", Config{Upstream: "http://loki/?a=1"}, "query"},
		{"both auths", Config{Upstream: "http://loki", BearerTokenFile: empty, BasicAuthUser: "u", BasicAuthPasswordFile: empty}, "not both"},
		{"user without password", Config{Upstream: "http://loki", BasicAuthUser: "u"}, "both a user and a password"},
		{"missing token file", Config{Upstream: "http://loki", BearerTokenFile: filepath.Join(dir, "nope")}, "read credentials"},
		{"empty token file", Config{Upstream: "http://loki", BearerTokenFile: empty}, "is empty"},
		{"tiny headers", Config{Upstream: "http://loki", MaxHeaderBytes: 1024}, "too small"},
		{"negative session", Config{Upstream: "http://loki", MaxSession: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "gateway: ") {
				t.Errorf("New: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"/loki/api/v1/tail", true},
		{"/loki/api/v1/tail/queryargs/YT0x/", true},
		{"/", true},
		{"/a/", true},
		{"/a//", false},
		{"/a/../b", false},
		{"/a/..", false},
		{"/a/.", false},
		{"/a/%2E%2e/b", false},
		{"/a%2fb", false},
		{"/a%5Cb", false},
		{"/a%41", false},
		{"/a b", false},
		{"/a\x7f", false},
		{"/é", false},
		{"", false},
		{"*", false},
	}
	for _, tt := range tests {
		if ref := checkPath(tt.path); (ref == nil) != tt.ok {
			t.Errorf("checkPath(%q) = %+v, want ok %v", tt.path, ref, tt.ok)
		}
	}
}

func TestLogTruncatesQuery(t *testing.T) {
	loki := newFakeLoki(t)
	addr, logs := startGateway(t, Config{Upstream: loki.URL})
	long := "query=" + strings.Repeat("a", 1000)
	if status, _, _ := rawDo(t, addr, "GET", queryargs.EncodeQueryArgs("/loki/api/v1/query", long), nil, ""); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	logs.waitFor(t, "msg=request")
	line := logs.String()
	if strings.Contains(line, strings.Repeat("a", logQueryMax)) || !strings.Contains(line, "(1006 bytes)") {
		t.Errorf("query not truncated in log:\n%s", line)
	}
	if reqs := loki.requests(); len(reqs) != 1 || reqs[0].RawQuery != long {
		t.Errorf("Loki did not get the whole query")
	}
}
