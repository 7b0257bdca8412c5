package loki

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gws "github.com/gorilla/websocket"

	"github.com/tailui/tailui/stream"
)

// fakeEntry is one log entry of the fake Loki's single stream.
type fakeEntry struct {
	ts   int64
	line string
}

// tailPlan scripts one tail connection of the fake Loki.
type tailPlan struct {
	// dropped are label sets sent once, as dropped_entries, before anything else.
	dropped []map[string]string
	// droppedAt are the timestamps of dropped (by index; "1" when missing).
	droppedAt []int64
	// closeAfter closes the connection after that many live entries (-1: never).
	closeAfter int
	closeCode  int    // close frame code; 0 with closeAfter: cut TCP (1006)
	closeText  string // close frame text
	// beforeClose runs just before the close (to add entries "during the break").
	beforeClose func(f *fakeLoki)
	// silent sends nothing at all, not even pings.
	silent bool
	// refuse answers the upgrade with this status and body instead.
	refuse     int
	refuseBody string
}

// fakeLoki serves enough of Loki's read API for the client: tail, query_range,
// labels, label values, series. Entries belong to one stream with labels.
type fakeLoki struct {
	t      *testing.T
	labels map[string]string

	mu      sync.Mutex
	entries []fakeEntry
	added   chan struct{} // closed and replaced on every append
	conns   int
	plans   func(n int) tailPlan
	queries []url.Values // query_range requests, in order
	orgIDs  []string     // X-Scope-OrgID of every request
	stop    chan struct{}
}

func newFakeLoki(t *testing.T, plans func(n int) tailPlan) *fakeLoki {
	f := &fakeLoki{t: t, labels: map[string]string{"job": "test"}, added: make(chan struct{}), plans: plans, stop: make(chan struct{})}
	t.Cleanup(func() { close(f.stop) })
	return f
}

func (f *fakeLoki) add(es ...fakeEntry) {
	f.mu.Lock()
	f.entries = append(f.entries, es...)
	slices.SortStableFunc(f.entries, func(a, b fakeEntry) int { return int(a.ts - b.ts) })
	close(f.added)
	f.added = make(chan struct{})
	f.mu.Unlock()
}

func (f *fakeLoki) connCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

func (f *fakeLoki) streams(es []fakeEntry) []map[string]any {
	if len(es) == 0 {
		return []map[string]any{}
	}
	vals := make([][]string, 0, len(es))
	for _, e := range es {
		vals = append(vals, []string{strconv.FormatInt(e.ts, 10), e.line})
	}
	return []map[string]any{{"stream": f.labels, "values": vals}}
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.orgIDs = append(f.orgIDs, r.Header.Get("X-Scope-OrgID"))
	f.mu.Unlock()
	switch {
	case r.URL.Path == "/loki/api/v1/tail":
		f.tail(w, r, q)
	case r.URL.Path == "/loki/api/v1/query_range":
		f.queryRange(w, q, r.Header.Get("X-Loki-Response-Encoding-Flags") == "categorize-labels")
	case r.URL.Path == "/loki/api/v1/labels":
		writeJSON(w, map[string]any{"status": "success", "data": []string{"job", "__stream_shard__", "app"}})
	case strings.HasPrefix(r.URL.Path, "/loki/api/v1/label/"):
		writeJSON(w, map[string]any{"status": "success", "data": []string{"b", "a"}})
	case r.URL.Path == "/loki/api/v1/series":
		writeJSON(w, map[string]any{"status": "success", "data": []map[string]string{{"job": "z"}, {"job": "a", "app": "x"}}})
	case r.URL.Path == "/ready":
		fmt.Fprintln(w, "ready")
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// queryRange answers like Loki 3: without categorize-labels, structured metadata
// (detected_level) joins the stream labels, which tail messages do not carry.
func (f *fakeLoki) queryRange(w http.ResponseWriter, q url.Values, categorize bool) {
	if q.Get("query") == "" {
		http.Error(w, "parse error : syntax error: unexpected $end", http.StatusBadRequest)
		return
	}
	start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
	end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	f.mu.Lock()
	f.queries = append(f.queries, q)
	var sel []fakeEntry
	for _, e := range f.entries {
		if e.ts >= start && (end == 0 || e.ts < end) {
			sel = append(sel, e)
		}
	}
	f.mu.Unlock()
	if limit > 0 && len(sel) > limit {
		if q.Get("direction") == "backward" {
			sel = sel[len(sel)-limit:]
		} else {
			sel = sel[:limit]
		}
	}
	if q.Get("direction") == "backward" {
		slices.Reverse(sel)
	}
	res := f.streams(sel)
	if !categorize {
		for _, s := range res {
			l := map[string]string{"detected_level": "unknown"}
			for k, v := range f.labels {
				l[k] = v
			}
			s["stream"] = l
		}
	}
	writeJSON(w, map[string]any{"status": "success", "data": map[string]any{"resultType": "streams", "result": res}})
}

func (f *fakeLoki) tail(w http.ResponseWriter, r *http.Request, q url.Values) {
	f.mu.Lock()
	f.conns++
	n := f.conns
	f.mu.Unlock()
	plan := tailPlan{closeAfter: -1}
	if f.plans != nil {
		plan = f.plans(n)
	}
	if q.Get("query") == "" {
		http.Error(w, "parse error : syntax error: unexpected $end", http.StatusBadRequest)
		return
	}
	if plan.refuse != 0 {
		http.Error(w, plan.refuseBody, plan.refuse)
		return
	}
	up := gws.Upgrader{}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	if plan.silent {
		select {
		case <-f.stop:
		case <-r.Context().Done():
		}
		return
	}
	// Read (and so answer pings and see the close) in the background.
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return c.WriteJSON(v)
	}
	if len(plan.dropped) > 0 {
		var d []map[string]any
		for i, l := range plan.dropped {
			ts := "1"
			if i < len(plan.droppedAt) {
				ts = strconv.FormatInt(plan.droppedAt[i], 10)
			}
			d = append(d, map[string]any{"labels": l, "timestamp": ts})
		}
		_ = send(map[string]any{"streams": []any{}, "dropped_entries": d})
	}
	start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit == 0 {
		limit = 100
	}
	f.mu.Lock()
	var hist []fakeEntry
	for _, e := range f.entries {
		if e.ts >= start {
			hist = append(hist, e)
		}
	}
	sent := len(f.entries)
	added := f.added
	f.mu.Unlock()
	if len(hist) > limit {
		hist = hist[len(hist)-limit:]
	}
	if len(hist) > 0 {
		_ = send(map[string]any{"streams": f.streams(hist)})
	}
	ping := time.NewTicker(20 * time.Millisecond)
	defer ping.Stop()
	live := 0
	for {
		if plan.closeAfter >= 0 && live >= plan.closeAfter {
			if plan.beforeClose != nil {
				plan.beforeClose(f)
			}
			if plan.closeCode == 0 {
				if nc := c.NetConn(); nc != nil {
					_ = nc.Close()
				}
				return
			}
			wmu.Lock()
			_ = c.WriteMessage(gws.CloseMessage, gws.FormatCloseMessage(plan.closeCode, plan.closeText))
			wmu.Unlock()
			return
		}
		select {
		case <-f.stop:
			return
		case <-gone:
			return
		case <-ping.C:
			wmu.Lock()
			err := c.WriteControl(gws.PingMessage, nil, time.Now().Add(time.Second))
			wmu.Unlock()
			if err != nil {
				return
			}
		case <-added:
			f.mu.Lock()
			news := append([]fakeEntry(nil), f.entries[sent:]...)
			sent = len(f.entries)
			added = f.added
			f.mu.Unlock()
			for _, e := range news {
				if plan.closeAfter >= 0 && live >= plan.closeAfter {
					break
				}
				if err := send(map[string]any{"streams": f.streams([]fakeEntry{e})}); err != nil {
					return
				}
				live++
			}
		}
	}
}

// recSink records what a source produces and lets a test wait for it.
type recSink struct {
	mu       sync.Mutex
	lines    []stream.Line
	statuses []stream.Status
	changed  chan struct{}
}

func newRecSink() *recSink { return &recSink{changed: make(chan struct{})} }

func (s *recSink) Lines(b []stream.Line) {
	s.mu.Lock()
	s.lines = append(s.lines, b...)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *recSink) Status(st stream.Status) {
	s.mu.Lock()
	s.statuses = append(s.statuses, st)
	s.mu.Unlock()
}

func (s *recSink) snapshot() []stream.Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stream.Line(nil), s.lines...)
}

// waitFor blocks until cond holds for the lines so far; the deadline only guards
// against a hang, it is not what the test checks.
func (s *recSink) waitFor(t *testing.T, what string, cond func([]stream.Line) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		ok := cond(s.lines)
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("never saw %s; got:\n%s", what, dumpLines(s.snapshot()))
		}
	}
}

func dumpLines(ls []stream.Line) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "  %-9s %q (count %d)\n", l.Kind, l.Text, l.Count)
	}
	return b.String()
}

// logTexts returns the texts of the log lines (not markers).
func logTexts(ls []stream.Line) []string {
	var out []string
	for _, l := range ls {
		if l.Kind == stream.KindLog {
			out = append(out, l.Text)
		}
	}
	return out
}

func hasLog(text string) func([]stream.Line) bool {
	return func(ls []stream.Line) bool { return slices.Contains(logTexts(ls), text) }
}

func lokiMarkers(ls []stream.Line, k stream.Kind) []stream.Line {
	var out []stream.Line
	for _, l := range ls {
		if l.Kind == k {
			out = append(out, l)
		}
	}
	return out
}

// urlLoki returns a Loki reached directly at srv (the url way).
func urlLoki(t *testing.T, srv *httptest.Server) *Loki {
	t.Helper()
	return urlLokiWith(t, LokiOptions{URL: srv.URL})
}

func urlLokiWith(t *testing.T, o LokiOptions) *Loki {
	t.Helper()
	w, err := NewURLWay(&o)
	if err != nil {
		t.Fatal(err)
	}
	return &Loki{opts: LokiOptions{Via: LokiViaURL}, ways: []Way{w}, cat: []Way{w}, failed: map[LokiVia]string{}}
}

func fastTail(query string) LokiTailOptions {
	return LokiTailOptions{Query: query, Follow: true, Limit: 100, Start: time.Unix(0, 1),
		Backoff: func(int) time.Duration { return time.Millisecond }}
}
