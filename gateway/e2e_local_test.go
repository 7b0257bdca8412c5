//go:build e2e_local

// This test runs a real Loki (built by hack/build-deps.sh) on loopback ports with a
// throwaway filesystem config and puts a Gateway in front of it:
//
//	go test -tags e2e_local ./gateway/ -run E2ELocal -v
//
// LOKI_BIN overrides the binary; without one the test is skipped.
package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tailui/tailui/loki/queryargs"
)

func lokiBinary(t *testing.T) string {
	if p := os.Getenv("LOKI_BIN"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	cache := os.Getenv("TESTBED_CACHE")
	if cache == "" {
		cache = filepath.Join(home, ".cache", "tailui-testbed")
	}
	p := filepath.Join(cache, "bin", "loki-v3.7.8")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no Loki binary at %s (run hack/build-deps.sh loki or set LOKI_BIN)", p)
	}
	return p
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

const lokiConfig = `auth_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: %[2]d
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: %[3]d
  log_level: warn
common:
  path_prefix: %[1]s
  replication_factor: 1
  instance_addr: 127.0.0.1
  ring:
    instance_addr: 127.0.0.1
    kvstore:
      store: inmemory
  storage:
    filesystem:
      chunks_directory: %[1]s/chunks
      rules_directory: %[1]s/rules
schema_config:
  configs:
    - from: 2020-10-24
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
ingester:
  lifecycler:
    min_ready_duration: 0s
    final_sleep: 0s
analytics:
  reporting_enabled: false
`

// startLoki runs Loki until the test ends and returns its base URL once ready.
func startLoki(t *testing.T) string {
	bin := lokiBinary(t)
	dir := t.TempDir()
	httpPort, grpcPort := freePort(t), freePort(t)
	cfg := filepath.Join(dir, "loki.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(lokiConfig, filepath.Join(dir, "data"), httpPort, grpcPort)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-config.file="+cfg, "-target=all")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(90 * time.Second)
	for {
		if resp, err := http.Get(base + "/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("Loki not ready after 90 s:\n%s", out.String())
		}
	}
}

func push(t *testing.T, base, line string) {
	body := fmt.Sprintf(`{"streams":[{"stream":{"app":"e2e"},"values":[["%d",%q]]}]}`, time.Now().UnixNano(), line)
	resp, err := http.Post(base+"/loki/api/v1/push", "application/json", strings.NewReader(body))
	if err != nil {
		t.Errorf("push: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		t.Errorf("push: %d %s", resp.StatusCode, b)
	}
}

func TestE2ELocalLokiTailThroughGateway(t *testing.T) {
	loki := startLoki(t)
	push(t, loki, "before the tail")

	// What the service proxy does to a tail: Loki alone cannot serve it.
	tailNoQuery := "ws" + strings.TrimPrefix(loki, "http") + "/loki/api/v1/tail"
	if _, resp, err := websocket.DefaultDialer.Dial(tailNoQuery, nil); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("Loki tail without query: %v %v, want 400", err, resp)
	}
	q := url.Values{"query": {`{app="e2e"}`}, "start": {fmt.Sprint(time.Now().Add(-time.Minute).UnixNano())}, "limit": {"100"}}.Encode()
	path := queryargs.EncodeQueryArgs("/loki/api/v1/tail", q)
	if _, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(loki, "http")+path, nil); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("Loki tail with queryargs, no gateway: %v %v, want 404", err, resp)
	}

	addr, logs := startGateway(t, Config{Upstream: loki, Debug: true})

	status, _, body := rawDo(t, addr, "GET", pingPath, nil, "")
	if status != http.StatusOK || !strings.Contains(body, `"upstream_ok":true`) {
		t.Errorf("ping: %d %s", status, body)
	}

	c, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+path, nil)
	if err != nil {
		t.Fatalf("tail through gateway: %v %v", err, resp)
	}
	defer c.Close()

	// Push until two lines pushed after the upgrade have streamed through.
	ctx, cancel := context.WithCancel(context.Background())
	pusherDone := make(chan struct{})
	var once sync.Once
	stopPusher := func() { once.Do(func() { cancel(); <-pusherDone }) }
	defer stopPusher()
	go func() {
		defer close(pusherDone)
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			push(t, loki, fmt.Sprintf("after %d", i))
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	seen := map[string]bool{}
	after := 0
	for !seen["before the tail"] || after < 2 {
		_, p, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read tail after %v: %v", seen, err)
		}
		var msg struct {
			Streams []struct {
				Stream map[string]string `json:"stream"`
				Values [][2]string       `json:"values"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(p, &msg); err != nil {
			t.Fatalf("message %s: %v", p, err)
		}
		if len(seen) == 0 {
			t.Logf("first tail message: %s", p)
		}
		for _, s := range msg.Streams {
			for _, v := range s.Values {
				if !seen[v[1]] && strings.HasPrefix(v[1], "after ") {
					after++
				}
				seen[v[1]] = true
			}
		}
	}
	stopPusher()
	t.Logf("tail through the gateway streamed %d distinct lines", len(seen))

	// A plain read through the gateway with queryargs, too.
	status, _, body = rawDo(t, addr, "GET", queryargs.EncodeQueryArgs("/loki/api/v1/query_range", q), nil, "")
	if status != http.StatusOK || !strings.Contains(body, "before the tail") {
		t.Errorf("query_range through gateway: %d %s", status, truncate(body, 300))
	}
	// And the write path stays shut.
	if status, _, _ := rawDo(t, addr, "POST", "/loki/api/v1/push", nil, "{}"); status != http.StatusForbidden {
		t.Errorf("push through gateway: %d, want 403", status)
	}

	status, _, body = rawDo(t, addr, "GET", recentPath, nil, "")
	if status != http.StatusOK || !strings.Contains(body, `"query":"`+strings.ReplaceAll(q, "&", `\u0026`)+`"`) {
		t.Errorf("recent does not show the restored query %q: %s", q, body)
	}
	c.Close()
	logs.waitFor(t, "upgrade=true")
	t.Logf("gateway log:\n%s", logs.String())
}
