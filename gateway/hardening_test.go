package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailui/tailui/loki/queryargs"
)

// generous bounds the tests' own waits: far above any deadline they configure, so
// a pass never depends on how fast the machine is, and a hang fails instead of
// blocking the suite.
const generous = 30 * time.Second

// upgradeHeader asks for a WebSocket upgrade; conn are further Connection tokens.
func upgradeHeader(conn string) http.Header {
	c := "Upgrade"
	if conn != "" {
		c += ", " + conn
	}
	return http.Header{"Connection": {c}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
}

// TestTenant sends every way a client may try to choose its tenant, as a plain
// request and as a WebSocket tail, and checks what Loki got.
func TestTenant(t *testing.T) {
	orgs := func(v ...string) http.Header { return http.Header{"X-Scope-Orgid": v} }
	with := func(h http.Header, k, v string) http.Header { h = h.Clone(); h.Add(k, v); return h }
	tests := []struct {
		name    string
		org     string // --org-id
		hdr     http.Header
		conn    string // extra Connection tokens
		refused bool
		want    []string // X-Scope-OrgID values Loki got
	}{
		{name: "no header gets the tenant", org: "team-a", want: []string{"team-a"}},
		{name: "same tenant passes", org: "team-a", hdr: orgs("team-a"), want: []string{"team-a"}},
		{name: "empty header gets the tenant", org: "team-a", hdr: orgs(""), want: []string{"team-a"}},
		{name: "other tenant refused", org: "team-a", hdr: orgs("team-b"), refused: true},
		{name: "multi-tenant refused", org: "team-a", hdr: orgs("team-b|team-a"), refused: true},
		{name: "multi-tenant with ours first refused", org: "team-a", hdr: orgs("team-a|team-b"), refused: true},
		{name: "second header value refused", org: "team-a", hdr: orgs("team-a", "team-b"), refused: true},
		{name: "case differs refused", org: "team-a", hdr: orgs("Team-A"), refused: true},
		{name: "multi-tenant equal to the configured one", org: "a|b", hdr: orgs("a|b"), want: []string{"a|b"}},
		// The header is stripped as hop-by-hop before the check, so nothing is
		// refused, and the tenant is set after: Loki still gets it.
		{name: "Connection-listed header", org: "team-a", hdr: orgs("team-b"), conn: "X-Scope-OrgID", want: []string{"team-a"}},
		{name: "Connection-listed, no header", org: "team-a", conn: "X-Scope-OrgID", want: []string{"team-a"}},
		{name: "Connection-listed, lower case", org: "team-a", hdr: orgs("team-b"), conn: "x-scope-orgid", want: []string{"team-a"}},
		// Without --org-id the client chooses (documented); a Connection-listed
		// header is gone for the check and for Loki alike.
		{name: "no org: client header passes", hdr: orgs("team-b|team-a"), want: []string{"team-b|team-a"}},
		{name: "no org: Connection-listed header stripped", hdr: orgs("team-b"), conn: "X-Scope-OrgID"},
	}
	for _, tt := range tests {
		for _, upgrade := range []bool{false, true} {
			name := tt.name + "/plain"
			if upgrade {
				name = tt.name + "/websocket"
			}
			t.Run(name, func(t *testing.T) {
				loki := newFakeLoki(t)
				addr, logs := startGateway(t, Config{Upstream: loki.URL, OrgID: tt.org})
				hdr := tt.hdr.Clone()
				if hdr == nil {
					hdr = http.Header{}
				}
				target, wantStatus := "/loki/api/v1/query_range?query=x", http.StatusOK
				if upgrade {
					for k, v := range upgradeHeader(tt.conn) {
						hdr[k] = v
					}
					target, wantStatus = queryargs.EncodeQueryArgs(tailPath, "query=x"), http.StatusSwitchingProtocols
				} else if tt.conn != "" {
					hdr = with(hdr, "Connection", tt.conn)
				}
				status, _, body := rawDo(t, addr, "GET", target, hdr, "")
				reqs := loki.requests()
				if tt.refused {
					if status != http.StatusForbidden || !strings.HasPrefix(body, `{"error":"tailui gateway: X-Scope-OrgID`) || !strings.Contains(body, "--org-id") {
						t.Fatalf("status %d body %s, want 403 with the gateway's reason", status, body)
					}
					if len(reqs) != 0 {
						t.Fatalf("a refused request reached Loki: %+v", reqs)
					}
					logs.waitFor(t, "status=403")
					return
				}
				if status != wantStatus {
					t.Fatalf("status %d body %s, want %d", status, body, wantStatus)
				}
				if len(reqs) != 1 {
					t.Fatalf("Loki got %d requests", len(reqs))
				}
				if got := reqs[0].Header.Values("X-Scope-OrgID"); strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("Loki got X-Scope-OrgID %q, want %q", got, tt.want)
				}
				if upgrade != reqs[0].Upgrade {
					t.Errorf("Loki saw upgrade %v", reqs[0].Upgrade)
				}
			})
		}
	}
}

func TestRemoveHopByHop(t *testing.T) {
	h := http.Header{
		"Connection":      {"keep-alive, X-Scope-OrgID,, X-Other ", "Foo"},
		"X-Scope-Orgid":   {"b"},
		"X-Other":         {"1"},
		"Foo":             {"2"},
		"Keep-Alive":      {"timeout=5"},
		"Te":              {"gzip, trailers"},
		"Upgrade":         {"websocket"},
		"X-Loki-Response": {"kept"},
	}
	removeHopByHop(h, "websocket")
	want := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Te": {"trailers"}, "X-Loki-Response": {"kept"}}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", h, want)
	}
}

// readAll reads what the server sends until it closes the connection, failing the
// test if that takes longer than generous.
func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(generous))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the gateway still holds the connection after %s; got so far: %q", generous, b)
	}
	return string(b)
}

// TestStalledBodyIsDropped announces a 100-byte body and sends one byte: the
// gateway must answer 408 and close the connection, without asking Loki.
func TestStalledBodyIsDropped(t *testing.T) {
	loki := newFakeLoki(t)
	addr, logs := startGateway(t, Config{Upstream: loki.URL, ReadBodyTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = io.WriteString(c, "POST /loki/api/v1/query HTTP/1.1\r\nHost: gateway.test\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nq")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, c)
	if !strings.HasPrefix(got, "HTTP/1.1 408 ") || !strings.Contains(got, "--read-body-timeout") {
		t.Errorf("got %q, want a 408 naming --read-body-timeout", got)
	}
	if reqs := loki.requests(); len(reqs) != 0 {
		t.Errorf("Loki got %+v", reqs)
	}
	logs.waitFor(t, "status=408")
}

// TestSlowHeadersAreDropped sends half a request and stops (slowloris): the
// gateway must close the connection.
func TestSlowHeadersAreDropped(t *testing.T) {
	loki := newFakeLoki(t)
	addr, _ := startGateway(t, Config{Upstream: loki.URL, ReadHeaderTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /loki/api/v1/labels HTTP/1.1\r\nHost: gateway.test\r\nX-A: "); err != nil {
		t.Fatal(err)
	}
	readAll(t, c) // net/http closes without an answer on a header timeout
	if reqs := loki.requests(); len(reqs) != 0 {
		t.Errorf("Loki got %+v", reqs)
	}
}

// TestBodyDeadlineEndsWithTheBody checks that the body's read deadline does not
// outlive the body: a POST whose answer comes after the deadline would have passed
// still gets it (a deadline left on the connection would make net/http cancel the
// request when its read after the body times out). The wait is a second request's 408, which comes only after a
// ReadBodyTimeout that started later than the first request's.
func TestBodyDeadlineEndsWithTheBody(t *testing.T) {
	loki := newFakeLoki(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	loki.plain = func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			close(arrived)
			<-release
		}
		_, _ = io.WriteString(w, "late answer")
	}
	addr, _ := startGateway(t, Config{Upstream: loki.URL, ReadBodyTimeout: 100 * time.Millisecond})
	t.Cleanup(free) // before the gateway and Loki close, on a failure too
	type result struct {
		status int
		body   string
	}
	done := make(chan result, 1)
	go func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			done <- result{body: err.Error()}
			return
		}
		defer c.Close()
		_, _ = io.WriteString(c, "POST /loki/api/v1/query HTTP/1.1\r\nHost: gateway.test\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nquery=x")
		_ = c.SetReadDeadline(time.Now().Add(generous))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			done <- result{body: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(b)}
	}()
	select {
	case <-arrived:
	case <-time.After(generous):
		t.Fatal("the POST never reached Loki")
	}
	// Two stalled bodies one after the other: when the second is refused, the
	// first request's deadline is a whole ReadBodyTimeout in the past.
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, "POST /loki/api/v1/query HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 100\r\n\r\nq")
		got := readAll(t, c)
		c.Close()
		if !strings.HasPrefix(got, "HTTP/1.1 408 ") {
			t.Fatalf("stalled body: %q", got)
		}
	}
	free()
	if r := <-done; r.status != http.StatusOK || r.body != "late answer" {
		t.Errorf("the POST got %d %q, want 200 with Loki's answer", r.status, r.body)
	}
}

// TestNoPasswordInMessages checks New's errors for upstream URLs with a password.
func TestNoPasswordInMessages(t *testing.T) {
	for _, u := range []string{
		"ftp://admin:PW@loki",
		"http://admin:PW@loki:3100",
		"http://admin:PW@loki:31x0/",
		"http://admin:PW@[::1",
		"http://admin:PW@loki/?a=1",
	} {
		_, err := New(Config{Upstream: u})
		if err == nil {
			t.Errorf("%s: no error", u)
			continue
		}
		if strings.Contains(err.Error(), "PW") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
