package kube

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	gws "github.com/gorilla/websocket"
	"k8s.io/client-go/rest"
)

// TestLogDialerPerClient: the streams of one client share one dialer of pod log
// WebSockets, with a small read buffer, no handshake time limit and a TLS session
// cache (resumed handshakes); with a client certificate there is no session cache,
// since a resumed session would keep a certificate that may have been rotated.
func TestLogDialerPerClient(t *testing.T) {
	token := &Client{Config: &rest.Config{Host: "https://127.0.0.1:1", BearerToken: "t", TLSClientConfig: rest.TLSClientConfig{Insecure: true}}}
	defer logDialers.Delete(token)
	d, err := logDialer(token)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := logDialer(token); again != d {
		t.Error("a second stream of the client got another dialer")
	}
	if d.readBuffer != 512 || !d.untimed || d.dial == nil {
		t.Errorf("dialer: read buffer %d, untimed %v, keep-alive dial %v", d.readBuffer, d.untimed, d.dial != nil)
	}
	if d.tls == nil || d.tls.ClientSessionCache == nil {
		t.Error("no TLS session cache for a token-authenticated client")
	}
	other := &Client{Config: token.Config}
	defer logDialers.Delete(other)
	if od, _ := logDialer(other); od == d {
		t.Error("another client shares the dialer")
	}

	certPEM, keyPEM := selfSigned(t)
	cert := &Client{Config: &rest.Config{Host: "https://127.0.0.1:1", TLSClientConfig: rest.TLSClientConfig{Insecure: true, CertData: certPEM, KeyData: keyPEM}}}
	defer logDialers.Delete(cert)
	cd, err := logDialer(cert)
	if err != nil {
		t.Fatal(err)
	}
	if cd.tls.ClientSessionCache != nil {
		t.Error("a TLS session cache with a client certificate")
	}
}

// selfSigned returns a throwaway client certificate and key, PEM-encoded.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// TestHandshakeSlotsGivenBack: with one handshake slot, dials that succeed and
// dials that fail each give it back (when TLS is done, or when the dial ended), so
// the next dial proceeds; a dial that waits for the slot ends with its context.
func TestHandshakeSlotsGivenBack(t *testing.T) {
	up := gws.Upgrader{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	tc := srv.Client().Transport.(*http.Transport).TLSClientConfig
	d := &wsDialer{tls: tc, handshakes: make(chan struct{}, 1)}
	u, _ := url.Parse(srv.URL)
	ctx := context.Background()
	for i := range 3 {
		c, err := d.Dial(ctx, u, nil)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		c.Close()
	}
	bad := *u
	bad.Host = "127.0.0.1:1" // refused
	for i := range 2 {
		if _, err := d.Dial(ctx, &bad, nil); err == nil {
			t.Fatalf("dial %d to a closed port succeeded", i)
		}
	}
	if len(d.handshakes) != 0 {
		t.Fatalf("%d slots still held after the dials ended", len(d.handshakes))
	}
	d.handshakes <- struct{}{} // another dial holds the only slot
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := d.Dial(wctx, u, nil); err == nil {
		t.Fatal("a dial went ahead without a slot")
	}
}
