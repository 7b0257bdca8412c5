package loki

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gws "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// runTail runs src until stop returns, then cancels it and returns Run's error.
func runTail(t *testing.T, src stream.Source, sink stream.Sink, stop func()) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, sink) }()
	done := make(chan struct{})
	go func() {
		stop()
		close(done)
	}()
	select {
	case err := <-errc:
		<-done
		return err
	case <-done:
	}
	cancel()
	return <-errc
}

func TestLokiTailResumesExactlyAfterTailMaxDuration(t *testing.T) {
	f := newFakeLoki(t, func(n int) tailPlan {
		if n == 1 {
			return tailPlan{closeAfter: 1, closeCode: gws.CloseInternalServerErr, closeText: "reached tail max duration limit",
				// An entry at the same nanosecond as the last one delivered arrives
				// during the break: the resume must deliver it, and only it.
				beforeClose: func(f *fakeLoki) { f.add(fakeEntry{4000, "four-b"}) }}
		}
		return tailPlan{closeAfter: -1}
	})
	f.add(fakeEntry{1000, "one"}, fakeEntry{2000, "two"}, fakeEntry{3000, "three"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	sink := newRecSink()
	err := runTail(t, urlLoki(t, srv).Tail(fastTail(`{job="test"}`)), sink, func() {
		sink.waitFor(t, "the history", hasLog("three"))
		f.add(fakeEntry{4000, "four"})
		sink.waitFor(t, "the entry of the break", hasLog("four-b"))
		f.add(fakeEntry{5000, "five"})
		sink.waitFor(t, "a live entry after the resume", hasLog("five"))
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := sink.snapshot()
	if want := []string{"one", "two", "three", "four", "four-b", "five"}; !slices.Equal(logTexts(got), want) {
		t.Fatalf("lines %q, want %q\n%s", logTexts(got), want, dumpLines(got))
	}
	rc := lokiMarkers(got, stream.KindReconnect)
	if len(rc) != 1 || !strings.Contains(rc[0].Text, "tail_max_duration") {
		t.Errorf("reconnect markers %q, want one naming tail_max_duration", dumpLines(rc))
	}
	if rs := lokiMarkers(got, stream.KindResume); len(rs) != 1 || rs[0].Count < 1 {
		t.Errorf("resume markers:\n%s\nwant one with the repeats skipped", dumpLines(rs))
	}
	if f.connCount() != 2 {
		t.Errorf("%d tail connections, want 2", f.connCount())
	}
}

func TestLokiTailReconnects(t *testing.T) {
	tests := []struct {
		name  string
		plan  tailPlan
		opts  func(*LokiTailOptions)
		reval string // in the reconnect marker
	}{
		{"abnormal closure 1006", tailPlan{closeAfter: 0}, nil, "1006"},
		{"concurrent tail limit 1011", tailPlan{closeAfter: 0, closeCode: gws.CloseInternalServerErr,
			closeText: "max concurrent tail requests limit exceeded, count > limit (11 > 10)"}, nil, "max_concurrent_tail_requests"},
		{"silent path", tailPlan{silent: true}, func(o *LokiTailOptions) {
			o.Idle, o.HistoryTimeout = 50*time.Millisecond, 50*time.Millisecond
		}, "no data and no ping"},
		{"API server proxy error", tailPlan{refuse: http.StatusServiceUnavailable,
			refuseBody: `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"error trying to reach service: dial tcp 10.0.0.9:3100: i/o timeout","reason":"ServiceUnavailable","code":503}`},
			nil, "cannot reach pod IP 10.0.0.9 on port 3100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeLoki(t, func(n int) tailPlan {
				if n == 1 {
					return tc.plan
				}
				return tailPlan{closeAfter: -1}
			})
			srv := httptest.NewServer(f)
			defer srv.Close()
			o := fastTail(`{job="test"}`)
			if tc.opts != nil {
				tc.opts(&o)
			}
			sink := newRecSink()
			l := urlLoki(t, srv)
			if tc.plan.refuse != 0 {
				// The first connect must succeed for the tail to stick to its way.
				f.plans = func(n int) tailPlan {
					if n == 2 {
						return tc.plan
					}
					if n == 1 {
						return tailPlan{closeAfter: 0, closeCode: gws.CloseNormalClosure}
					}
					return tailPlan{closeAfter: -1}
				}
			}
			err := runTail(t, l.Tail(o), sink, func() {
				sink.waitFor(t, "a reconnect", func(ls []stream.Line) bool {
					for _, m := range lokiMarkers(ls, stream.KindReconnect) {
						if strings.Contains(m.Text, tc.reval) {
							return true
						}
					}
					return false
				})
				f.add(fakeEntry{time.Now().UnixNano(), "after"})
				sink.waitFor(t, "a line after reconnecting", hasLog("after"))
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}

func TestLokiTailRefusals(t *testing.T) {
	tests := []struct {
		name string
		plan tailPlan
		want string
	}{
		{"bad LogQL before the upgrade", tailPlan{refuse: 400, refuseBody: "parse error at line 1, col 5: syntax error: unexpected $end"},
			"Loki refused the query: parse error at line 1, col 5"},
		{"limit after the upgrade", tailPlan{closeAfter: 0, closeCode: gws.CloseInternalServerErr,
			closeText: "max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > 5000)"},
			"Loki refused the tail: max entries limit per query exceeded"},
		{"missing tenant", tailPlan{refuse: 401, refuseBody: "no org id"}, "--loki-org-id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeLoki(t, func(int) tailPlan { return tc.plan })
			srv := httptest.NewServer(f)
			defer srv.Close()
			sink := newRecSink()
			err := urlLoki(t, srv).Tail(fastTail(`{job="test"}`)).Run(context.Background(), sink)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want an error with %q", err, tc.want)
			}
			if e := lokiMarkers(sink.snapshot(), stream.KindError); len(e) != 1 || !strings.Contains(e[0].Text, tc.want) {
				t.Errorf("error markers:\n%s", dumpLines(e))
			}
			if n := f.connCount(); n != 1 {
				t.Errorf("%d attempts, want 1 (no retry of a refused query)", n)
			}
		})
	}
}

func TestLokiTailDroppedEntriesMarker(t *testing.T) {
	f := newFakeLoki(t, func(int) tailPlan {
		return tailPlan{closeAfter: -1, dropped: []map[string]string{{"job": "x"}, {"job": "x"}, {"job": "x"}, {"job": "y"}}}
	})
	f.add(fakeEntry{1000, "one"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	sink := newRecSink()
	err := runTail(t, urlLoki(t, srv).Tail(fastTail(`{job=~"x|y"}`)), sink, func() {
		sink.waitFor(t, "a line", hasLog("one"))
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, m := range lokiMarkers(sink.snapshot(), stream.KindDropped) {
		counts[m.Origin.ID] += m.Count
		if !strings.Contains(m.Text, "Loki dropped "+strconv.Itoa(m.Count)) {
			t.Errorf("marker text %q does not say the count", m.Text)
		}
	}
	if counts[`{job="x"}`] != 3 || counts[`{job="y"}`] != 1 {
		t.Errorf("dropped counts by origin %v, want x:3 y:1", counts)
	}
}

func TestLokiPollDeliversEveryEntryAcrossPages(t *testing.T) {
	// 2500 entries, three per nanosecond, so that pages of 1000 end inside a group.
	base := time.Now().Add(-time.Hour).UnixNano()
	var es []fakeEntry
	for i := range 2500 {
		es = append(es, fakeEntry{base + int64(i/3), "e" + strconv.Itoa(i)})
	}
	f := newFakeLoki(t, nil)
	f.add(es[:10]...)
	srv := httptest.NewServer(f)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	w := &ProxyWay{via: LokiViaPoll, base: u, hc: srv.Client()}
	l := &Loki{ways: []Way{w}, cat: []Way{w}, failed: map[LokiVia]string{}}
	o := fastTail(`{job="test"}`)
	o.Limit, o.Start = 4, time.Unix(0, base)
	o.PollInterval, o.PollLag = time.Millisecond, time.Nanosecond
	sink := newRecSink()
	err := runTail(t, l.Tail(o), sink, func() {
		sink.waitFor(t, "the history", hasLog("e9"))
		f.add(es[10:]...)
		sink.waitFor(t, "the last entry", hasLog("e2499"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 6; i < 2500; i++ { // the history is the newest 4 of the first 10
		want = append(want, "e"+strconv.Itoa(i))
	}
	if got := logTexts(sink.snapshot()); !slices.Equal(got, want) {
		t.Fatalf("got %d lines (first %q), want e6..e2499 exactly once", len(got), got[:min(5, len(got))])
	}
	info := lokiMarkers(sink.snapshot(), stream.KindInfo)
	if len(info) != 1 || !strings.Contains(info[0].Text, "Loki via poll") {
		t.Errorf("info markers:\n%s", dumpLines(info))
	}
}

// lokiProxyServer stands in for the API server's service proxy: /gw/ is a gateway
// that cannot be reached, /proxy/ strips the query of upgrades (kubernetes issue
// 77142) and forwards to Loki, /direct/ is Loki itself.
func lokiProxyServer(t *testing.T, loki http.Handler) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/gw/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"error trying to reach service: dial tcp 10.213.77.99:8080: i/o timeout","reason":"ServiceUnavailable","code":503}`))
		case strings.HasPrefix(r.URL.Path, "/proxy/"):
			if r.Header.Get("Upgrade") != "" {
				r.URL.RawQuery = ""
			}
			r.URL.Path = strings.TrimPrefix(r.URL.Path, "/proxy")
			loki.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, "/direct/"):
			r.URL.Path = strings.TrimPrefix(r.URL.Path, "/direct")
			loki.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
}

func TestLokiAutoFallsBackAndSaysWhy(t *testing.T) {
	f := newFakeLoki(t, nil)
	srv := lokiProxyServer(t, f)
	defer srv.Close()
	at := func(p string) *url.URL { u, _ := url.Parse(srv.URL + p); return u }
	gw := &ProxyWay{via: LokiViaGateway, svc: kube.ServiceRef{Namespace: "monitoring", Name: "tailui-gateway", Port: "http"},
		base: at("/gw"), hc: srv.Client(), ws: kube.NewPlainWSDialer(nil, nil, nil), encode: true}
	px := &ProxyWay{via: LokiViaProxy, svc: kube.ServiceRef{Namespace: "monitoring", Name: "loki", Port: "3100"},
		base: at("/proxy"), hc: srv.Client(), ws: kube.NewPlainWSDialer(nil, nil, nil)}
	direct := &directWay{via: LokiViaURL, desc: "direct", base: at("/direct"), hc: srv.Client(), ws: kube.NewPlainWSDialer(nil, nil, nil)}
	l := &Loki{ways: []Way{gw, px, direct}, cat: []Way{gw, px, direct}, failed: map[LokiVia]string{}}
	sink := newRecSink()
	err := runTail(t, l.Tail(fastTail(`{job="test"}`)), sink, func() {
		f.add(fakeEntry{1000, "one"})
		sink.waitFor(t, "a line", hasLog("one"))
	})
	if err != nil {
		t.Fatal(err)
	}
	info := lokiMarkers(sink.snapshot(), stream.KindInfo)
	if len(info) != 1 {
		t.Fatalf("info markers:\n%s", dumpLines(info))
	}
	for _, want := range []string{"Loki via url", "gateway failed: the API server cannot reach pod IP 10.213.77.99 on port 8080",
		"proxy failed: the API server's service proxy dropped the query string", "77142"} {
		if !strings.Contains(info[0].Text, want) {
			t.Errorf("info marker %q does not say %q", info[0].Text, want)
		}
	}
	// Label lookups take the same fallback.
	labels, err := l.Labels(context.Background())
	if err != nil || !slices.Equal(labels, []string{"app", "job"}) {
		t.Fatalf("Labels: %v %v", labels, err)
	}
	if d := l.Describe(); !strings.Contains(d, "via proxy") || !strings.Contains(d, "gateway failed") {
		t.Errorf("Describe: %q", d)
	}
}

func TestLokiProxyNamesTheStrippedQuery(t *testing.T) {
	f := newFakeLoki(t, nil)
	srv := lokiProxyServer(t, f)
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/proxy")
	px := &ProxyWay{via: LokiViaProxy, base: u, hc: srv.Client(), ws: kube.NewPlainWSDialer(nil, nil, nil)}
	l := &Loki{ways: []Way{px}, cat: []Way{px}, failed: map[LokiVia]string{}}
	err := l.Tail(fastTail(`{job="test"}`)).Run(context.Background(), newRecSink())
	if err == nil {
		t.Fatal("a tail through a query-stripping proxy succeeded")
	}
	for _, want := range []string{"dropped the query string", "kubernetes issue 77142", "query=%7Bjob%3D%22test%22%7D", "gateway"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestLokiCatalog(t *testing.T) {
	f := newFakeLoki(t, nil)
	srv := httptest.NewServer(f)
	defer srv.Close()
	l := urlLoki(t, srv)
	ctx := context.Background()
	if got, err := l.Values(ctx, "job"); err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Values: %v %v", got, err)
	}
	sets, err := l.Series(ctx, `{job=~".+"}`)
	if err != nil || len(sets) != 2 || LabelString(sets[0]) != `{app="x", job="a"}` {
		t.Errorf("Series: %v %v", sets, err)
	}
	if _, err := l.Values(ctx, "../x"); err == nil {
		t.Error("a label name with a slash was accepted")
	}
}

func TestLokiOrgIDAndCredentialsReachLoki(t *testing.T) {
	f := newFakeLoki(t, nil)
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := map[string]string{"LOKI_ADDR": srv.URL, "LOKI_USERNAME": "u", "LOKI_PASSWORD": "p", "LOKI_ORG_ID": "team-a"}
	var o LokiOptions
	o.FromEnv(func(k string) string { return env[k] })
	l := urlLokiWith(t, o)
	if _, err := l.Labels(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := newRecSink()
	if err := runTail(t, l.Tail(fastTail(`{job="test"}`)), sink, func() {
		f.add(fakeEntry{time.Now().UnixNano(), "x"})
		sink.waitFor(t, "a line", hasLog("x"))
	}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, id := range f.orgIDs {
		if id != "team-a" {
			t.Errorf("request %d carried X-Scope-OrgID %q", i, id)
		}
	}
	for i, a := range auth {
		if a != "Basic dTpw" {
			t.Errorf("request %d carried Authorization %q, want basic auth u:p", i, a)
		}
	}
	if len(f.orgIDs) < 2 {
		t.Errorf("%d requests seen", len(f.orgIDs))
	}
}

func TestLokiNoFollowReadsHistoryOnce(t *testing.T) {
	f := newFakeLoki(t, nil)
	now := time.Now().UnixNano()
	for i := range 5 {
		f.add(fakeEntry{now - int64(5-i)*int64(time.Second), "h" + strconv.Itoa(i)})
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	o := fastTail(`{job="test"}`)
	o.Follow, o.Limit, o.Start = false, 3, time.Time{}
	sink := newRecSink()
	if err := urlLoki(t, srv).Tail(o).Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if got := logTexts(sink.snapshot()); !slices.Equal(got, []string{"h2", "h3", "h4"}) {
		t.Errorf("got %q", got)
	}
}

func TestLineQueueDropsOldestLogLinesNotMarkers(t *testing.T) {
	q := newLineQueue(3)
	o := &stream.Origin{ID: "o"}
	q.push([]stream.Line{{Origin: o, Text: "1"}, {Origin: o, Kind: stream.KindInfo, Text: "m"}, {Origin: o, Text: "2"}})
	q.push([]stream.Line{{Origin: o, Text: "3"}, {Origin: o, Text: "4"}})
	q.close()
	sink := newRecSink()
	q.pump(sink)
	got := sink.snapshot()
	var texts []string
	for _, l := range got {
		texts = append(texts, l.Text)
	}
	if len(got) != 4 || got[0].Kind != stream.KindDropped || got[0].Count != 2 || !slices.Equal(texts[1:], []string{"m", "3", "4"}) {
		t.Fatalf("got:\n%s", dumpLines(got))
	}
}

func testService(ns, name string, labels map[string]string, headless bool, ports ...corev1.ServicePort) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}, Spec: corev1.ServiceSpec{Ports: ports}}
	if headless {
		s.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return s
}

func TestFindLoki(t *testing.T) {
	chart := func(c string) map[string]string {
		return map[string]string{"app.kubernetes.io/name": "loki", "app.kubernetes.io/component": c}
	}
	httpMetrics := corev1.ServicePort{Name: "http-metrics", Port: 3100}
	grpc := corev1.ServicePort{Name: "grpc", Port: 9095}
	tests := []struct {
		name    string
		current string
		objs    []*corev1.Service
		want    string
	}{
		{"single binary in monitoring", "shop", []*corev1.Service{
			testService("monitoring", "loki", chart("single-binary"), false, grpc, httpMetrics),
			testService("monitoring", "loki-headless", chart("single-binary"), true, httpMetrics),
			testService("monitoring", "loki-memberlist", chart("single-binary"), true, corev1.ServicePort{Name: "tcp", Port: 7946}),
		}, "monitoring/loki:http-metrics"},
		{"simple scalable prefers the chart's gateway", "shop", []*corev1.Service{
			testService("loki", "loki-read", chart("read"), false, httpMetrics),
			testService("loki", "loki-write", chart("write"), false, httpMetrics),
			testService("loki", "loki-gateway", chart("gateway"), false, corev1.ServicePort{Name: "http-metrics", Port: 80}),
		}, "loki/loki-gateway:http-metrics"},
		{"current namespace first", "obs", []*corev1.Service{
			testService("monitoring", "loki", chart("single-binary"), false, httpMetrics),
			testService("obs", "loki-query-frontend", chart("query-frontend"), false, corev1.ServicePort{Name: "http", Port: 3100}),
		}, "obs/loki-query-frontend:http"},
		{"by name without labels", "shop", []*corev1.Service{
			testService("logging", "loki", nil, false, corev1.ServicePort{Port: 3100}),
		}, "logging/loki:3100"},
		{"anywhere as a last resort", "shop", []*corev1.Service{
			testService("team-a", "loki", chart("single-binary"), false, httpMetrics),
		}, "team-a/loki:http-metrics"},
		{"nothing", "shop", []*corev1.Service{testService("monitoring", "prometheus", nil, false, httpMetrics)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewSimpleClientset()
			for _, o := range tc.objs {
				if _, err := cs.CoreV1().Services(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			c := &kube.Client{Clientset: cs, Namespace: tc.current}
			got, _, err := FindLoki(context.Background(), c)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("found %v", got)
				}
				if !strings.Contains(err.Error(), "--loki-service") {
					t.Errorf("error %q does not name --loki-service", err)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("got %v %v, want %s", got, err, tc.want)
			}
		})
	}
}

func TestExplainLoki(t *testing.T) {
	status := func(code int, msg string) error {
		return &kube.ResponseError{Op: "GET", StatusCode: code, Status: &metav1.Status{Status: "Failure", Code: int32(code), Message: msg, Reason: metav1.StatusReasonServiceUnavailable}}
	}
	loki := &ProxyWay{svc: kube.ServiceRef{Namespace: "monitoring", Name: "loki", Port: "3100"}}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"dial timeout", status(503, "error trying to reach service: dial tcp 10.213.77.99:3100: i/o timeout"),
			[]string{"cannot reach pod IP 10.213.77.99 on port 3100", "security group", "linkerd-viz", "--loki-via port-forward"}},
		{"no route", status(503, "error trying to reach service: dial tcp 10.1.2.3:3100: connect: no route to host"),
			[]string{"cannot reach pod IP 10.1.2.3", "open port 3100"}},
		{"refused", status(503, "error trying to reach service: dial tcp 10.1.2.3:3100: connect: connection refused"),
			[]string{"nothing accepts connections on port 3100", "svc monitoring/loki:3100"}},
		{"no endpoints", status(503, `no endpoints available for service "loki"`),
			[]string{"svc monitoring/loki:3100 has no ready endpoints", "kubernetes.io/service-name=loki"}},
		{"loki 400", &kube.ResponseError{StatusCode: 400, Body: "parse error at line 1, col 2: syntax error"}, []string{"Loki refused the query: parse error"}},
		{"gateway 502", &kube.ResponseError{StatusCode: 502, Body: `{"error":"tailui gateway: upstream unreachable: dial tcp: refused"}`},
			[]string{"the tailui gateway answers but cannot reach Loki", "--upstream"}},
		{"1011 from a proxy", &gws.CloseError{Code: 1011}, []string{"1011", "tailui doctor"}},
		{"1011 tail max duration", &gws.CloseError{Code: 1011, Text: "reached tail max duration limit"}, []string{"tail_max_duration"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err, loki)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q\n  does not say %q", got, w)
				}
			}
		})
	}
}

func TestLokiAnsweredAndWayRefused(t *testing.T) {
	st := func(code int, reason metav1.StatusReason) error {
		return &kube.ResponseError{StatusCode: code, Status: &metav1.Status{Code: int32(code), Reason: reason}}
	}
	tests := []struct {
		err              error
		answered, refuse bool
	}{
		{&kube.ResponseError{StatusCode: 400, Body: "parse error"}, true, false},
		{&kube.ResponseError{StatusCode: 401, Body: "no org id"}, true, false},
		{&kube.ResponseError{StatusCode: 503, Body: "Ingester not ready"}, false, false},
		{&kube.ResponseError{StatusCode: 403, Body: `{"error":"tailui gateway: path not allowed"}`}, false, true},
		{&kube.ResponseError{StatusCode: 400, Body: `{"error":"tailui gateway: bad queryargs"}`}, true, false},
		{st(403, metav1.StatusReasonForbidden), false, true},
		{st(404, metav1.StatusReasonNotFound), false, true},
		{st(503, metav1.StatusReasonServiceUnavailable), false, false},
		{errors.New("dial tcp: connection refused"), false, false},
	}
	for i, tc := range tests {
		if a, r := lokiAnswered(tc.err), wayRefused(tc.err); a != tc.answered || r != tc.refuse {
			t.Errorf("%d %v: answered %v refused %v, want %v %v", i, tc.err, a, r, tc.answered, tc.refuse)
		}
	}
}

func TestLokiAutoPicksAgainWhenTheWayKeepsFailing(t *testing.T) {
	broken := newFakeLoki(t, func(n int) tailPlan {
		if n == 1 {
			return tailPlan{closeAfter: 0, closeCode: gws.CloseNormalClosure}
		}
		return tailPlan{refuse: http.StatusBadGateway, refuseBody: "upstream gone"}
	})
	good := newFakeLoki(t, nil)
	s1, s2 := httptest.NewServer(broken), httptest.NewServer(good)
	defer s1.Close()
	defer s2.Close()
	u1, _ := url.Parse(s1.URL)
	u2, _ := url.Parse(s2.URL)
	w1 := &directWay{via: LokiViaGateway, desc: "first", base: u1, hc: s1.Client(), ws: kube.NewPlainWSDialer(nil, nil, nil)}
	w2 := &directWay{via: LokiViaPortForward, desc: "second", base: u2, hc: s2.Client(), ws: kube.NewPlainWSDialer(nil, nil, nil)}
	l := &Loki{ways: []Way{w1, w2}, cat: []Way{w1, w2}, failed: map[LokiVia]string{}}
	sink := newRecSink()
	err := runTail(t, l.Tail(fastTail(`{job="test"}`)), sink, func() {
		sink.waitFor(t, "the switch to the second way", func(ls []stream.Line) bool {
			for _, m := range lokiMarkers(ls, stream.KindInfo) {
				if strings.Contains(m.Text, "Loki via port-forward: second") && strings.Contains(m.Text, "gateway failed: Loki answered HTTP 502: upstream gone") {
					return true
				}
			}
			return false
		})
		good.add(fakeEntry{time.Now().UnixNano(), "via second"})
		sink.waitFor(t, "a line through the second way", hasLog("via second"))
	})
	if err != nil {
		t.Fatal(err)
	}
}
