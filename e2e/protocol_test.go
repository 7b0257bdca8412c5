//go:build e2e

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The facts in shared/PROTOCOLS.md, proven on this bed.

func apiURL(scheme, path, rawQuery string) string {
	u, _ := url.Parse(bed.cfg.Host)
	u.Scheme = scheme
	u.Path = path
	u.RawQuery = rawQuery
	return u.String()
}

func dialLog(t *testing.T, context, path, rawQuery string, protocols ...string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	tc, token := tlsFor(t, restConfigFor(t, context))
	d := websocket.Dialer{TLSClientConfig: tc, Subprotocols: protocols, HandshakeTimeout: 10 * time.Second}
	h := http.Header{"Authorization": {"Bearer " + token}}
	return d.Dial(apiURL("wss", path, rawQuery), h)
}

func TestPodLogWebSocketSubprotocols(t *testing.T) {
	path := "/api/v1/namespaces/logs-test/pods/multi/log"
	q := "container=a&tailLines=5&timestamps=true"

	conn, resp, err := dialLog(t, "testbed", path, q, "binary.k8s.io")
	if err != nil {
		t.Fatalf("binary.k8s.io: %v (%v)", err, resp)
	}
	defer conn.Close()
	if got := conn.Subprotocol(); got != "binary.k8s.io" {
		t.Fatalf("negotiated %q, want binary.k8s.io", got)
	}
	var frames, bytes int
	var data strings.Builder
	for {
		mt, b, err := conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("read: %v", err)
			}
			break
		}
		if frames == 0 && len(b) != 0 {
			t.Errorf("first frame has %d bytes, want the empty frame the API server sends first", len(b))
		}
		if mt != websocket.BinaryMessage {
			t.Errorf("frame type %d, want binary", mt)
		}
		if len(b) > 2048 {
			t.Errorf("frame of %d bytes, PROTOCOLS.md says at most 2048", len(b))
		}
		frames++
		bytes += len(b)
		data.Write(b)
	}
	if n := strings.Count(data.String(), "\n"); n != 5 {
		t.Errorf("tailLines=5 gave %d lines:\n%s", n, data.String())
	}
	t.Logf("binary.k8s.io: %d frames, %d bytes, closed with 1000", frames, bytes)

	_, resp, err = dialLog(t, "testbed", path, q, "channel.k8s.io")
	if err == nil {
		t.Fatal("channel.k8s.io was accepted; PROTOCOLS.md says 403")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("channel.k8s.io: got %v, want HTTP 403", resp)
	}
}

func TestNoRightsUserGetsStatusNamingPodsLog(t *testing.T) {
	_, resp, err := dialLog(t, "testbed-nobody", "/api/v1/namespaces/logs-test/pods/multi/log", "container=a", "binary.k8s.io")
	if err == nil {
		t.Fatal("the no-rights user opened a log stream")
	}
	if resp == nil {
		t.Fatalf("no HTTP response: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	var st struct {
		Kind, Status, Message, Reason string
		Code                          int
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("error body is not a Status: %v\n%s", err, body)
	}
	if st.Kind != "Status" || st.Code != 403 || st.Reason != "Forbidden" || !strings.Contains(st.Message, `"pods/log"`) {
		t.Fatalf("got %+v, want a 403 Forbidden Status naming pods/log", st)
	}
	t.Logf("no-rights user: %d %s", resp.StatusCode, st.Message)
}

// recent reads what the tailui gateway saw lately (its debug endpoint), through the
// service proxy, so the test sees exactly what crossed the API server.
type recentReq struct {
	Method    string `json:"method"`
	Path      string `json:"path"`  // as forwarded to Loki
	Query     string `json:"query"` // as forwarded to Loki
	QueryArgs bool   `json:"queryargs"`
	Upgrade   bool   `json:"upgrade"`
}

func gatewayRecent(t *testing.T) []recentReq {
	t.Helper()
	body, err := bed.cs.CoreV1().RESTClient().Get().AbsPath(
		"/api/v1/namespaces/monitoring/services/tailui-gateway:8080/proxy/tailui/v1/debug/recent").DoRaw(t.Context())
	if err != nil {
		t.Fatalf("gateway debug/recent: %v", err)
	}
	var out struct {
		Recent []recentReq `json:"recent"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode recent: %v\n%s", err, body)
	}
	return out.Recent
}

func TestServiceProxyDropsQueryOnUpgradeOnly(t *testing.T) {
	const marker = "tailui_e2e_marker"
	base := "/api/v1/namespaces/monitoring/services/tailui-gateway:8080/proxy/loki/api/v1"
	tc, token := tlsFor(t, bed.cfg)

	// A WebSocket upgrade with a query string, through the service proxy.
	d := websocket.Dialer{TLSClientConfig: tc, HandshakeTimeout: 10 * time.Second}
	q := url.Values{"query": {`{job=~".+"}`}, "limit": {"1"}, "x": {marker + "_ws"}}.Encode()
	conn, resp, err := d.Dial(apiURL("wss", base+"/tail", q), http.Header{"Authorization": {"Bearer " + token}})
	if err == nil {
		conn.Close()
		t.Fatal("upgrade with a query string through the service proxy succeeded; kubernetes issue 77142 says the query is dropped")
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("upgrade: got %v (%v), want 400 from Loki for the missing query", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	t.Logf("upgrade through the service proxy: %d %s", resp.StatusCode, strings.TrimSpace(string(body)))

	// A plain GET with a query string through the same proxy.
	get, err := http.NewRequest(http.MethodGet, apiURL("https", base+"/labels", "since=1h&x="+marker+"_get"), nil)
	if err != nil {
		t.Fatal(err)
	}
	get.Header.Set("Authorization", "Bearer "+token)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	gr, err := hc.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	gr.Body.Close()
	if gr.StatusCode != http.StatusOK {
		t.Fatalf("plain GET labels: %d", gr.StatusCode)
	}

	var sawWS, sawGet bool
	for _, r := range gatewayRecent(t) {
		switch {
		case r.Upgrade && strings.HasSuffix(r.Path, "/loki/api/v1/tail"):
			sawWS = true
			if strings.Contains(r.Query, marker) {
				t.Errorf("the upgrade arrived with its query %q; expected it stripped", r.Query)
			}
		case strings.Contains(r.Query, marker+"_get"):
			sawGet = true
		}
	}
	if !sawWS {
		t.Error("the gateway never saw the upgrade request")
	}
	if !sawGet {
		t.Error("the plain GET's query did not reach the gateway intact")
	}
}
