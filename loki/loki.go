package loki

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gws "github.com/gorilla/websocket"
	"k8s.io/client-go/rest"

	"github.com/tailui/tailui/internal/redact"
	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/loki/queryargs"
)

// LokiVia says how tailui reaches Loki.
type LokiVia int

// Ways to reach Loki. Auto discovers Loki and the tailui gateway and tries, in this
// order: the gateway, the plain service proxy (only when a probe shows the API server
// keeps the query string of an upgrade), a port-forward, polling; then LOKI_ADDR.
const (
	LokiViaAuto        LokiVia = iota
	LokiViaGateway             // service proxy to the tailui gateway, query args path-encoded
	LokiViaProxy               // service proxy straight to Loki, plain query (kubernetes issue 77142)
	LokiViaPortForward         // client-go port-forward to a Loki pod, then a direct socket
	LokiViaPoll                // query_range through the service proxy, forward from the last entry
	LokiViaURL                 // --loki-url or LOKI_ADDR, with logcli's credentials
)

var lokiViaNames = [...]string{"auto", "gateway", "proxy", "port-forward", "poll", "url"}

// String returns the flag spelling of v.
func (v LokiVia) String() string {
	if int(v) >= 0 && int(v) < len(lokiViaNames) {
		return lokiViaNames[v]
	}
	return "unknown"
}

// ParseLokiVia reads a --loki-via value.
func ParseLokiVia(s string) (LokiVia, error) {
	for i, n := range lokiViaNames {
		if n == s {
			return LokiVia(i), nil
		}
	}
	return 0, fmt.Errorf("unknown --loki-via %q (want %s)", s, strings.Join(lokiViaNames[:], ", "))
}

// LokiOptions say where Loki is and how to reach it.
type LokiOptions struct {
	Via LokiVia
	// Service is Loki's Service as NS/[https:]NAME[:PORT]; empty: discover it.
	Service string
	// Gateway is the tailui gateway's Service, same form; empty: discover it in
	// Loki's namespace.
	Gateway string
	// URL is Loki's base URL (--loki-url, or LOKI_ADDR through LokiOptions.FromEnv).
	URL string
	// urlFromEnv says URL came from LOKI_ADDR: auto then tries it last.
	urlFromEnv bool
	// Credentials for URL (logcli's LOKI_USERNAME, LOKI_PASSWORD, LOKI_BEARER_TOKEN).
	Username, Password, BearerToken string
	// OrgID is sent as X-Scope-OrgID on every way.
	OrgID string
	// Since bounds label, value and series lookups (0: Loki's default).
	Since time.Duration
}

// FromEnv fills what the options leave empty from logcli's environment variables:
// LOKI_ADDR, LOKI_USERNAME, LOKI_PASSWORD, LOKI_BEARER_TOKEN, LOKI_ORG_ID.
func (o *LokiOptions) FromEnv(getenv func(string) string) {
	if o.URL == "" {
		if o.URL = getenv("LOKI_ADDR"); o.URL != "" {
			o.urlFromEnv = true
		}
	}
	if o.Username == "" {
		o.Username = getenv("LOKI_USERNAME")
	}
	if o.Password == "" {
		o.Password = getenv("LOKI_PASSWORD")
	}
	if o.BearerToken == "" {
		o.BearerToken = getenv("LOKI_BEARER_TOKEN")
	}
	if o.OrgID == "" {
		o.OrgID = getenv("LOKI_ORG_ID")
	}
}

// Header returns the headers every request to Loki carries. Loki 3 adds structured
// metadata (detected_level, OpenTelemetry attributes) to the stream labels of query
// answers but not to tail messages, so one entry would come with two label sets and
// resuming could not recognise it: categorize-labels keeps the stream labels alone
// in both (metadata moves to a third element of each value, which tailui ignores).
func (o *LokiOptions) Header() http.Header {
	h := http.Header{"X-Loki-Response-Encoding-Flags": {"categorize-labels"}}
	if o.OrgID != "" {
		h.Set("X-Scope-OrgID", o.OrgID)
	}
	return h
}

// Way is one way to Loki's HTTP API.
type Way interface {
	Via() LokiVia
	// Describe says where the requests go, e.g. "svc monitoring/loki:3100 through
	// the API server's service proxy".
	Describe() string
	// Get does a plain GET of a Loki API path ("/loki/api/v1/labels") with query q
	// and returns the body of a 2xx answer; anything else is a *ResponseError or a
	// transport error.
	Get(ctx context.Context, path string, q url.Values) ([]byte, error)
	// DialTail opens /loki/api/v1/tail with query q. Ways that cannot carry a
	// WebSocket (poll) return errNoTail.
	DialTail(ctx context.Context, q url.Values) (*gws.Conn, error)
	// Close releases what the way holds (a port-forward).
	Close()
}

var errNoTail = errors.New("this way cannot carry a tail")

// maxBody bounds a Loki answer tailui reads (a query_range page of 1000 long lines
// is far below it).
const maxBody = 256 << 20

// httpGet is the GET every way shares.
func httpGet(ctx context.Context, hc *http.Client, u *url.URL, header http.Header) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Accept", "application/json, */*")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, redact.Error(err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, kube.NewResponseError("GET "+u.Path, resp)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read answer: %w", u.Path, err)
	}
	return b, nil
}

// join returns base with p appended to its path and q as its query.
func join(base *url.URL, p string, q url.Values) *url.URL {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + p
	u.RawPath = ""
	u.RawQuery = ""
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return &u
}

// ProxyWay reaches a Service through the API server's service proxy: Loki itself
// (proxy, poll) or the tailui gateway (query args path-encoded for tails).
type ProxyWay struct {
	via    LokiVia
	svc    kube.ServiceRef
	base   *url.URL
	hc     *http.Client
	ws     *kube.WSDialer
	header http.Header
	// encode moves the tail's query into the path (the gateway restores it).
	encode bool
}

// NewProxyWay reaches svc through the API server's service proxy, with header on
// every request; encode path-encodes a tail's query (for the tailui gateway).
func NewProxyWay(c *kube.Client, via LokiVia, svc kube.ServiceRef, header http.Header, encode bool) (*ProxyWay, error) {
	host, _, err := rest.DefaultServerUrlFor(c.Config)
	if err != nil {
		return nil, fmt.Errorf("kube: API server URL: %w", err)
	}
	base := *host
	base.Path = strings.TrimSuffix(base.Path, "/") + svc.ProxyPath()
	hc, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		return nil, fmt.Errorf("kube: HTTP client: %w", err)
	}
	ws, err := kube.NewWSDialer(c.Config)
	if err != nil {
		return nil, err
	}
	return &ProxyWay{via: via, svc: svc, base: &base, hc: hc, ws: ws, header: header, encode: encode}, nil
}

// Via implements Way.
func (w *ProxyWay) Via() LokiVia { return w.via }

// Describe implements Way.
func (w *ProxyWay) Describe() string {
	switch w.via {
	case LokiViaGateway:
		return "the tailui gateway, svc " + w.svc.String() + ", through the API server's service proxy (query args path-encoded)"
	case LokiViaPoll:
		return "query_range polls of svc " + w.svc.String() + " through the API server's service proxy"
	}
	return "svc " + w.svc.String() + " through the API server's service proxy"
}

// Get implements Way.
func (w *ProxyWay) Get(ctx context.Context, p string, q url.Values) ([]byte, error) {
	return httpGet(ctx, w.hc, join(w.base, p, q), w.header)
}

// GetEncoded is Get with the query moved into the path, the way the gateway restores
// it (doctor checks that it does).
func (w *ProxyWay) GetEncoded(ctx context.Context, p string, q url.Values) ([]byte, error) {
	u := join(w.base, queryargs.EncodeQueryArgs(p, q.Encode()), nil)
	return httpGet(ctx, w.hc, u, w.header)
}

// DialTail implements Way: the poll way has no tail (errNoTail).
func (w *ProxyWay) DialTail(ctx context.Context, q url.Values) (*gws.Conn, error) {
	if w.via == LokiViaPoll {
		return nil, errNoTail
	}
	var u *url.URL
	if w.encode {
		// url.Values.Encode escapes '{' and the rest; the codec refuses raw ones.
		u = join(w.base, queryargs.EncodeQueryArgs(tailPath, q.Encode()), nil)
	} else {
		u = join(w.base, tailPath, q)
	}
	return w.ws.Dial(ctx, u, w.header)
}

// Close implements Way; a proxy way holds nothing.
func (w *ProxyWay) Close() {}

const tailPath = "/loki/api/v1/tail"

// directWay talks to Loki's own HTTP address: --loki-url, or 127.0.0.1 at the end
// of a port-forward.
type directWay struct {
	via    LokiVia
	desc   string
	base   *url.URL
	hc     *http.Client
	ws     *kube.WSDialer
	header http.Header
	// pf, when set, is the port-forward the base address belongs to.
	pf *kube.Forwarder
}

// NewURLWay reaches Loki at o.URL with logcli's credentials.
func NewURLWay(o *LokiOptions) (*directWay, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("loki URL %q: want http(s)://host[:port][/prefix]", redact.URL(o.URL))
	}
	user, password := o.Username, o.Password
	if u.User != nil {
		// User info in the URL is basic auth, as curl and logcli take it, unless
		// LOKI_USERNAME/LOKI_PASSWORD/LOKI_BEARER_TOKEN say otherwise. It leaves the
		// URL, so no request, error or message can carry it (and WebSocket dialers
		// refuse URLs with user info).
		if user == "" && password == "" {
			user = u.User.Username()
			password, _ = u.User.Password()
		}
		c := *u
		c.User = nil
		u = &c
	}
	h := o.Header()
	switch {
	case o.BearerToken != "":
		h.Set("Authorization", "Bearer "+o.BearerToken)
	case user != "" || password != "":
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ws := kube.NewPlainWSDialer(tr.TLSClientConfig, http.ProxyFromEnvironment, h)
	desc := kube.RedactURL(u)
	if o.urlFromEnv {
		desc += " (LOKI_ADDR)"
	}
	return &directWay{via: LokiViaURL, desc: desc, base: u, hc: &http.Client{Transport: tr}, ws: ws, header: h}, nil
}

func (w *directWay) Via() LokiVia { return w.via }

func (w *directWay) Describe() string {
	if w.pf != nil {
		return w.pf.Describe()
	}
	return w.desc
}

func (w *directWay) baseURL(ctx context.Context) (*url.URL, error) {
	if w.pf == nil {
		return w.base, nil
	}
	return w.pf.Ensure(ctx)
}

func (w *directWay) Get(ctx context.Context, p string, q url.Values) ([]byte, error) {
	base, err := w.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	b, err := httpGet(ctx, w.hc, join(base, p, q), w.header)
	if err != nil && w.pf != nil {
		err = w.pf.Annotate(err)
	}
	return b, err
}

func (w *directWay) DialTail(ctx context.Context, q url.Values) (*gws.Conn, error) {
	base, err := w.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	c, err := w.ws.Dial(ctx, join(base, tailPath, q), nil)
	if err != nil && w.pf != nil {
		err = w.pf.Annotate(err)
	}
	return c, err
}

func (w *directWay) Close() {
	if w.pf != nil {
		w.pf.Close()
	}
}

// NewPortForwardWay reaches Loki through f, a port-forward to one of its pods.
func NewPortForwardWay(f *kube.Forwarder) Way {
	return &directWay{via: LokiViaPortForward, hc: noProxyClient(), pf: f}
}

// Loki is one Loki and the ways to reach it, found by NewLoki. It browses Loki's
// label index (Labels, Values, Series: the shape of the UI's LokiCatalog) and opens
// tails (Tail). It is safe for concurrent use.
type Loki struct {
	client *kube.Client
	opts   LokiOptions
	// svc is Loki's Service; gw the tailui gateway's, when one answered its ping.
	svc, gw *kube.ServiceRef
	// notes say what discovery found out: where Loki is, why a way is not available.
	notes []string

	mu sync.Mutex
	// ways are the ways a tail tries, in order of preference (see LokiVia).
	ways []Way
	// cat are the ways label lookups try, in order; catIdx is the one in use
	// (advanced when a way fails to reach Loki).
	cat    []Way
	catIdx int
	// failed remembers why ways failed, by way, for Describe.
	failed map[LokiVia]string
}

// Service returns Loki's Service, if one was found.
func (l *Loki) Service() (kube.ServiceRef, bool) {
	if l.svc == nil {
		return kube.ServiceRef{}, false
	}
	return *l.svc, true
}

// Gateway returns the tailui gateway's Service, if one answered.
func (l *Loki) Gateway() (kube.ServiceRef, bool) {
	if l.gw == nil {
		return kube.ServiceRef{}, false
	}
	return *l.gw, true
}

// Notes returns what discovery found out, one sentence each.
func (l *Loki) Notes() []string { return slices.Clone(l.notes) }

// Close releases port-forwards.
func (l *Loki) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range append(slices.Clone(l.ways), l.cat...) {
		w.Close()
	}
}

// Describe says how Loki is reached for label lookups and why other ways were not
// taken, e.g. "Loki via gateway: the tailui gateway, svc monitoring/tailui-gateway:8080, ...".
func (l *Loki) Describe() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.cat) == 0 {
		return "no way to Loki"
	}
	w := l.cat[min(l.catIdx, len(l.cat)-1)]
	var b strings.Builder
	b.WriteString("Loki via " + w.Via().String() + ": " + w.Describe())
	other := slices.Clone(l.notes)
	for _, v := range []LokiVia{LokiViaGateway, LokiViaProxy, LokiViaPortForward, LokiViaPoll, LokiViaURL} {
		if why, ok := l.failed[v]; ok {
			other = append(other, v.String()+" failed: "+why)
		}
	}
	if len(other) > 0 {
		b.WriteString(" (" + strings.Join(other, "; ") + ")")
	}
	return b.String()
}

// noteFailure records why a way failed, for Describe.
func (l *Loki) noteFailure(v LokiVia, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed[v] = why
}

// get runs a GET on the catalog's way; when that way cannot reach Loki and more are
// left (auto), the next way takes over for this and later lookups.
func (l *Loki) get(ctx context.Context, p string, q url.Values) ([]byte, error) {
	for {
		l.mu.Lock()
		if len(l.cat) == 0 {
			l.mu.Unlock()
			return nil, errors.New("kube: no way to Loki")
		}
		i := min(l.catIdx, len(l.cat)-1)
		w, last := l.cat[i], i == len(l.cat)-1
		l.mu.Unlock()
		b, err := w.Get(ctx, p, q)
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil || last || lokiAnswered(err) {
			return nil, &LokiPathError{Via: w.Via(), Where: w.Describe(), Err: err}
		}
		l.mu.Lock()
		if l.catIdx == i {
			l.catIdx++
			l.failed[w.Via()] = Explain(err, w)
		}
		l.mu.Unlock()
	}
}

// sinceParams returns the since parameter of label lookups.
func (l *Loki) sinceParams() url.Values {
	q := url.Values{}
	if l.opts.Since > 0 {
		q.Set("since", l.opts.Since.String())
	}
	return q
}

// lokiList is Loki's answer to labels and label values.
type lokiList struct {
	Status string   `json:"status"`
	Data   []string `json:"data"`
	Error  string   `json:"error"`
}

func decodeList(b []byte) ([]string, error) {
	var out lokiList
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("loki: decode answer: %w", err)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("loki: %s", kube.OneLine(out.Error))
	}
	slices.Sort(out.Data)
	return out.Data, nil
}

// Labels returns the label names Loki knows (recent streams), without Loki's
// internal ones ("__stream_shard__", which Loki adds when it splits a busy stream).
func (l *Loki) Labels(ctx context.Context) ([]string, error) {
	b, err := l.get(ctx, "/loki/api/v1/labels", l.sinceParams())
	if err != nil {
		return nil, err
	}
	names, err := decodeList(b)
	return slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, "__") }), err
}

// Values returns the values of one label.
func (l *Loki) Values(ctx context.Context, name string) ([]string, error) {
	if name == "" || strings.ContainsAny(name, "/?#%") {
		return nil, fmt.Errorf("loki: bad label name %q", name)
	}
	b, err := l.get(ctx, "/loki/api/v1/label/"+name+"/values", l.sinceParams())
	if err != nil {
		return nil, err
	}
	return decodeList(b)
}

// Series returns the label sets matching a LogQL stream selector such as
// `{namespace="prod"}`, sorted by their canonical label string.
func (l *Loki) Series(ctx context.Context, selector string) ([]map[string]string, error) {
	q := l.sinceParams()
	q.Set("match[]", selector)
	b, err := l.get(ctx, "/loki/api/v1/series", q)
	if err != nil {
		return nil, err
	}
	var out struct {
		Status string              `json:"status"`
		Data   []map[string]string `json:"data"`
		Error  string              `json:"error"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("loki: decode series: %w", err)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("loki: %s", kube.OneLine(out.Error))
	}
	slices.SortFunc(out.Data, func(a, b map[string]string) int {
		return strings.Compare(LabelString(a), LabelString(b))
	})
	return out.Data, nil
}

// LokiPathError is a request to Loki that failed, with the way it took; its message
// is explained: the cause and the fix to try.
type LokiPathError struct {
	Via   LokiVia
	Where string
	Err   error
}

func (e *LokiPathError) Error() string {
	return "loki (via " + e.Via.String() + "): " + Explain(e.Err, nil)
}

func (e *LokiPathError) Unwrap() error { return e.Err }

// nsString formats a Unix nanosecond time as Loki's parameters want it.
func nsString(ns int64) string { return strconv.FormatInt(ns, 10) }

// noProxyClient is an HTTP client for 127.0.0.1 (the end of a port-forward).
func noProxyClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	return &http.Client{Transport: tr}
}
