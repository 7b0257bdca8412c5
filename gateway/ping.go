package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Ping is the answer of GET /tailui/v1/ping, which lets a client tell that the
// gateway (and not Loki itself) is behind a Service, and whether Loki is ready.
type Ping struct {
	Gateway    string `json:"gateway"` // always "tailui"
	Version    string `json:"version"`
	UpstreamOK bool   `json:"upstream_ok"`
}

// RecentRequest is one forwarded request as kept for /tailui/v1/debug/recent.
type RecentRequest struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`      // path forwarded to Loki
	Query     string    `json:"query"`     // raw query forwarded to Loki
	QueryArgs bool      `json:"queryargs"` // the query was restored from the path
	Upgrade   bool      `json:"upgrade"`
}

// Recent is the answer of GET /tailui/v1/debug/recent, oldest request first.
type Recent struct {
	Recent []RecentRequest `json:"recent"`
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// servePing answers 200 whatever Loki's state, so a readiness probe on it checks the
// gateway alone and a client reaching it always learns that a gateway is there.
func (g *Gateway) servePing(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, Ping{Gateway: "tailui", Version: Version, UpstreamOK: g.upstreamOK(r.Context())})
}

// upstreamOK probes Loki's /ready with a short timeout and caches the result for a
// few seconds, so pings (and readiness probes) do not load Loki.
func (g *Gateway) upstreamOK(ctx context.Context) bool {
	g.probeMu.Lock()
	defer g.probeMu.Unlock()
	if !g.probeAt.IsZero() && g.now().Sub(g.probeAt) < defaultProbeTTL {
		return g.probeOK
	}
	g.probeOK = g.probe(ctx)
	g.probeAt = g.now()
	return g.probeOK
}

func (g *Gateway) probe(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultProbeTimeout)
	defer cancel()
	u := *g.upstream
	u.Path = singleJoin(u.Path, "/ready")
	u.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false
	}
	if g.cfg.OrgID != "" {
		req.Header.Set("X-Scope-OrgID", g.cfg.OrgID)
	}
	if auth, err := g.credentials(); err == nil && auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode == http.StatusOK
}

// singleJoin joins a base path and an absolute path with one slash between.
func singleJoin(base, p string) string {
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + p
}

func (g *Gateway) remember(rr RecentRequest) {
	if !g.cfg.Debug {
		return
	}
	g.recentMu.Lock()
	defer g.recentMu.Unlock()
	if len(g.recent) < g.cfg.Recent {
		g.recent = append(g.recent, rr)
		return
	}
	g.recent[g.recentAt] = rr
	g.recentAt = (g.recentAt + 1) % len(g.recent)
}

func (g *Gateway) serveRecent(w http.ResponseWriter) {
	g.recentMu.Lock()
	out := make([]RecentRequest, 0, len(g.recent))
	out = append(out, g.recent[g.recentAt:]...)
	out = append(out, g.recent[:g.recentAt]...)
	g.recentMu.Unlock()
	writeJSON(w, Recent{Recent: out})
}
