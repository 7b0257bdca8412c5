package gateway

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// logQueryMax is how much of a query the request log shows.
const logQueryMax = 200

// logEntry collects what the one log line per request says.
type logEntry struct {
	start     time.Time
	method    string
	path      string // as sent
	remote    string
	upgrade   bool
	queryArgs bool   // query came from the path
	restored  string // path forwarded to Loki ("" when refused before decoding)
	query     string // query forwarded to Loki
	reason    string // why the gateway answered itself
	cause     error  // why a forwarded request was cut, if it was
	aborted   bool   // the body copy failed after headers went out
}

func (g *Gateway) logRequest(e *logEntry, w *recorder) {
	status := w.status
	if status == 0 {
		status = http.StatusOK // handler returned without writing
	}
	attrs := []slog.Attr{
		slog.String("method", e.method),
		slog.String("path", truncate(e.path, logQueryMax)),
	}
	if e.restored != "" {
		r := e.restored
		if e.query != "" {
			r += "?" + truncate(e.query, logQueryMax)
		}
		attrs = append(attrs, slog.String("restored", r), slog.Bool("queryargs", e.queryArgs))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Int64("bytes", w.bytesOut()),
		slog.Duration("duration", time.Since(e.start)),
		slog.Bool("upgrade", e.upgrade),
		slog.String("remote", e.remote),
	)
	if w.conn != nil {
		attrs = append(attrs, slog.Int64("bytes_in", w.conn.in.Load()))
	}
	if e.reason != "" {
		attrs = append(attrs, slog.String("reason", e.reason))
	}
	if e.cause != nil { // nil unless something ended the request early
		attrs = append(attrs, slog.String("cut", e.cause.Error()))
	}
	if e.aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// recorder wraps the ResponseWriter to see the status, count bytes, feed the idle
// watchdog, and count bytes of hijacked (WebSocket) connections.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	touch  func() // called on every write; resets the idle watchdog
	conn   *countingConn
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	if r.touch != nil {
		r.touch()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	if r.touch != nil {
		r.touch()
	}
	return n, err
}

// FlushError flushes the underlying writer (http.ResponseController looks for it).
func (r *recorder) FlushError() error {
	return http.NewResponseController(r.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (r *recorder) Flush() { _ = r.FlushError() }

// Hijack hands out the connection wrapped to count bytes both ways.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	r.status = http.StatusSwitchingProtocols
	r.conn = &countingConn{Conn: c}
	return r.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) bytesOut() int64 {
	if r.conn != nil {
		return r.conn.out.Load()
	}
	return r.bytes
}

// countingConn counts bytes of a hijacked connection. ReverseProxy copies both
// directions in two goroutines and may return before both end, hence atomics.
type countingConn struct {
	net.Conn
	in, out atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.Add(int64(n))
	return n, err
}

// CloseWrite half-closes like the wrapped *net.TCPConn or *tls.Conn would, so
// ReverseProxy's handling of a backend EOF is the same with the wrapper as without.
func (c *countingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}
