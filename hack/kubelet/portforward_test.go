package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// TestPortForward forwards through the kubelet's SPDY endpoint, as the API server
// does, to an echo server standing in for the pod (on loopback).
func TestPortForward(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			conn, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer conn.Close(); _, _ = io.Copy(conn, conn) }()
		}
	}()
	echoPort := echo.Addr().(*net.TCPAddr).Port

	b := newTestBed(t)
	b.addPod("web", []string{"app"}, nil, map[string]string{testbedspec.AnnotationPodIP: "127.0.0.1"})
	b.addPod("fake-ip", []string{"app"}, nil, nil)
	k := &kubelet{store: b.store, log: slog.New(slog.NewTextHandler(io.Discard, nil)), dialTimeout: time.Second}
	srv := httptest.NewUnstartedServer(k.handler())
	srv.StartTLS()
	defer srv.Close()

	forward := func(t *testing.T, pod string) (net.Conn, *strings.Builder, func()) {
		t.Helper()
		rt, upgrader, err := spdy.RoundTripperFor(&rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/portForward/logs-test/"+pod, nil)
		dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, http.MethodPost, req.URL)
		stop, ready := make(chan struct{}), make(chan struct{})
		var errOut strings.Builder
		pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(echoPort)}, stop, ready, io.Discard, &errOut)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- pf.ForwardPorts() }()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("port-forward ended before ready: %v", err)
		}
		ports, err := pf.GetPorts()
		if err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local))))
		if err != nil {
			t.Fatal(err)
		}
		return conn, &errOut, func() { conn.Close(); close(stop); <-done }
	}

	t.Run("echo", func(t *testing.T) {
		conn, _, done := forward(t, "web")
		defer done()
		if _, err := io.WriteString(conn, "ping through the kubelet\n"); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || line != "ping through the kubelet\n" {
			t.Fatalf("echo: %q, %v", line, err)
		}
	})
	t.Run("display-only IP is refused", func(t *testing.T) {
		conn, _, done := forward(t, "fake-ip")
		defer done()
		// The kubelet reports the error on the error stream and resets the data stream,
		// so the local connection closes without data.
		if n, _ := io.Copy(io.Discard, conn); n != 0 {
			t.Fatalf("got %d bytes from a pod that cannot be reached", n)
		}
	})
	t.Run("unknown pod", func(t *testing.T) {
		resp, err := srv.Client().Post(srv.URL+"/portForward/logs-test/nope", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || string(body) != "pod does not exist" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
	})
}
