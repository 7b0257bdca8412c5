package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
)

// kubelet is the HTTP face of the stand-in kubelet: logs, port-forwards, health.
type kubelet struct {
	store *Store
	log   *slog.Logger
	// dialTimeout bounds a port-forward's connection to the pod.
	dialTimeout time.Duration
	// nodeLogs serves /logs/ (nodelog.go).
	nodeLogs *nodeLogs
}

// handler returns the kubelet's HTTP routes, the subset of the real kubelet's that the
// API server uses for logs and port-forwards.
func (k *kubelet) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.serveContainerLogs)
	mux.HandleFunc("/portForward/{ns}/{pod}", k.servePortForward)
	mux.HandleFunc("/portForward/{ns}/{pod}/{uid}", k.servePortForward)
	if k.nodeLogs != nil {
		mux.Handle("GET /logs/", k.nodeLogs.handler())
		mux.HandleFunc("POST /testbed/nodelog/write", k.nodeLogs.serveJournalWrite)
	}
	// Test hooks, not a kubelet's (the API server never calls them; e2e tests call
	// the kubelet directly).
	mux.HandleFunc("POST /testbed/break/{ns}/{pod}/{container}", k.serveBreak)
	mux.HandleFunc("POST /testbed/write/{ns}/{pod}/{container}", k.serveBreak)
	return mux
}

// serveBreak is a test hook. /testbed/break ends every open log request of the
// container at once (as a network break would: nothing more is written) and, with
// hold=D, answers its new log requests with 503 for D; /testbed/write does neither.
// Both then write n=N lines (default 0) to the running container, at once.
func (k *kubelet) serveBreak(w http.ResponseWriter, r *http.Request) {
	ns, podName, cname := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	p := k.store.pod(ns, podName)
	if p == nil {
		writeError(w, http.StatusNotFound, "no such pod")
		return
	}
	c := k.store.container(p, cname)
	if c == nil {
		writeError(w, http.StatusNotFound, "no such container")
		return
	}
	hold, _ := time.ParseDuration(r.URL.Query().Get("hold"))
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	isBreak := strings.HasPrefix(r.URL.Path, "/testbed/break/")
	c.mu.Lock()
	if isBreak {
		close(c.breakCh)
		c.breakCh = make(chan struct{})
		c.holdUntil = k.store.now().Add(hold)
	}
	wrote := 0
	if in := c.cur; in != nil && !in.finished {
		now := k.store.now()
		for i := 0; i < n; i++ {
			c.generateLocked(in, now.Add(time.Duration(i)*time.Microsecond), 0)
			wrote++
		}
	}
	next := c.nextSeq
	c.broadcastLocked()
	c.mu.Unlock()
	k.log.Info("testbed hook", "path", r.URL.Path, "hold", hold, "wrote", wrote, "nextSeq", next)
	_, _ = fmt.Fprintf(w, "wrote %d, next seq %d\n", wrote, next)
}

// servePortForward answers /portForward/{ns}/{pod}[/{uid}] with the CRI streaming
// library's server side (SPDY or WebSocket), dialing the pod's IP for real.
func (k *kubelet) servePortForward(w http.ResponseWriter, r *http.Request) {
	ns, name, uid := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("uid")
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		k.log.Warn("port-forward refused", "pod", ns+"/"+name, "err", err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	p := k.store.pod(ns, name)
	if p == nil {
		writeError(w, http.StatusNotFound, "pod does not exist")
		return
	}
	if uid != "" && types.UID(uid) != p.uid {
		writeError(w, http.StatusNotFound, "pod not found")
		return
	}
	ip, _ := p.addr()
	k.log.Info("port-forward started", "pod", p.key(), "ip", ip, "websocket", r.Header.Get("Upgrade") == "websocket")
	start := time.Now()
	portforward.ServePortForward(w, r, &forwarder{k: k, pod: p}, p.key(), string(p.uid), opts,
		4*time.Hour, 30*time.Second, portforward.SupportedProtocols)
	k.log.Info("port-forward ended", "pod", p.key(), "took", time.Since(start).Round(time.Millisecond))
}

// forwarder connects one forwarded stream to the pod's port.
type forwarder struct {
	k   *kubelet
	pod *podState
}

// PortForward copies between stream and podIP:port until either side is done.
func (f *forwarder) PortForward(ctx context.Context, name, uid string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	ip, dialable := f.pod.addr()
	if !dialable {
		// Pod IPs from --pod-cidr are for display only: nothing listens there.
		return fmt.Errorf("pod IP %s is not reachable on the test bed (pods that can be forwarded to carry the pod-ip annotation)", ip)
	}
	addr := net.JoinHostPort(ip, strconv.Itoa(int(port)))
	d := net.Dialer{Timeout: f.k.dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		f.k.log.Warn("port-forward dial failed", "pod", name, "addr", addr, "err", err)
		return fmt.Errorf("failed to connect to %s: %w", addr, err)
	}
	defer conn.Close()
	f.k.log.Info("port-forward connection", "pod", name, "addr", addr)
	go func() {
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	if _, err := io.Copy(stream, conn); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("copy from %s: %w", addr, err)
	}
	return nil
}

// loadOrCreateCert returns the kubelet's serving certificate, self-signed, kept in dir
// so restarts serve the same one.
func loadOrCreateCert(dir, nodeName string, ips []net.IP) (tls.Certificate, error) {
	certFile, keyFile := filepath.Join(dir, "kubelet.crt"), filepath.Join(dir, "kubelet.key")
	if dir != "" {
		if cert, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil {
			if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil && time.Now().Before(leaf.NotAfter) && coversIPs(leaf, ips) {
				return cert, nil
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubelet: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubelet: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: nodeName + "@" + strconv.FormatInt(now.Unix(), 10)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{nodeName, "localhost"},
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubelet: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubelet: marshal key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return tls.Certificate{}, fmt.Errorf("kubelet: state dir: %w", err)
		}
		if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
			return tls.Certificate{}, fmt.Errorf("kubelet: write key: %w", err)
		}
		if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
			return tls.Certificate{}, fmt.Errorf("kubelet: write certificate: %w", err)
		}
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

func coversIPs(c *x509.Certificate, ips []net.IP) bool {
	for _, ip := range ips {
		found := false
		for _, have := range c.IPAddresses {
			if have.Equal(ip) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
