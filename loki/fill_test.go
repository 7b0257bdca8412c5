package loki

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

func TestParseFillLabels(t *testing.T) {
	m, err := ParseFillLabels("namespace=k8s_namespace_name, pod=k8s_pod_name")
	if err != nil || m["namespace"] != "k8s_namespace_name" || m["pod"] != "k8s_pod_name" || m["container"] != "container" {
		t.Fatalf("ParseFillLabels = %v, %v", m, err)
	}
	for _, bad := range []string{"node=node", "pod", "pod=", "pod=9x", `pod=a"b`} {
		if _, err := ParseFillLabels(bad); err == nil || !strings.Contains(err.Error(), "--fill-labels") {
			t.Errorf("ParseFillLabels(%q) = %v, want a --fill-labels error", bad, err)
		}
	}
}

// fillEntries is seq 1..n, 1 µs apart from t0, except that seq 998..1003 share one
// nanosecond (across the first page's end).
func fillEntries(t0 int64, n int) []fakeEntry {
	es := make([]fakeEntry, n)
	for i := range es {
		ts := t0 + int64(i)*1000
		if i >= 997 && i <= 1002 {
			ts = t0 + 997*1000
		}
		es[i] = fakeEntry{ts, fmt.Sprintf("seq=%d", i+1)}
	}
	return es
}

func poLine(e fakeEntry) stream.Line {
	return stream.Line{Time: time.Unix(0, e.ts).UTC(), Text: e.line}
}

// TestLokiFillerPagesTheWindow: a window of 2390 lines is read in pages, forward,
// with the configured labels; across a page edge inside one nanosecond nothing is
// lost or repeated; the splice then has exactly the lines between the boundaries.
func TestLokiFillerPagesTheWindow(t *testing.T) {
	f := newFakeLoki(t, nil)
	srv := httptest.NewServer(f)
	defer srv.Close()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	es := fillEntries(t0, 2500)
	f.add(es...)
	labels, _ := ParseFillLabels("namespace=k8s_namespace_name")
	fl := NewLokiFiller(nil, LokiOptions{Via: LokiViaURL, URL: srv.URL}, FillOptions{Labels: labels})
	defer fl.Close()
	o := &stream.Origin{ID: "ns/p/c", Fields: map[string]string{"namespace": "shop", "pod": "web-1", "container": "app"}}
	w := stream.GapWindow{From: poLine(es[9]), To: poLine(es[2399])}
	res, err := fl.Fill(context.Background(), o, w)
	if err != nil || res.Truncated {
		t.Fatalf("Fill: %v (truncated %v)", err, res.Truncated)
	}
	fill, hasFrom, hasTo := stream.Splice(w, res.Lines)
	if !hasFrom || !hasTo || len(fill) != 2389 {
		t.Fatalf("splice: %d lines, hasFrom %v, hasTo %v; want 2389 (seq 11..2399), true, true", len(fill), hasFrom, hasTo)
	}
	for i, l := range fill {
		if want := fmt.Sprintf("seq=%d", i+11); l.Text != want {
			t.Fatalf("line %d is %q, want %q", i, l.Text, want)
		}
	}
	if len(f.queries) < 3 {
		t.Errorf("%d queries, want pages", len(f.queries))
	}
	for _, q := range f.queries {
		if got, want := q.Get("query"), `{k8s_namespace_name="shop", pod="web-1", container="app"}`; got != want || q.Get("direction") != "forward" {
			t.Fatalf("query %q direction %q, want %q forward", got, q.Get("direction"), want)
		}
	}
	if got := f.queries[len(f.queries)-1].Get("end"); got != fmt.Sprint(es[2399].ts+1) {
		t.Errorf("end %s, want the line after the gap's time + 1 ns", got)
	}
}

// TestLokiFillerLimitAndLag: past the limit the result says truncated; a window
// whose end Loki does not hold yet returns what there is once Settle has passed;
// a Loki that is down is an error saying so.
func TestLokiFillerLimitAndLag(t *testing.T) {
	f := newFakeLoki(t, nil)
	srv := httptest.NewServer(f)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	es := fillEntries(t0, 1500)
	f.add(es[:1200]...)
	o := &stream.Origin{ID: "ns/p/c", Fields: map[string]string{"namespace": "shop", "pod": "web-1", "container": "app"}}
	lo := LokiOptions{Via: LokiViaURL, URL: srv.URL}

	fl := NewLokiFiller(nil, lo, FillOptions{Limit: 500})
	res, err := fl.Fill(context.Background(), o, stream.GapWindow{From: poLine(es[0]), To: poLine(es[1100])})
	if err != nil || !res.Truncated || len(res.Lines) != 500 || res.Limit != 500 {
		t.Fatalf("limited fill: %d lines, truncated %v, err %v; want 500, true", len(res.Lines), res.Truncated, err)
	}

	fl = NewLokiFiller(nil, lo, FillOptions{Settle: time.Millisecond})
	w := stream.GapWindow{From: poLine(es[0]), To: poLine(es[1400])} // Loki holds up to seq 1200
	res, err = fl.Fill(context.Background(), o, w)
	fill, _, hasTo := stream.Splice(w, res.Lines)
	if err != nil || hasTo || len(fill) != 1199 {
		t.Fatalf("lagging Loki: %d lines, hasTo %v, err %v; want 1199, false", len(fill), hasTo, err)
	}

	// A stream Loki does not hold at all: no waiting for it to be ingested (Settle
	// is an hour), one look at the hour before the window, and nothing.
	fl = NewLokiFiller(nil, lo, FillOptions{Settle: time.Hour})
	before := len(f.queries)
	w2 := stream.GapWindow{From: poLine(fakeEntry{t0 + 2*int64(time.Hour), "a"}), To: poLine(fakeEntry{t0 + 3*int64(time.Hour), "b"})}
	res, err = fl.Fill(context.Background(), o, w2)
	if err != nil || len(res.Lines) != 0 || len(f.queries)-before != 2 || f.queries[len(f.queries)-1].Get("direction") != "backward" {
		t.Fatalf("a stream Loki does not hold: %d lines, err %v, %d queries; want none, nil, the window and one look back", len(res.Lines), err, len(f.queries)-before)
	}

	srv.Close()
	fl = NewLokiFiller(nil, lo, FillOptions{})
	if _, err = fl.Fill(context.Background(), o, w); err == nil {
		t.Fatal("Loki down: no error")
	}
	t.Logf("Loki down: %v", err)
}
