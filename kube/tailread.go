package kube

// One request of a ContainerStream: the WebSocket and HTTP reads, the wait for the
// kubelet's first byte, and the pings that prove a quiet path alive.

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gws "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
)

// errCutMidLine says a one-shot read ended in the middle of a line.
var errCutMidLine = errors.New("the stream ended in the middle of a line")

// fallbackToHTTP reports whether a WebSocket failure means the path refuses upgrades
// (a proxy in the way) rather than the API server refusing the request.
func fallbackToHTTP(err error) bool {
	cause, ok := upgradeCause(err)
	if !ok {
		return false
	}
	var se *apierrors.StatusError
	return !errors.As(cause, &se)
}

// logRequest is the pod log request for these options, its URL exactly as kubectl
// builds it.
func (s *ContainerStream) logRequest(plo *corev1.PodLogOptions) *http.Request {
	u := s.client.Clientset.CoreV1().RESTClient().Get().
		Namespace(s.target.Namespace).Resource("pods").Name(s.target.Pod).SubResource("log").
		VersionedParams(plo, scheme.ParameterCodec).URL()
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	return req
}

// readWebSocket reads one request's log over a WebSocket. The dial and the frame
// loop are separate functions so that, while a quiet stream waits for its next
// frame, its goroutine's stack holds only the loop's small frames: under 4 KiB in
// use, which the GC shrinks the stack to 8 KiB for (the handshake grows it to 16 KiB
// or more; at 4.4 KiB in use it stayed there: 8 KiB a stream, docs/benchmarks.md).
func (s *ContainerStream) readWebSocket(ctx context.Context, plo *corev1.PodLogOptions, d *deliverer, proto string) error {
	conn, err := s.dialWebSocket(ctx, plo, d, proto)
	if conn == nil {
		return err
	}
	return s.readFrames(ctx, conn, d, proto)
}

// dialWebSocket opens the log request's WebSocket, waiting for the kubelet's first
// byte. A nil conn comes with the error to return (nil: the stream is stopping).
//
//go:noinline
func (s *ContainerStream) dialWebSocket(ctx context.Context, plo *corev1.PodLogOptions, d *deliverer, proto string) (*gws.Conn, error) {
	if s.ws == nil {
		ws, err := logDialer(s.client)
		if err != nil {
			return nil, fmt.Errorf("kube: websocket transport: %w", err)
		}
		s.ws = ws
	}
	if err := waitOpen(ctx, s.client, s.onScreen); err != nil {
		return nil, nil // ctx ends sooner than the turn comes: the stream is stopping
	}
	dialer := *s.ws
	dialer.protocols = []string{proto}
	// The deliverer hands its lines over when the connection would wait for more,
	// not after every (2 KiB) frame: see readAheadConn.
	dialer.dial = withReadAhead(dialer.dial, d)
	u := s.logRequest(plo).URL
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.waitFirstByte(hctx, cancel, d)
	conn, err := dialer.Dial(hctx, u, nil)
	stop()
	if err != nil {
		if cause := context.Cause(hctx); cause != nil && ctx.Err() == nil {
			return nil, cause
		}
		// A refusal that carries a Status (RBAC, pod gone, container not ready) is
		// the API server's answer: return it as such, for apierrors.IsNotFound & co.
		var re *ResponseError
		if errors.As(err, &re) {
			if re.Status != nil {
				return nil, &apierrors.StatusError{ErrStatus: *re.Status}
			}
			return nil, &httpstream.UpgradeFailureError{Cause: re}
		}
		return nil, err
	}
	if conn.Subprotocol() != proto {
		_ = conn.Close()
		return nil, &httpstream.UpgradeFailureError{Cause: fmt.Errorf("invalid protocol, expected %q, got %q", proto, conn.Subprotocol())}
	}
	return conn, nil
}

// readFrames reads conn's frames into d until the stream ends, pinging it.
//
//go:noinline
func (s *ContainerStream) readFrames(ctx context.Context, conn *gws.Conn, d *deliverer, proto string) error {
	d.opened()
	ping := s.opts.pingInterval()
	dead := 3 * ping
	_ = conn.SetReadDeadline(time.Now().Add(dead))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(dead)) })
	defer keepAlive(ctx, conn, ping)()

	var dec []byte
	for {
		mt, r, err := conn.NextReader()
		if err != nil {
			return frameErr(err, d, dead)
		}
		_ = conn.SetReadDeadline(time.Now().Add(dead))
		if err := readFrame(mt, r, d, proto, &dec); err != nil {
			return err
		}
	}
}

// frameErr says why the next frame could not be read (nil: a clean close).
//
//go:noinline
func frameErr(err error, d *deliverer, dead time.Duration) error {
	if gws.IsCloseError(err, gws.CloseNormalClosure) {
		d.sess.sawEOF = true
		return nil
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no data and no answer to pings for %s: the connection is dead", dead)
	}
	return fmt.Errorf("stream broke: %w", err)
}

// readFrame feeds one frame, of message type mt read from r, to d. The read buffer
// is lent for the frame: a stream waiting for its next frame holds none (the
// splitter copies what it keeps of a chunk).
//
//go:noinline
func readFrame(mt int, r io.Reader, d *deliverer, proto string, dec *[]byte) error {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf := *bp
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if mt == gws.TextMessage && proto == "base64.binary.k8s.io" {
				// Each text frame is base64 of one chunk; frames are small (2 KiB),
				// so decode whole frames rather than streaming.
				rest, _ := io.ReadAll(r)
				all := append(append([]byte(nil), chunk...), rest...)
				*dec = (*dec)[:0]
				*dec = append(*dec, make([]byte, base64.StdEncoding.DecodedLen(len(all)))...)
				m, derr := base64.StdEncoding.Decode(*dec, all)
				if derr != nil {
					return fmt.Errorf("bad base64 frame: %w", derr)
				}
				d.feed((*dec)[:m])
				break
			}
			d.feed(chunk)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("stream broke: %w", rerr)
		}
	}
	return nil
}

// logDialers holds each Client's dialer of pod log WebSockets (*Client -> *wsDialer).
// One per client, not one per stream: its TLS config holds the CA pool, whose
// certificates every pool parses again (about 5 KB a stream, docs/benchmarks.md);
// a Dial copies the dialer and builds its own round tripper.
var logDialers sync.Map

// logDialer returns c's dialer of pod log WebSockets, made on first use.
func logDialer(c *Client) (*wsDialer, error) {
	if v, ok := logDialers.Load(c); ok {
		return v.(*wsDialer), nil
	}
	ws, err := newKubeWSDialer(c.Config)
	if err != nil {
		return nil, err
	}
	// The handshake through the API server completes only when the kubelet has
	// written its first byte: no time limit, TCP keep-alive probes for a dead
	// peer, and checks of the API server (waitFirstByte) for a dead path.
	ws.untimed = true
	ws.dial = withKeepAlive(ws.dial, logKeepAlive)
	// gorilla's read buffer only needs to hold frame headers (payloads are read
	// into the pooled buffer once it is empty) and pongs (at most 125 bytes): 512
	// bytes instead of 4 KiB saves 3.5 KiB a stream, for a second read from the
	// TLS record at a frame's start.
	ws.readBuffer = 512
	// TLS session resumption: a stream that opens after the first resumes a
	// session instead of a full handshake, which spares the API server a signature
	// and tailui the certificate chain's verification, thousands of times when as
	// many streams open (or reopen after the API server restarted). Not with a
	// client certificate: a resumed session keeps the certificate it began with,
	// and one an exec plugin rotates would then be refused.
	if ws.tls != nil && ws.tls.ClientSessionCache == nil && ws.tls.GetClientCertificate == nil && len(ws.tls.Certificates) == 0 {
		ws.tls = ws.tls.Clone()
		ws.tls.ClientSessionCache = tls.NewLRUClientSessionCache(64)
	}
	// At most StreamOpenBurst TLS handshakes in flight: when the API server is
	// slow to complete them (thousands of streams opening on a loaded machine),
	// the opens wait for it instead of piling up handshakes (their key shares,
	// goroutines and timeouts; docs/benchmarks.md).
	ws.handshakes = make(chan struct{}, StreamOpenBurst)
	v, _ := logDialers.LoadOrStore(c, ws)
	return v.(*wsDialer), nil
}

// readBufs lends the read loop its buffer one frame at a time, so that 500 quiet
// streams do not pin one each (docs/benchmarks.md). 8 KiB: the API server's frames
// are at most 2 KiB (one read of the kubelet's stream), so a bigger buffer is never
// filled, and at 5,000 streams the buffers of the frames in progress and the
// pool's spares held 57 MiB at 64 KiB each.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}

func (s *ContainerStream) readHTTP(ctx context.Context, plo *corev1.PodLogOptions, d *deliverer) error {
	if err := waitOpen(ctx, s.client, s.onScreen); err != nil {
		return nil // ctx ends sooner than the turn comes: the stream is stopping
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.waitFirstByte(hctx, cancel, d)
	rc, err := s.client.Clientset.CoreV1().Pods(s.target.Namespace).GetLogs(s.target.Pod, plo).Stream(hctx)
	stop()
	if err != nil {
		if cause := context.Cause(hctx); cause != nil && ctx.Err() == nil {
			return cause
		}
		return err
	}
	defer rc.Close()
	d.opened()
	ctx = hctx
	buf := make([]byte, 64<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			d.feed(buf[:n])
			d.flush()
		}
		if err == io.EOF {
			d.sess.sawEOF = true
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("stream broke: %w", err)
		}
	}
}

// errPathDead says the API server stopped answering while a log request waited for
// its first byte.
var errPathDead = errors.New("the API server stopped answering while the log request waited for its first line")

// waitFirstByte watches a log request until stop is called. The API server answers a
// log request only once the kubelet has written the first byte, which for a quiet
// container may be hours away, so silence proves nothing and no read deadline may end
// the wait. Instead the path is checked: every probeInterval the pod is fetched
// through the same API server (unless another stream of the client just did); when
// that fails, cancel ends the request with the reason and the caller reconnects. A
// dead socket under a live API server is TCP keep-alive's to notice (logKeepAlive). The first good check reports the stream live
// (the API server is there; the kubelet has just not written yet).
func (s *ContainerStream) waitFirstByte(ctx context.Context, cancel context.CancelCauseFunc, d *deliverer) (stop func()) {
	if s.serverTime == nil {
		return func() {}
	}
	every := s.probeInterval()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-t.C:
			}
			var err error
			if last, ok := pathOK.Load(s.client); !ok || time.Since(time.Unix(0, last.(*atomic.Int64).Load())) >= every {
				// No stream of this client proved the path alive lately: check it.
				pctx, pcancel := context.WithTimeout(ctx, every)
				_, err = s.serverTime(pctx)
				pcancel()
				if err == nil {
					v, _ := pathOK.LoadOrStore(s.client, new(atomic.Int64))
					v.(*atomic.Int64).Store(time.Now().UnixNano())
				}
			}
			select {
			case <-done:
				return
			default:
			}
			if err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("%w (%s)", errPathDead, Explain(err)))
				return
			}
			d.opened()
			t.Reset(every)
		}
	}()
	return func() { close(done); wg.Wait() }
}

// pathOK holds, per *Client, when (Unix ns, an *atomic.Int64) a check of the path
// to the API server last succeeded: the streams of one client share one path, so
// many quiet streams cost one GET per probe interval, not one each.
var pathOK sync.Map

// probeInterval is how often a log request that waits for its first byte checks the
// path: three ping intervals (15 s by default).
func (s *ContainerStream) probeInterval() time.Duration { return 3 * s.opts.pingInterval() }

// keepAlive pings conn every interval (the API server sends no pings of its own, so
// client pings are the only way to notice a dead path) and closes it when ctx ends.
// The returned stop closes conn and waits for a ping in flight. The pings run from
// a timer and ctx's end from context.AfterFunc, not from a goroutine per stream
// that would sit in a select for the stream's whole life (docs/benchmarks.md).
func keepAlive(ctx context.Context, conn *gws.Conn, interval time.Duration) (stop func()) {
	var (
		mu      sync.Mutex
		stopped bool
		wg      sync.WaitGroup
		t       *time.Timer
	)
	t = time.AfterFunc(interval, func() {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		wg.Add(1)
		mu.Unlock()
		defer wg.Done()
		if conn.WriteControl(gws.PingMessage, nil, time.Now().Add(interval)) != nil {
			return
		}
		mu.Lock()
		if !stopped {
			t.Reset(interval)
		}
		mu.Unlock()
	})
	unhook := context.AfterFunc(ctx, func() { _ = conn.Close() })
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
		unhook()
		_ = conn.Close()
		wg.Wait()
	}
}
