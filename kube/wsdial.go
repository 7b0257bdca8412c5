package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gws "github.com/gorilla/websocket"
	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"

	"github.com/tailui/tailui/stream"
)

// maxErrorBody bounds how much of a refused request's body is read for its message.
const maxErrorBody = 64 << 10

// ResponseError is an HTTP answer that is not a success: a refused WebSocket
// handshake or a failed GET, from the API server, from a proxy or from Loki. It keeps
// the body, because the server's words are the useful part: Loki answers in plain
// text ("parse error at line 1, col 5: ..."), the API server with a metav1.Status.
type ResponseError struct {
	// Op says what was attempted, e.g. "open Loki tail" or "GET /loki/api/v1/labels".
	Op string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Status is the decoded body when it was a metav1.Status (the API server's own
	// errors: RBAC, not found, a proxy that cannot reach the pod).
	Status *metav1.Status
	// Body is the body as text, trimmed, at most 64 KiB, when it was not a Status.
	Body string
}

// Message returns the server's own words, on one line and safe for a terminal: the
// Status message, else the body, else the HTTP status text.
func (e *ResponseError) Message() string {
	switch {
	case e.Status != nil && e.Status.Message != "":
		return oneLine(e.Status.Message)
	case e.Body != "":
		return oneLine(e.Body)
	}
	return fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// oneLine puts a server's message on one line, inert on a terminal and bounded.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 2048 {
		s = strings.ToValidUTF8(s[:2048], "") + "…"
	}
	return stream.SanitizeString(s, stream.SanitizeOptions{})
}

// FromAPIServer reports whether the answer is the API server's own (a
// metav1.Status), rather than one it relayed from the pod behind a proxy.
func (e *ResponseError) FromAPIServer() bool { return e.Status != nil }

// Error returns "<op>: HTTP <code>: <message>".
func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.StatusCode, e.Message())
}

// Unwrap returns the answer as an *apierrors.StatusError when it was a Status, so
// Explain and IsPermanent read it like any client-go error.
func (e *ResponseError) Unwrap() error {
	if e.Status == nil {
		return nil
	}
	return &apierrors.StatusError{ErrStatus: *e.Status}
}

// responseError reads resp's body (closing it) into a *ResponseError.
func responseError(op string, resp *http.Response) *ResponseError {
	e := &ResponseError{Op: op, StatusCode: resp.StatusCode}
	if resp.Body == nil {
		return e
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var st metav1.Status
		if json.Unmarshal(b, &st) == nil && st.Kind == "Status" {
			e.Status = &st
			return e
		}
	}
	e.Body = strings.ToValidUTF8(string(b), "\uFFFD")
	return e
}

// wsDialer opens WebSockets that offer no subprotocol (Loki's tail negotiates none,
// and client-go's websocket.Negotiate refuses a connection without one) while keeping
// every kubeconfig auth method: the round trip goes through client-go's HTTP wrappers
// (bearer tokens and token files, basic auth, exec plugins, auth providers such as
// OIDC, impersonation, user agent), and the TLS settings carry client certificates,
// including those an exec plugin rotates. It is safe for concurrent use; every Dial
// builds its own round tripper, as client-go does.
type wsDialer struct {
	tls   *tls.Config
	proxy func(*http.Request) (*url.URL, error)
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
	// wrap adds authentication; nil for a plain dialer.
	wrap func(http.RoundTripper) (http.RoundTripper, error)
	// header is added to every handshake (X-Scope-OrgID, Loki credentials).
	header http.Header
	// readBuffer sizes gorilla's read buffer (0: its default).
	readBuffer int
	// protocols are the subprotocols offered (none when empty).
	protocols []string
	// untimed leaves the handshake without a time limit (ctx still bounds it): a pod
	// log's handshake through the API server completes only once the kubelet has
	// written the first byte, which a quiet container may do hours later.
	untimed bool
	// handshakes, when not nil, bounds the connections in their TCP and TLS
	// handshakes at once (a slot each, given back when TLS is done): the pace of
	// opens (waitOpen) then adapts to how fast the API server completes them.
	handshakes chan struct{}
}

// logKeepAlive is the TCP keep-alive of sockets that may wait long for their first
// byte (pod logs): the peer's kernel answers the probes while its program waits, so
// a path that died is noticed within about Idle+Interval*Count without any request.
// Stream opens are paced per client: a log request bypasses client-go's rate
// limiter (it is dialed here, not sent through the clientset), and 5,000 streams
// opening (or reopening after the API server restarted) at once would storm the
// API server with TLS handshakes and authentications. StreamOpenRate a second, in
// bursts of StreamOpenBurst: the first screenful opens at once, 500 streams in
// about 5 s.
const (
	StreamOpenRate  = 100
	StreamOpenBurst = 50
)

// openers holds each Client's pacing of stream opens (*Client -> *opener).
var openers sync.Map

// waitOpen waits until c may open another log stream, or ctx ends. onScreen (nil:
// always) says whether the stream is seen (its pane is on screen): while any such
// stream waits, it takes the next turn before those of hidden panes, so the screen
// fills first when thousands of streams open (or reopen after the API server
// restarted).
func waitOpen(ctx context.Context, c *Client, onScreen func() bool) error {
	v, ok := openers.Load(c)
	if !ok {
		v, _ = openers.LoadOrStore(c, &opener{lim: rate.NewLimiter(StreamOpenRate, StreamOpenBurst)})
	}
	return v.(*opener).wait(ctx, onScreen)
}

// opener hands out one client's turns to open a stream, StreamOpenRate a second in
// bursts of StreamOpenBurst (x/time/rate), streams on screen first. A rate.Limiter
// alone serves its waiters in the order they came: 5,000 streams of hidden panes
// waiting would hold every turn of the next 50 s. So a turn is taken at once only
// while nobody waits; else the stream queues, and one dispatcher, running while the
// queue is not empty, takes the limiter's turns one by one and gives each to the
// first stream on screen in the queue, or to the first of the queue.
type opener struct {
	lim     *rate.Limiter
	mu      sync.Mutex
	queue   []*openTurn
	running bool               // the dispatcher runs
	stop    context.CancelFunc // ends the dispatcher's wait for a turn
}

// openTurn is one stream waiting for its turn.
type openTurn struct {
	onScreen func() bool
	granted  chan struct{}
}

func (o *opener) wait(ctx context.Context, onScreen func() bool) error {
	o.mu.Lock()
	if len(o.queue) == 0 && o.lim.Allow() {
		o.mu.Unlock()
		return nil
	}
	t := &openTurn{onScreen: onScreen, granted: make(chan struct{})}
	o.queue = append(o.queue, t)
	if !o.running {
		o.running = true
		go o.dispatch()
	}
	o.mu.Unlock()
	select {
	case <-t.granted:
		return nil
	case <-ctx.Done():
		o.mu.Lock()
		defer o.mu.Unlock()
		for i, q := range o.queue {
			if q == t {
				o.queue = append(o.queue[:i], o.queue[i+1:]...)
				if len(o.queue) == 0 && o.stop != nil {
					o.stop() // nobody waits: the dispatcher need not
				}
				return ctx.Err()
			}
		}
		return nil // granted meanwhile: the turn is taken
	}
}

// dispatch gives the limiter's turns to the queue until it is empty.
func (o *opener) dispatch() {
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.running = false
			o.mu.Unlock()
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		o.stop = cancel
		o.mu.Unlock()
		err := o.lim.Wait(ctx) // at most 1/StreamOpenRate
		cancel()
		o.mu.Lock()
		o.stop = nil
		if err != nil {
			o.mu.Unlock()
			continue // the queue emptied meanwhile
		}
		if len(o.queue) == 0 {
			o.running = false
			o.mu.Unlock()
			return
		}
		pick := 0
		for i, q := range o.queue {
			if q.onScreen == nil || q.onScreen() {
				pick = i
				break
			}
		}
		t := o.queue[pick]
		o.queue = append(o.queue[:pick], o.queue[pick+1:]...)
		close(t.granted)
		o.mu.Unlock()
	}
}

// wsWriteBuffers lends gorilla a write buffer only while a data frame is written
// (never, for log streams: pings are control frames), instead of one per connection.
var wsWriteBuffers = new(sync.Pool)

var logKeepAlive = net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3}

// withKeepAlive returns dial (nil: a plain dialer) with TCP keep-alive probes set by
// cfg on the connections it makes.
func withKeepAlive(dial func(ctx context.Context, network, addr string) (net.Conn, error), cfg net.KeepAliveConfig) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAliveConfig: cfg}
		return d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok && err == nil {
			_ = tc.SetKeepAliveConfig(cfg)
		}
		return c, err
	}
}

// newKubeWSDialer returns a dialer that authenticates as cfg does.
func newKubeWSDialer(cfg *rest.Config) (*wsDialer, error) {
	tc, err := cfg.TransportConfig()
	if err != nil {
		return nil, fmt.Errorf("kube: transport config: %w", err)
	}
	tlsConfig, err := transport.TLSConfigFor(tc)
	if err != nil {
		return nil, fmt.Errorf("kube: TLS config: %w", err)
	}
	proxy := cfg.Proxy
	if proxy == nil {
		proxy = utilnet.NewProxierWithNoProxyCIDR(http.ProxyFromEnvironment)
	}
	// A small read buffer: gorilla peeks frame headers through it, and a frame's
	// payload is read straight into the caller's (pooled) buffer once it is empty,
	// so a bigger one would only cost memory per stream (64 KiB each, 32 MiB at 500
	// streams; docs/benchmarks.md).
	d := &wsDialer{tls: tlsConfig, proxy: proxy, readBuffer: 4 << 10}
	if tc.DialHolder != nil {
		d.dial = tc.DialHolder.Dial
	}
	d.wrap = func(rt http.RoundTripper) (http.RoundTripper, error) {
		return transport.HTTPWrappersForConfig(tc, rt)
	}
	return d, nil
}

// Dial opens a WebSocket to u (http, https, ws or wss) with header added to the
// handshake. A refused handshake with an HTTP answer returns a *ResponseError. The
// handshake is bounded by ctx and, unless the dialer is untimed, by 30 s.
func (d *wsDialer) Dial(ctx context.Context, u *url.URL, header http.Header) (*gws.Conn, error) {
	if !d.untimed {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range d.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	inner := &wsRoundTripper{d: d}
	var rt http.RoundTripper = inner
	if d.wrap != nil {
		if rt, err = d.wrap(inner); err != nil {
			return nil, fmt.Errorf("kube: auth wrappers: %w", err)
		}
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		if inner.conn != nil {
			_ = inner.conn.Close()
		}
		return nil, err
	}
	if resp.Body != nil {
		_ = resp.Body.Close()
	}
	if inner.conn == nil {
		return nil, errors.New("kube: websocket round trip returned no connection")
	}
	return inner.conn, nil
}

// wsRoundTripper performs one WebSocket handshake with gorilla and keeps the
// connection. It is the innermost round tripper under client-go's auth wrappers.
type wsRoundTripper struct {
	d    *wsDialer
	conn *gws.Conn
}

// TLSClientConfig lets client-go's wrappers (and utilnet) see the TLS settings.
func (rt *wsRoundTripper) TLSClientConfig() *tls.Config { return rt.d.tls }

var _ utilnet.TLSClientConfigHolder = (*wsRoundTripper)(nil)

func (rt *wsRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	case "ws", "wss":
	default:
		return nil, fmt.Errorf("kube: websocket: unknown URL scheme %q", u.Scheme)
	}
	dialer := gws.Dialer{
		Proxy:            rt.d.proxy,
		TLSClientConfig:  rt.d.tls,
		NetDialContext:   rt.d.dial,
		HandshakeTimeout: 30 * time.Second,
		ReadBufferSize:   rt.d.readBuffer,
		WriteBufferPool:  wsWriteBuffers,
		Subprotocols:     rt.d.protocols,
	}
	if rt.d.untimed {
		dialer.HandshakeTimeout = 0
	}
	// gorilla sets the handshake headers itself and refuses duplicates of them.
	h := req.Header.Clone()
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions", "Sec-Websocket-Protocol"} {
		h.Del(k)
	}
	// gorilla bounds its handshake by a deadline only, never by ctx ending: close
	// the raw connection when ctx ends before the handshake is done.
	var (
		mu  sync.Mutex
		raw net.Conn
	)
	base := dialer.NetDialContext
	if base == nil {
		base = (&net.Dialer{Timeout: 30 * time.Second}).DialContext
	}
	var (
		slot bool // this dial holds a handshake slot
		once sync.Once
	)
	release := func() {
		once.Do(func() {
			if slot {
				<-rt.d.handshakes
			}
		})
	}
	if rt.d.handshakes != nil && rt.d.tls != nil {
		// The slot is taken before the TCP dial and given back once TLS is done
		// (VerifyConnection runs at its end, resumed or not) or the dial failed.
		tc := rt.d.tls.Clone()
		verify := tc.VerifyConnection
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			release()
			if verify != nil {
				return verify(cs)
			}
			return nil
		}
		dialer.TLSClientConfig = tc
	}
	dialer.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if rt.d.handshakes != nil && rt.d.tls != nil {
			select {
			case rt.d.handshakes <- struct{}{}:
				slot = true
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		c, err := base(ctx, network, addr)
		mu.Lock()
		raw = c
		mu.Unlock()
		return c, err
	}
	stop := context.AfterFunc(req.Context(), func() {
		mu.Lock()
		defer mu.Unlock()
		if raw != nil {
			_ = raw.Close()
		}
	})
	conn, resp, err := dialer.DialContext(req.Context(), u.String(), h)
	release() // a dial that failed before TLS was done
	if !stop() && err == nil {
		_ = conn.Close()
		return nil, req.Context().Err()
	}
	if err != nil {
		if errors.Is(err, gws.ErrBadHandshake) && resp != nil {
			return nil, responseError("WebSocket handshake with "+redactURL(&u), resp)
		}
		return nil, err
	}
	rt.conn = conn
	return resp, nil
}

// redactURL returns u without user info and query, for messages.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	return c.String()
}
