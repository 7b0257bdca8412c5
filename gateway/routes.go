package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/tailui/tailui/loki/queryargs"
)

// The gateway's own endpoints.
const (
	pingPath   = "/tailui/v1/ping"
	recentPath = "/tailui/v1/debug/recent"
	tailPath   = "/loki/api/v1/tail"
)

// statusClientClosed is logged when the client went away before an answer (nginx's 499).
const statusClientClosed = 499

var (
	getOnly    = []string{http.MethodGet}
	getAndPost = []string{http.MethodGet, http.MethodPost}
)

// readAPI is the allow-list: Loki's read endpoints and the methods Loki accepts on
// them. POST is allowed only where Loki parses form bodies (query, query_range,
// series). /loki/api/v1/label/<name>/values is matched in route.
var readAPI = map[string][]string{
	tailPath:                          getOnly,
	"/loki/api/v1/query":              getAndPost,
	"/loki/api/v1/query_range":        getAndPost,
	"/loki/api/v1/labels":             getOnly,
	"/loki/api/v1/series":             getAndPost,
	"/loki/api/v1/index/stats":        getOnly,
	"/loki/api/v1/index/volume":       getOnly,
	"/loki/api/v1/index/volume_range": getOnly,
	"/loki/api/v1/detected_labels":    getOnly,
	"/loki/api/v1/detected_fields":    getOnly,
	"/loki/api/v1/patterns":           getOnly,
	"/ready":                          getOnly,
}

// refusal is a request the gateway answers itself with a 4xx or 5xx and a reason.
type refusal struct {
	status int
	reason string
	allow  []string // for 405
}

// errorBody is the JSON body of every answer the gateway gives itself, e.g.
// {"error":"tailui gateway: ..."}: the prefix makes it readable when a client shows
// it to a person as is, and tells it apart from Loki's own (plain-text) errors.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Error: "tailui gateway: " + reason})
}

func (g *Gateway) refuse(w *recorder, ent *logEntry, ref *refusal) {
	ent.reason = ref.reason
	if len(ref.allow) > 0 {
		w.Header().Set("Allow", strings.Join(ref.allow, ", "))
	}
	writeError(w, ref.status, ref.reason)
}

// reasonOf returns the human part of a codec error.
func reasonOf(err error) string {
	var qe *queryargs.QueryArgsError
	if errors.As(err, &qe) {
		return qe.Reason
	}
	return err.Error()
}

func onlyGet(r *http.Request) *refusal {
	if r.Method == http.MethodGet {
		return nil
	}
	return &refusal{status: http.StatusMethodNotAllowed, reason: fmt.Sprintf("method %s is not allowed here", r.Method), allow: getOnly}
}

// checkPath refuses request paths that are not plain, canonical, absolute paths.
// It sees the path as sent (escaped form). Loki's read paths and queryargs never
// need percent-encoding, so any is refused; the reason names the trick when it is a
// known one. Strict on purpose: the gateway serves Loki paths at its root (the
// service proxy strips everything up to /proxy), and there is no prefix to allow for.
func checkPath(p string) *refusal {
	bad := func(format string, args ...any) *refusal {
		return &refusal{status: http.StatusBadRequest, reason: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(p, "/") {
		return bad("request target must be an absolute path, not %q", truncate(p, 100))
	}
	if strings.Contains(p, "%") {
		lp := strings.ToLower(p)
		switch {
		case strings.Contains(lp, "%2f"), strings.Contains(lp, "%5c"):
			return bad("encoded slash in a path segment is not allowed")
		case strings.Contains(lp, "%2e"):
			return bad("encoded dot in the path is not allowed")
		default:
			return bad("percent-encoding in the path is not allowed (Loki read paths and queryargs need none)")
		}
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return bad("byte %q at offset %d is not allowed in the path", c, i)
		}
	}
	if strings.Contains(p, "//") {
		return bad("empty path segment (\"//\") is not allowed")
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "." || seg == ".." {
			return bad("dot segment %q in the path is not allowed", seg)
		}
	}
	// One trailing slash is part of the queryargs format; everything else must
	// already be what path.Clean makes of it.
	trimmed := p
	if len(p) > 1 {
		trimmed = strings.TrimSuffix(p, "/")
	}
	if c := path.Clean(trimmed); c != trimmed {
		return bad("path is not canonical (clean form is %q)", truncate(c, 100))
	}
	return nil
}

// checkRoute applies the allow-list to a restored path.
func checkRoute(p, method, upType string) *refusal {
	methods, ok := readAPI[p]
	if !ok && isLabelValues(p) {
		methods, ok = getOnly, true
	}
	if !ok {
		return &refusal{status: http.StatusForbidden, reason: fmt.Sprintf("%s is not on the allow-list: only Loki's read API is forwarded", truncate(p, 100))}
	}
	allowed := false
	for _, m := range methods {
		allowed = allowed || m == method
	}
	if !allowed {
		return &refusal{status: http.StatusMethodNotAllowed, reason: fmt.Sprintf("method %s is not allowed on %s", method, p), allow: methods}
	}
	if upType != "" {
		if p != tailPath {
			return &refusal{status: http.StatusBadRequest, reason: "protocol upgrades are forwarded only for " + tailPath}
		}
		if !strings.EqualFold(upType, "websocket") {
			return &refusal{status: http.StatusBadRequest, reason: fmt.Sprintf("upgrade to %q is not allowed, only websocket", truncate(upType, 40))}
		}
	}
	return nil
}

// isLabelValues reports whether p is /loki/api/v1/label/<name>/values with a
// Prometheus-style label name ([A-Za-z_][A-Za-z0-9_]*).
func isLabelValues(p string) bool {
	name, ok := strings.CutPrefix(p, "/loki/api/v1/label/")
	if !ok {
		return false
	}
	name, ok = strings.CutSuffix(name, "/values")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// truncate cuts s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…(" + fmt.Sprint(len(s)) + " bytes)"
}
