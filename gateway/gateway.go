// Package gateway is `tailui gateway`: a small reverse proxy that runs in the cluster
// in front of Loki, restores query strings that tailui moved into the path
// (.../queryargs/<base64url>/, see queryargs.DecodeQueryArgs) because WebSocket upgrades
// through the Kubernetes API server's service proxy lose them, and forwards only
// Loki's read API, with the gateway's own credentials.
package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tailui/tailui/internal/redact"
	"github.com/tailui/tailui/loki/queryargs"
)

// Version is reported by the ping endpoint. main sets it at start-up.
var Version = "dev"

// Defaults for the zero values of Config.
const (
	DefaultMaxIdle           = 5 * time.Minute
	DefaultMaxRequestBytes   = 1 << 20  // 1 MiB: Loki read API form posts are tiny
	DefaultMaxHeaderBytes    = 64 << 10 // request line + headers; fits MaxQueryArgsBytes
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadBodyTimeout   = 10 * time.Second
	DefaultRecent            = 64
	defaultProbeTimeout      = 2 * time.Second
	defaultProbeTTL          = 5 * time.Second
)

// Config configures a Gateway. Only Upstream is required.
type Config struct {
	// Upstream is Loki's base URL, e.g. http://loki.monitoring.svc:3100. It may carry
	// a path prefix; it must not carry user info, a query or a fragment.
	Upstream string
	// OrgID, when set, is the tenant: every request forwarded to Loki carries
	// X-Scope-OrgID: OrgID, and a request whose own X-Scope-OrgID holds anything else
	// (another tenant, a multi-tenant "a|b") is refused with 403. Empty: a client's
	// X-Scope-OrgID is forwarded as sent, so whoever reaches the gateway picks the
	// tenant.
	OrgID string
	// BasicAuthUser and BasicAuthPasswordFile, or BearerTokenFile (not both), are
	// the credentials the gateway sends to Loki. Files are re-read on every request,
	// so rotated secrets take effect without a restart.
	BasicAuthUser         string
	BasicAuthPasswordFile string
	BearerTokenFile       string
	// MaxIdle bounds a plain (non-WebSocket) request during which the upstream sends
	// nothing (no headers, no body bytes), and idle keep-alive connections. WebSocket
	// sessions are exempt. Zero means DefaultMaxIdle; negative disables it.
	MaxIdle time.Duration
	// MaxSession closes a WebSocket session after this long. Zero means no limit.
	MaxSession time.Duration
	// MaxRequestBytes bounds a request body. Zero means DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MaxHeaderBytes bounds the request line plus headers (Serve only). Zero means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// ReadHeaderTimeout bounds reading a request's headers (Serve only). Zero means
	// DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout bounds reading a request's body, from the end of its headers:
	// a body not received by then is answered 408 and the connection closed. It does
	// not bound responses or WebSocket sessions. Zero means DefaultReadBodyTimeout.
	ReadBodyTimeout time.Duration
	// Debug serves the last Recent forwarded requests at /tailui/v1/debug/recent.
	Debug bool
	// Recent is how many requests Debug keeps. Zero means DefaultRecent.
	Recent int
	// Logger receives one line per request. Nil means a text handler on stderr.
	Logger *slog.Logger
	// Transport overrides the transport to Loki (tests). It must support protocol
	// upgrades (an *http.Transport does).
	Transport http.RoundTripper
}

// Gateway is an http.Handler that restores path-encoded query strings and forwards
// Loki's read API. Build one with New.
type Gateway struct {
	cfg      Config
	upstream *url.URL
	proxy    *httputil.ReverseProxy
	client   *http.Client // for the /ready probe
	log      *slog.Logger
	now      func() time.Time

	probeMu sync.Mutex
	probeAt time.Time
	probeOK bool

	recentMu sync.Mutex
	recent   []RecentRequest // ring, oldest at recentAt once full
	recentAt int
}

var _ http.Handler = (*Gateway)(nil)

// New checks cfg and builds a Gateway.
func New(cfg Config) (*Gateway, error) {
	u, err := url.Parse(cfg.Upstream)
	shown := redact.URL(cfg.Upstream) // messages never show a password
	switch {
	case cfg.Upstream == "":
		return nil, errors.New("gateway: no upstream URL (--upstream)")
	case err != nil:
		return nil, fmt.Errorf("gateway: parse upstream URL: %w", redact.Error(err))
	case u.User != nil:
		return nil, fmt.Errorf("gateway: upstream URL %q must not hold credentials; use --basic-auth-user/--basic-auth-password-file or --bearer-token-file", shown)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("gateway: upstream URL %q: scheme must be http or https", shown)
	case u.Host == "":
		return nil, fmt.Errorf("gateway: upstream URL %q has no host", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("gateway: upstream URL %q must not have a query or fragment", shown)
	}
	if cfg.BearerTokenFile != "" && (cfg.BasicAuthUser != "" || cfg.BasicAuthPasswordFile != "") {
		return nil, errors.New("gateway: choose basic auth or a bearer token, not both")
	}
	if (cfg.BasicAuthUser == "") != (cfg.BasicAuthPasswordFile == "") {
		return nil, errors.New("gateway: basic auth needs both a user and a password file")
	}
	if cfg.MaxIdle == 0 {
		cfg.MaxIdle = DefaultMaxIdle
	}
	if cfg.MaxSession < 0 {
		return nil, errors.New("gateway: max session must not be negative")
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.MaxHeaderBytes < queryargs.MaxQueryArgsBytes+4<<10 {
		return nil, fmt.Errorf("gateway: max header bytes %d is too small for queryargs up to %d bytes", cfg.MaxHeaderBytes, queryargs.MaxQueryArgsBytes)
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if cfg.ReadBodyTimeout <= 0 {
		cfg.ReadBodyTimeout = DefaultReadBodyTimeout
	}
	if cfg.Recent <= 0 {
		cfg.Recent = DefaultRecent
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Transport == nil {
		cfg.Transport = newTransport()
	}
	g := &Gateway{
		cfg:      cfg,
		upstream: u,
		client:   &http.Client{Transport: cfg.Transport, Timeout: defaultProbeTimeout},
		log:      cfg.Logger,
		now:      time.Now,
	}
	if _, err := g.credentials(); err != nil { // fail at start, not on the first request
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(g.upstream) // keeps the restored path and query set by ServeHTTP
			pr.SetXForwarded()
			// The tenant is set last, after every hop-by-hop header is gone (serve
			// stripped them, ReverseProxy again), so nothing can remove it on the way.
			if g.cfg.OrgID != "" {
				pr.Out.Header.Set(orgIDHeader, g.cfg.OrgID)
			}
		},
		Transport:     cfg.Transport,
		FlushInterval: -1, // stream every write: tails and large query results
		ErrorHandler:  g.proxyError,
		ErrorLog:      slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return g, nil
}

func newTransport() *http.Transport {
	return &http.Transport{
		// No Proxy: an HTTP_PROXY in the pod's environment must not divert Loki traffic.
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Pass bodies through as Loki encoded them instead of decoding gzip here.
		DisableCompression: true,
		// WebSocket upgrades need HTTP/1.1 to Loki.
		ForceAttemptHTTP2: false,
	}
}

// Server returns an http.Server for g with the configured limits and timeouts. It
// sets no ReadTimeout or WriteTimeout: they would cut long responses and WebSocket
// sessions. Headers are bounded by ReadHeaderTimeout, bodies by ReadBodyTimeout (a
// read deadline set in ServeHTTP while the body is read), waiting for Loki by MaxIdle.
func (g *Gateway) Server() *http.Server {
	idle := g.cfg.MaxIdle
	if idle < 0 {
		idle = 0
	}
	return &http.Server{
		Handler:           g,
		ReadHeaderTimeout: g.cfg.ReadHeaderTimeout,
		IdleTimeout:       idle,
		MaxHeaderBytes:    g.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
}

type sessionsKey struct{}

// Serve accepts connections on ln until ctx is cancelled, then shuts down: it stops
// accepting, closes open WebSocket sessions (http.Server.Shutdown does not track
// hijacked connections), and waits up to 10 s for plain requests to finish. It
// returns nil after a shutdown caused by ctx.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	srv := g.Server()
	sessions, closeSessions := context.WithCancel(context.Background())
	defer closeSessions()
	srv.BaseContext = func(net.Listener) context.Context {
		return context.WithValue(context.Background(), sessionsKey{}, sessions)
	}
	srv.RegisterOnShutdown(closeSessions)
	g.log.Info("gateway listening", "addr", ln.Addr().String(), "upstream", g.upstream.Redacted(), "org_id", g.cfg.OrgID, "version", Version)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("gateway: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if err != nil {
		return fmt.Errorf("gateway: shutdown: %w", err)
	}
	return nil
}

// Causes for cancelling a forwarded request, told apart in proxyError and the log.
var (
	errIdle    = errors.New("upstream idle")
	errSession = errors.New("session limit reached")
)

// ServeHTTP checks and forwards one request. See the package README for the rules.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	ent := logEntry{start: g.now(), method: r.Method, path: requestPath(r), remote: r.RemoteAddr}
	defer func() {
		if v := recover(); v != nil {
			// ReverseProxy panics with http.ErrAbortHandler when copying a body
			// fails after the headers went out; log the request, then let the
			// server abort the connection as ReverseProxy intends.
			ent.aborted = true
			g.logRequest(&ent, rec)
			panic(v)
		}
		g.logRequest(&ent, rec)
	}()
	g.serve(rec, r, &ent)
}

func (g *Gateway) serve(w *recorder, r *http.Request, ent *logEntry) {
	upType := upgradeType(r.Header)
	ent.upgrade = upType != ""
	// Before any check: a header the client lists in Connection would be dropped
	// on the way to Loki, after the checks passed (Connection: X-Scope-OrgID).
	removeHopByHop(r.Header, upType)
	if ref := checkPath(ent.path); ref != nil {
		g.refuse(w, ent, ref)
		return
	}
	cleanPath, query, err := queryargs.DecodeQueryArgs(ent.path)
	if err != nil {
		ref := &refusal{status: http.StatusBadRequest, reason: "queryargs: " + reasonOf(err)}
		if errors.Is(err, queryargs.ErrQueryArgsTooLong) {
			ref.status = http.StatusRequestURITooLong
		}
		g.refuse(w, ent, ref)
		return
	}
	if query != "" {
		if r.URL.RawQuery != "" || r.URL.ForceQuery {
			g.refuse(w, ent, &refusal{status: http.StatusBadRequest, reason: "request has both a query string and queryargs in its path; send one"})
			return
		}
		ent.queryArgs = true
	} else {
		query = r.URL.RawQuery
	}
	ent.restored = cleanPath
	ent.query = query

	switch cleanPath {
	case pingPath:
		if ref := onlyGet(r); ref != nil {
			g.refuse(w, ent, ref)
			return
		}
		g.servePing(w, r)
		return
	case recentPath:
		if !g.cfg.Debug {
			g.refuse(w, ent, &refusal{status: http.StatusNotFound, reason: recentPath + " is served only when the gateway runs with --debug"})
			return
		}
		if ref := onlyGet(r); ref != nil {
			g.refuse(w, ent, ref)
			return
		}
		g.serveRecent(w)
		return
	}
	if ref := checkRoute(cleanPath, r.Method, upType); ref != nil {
		g.refuse(w, ent, ref)
		return
	}
	if ref := g.checkTenant(r.Header); ref != nil {
		g.refuse(w, ent, ref)
		return
	}

	// Bodies are small form posts: read them whole, so the limit answers 413 before
	// anything reaches Loki rather than cutting a request in flight.
	// A read deadline bounds the body: without one, a client that announces 100
	// bytes and sends one holds the connection for ever (MaxIdle starts later).
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		rc := http.NewResponseController(w)
		// Fails only where there is no connection (a handler called directly).
		_ = rc.SetReadDeadline(time.Now().Add(g.cfg.ReadBodyTimeout))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.cfg.MaxRequestBytes))
		if err != nil {
			// The deadline stays: the server must not wait for the rest either.
			w.Header().Set("Connection", "close")
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				g.refuse(w, ent, &refusal{status: http.StatusRequestEntityTooLarge, reason: fmt.Sprintf("request body is larger than %d bytes", g.cfg.MaxRequestBytes)})
			case errors.Is(err, os.ErrDeadlineExceeded):
				g.refuse(w, ent, &refusal{status: http.StatusRequestTimeout, reason: fmt.Sprintf("request body not received within %s (--read-body-timeout)", g.cfg.ReadBodyTimeout)})
			default:
				g.refuse(w, ent, &refusal{status: http.StatusBadRequest, reason: "read request body: " + err.Error()})
			}
			return
		}
		// Cleared before forwarding: responses and WebSocket sessions are unbounded.
		// (net/http clears it too when it starts watching for the client to leave,
		// at the body's end; this does not depend on that.)
		_ = rc.SetReadDeadline(time.Time{})
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}

	// Headers: the client's credentials never reach Loki; the gateway's own do. The
	// tenant (OrgID) is set in the proxy's Rewrite, last.
	r.Header.Del("Authorization")
	r.Header.Del("Proxy-Authorization")
	r.Header.Del("Cookie")
	auth, err := g.credentials()
	if err != nil {
		g.refuse(w, ent, &refusal{status: http.StatusInternalServerError, reason: err.Error()})
		return
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}

	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	// Runs before cancel(nil), and also when ReverseProxy panics to abort.
	defer func() { ent.cause = context.Cause(ctx) }()
	if ent.upgrade {
		if g.cfg.MaxSession > 0 {
			t := time.AfterFunc(g.cfg.MaxSession, func() { cancel(errSession) })
			defer t.Stop()
		}
		if sessions, ok := r.Context().Value(sessionsKey{}).(context.Context); ok {
			stop := context.AfterFunc(sessions, func() { cancel(http.ErrServerClosed) })
			defer stop()
		}
	} else if g.cfg.MaxIdle > 0 {
		t := time.AfterFunc(g.cfg.MaxIdle, func() { cancel(errIdle) })
		defer t.Stop()
		w.touch = func() { t.Reset(g.cfg.MaxIdle) }
	}

	out := r.WithContext(ctx)
	out.URL = &url.URL{Path: cleanPath, RawQuery: query}
	g.remember(RecentRequest{Time: ent.start, Method: r.Method, Path: cleanPath, Query: query, QueryArgs: ent.queryArgs, Upgrade: ent.upgrade})
	g.proxy.ServeHTTP(w, out)
}

// credentials returns the Authorization value for Loki, reading secret files afresh.
func (g *Gateway) credentials() (string, error) {
	switch {
	case g.cfg.BearerTokenFile != "":
		tok, err := readSecret(g.cfg.BearerTokenFile)
		if err != nil {
			return "", err
		}
		return "Bearer " + tok, nil
	case g.cfg.BasicAuthPasswordFile != "":
		pw, err := readSecret(g.cfg.BasicAuthPasswordFile)
		if err != nil {
			return "", err
		}
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(g.cfg.BasicAuthUser, pw)
		return r.Header.Get("Authorization"), nil
	}
	return "", nil
}

func readSecret(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("read credentials: %w", err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("read credentials: %s is empty", name)
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("read credentials: %s holds more than one line", name)
	}
	return s, nil
}

// proxyError answers a request the proxy could not complete.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	cause := context.Cause(r.Context())
	status, reason := http.StatusBadGateway, "upstream: "+redact.Error(err).Error()
	switch {
	case errors.Is(cause, errIdle):
		status, reason = http.StatusGatewayTimeout, fmt.Sprintf("upstream sent nothing for %s (--max-idle)", g.cfg.MaxIdle)
	case errors.Is(cause, errSession):
		status, reason = http.StatusGatewayTimeout, fmt.Sprintf("session limit of %s reached (--max-session)", g.cfg.MaxSession)
	case errors.Is(cause, http.ErrServerClosed):
		status, reason = http.StatusServiceUnavailable, "gateway is shutting down"
	case r.Context().Err() != nil:
		// The client went away; nobody reads an answer, but the log shows 499.
		if rec, ok := w.(*recorder); ok {
			rec.status = statusClientClosed
		}
		return
	}
	writeError(w, status, reason)
}

// orgIDHeader is Loki's tenant header (canonical form: X-Scope-Orgid).
const orgIDHeader = "X-Scope-OrgID"

// checkTenant refuses a request whose X-Scope-OrgID is not the configured tenant.
// Without OrgID every tenant passes: the client chooses (see Config.OrgID).
func (g *Gateway) checkTenant(h http.Header) *refusal {
	if g.cfg.OrgID == "" {
		return nil
	}
	for _, v := range h.Values(orgIDHeader) {
		// An empty value asks for no tenant; the configured one replaces it.
		if v == "" || v == g.cfg.OrgID {
			continue
		}
		what := "another tenant"
		if strings.Contains(v, "|") {
			what = "several tenants"
		}
		return &refusal{status: http.StatusForbidden, reason: fmt.Sprintf(
			"X-Scope-OrgID %q asks for %s: this gateway serves only tenant %q (--org-id); send that tenant or no X-Scope-OrgID",
			truncate(v, 100), what, g.cfg.OrgID)}
	}
	return nil
}

// hopHeaders are the hop-by-hop headers of RFC 9110 section 7.6.1, as
// httputil.ReverseProxy removes them.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopByHop removes the headers listed in Connection and the standard
// hop-by-hop ones from h, as httputil.ReverseProxy does on the way out, and puts
// back what an upgrade to upType needs (as ReverseProxy does too), so the checks see
// the headers Loki will get.
func removeHopByHop(h http.Header, upType string) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	trailers := false
	for _, v := range h.Values("Te") {
		for _, tok := range strings.Split(v, ",") {
			trailers = trailers || strings.EqualFold(textproto.TrimString(tok), "trailers")
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	if trailers {
		h.Set("Te", "trailers")
	}
	if upType != "" {
		h.Set("Connection", "Upgrade")
		h.Set("Upgrade", upType)
	}
}

// upgradeType returns the protocol a request asks to switch to, or "". It mirrors
// httputil.ReverseProxy so both agree on what an upgrade is.
func upgradeType(h http.Header) string {
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return h.Get("Upgrade")
			}
		}
	}
	return ""
}

// requestPath is the path exactly as the client sent it (escaped form, no query).
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if p == "" || !strings.HasPrefix(p, "/") {
		// Absolute-form ("GET http://h/p") or a handler called directly.
		if r.RequestURI != "" && r.RequestURI != "*" {
			return r.RequestURI // checkPath refuses it
		}
		return r.URL.EscapedPath()
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}
