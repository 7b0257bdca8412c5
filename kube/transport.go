package kube

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"time"

	gws "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
)

// This file is what kube offers the packages that reach other servers through the
// API server (loki, doctor): WebSocket dialers, port-forwards to a Service's pods,
// and the helpers their messages share. kube imports none of those packages.

// WSDialer opens WebSockets: through the API server with its credentials
// (NewWSDialer), or to a plain address (NewPlainWSDialer).
type WSDialer = wsDialer

// NewWSDialer returns a dialer that authenticates as cfg does.
func NewWSDialer(cfg *rest.Config) (*WSDialer, error) { return newKubeWSDialer(cfg) }

// NewPlainWSDialer returns a dialer that connects directly (through proxy, when not
// nil, with tlsConfig for wss) and adds header to every handshake.
func NewPlainWSDialer(tlsConfig *tls.Config, proxy func(*http.Request) (*url.URL, error), header http.Header) *WSDialer {
	return &wsDialer{tls: tlsConfig, proxy: proxy, header: header, readBuffer: 64 << 10}
}

// NewResponseError reads the answer of a refused request op ("GET /path") into a
// *ResponseError, closing its body.
func NewResponseError(op string, resp *http.Response) *ResponseError { return responseError(op, resp) }

// RedactURL returns u without user info and query, for messages.
func RedactURL(u *url.URL) string { return redactURL(u) }

// OneLine puts a server's message on one line, for a status or an error.
func OneLine(s string) string { return oneLine(s) }

// Forwarder keeps one client-go port-forward to a pod behind a Service open on
// 127.0.0.1, and opens a new one (finding the pod again) when it died.
type Forwarder = forwarder

// NewForwarder returns a Forwarder to svc; it starts forwarding on first use.
func NewForwarder(c *Client, svc ServiceRef) *Forwarder { return newForwarder(c, svc) }

// Describe says where the port-forward goes.
func (f *forwarder) Describe() string { return f.describe() }

// Ensure returns the base URL of a running port-forward, starting one if needed.
func (f *forwarder) Ensure(ctx context.Context) (*url.URL, error) { return f.ensure(ctx) }

// Annotate adds what the port-forward knows to err, a failure of a request through it.
func (f *forwarder) Annotate(err error) error { return f.annotate(err) }

// Close stops the port-forward.
func (f *forwarder) Close() { f.close() }

// ServicePort returns the port of s named or numbered want (the only port when want
// is empty).
func ServicePort(s *corev1.Service, want string) (corev1.ServicePort, bool) {
	return servicePort(s, want)
}

// KeepAlive pings conn every interval and closes it when ctx ends; the returned stop
// closes conn and waits for the pinger to finish.
func KeepAlive(ctx context.Context, conn *gws.Conn, interval time.Duration) (stop func()) {
	return keepAlive(ctx, conn, interval)
}
