//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/tailui/tailui/loki/queryargs"
)

// The multi-tenant Loki and its gateway of these tests: ports apart from the bed's
// (3100, 8080) and from shortTailLoki's (3101, 8081).
const (
	mtLokiPort    = "3102"
	mtLokiGRPC    = "9097"
	mtGatewayPort = 8082
	tenantA       = "team-a" // the gateway's --org-id
	tenantB       = "team-b" // another tenant of the same Loki
)

// multiTenantLoki runs a Loki with auth_enabled: true (the bed's runs without, so
// it has one tenant only) and a tailui gateway for it with --org-id team-a, with
// Services lokimt and gwmt in the fixture namespace. It returns Loki's base URL.
func multiTenantLoki(t *testing.T, fx *fixture) string {
	t.Helper()
	cfgSrc, err := os.ReadFile(filepath.Join(bed.state, "loki", "config.yaml"))
	if err != nil {
		t.Fatalf("the bed's Loki config: %v", err)
	}
	dir := t.TempDir()
	cfg := string(cfgSrc)
	for _, r := range [][2]string{
		{"auth_enabled: false", "auth_enabled: true"},
		{"http_listen_port: 3100", "http_listen_port: " + mtLokiPort},
		{"grpc_listen_port: 9095", "grpc_listen_port: " + mtLokiGRPC},
		{filepath.Join(bed.state, "loki"), dir},
	} {
		if !strings.Contains(cfg, r[0]) {
			t.Fatalf("the bed's Loki config has no %q", r[0])
		}
		cfg = strings.ReplaceAll(cfg, r[0], r[1])
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	cache := os.Getenv("TESTBED_CACHE")
	if cache == "" {
		cache = filepath.Join(home, ".cache", "tailui-testbed")
	}
	base := "http://" + lokiIP + ":" + mtLokiPort
	fx.inNetns("lokimt", httpOK(base+"/ready"), filepath.Join(cache, "bin", "loki-v3.7.8"),
		"-config.file", filepath.Join(dir, "config.yaml"), "-target", "all")
	gw := fmt.Sprintf("%s:%d", gatewayIP, mtGatewayPort)
	fx.inNetns("gwmt", httpOK("http://"+gw+"/tailui/v1/ping"),
		bed.tailui, "gateway", "--listen", gw, "--upstream", base, "--org-id", tenantA, "--debug")
	fx.pod("loki-mt", lokiIP)
	fx.pod("gw-mt", gatewayIP)
	fx.service("lokimt", "http-metrics", 3102, "loki-mt", lokiIP)
	fx.service("gwmt", "http", mtGatewayPort, "gw-mt", gatewayIP)
	return base
}

// pushTenant pushes lines to one tenant of the Loki at base.
func pushTenant(t *testing.T, base, tenant string, labels map[string]string, lines []string) {
	t.Helper()
	vals := make([][]string, len(lines))
	now := time.Now()
	for i, l := range lines {
		vals[i] = []string{fmt.Sprint(now.Add(time.Duration(i) * time.Microsecond).UnixNano()), l}
	}
	body, _ := json.Marshal(map[string]any{"streams": []any{map[string]any{"stream": labels, "values": vals}}})
	req, _ := http.NewRequest(http.MethodPost, base+"/loki/api/v1/push", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Scope-OrgID", tenant)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("push to Loki as %s: %v", tenant, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("push to Loki as %s: %d %s", tenant, resp.StatusCode, b)
	}
}

// tenantLines pushes n lines "tenant=<tenant> n=<i>" for each tenant under one
// fresh label, waits until Loki serves them all to their own tenant, and returns
// the LogQL selector.
func tenantLines(t *testing.T, base string, n int) string {
	t.Helper()
	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	for _, tenant := range []string{tenantA, tenantB} {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = fmt.Sprintf("e2e tenant=%s n=%d", tenant, i+1)
		}
		pushTenant(t, base, tenant, labels, lines)
	}
	q := fmt.Sprintf(`{tailui_e2e=%q}`, id)
	for _, tenant := range []string{tenantA, tenantB} {
		poll(t, "Loki serving tenant "+tenant, 30*time.Second, func() bool {
			code, body := queryRange(t, base, q, http.Header{"X-Scope-OrgID": {tenant}})
			return code == 200 && len(tenantsIn(body)[tenant]) == n
		})
	}
	return q
}

// queryRange GETs query_range from base (Loki, or a gateway) with headers h.
func queryRange(t *testing.T, base, q string, h http.Header) (int, []byte) {
	t.Helper()
	v := url.Values{"query": {q}, "limit": {"1000"}, "start": {fmt.Sprint(time.Now().Add(-time.Hour).UnixNano())}}
	req, _ := http.NewRequest(http.MethodGet, base+"/loki/api/v1/query_range?"+v.Encode(), nil)
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("query_range: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

var tenantLineRE = regexp.MustCompile(`e2e tenant=(team-[ab]) n=(\d+)`)

// tenantsIn returns the tenant lines in b (any encoding of them), by tenant.
func tenantsIn(b []byte) map[string][]string {
	m := map[string][]string{}
	for _, s := range tenantLineRE.FindAllStringSubmatch(string(b), -1) {
		m[s[1]] = append(m[s[1]], s[2])
	}
	return m
}

// proxyGet does a GET through the API server's service proxy to the gateway gwmt,
// with the bed admin's credentials, as tailui's label and poll requests do.
func proxyGet(t *testing.T, p, rawQuery string, h http.Header) (int, []byte) {
	t.Helper()
	tc, token := tlsFor(t, restConfigFor(t, "testbed"))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 30 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, apiURL("https", "/api/v1/namespaces/"+fixtureNS+"/services/gwmt:http/proxy"+p, rawQuery), nil)
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("service proxy: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// connectionListing rewrites the first write of a WebSocket handshake so that its
// Connection header also lists extra (gorilla refuses a Connection header of ours).
type connectionListing struct {
	net.Conn
	extra string
	done  bool
}

func (c *connectionListing) Write(p []byte) (int, error) {
	if c.done {
		return c.Conn.Write(p)
	}
	c.done = true
	q := bytes.Replace(p, []byte("\r\nConnection: Upgrade\r\n"), []byte("\r\nConnection: Upgrade, "+c.extra+"\r\n"), 1)
	if bytes.Equal(p, q) {
		return 0, fmt.Errorf("no Connection: Upgrade in the handshake")
	}
	if _, err := c.Conn.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

// proxyTail opens a Loki tail through the API server's service proxy to gwmt, the
// query in the path as tailui sends it, with headers h and, when listed is set,
// "Connection: Upgrade, <listed>". It returns the tenant lines read until every
// one of tenant A's n lines came, or 20 s passed; or the refused handshake.
func proxyTail(t *testing.T, q string, n int, h http.Header, listed string) (map[string][]string, *http.Response, error) {
	t.Helper()
	tc, token := tlsFor(t, restConfigFor(t, "testbed"))
	d := websocket.Dialer{TLSClientConfig: tc, HandshakeTimeout: 10 * time.Second}
	if listed != "" {
		d.NetDialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			td := tls.Dialer{Config: tc.Clone()}
			td.Config.ServerName, _, _ = net.SplitHostPort(addr)
			c, err := td.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &connectionListing{Conn: c, extra: listed}, nil
		}
	}
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	for k, vs := range h {
		hdr[k] = vs
	}
	v := url.Values{"query": {q}, "limit": {"1000"}, "start": {fmt.Sprint(time.Now().Add(-time.Hour).UnixNano())}}
	p := "/api/v1/namespaces/" + fixtureNS + "/services/gwmt:http/proxy" + queryargs.EncodeQueryArgs("/loki/api/v1/tail", v.Encode())
	conn, resp, err := d.Dial(apiURL("wss", p, ""), hdr)
	if err != nil {
		return nil, resp, err
	}
	defer conn.Close()
	got := map[string][]string{}
	end := time.Now().Add(20 * time.Second)
	for len(got[tenantA]) < n && time.Now().Before(end) {
		_ = conn.SetReadDeadline(end)
		_, b, err := conn.ReadMessage()
		if err != nil {
			break
		}
		for k, v := range tenantsIn(b) {
			got[k] = append(got[k], v...)
		}
	}
	return got, resp, nil
}

// TestGatewayServesOnlyItsTenant pushes lines for two tenants to a multi-tenant Loki
// and asks, through the API server's service proxy as tailui does (plain requests
// and WebSocket tails), and straight to the gateway (as any pod could without the
// NetworkPolicy), for the other tenant in every way a client can: the header, Loki's
// multi-tenant a|b, Connection: X-Scope-OrgID. None of them yields a line of
// tenant B; the plain ways get tenant A's, the others a 403 naming --org-id.
func TestGatewayServesOnlyItsTenant(t *testing.T) {
	fx := newFixture(t)
	base := multiTenantLoki(t, fx)
	const n = 5
	q := tenantLines(t, base, n)
	v := url.Values{"query": {q}, "limit": {"1000"}, "start": {fmt.Sprint(time.Now().Add(-time.Hour).UnixNano())}}
	gatewayBase := fmt.Sprintf("http://%s:%d", gatewayIP, mtGatewayPort)

	cases := []struct {
		name    string
		hdr     http.Header
		listed  string // a Connection token
		refused bool
	}{
		{name: "no tenant header"},
		{name: "own tenant", hdr: http.Header{"X-Scope-OrgID": {tenantA}}},
		{name: "other tenant", hdr: http.Header{"X-Scope-OrgID": {tenantB}}, refused: true},
		{name: "multi-tenant", hdr: http.Header{"X-Scope-OrgID": {tenantB + "|" + tenantA}}, refused: true},
		// Stripped as hop-by-hop before the check (by the API server or the
		// gateway), so it is not refused, and the gateway's tenant is still set.
		{name: "Connection-listed", hdr: http.Header{"X-Scope-OrgID": {tenantB}}, listed: "X-Scope-OrgID"},
	}
	check := func(t *testing.T, way string, refused bool, code int, body []byte, got map[string][]string) {
		t.Helper()
		if len(got[tenantB]) > 0 {
			t.Fatalf("%s: got %d lines of tenant %s: %s", way, len(got[tenantB]), tenantB, body)
		}
		if refused {
			if code != http.StatusForbidden || !bytes.Contains(body, []byte("tailui gateway: X-Scope-OrgID")) || !bytes.Contains(body, []byte("--org-id")) {
				t.Errorf("%s: %d %s, want 403 from the gateway naming --org-id", way, code, body)
			}
			return
		}
		if len(got[tenantA]) != n {
			t.Errorf("%s: %d %d lines of tenant %s, want %d: %s", way, code, len(got[tenantA]), tenantA, n, body)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.hdr.Clone()
			if h == nil {
				h = http.Header{}
			}
			if c.listed != "" {
				h.Set("Connection", c.listed)
			}
			code, body := proxyGet(t, "/loki/api/v1/query_range", v.Encode(), h)
			check(t, "query_range through the service proxy", c.refused, code, body, tenantsIn(body))

			code, body = queryRange(t, gatewayBase, q, h)
			check(t, "query_range straight to the gateway", c.refused, code, body, tenantsIn(body))

			got, resp, err := proxyTail(t, q, n, c.hdr, c.listed)
			switch {
			case err == nil:
				check(t, "tail through the service proxy", c.refused, http.StatusSwitchingProtocols, nil, got)
				if c.refused {
					t.Errorf("tail through the service proxy: upgraded, want a 403")
				}
			case resp != nil:
				body, _ := io.ReadAll(resp.Body)
				check(t, "tail through the service proxy", c.refused, resp.StatusCode, body, nil)
				if !c.refused {
					t.Errorf("tail through the service proxy: %d %s", resp.StatusCode, body)
				}
			default:
				t.Errorf("tail through the service proxy: %v", err)
			}
		})
	}

	// tailui itself, as a user who asks for the other tenant would.
	gw := []string{"--loki-via", "gateway", "--loki-gateway", fixtureNS + "/gwmt:http", "--loki-service", fixtureNS + "/lokimt:http-metrics"}
	for _, tc := range []struct {
		org     string
		refused bool
	}{{tenantA, false}, {tenantB, true}, {tenantB + "|" + tenantA, true}} {
		res := runTailui(t, 30*time.Second, append([]string{"--plain", "-o", "raw", "--loki", q, "--no-follow", "--loki-org-id", tc.org}, gw...)...)
		got := tenantsIn(res.stdout)
		if len(got[tenantB]) > 0 {
			t.Errorf("tailui --loki-org-id %s printed tenant %s's lines:\n%s", tc.org, tenantB, res.stdout)
		}
		if tc.refused && (res.code == 0 || !bytes.Contains(res.stderr, []byte("refused"))) {
			t.Errorf("tailui --loki-org-id %s: exit %d, want the gateway's refusal\n%s", tc.org, res.code, res.stderr)
		}
		if !tc.refused && len(got[tenantA]) != n {
			t.Errorf("tailui --loki-org-id %s: %d lines of %s, want %d (exit %d)\n%s", tc.org, len(got[tenantA]), tenantA, n, res.code, res.stderr)
		}
		t.Logf("tailui --loki-org-id %s: exit %d, %d lines of %s, %d of %s; %s", tc.org, res.code, len(got[tenantA]), tenantA,
			len(got[tenantB]), tenantB, firstLine(res.stderr))
	}
}

// TestGatewayStalledBodyOnTheBed sends a POST that announces 100 bytes and sends
// one straight to the bed's gateway: it must answer 408 and close the connection.
func TestGatewayStalledBodyOnTheBed(t *testing.T) {
	c, err := net.Dial("tcp", gatewayIP+":8080")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = io.WriteString(c, "POST /loki/api/v1/query HTTP/1.1\r\nHost: gw\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nq")
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second)) // the default --read-body-timeout is 10 s
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408", resp.StatusCode)
	}
}

// TestGatewayNetworkPolicyIsAccepted has the bed's API server validate
// deploy/gateway-networkpolicy.yaml (a server-side dry run: nothing is stored).
func TestGatewayNetworkPolicyIsAccepted(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(bed.root, "deploy", "gateway-networkpolicy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var np networkingv1.NetworkPolicy
	if err := yaml.UnmarshalStrict(data, &np); err != nil {
		t.Fatal(err)
	}
	got, err := bed.cs.NetworkingV1().NetworkPolicies(np.Namespace).Create(context.Background(), &np,
		metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"})
	if err != nil {
		t.Fatalf("the API server refuses the NetworkPolicy: %v", err)
	}
	t.Logf("accepted (dry run): %s/%s, ingress from %s", got.Namespace, got.Name, got.Spec.Ingress[0].From[0].IPBlock.CIDR)
}

// TestNoPasswordOnTheBed runs doctor and a Loki tail on the bed with a password in
// the Loki URL and in the kubeconfig's server URL: the password is printed nowhere,
// and the URL's user info works as basic auth (the tail delivers).
func TestNoPasswordOnTheBed(t *testing.T) {
	const pw = "s3cr3tPW"
	lokiURL := "http://admin:" + pw + "@" + lokiIP + ":3100"
	check := func(what string, res result) {
		t.Helper()
		if bytes.Contains(res.stdout, []byte(pw)) || bytes.Contains(res.stderr, []byte(pw)) {
			t.Errorf("%s printed the password:\n%s\n%s", what, res.stdout, res.stderr)
		}
	}

	res := runTailui(t, 90*time.Second, "doctor", "--loki-url", lokiURL)
	check("doctor --loki-url", res)
	// The user info went into basic auth (the bed's Loki ignores it) and out of the URL.
	if _, ok := doctorLine(res.stdout, "√", "Loki at http://"+lokiIP+":3100 is ready"); !ok {
		t.Errorf("doctor did not pass the Loki URL check, shown without user info:\n%s", res.stdout)
	}

	res = runTailui(t, 30*time.Second, "doctor", "--loki-url", "ftp://admin:"+pw+"@"+lokiIP+"/")
	check("doctor --loki-url ftp", res)
	if !bytes.Contains(res.stdout, []byte("ftp://admin:xxxxx@")) {
		t.Errorf("doctor does not name the bad URL, redacted:\n%s", res.stdout)
	}

	// The kubeconfig's server with user info: doctor prints the server.
	cfg, err := clientcmd.LoadFromFile(bed.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		u, err := url.Parse(c.Server)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("admin", pw)
		c.Server = u.String()
	}
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	res = runCmd(t, 60*time.Second, "/usr/bin/env", "KUBECONFIG="+kc, bed.tailui, "doctor")
	check("doctor with user info in the kubeconfig's server", res)
	if !bytes.Contains(res.stdout, []byte("server https://admin:xxxxx@")) {
		t.Errorf("doctor does not show the server, redacted:\n%s", res.stdout)
	}

	id := e2eID(t)
	labels := map[string]string{"tailui_e2e": id}
	r := startTailui(t, "--plain", "-o", "raw", "--loki", fmt.Sprintf(`{tailui_e2e=%q}`, id), "--loki-url", lokiURL)
	warmUp(t, r, bedLoki, labels)
	r.stop()
	check("a tail with --loki-url", result{stdout: r.stdout.Bytes(), stderr: r.stderr.Bytes()})

	res = runTailui(t, 30*time.Second, "--plain", "--loki", `{a="b"}`, "--loki-url", "ftp://admin:"+pw+"@"+lokiIP+"/")
	check("--loki-url ftp", res)
	if res.code == 0 || !bytes.Contains(res.stderr, []byte("ftp://admin:xxxxx@")) {
		t.Errorf("--loki-url ftp: exit %d, want a failure naming the URL redacted\n%s", res.code, res.stderr)
	}
}
