package kube

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tailui/tailui/stream"
)

const appID = "containerd://app-1"

// newTestStream returns a stream of container app of pod ns/p.
func newTestStream(fa *fakeAPI, opts LogOptions) *ContainerStream {
	t := Target{Namespace: "ns", Pod: "p", Container: "app", PodUID: "uid-p"}
	return NewContainerStream(fa.client, t, opts, OriginFor(t))
}

// wantLogs checks the log lines a sink received, line by line.
func wantLogs(t *testing.T, sink *logSink, want []string) {
	t.Helper()
	got := sink.logs()
	if slices.Equal(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			lines, sts := sink.snapshot()
			t.Fatalf("log line %d: got %.80q, want %.80q (got %d lines, want %d)\n%s", i, g, w, len(got), len(want), dump(lines, sts))
		}
	}
}

// kinds returns the kinds of everything the sink received, log lines as "log".
func kinds(sink *logSink) []string {
	lines, _ := sink.snapshot()
	var out []string
	for _, l := range lines {
		out = append(out, l.Kind.String())
	}
	return out
}

// indexOf returns the position in the sink of the first line with kind k and (for
// log lines) text, or -1.
func indexOf(sink *logSink, k stream.Kind, text string) int {
	lines, _ := sink.snapshot()
	for i, l := range lines {
		if l.Kind == k && (k != stream.KindLog || l.Text == text) {
			return i
		}
	}
	return -1
}

func lastStatus(sink *logSink) stream.Status {
	_, sts := sink.snapshot()
	if len(sts) == 0 {
		return stream.Status{State: -1}
	}
	return sts[len(sts)-1]
}

// transports are the ways a stream can be read that every reassembly case covers.
var transports = []Transport{TransportWebSocket, TransportBase64, TransportHTTP, TransportAuto}

func TestContainerStreamReadsWholeLog(t *testing.T) {
	big := strings.Repeat("€", 3<<20/3) + "end" // 3 MiB of 3-byte runes
	cases := []struct {
		name    string
		entries []logEntry
		open    bool // last line unterminated
		maxCut  int
	}{
		{name: "frames cut mid-rune and mid-line", entries: numbered("l", 0, 3000, t0, time.Millisecond), maxCut: 2048},
		{name: "frames of a few bytes", entries: numbered("l", 0, 300, t0, time.Millisecond), maxCut: 5},
		{name: "a several-MiB line", entries: []logEntry{{t0, "before"}, {t0.Add(time.Millisecond), big}, {t0.Add(2 * time.Millisecond), "after"}}, maxCut: 2048},
		{name: "unterminated last line", entries: numbered("l", 0, 50, t0, time.Millisecond), open: true, maxCut: 2048},
		{name: "empty lines and tabs", entries: []logEntry{{t0, ""}, {t0, "\ta\tb"}, {t0, ""}, {t0.Add(time.Second), "x"}}, maxCut: 3},
		{name: "empty log", maxCut: 2048},
	}
	for _, tc := range cases {
		for _, tr := range transports {
			t.Run(tc.name+"/"+tr.String(), func(t *testing.T) {
				fa := newFakeAPI(t, runningPod("ns", "p", "app"))
				fa.maxCut = tc.maxCut
				fa.setLog(appID, tc.entries, tc.open)
				sink := newLogSink()
				cs := newTestStream(fa, LogOptions{TailLines: -1, Transport: tr})
				if err := startSource(t, cs, sink).wait(); err != nil {
					t.Fatalf("Run: %v", err)
				}
				wantLogs(t, sink, texts(tc.entries))
				if k := kinds(sink); slices.ContainsFunc(k, func(s string) bool { return s != "log" }) {
					t.Errorf("markers in a clean read: %v", k)
				}
				if st := lastStatus(sink); st.State != stream.StateEnded {
					t.Errorf("final status %v, want ended", st.State)
				}
				reqs := fa.requests()
				want := 1
				if tc.open && len(tc.entries) > 1 {
					// A read ending mid-line may have been cut (upstream failures close
					// with 1000 too): it is read once more from the last second.
					want = 2
				}
				if len(reqs) != want {
					t.Fatalf("%d requests, want %d", len(reqs), want)
				}
				if want == 2 && reqs[1].sinceTime == "" {
					t.Errorf("the second read %+v does not resume with sinceTime", reqs[1])
				}
				r := reqs[0]
				if r.follow || !r.timestamps || r.previous || r.sinceTime != "" || r.tailLines != "" {
					t.Errorf("request %+v: want timestamps only", r)
				}
				wantWS := tr != TransportHTTP
				if r.websocket != wantWS {
					t.Errorf("request websocket=%v, want %v", r.websocket, wantWS)
				}
				if wantWS {
					wantProto := "binary.k8s.io"
					if tr == TransportBase64 {
						wantProto = "base64.binary.k8s.io"
					}
					if r.protocol != wantProto {
						t.Errorf("subprotocol %q, want %q", r.protocol, wantProto)
					}
				}
			})
		}
	}
}

// closeEvery scripts a follow where each response ends (cleanly) after the next n
// lines of a log of total lines, and the last one stays open.
func closeEvery(n, total int) func(req logReq) logReply {
	return func(req logReq) logReply {
		if req.n*n >= total {
			return logReply{}
		}
		return logReply{closeAt: min((req.n+1)*n, total)}
	}
}

func TestContainerStreamFollowResumesExactly(t *testing.T) {
	cases := []struct {
		name  string
		every int
		total int
		step  time.Duration
		tr    Transport
	}{
		{name: "all lines in one second", every: 7, total: 100, step: time.Millisecond, tr: TransportWebSocket},
		{name: "lines across seconds", every: 7, total: 100, step: 370 * time.Millisecond, tr: TransportWebSocket},
		{name: "one line a second", every: 3, total: 20, step: time.Second, tr: TransportWebSocket},
		{name: "http, lines across seconds", every: 9, total: 100, step: 130 * time.Millisecond, tr: TransportHTTP},
		{name: "base64, one second", every: 11, total: 60, step: time.Millisecond, tr: TransportBase64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			entries := numbered("l", 0, tc.total, t0, tc.step)
			fa.setLog(appID, entries, false)
			fa.setScript(closeEvery(tc.every, tc.total))
			sink := newLogSink()
			startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1, Transport: tc.tr}), sink)
			sink.waitLogs(t, tc.total)

			// A line written while the stream is open arrives too.
			more := numbered("m", 0, 1, t0.Add(time.Duration(tc.total)*tc.step), 0)
			fa.appendLog(appID, "", more...)
			sink.waitLogs(t, tc.total+1)
			wantLogs(t, sink, append(texts(entries), texts(more)...))

			// One resume marker per response after the first, each counting exactly
			// the repeats of its resume second; the last one stays open and brings
			// the appended line.
			var want []int
			for k := tc.every; k < tc.total+tc.every; k += tc.every {
				k := min(k, tc.total)
				sec := entries[k-1].t.Unix()
				n := 0
				for _, e := range entries[:k] {
					if e.t.Unix() == sec {
						n++
					}
				}
				want = append(want, n)
			}
			var got []int
			for _, m := range sink.markers(stream.KindResume) {
				got = append(got, m.Count)
			}
			if !slices.Equal(got, want) {
				t.Errorf("resume markers count %v, want %v", got, want)
			}
			for _, k := range []stream.Kind{stream.KindReconnect, stream.KindGap, stream.KindError, stream.KindRestart} {
				if m := sink.markers(k); len(m) > 0 {
					t.Errorf("unexpected %s markers: %q", k, m[0].Text)
				}
			}
			for i, r := range fa.requests() {
				if !r.follow {
					t.Errorf("request %d does not follow", i)
				}
				if i > 0 && (r.sinceTime == "" || r.tailLines != "" || r.sinceSeconds != "") {
					t.Errorf("request %d %+v: want sinceTime only", i, r)
				}
				if r.websocket != (tc.tr != TransportHTTP) {
					t.Errorf("request %d websocket=%v", i, r.websocket)
				}
			}
		})
	}
}

func TestContainerStreamReconnectsAfterBreak(t *testing.T) {
	cases := []struct {
		name   string
		end    endHow
		follow bool
		why    string
	}{
		{name: "abnormal close", end: endDrop, follow: true, why: "stream broke"},
		{name: "abnormal close without follow", end: endDrop, follow: false, why: "stream broke"},
		{name: "dead path", end: endHang, follow: true, why: "no answer to pings"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			entries := numbered("l", 0, 20, t0, 50*time.Millisecond)
			fa.setLog(appID, entries, false)
			fa.setScript(func(req logReq) logReply {
				if req.n == 0 {
					return logReply{closeAt: 8, end: tc.end}
				}
				return logReply{}
			})
			sink := newLogSink()
			// A tiny ping interval declares a silent path dead quickly.
			cs := newTestStream(fa, LogOptions{Follow: tc.follow, TailLines: -1, PingInterval: 20 * time.Millisecond})
			r := startSource(t, cs, sink)
			sink.waitLogs(t, 20)
			if !tc.follow {
				if err := r.wait(); err != nil {
					t.Fatalf("Run: %v", err)
				}
			}
			wantLogs(t, sink, texts(entries))

			rc := sink.markers(stream.KindReconnect)
			if len(rc) != 1 || rc[0].Count != 1 || !strings.Contains(rc[0].Text, tc.why) {
				t.Fatalf("reconnect markers %+v, want one, attempt 1, saying %q", rc, tc.why)
			}
			st := sink.waitStatus(t, stream.StateReconnecting)
			if st.Attempt != 1 || !st.NextTry.After(st.At) || !strings.Contains(st.Err, tc.why) {
				t.Errorf("reconnecting status %+v: want attempt 1, a next try, the cause", st)
			}
			res := sink.markers(stream.KindResume)
			if len(res) != 1 || res[0].Count != 8 { // 8 lines of t0 were delivered
				t.Fatalf("resume markers %+v, want one skipping 8", res)
			}
			// Order: line 7, the reconnect marker, the resume marker, line 8.
			i7 := indexOf(sink, stream.KindLog, entries[7].text)
			iRC, iRes := indexOf(sink, stream.KindReconnect, ""), indexOf(sink, stream.KindResume, "")
			i8 := indexOf(sink, stream.KindLog, entries[8].text)
			if !(i7 < iRC && iRC < iRes && iRes < i8) {
				t.Errorf("order: line 7 at %d, reconnect at %d, resume at %d, line 8 at %d", i7, iRC, iRes, i8)
			}
			reqs := fa.requests()
			if len(reqs) != 2 || reqs[1].sinceTime != t0.Format(time.RFC3339) || reqs[1].follow != tc.follow {
				t.Errorf("requests %+v: want a resume from %s", reqs, t0.Format(time.RFC3339))
			}
		})
	}
}

func forbidden() metav1.Status {
	return apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "p",
		errString(`User "nobody" cannot get resource "pods/log" in API group "" in the namespace "ns"`)).ErrStatus
}

type errString string

func (e errString) Error() string { return string(e) }

func TestContainerStreamFailsOnPermanentErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   metav1.Status
		follow bool
		want   []string // in the error, the failed status and the error marker
	}{
		{name: "forbidden", status: 403, body: forbidden(), follow: true,
			want: []string{`forbidden: user "nobody" cannot get pods/log in namespace "ns"`, "RBAC"}},
		{name: "forbidden without follow", status: 403, body: forbidden(),
			want: []string{`user "nobody" cannot get pods/log in namespace "ns"`}},
		{name: "bad request", status: 400, body: badRequest(`container bogus is not valid for pod p`), follow: true,
			want: []string{"container bogus is not valid for pod p"}},
		{name: "not found without follow", status: 404, body: apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p").ErrStatus,
			want: []string{`pods "p" not found`}},
	}
	for _, tc := range cases {
		for _, tr := range transports {
			t.Run(tc.name+"/"+tr.String(), func(t *testing.T) {
				fa := newFakeAPI(t, runningPod("ns", "p", "app"))
				fa.setLog(appID, numbered("l", 0, 3, t0, time.Millisecond), false)
				fa.setScript(func(logReq) logReply { return logReply{status: tc.status, body: tc.body} })
				sink := newLogSink()
				err := startSource(t, newTestStream(fa, LogOptions{Follow: tc.follow, TailLines: -1, Transport: tr}), sink).wait()
				if err == nil {
					t.Fatal("Run returned nil, want the server's error")
				}
				st := lastStatus(sink)
				em := sink.markers(stream.KindError)
				if st.State != stream.StateFailed || len(em) != 1 {
					t.Fatalf("final status %v, %d error markers; want failed and one\n%s", st.State, len(em), dump(sink.snapshot()))
				}
				for _, w := range tc.want {
					for what, s := range map[string]string{"error": err.Error(), "status": st.Err, "marker": em[0].Text} {
						if !strings.Contains(s, w) {
							t.Errorf("%s %q does not say %q", what, s, w)
						}
					}
				}
				if n := len(fa.requests()); n != 1 {
					t.Errorf("%d requests, want 1: a permanent error is not retried", n)
				}
			})
		}
	}
}

func TestContainerStreamAutoFallsBackToHTTP(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	entries := numbered("l", 0, 30, t0, 100*time.Millisecond)
	fa.setLog(appID, entries, false)
	fa.setScript(func(req logReq) logReply {
		switch {
		case req.websocket:
			return logReply{refuseUpgrade: true}
		case req.n == 1:
			return logReply{closeAt: 10}
		}
		return logReply{}
	})
	sink := newLogSink()
	startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1, Transport: TransportAuto}), sink)
	sink.waitLogs(t, 30)
	wantLogs(t, sink, texts(entries))
	var got []bool
	for _, r := range fa.requests() {
		got = append(got, r.websocket)
	}
	// One refused upgrade, then HTTP, and HTTP again for the resume.
	if !slices.Equal(got, []bool{true, false, false}) {
		t.Errorf("requests websocket %v, want [true false false]", got)
	}
	if m := sink.markers(stream.KindReconnect); len(m) > 0 {
		t.Errorf("reconnect marker %q: a refused upgrade is no break", m[0].Text)
	}
}

func TestContainerStreamUnterminatedLineInFollow(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	entries := numbered("l", 0, 5, t0, time.Millisecond)
	fa.setLog(appID, append(entries, logEntry{t0.Add(10 * time.Millisecond), "six, half"}), true)
	fa.setScript(func(req logReq) logReply {
		if req.n == 0 {
			// The stream breaks after the first half of line six.
			return logReply{closeWhenIdle: true}
		}
		if req.n == 1 {
			fa.appendLog(appID, " and the rest", logEntry{t0.Add(20 * time.Millisecond), "seven"})
		}
		return logReply{}
	})
	sink := newLogSink()
	startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1}), sink)
	sink.waitLogs(t, 7)
	wantLogs(t, sink, append(texts(entries), "six, half and the rest", "seven"))
	if res := sink.markers(stream.KindResume); len(res) != 1 || res[0].Count != 5 {
		t.Errorf("resume markers %+v, want one skipping 5", res)
	}
}

func TestContainerStreamFirstReadOnlyTakesTailAndSince(t *testing.T) {
	cases := []struct {
		name      string
		opts      LogOptions
		fresh     bool
		wantTail  string
		wantSince string
		wantFirst int // index of the first line shown
	}{
		{name: "tail and since", opts: LogOptions{TailLines: 3, Since: 90 * time.Second}, wantTail: "3", wantSince: "90", wantFirst: 7},
		{name: "since rounds up", opts: LogOptions{TailLines: -1, Since: 1500 * time.Millisecond}, wantSince: "2"},
		{name: "a fresh container is read whole", opts: LogOptions{TailLines: 3, Since: time.Minute}, fresh: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			entries := numbered("l", 0, 10, t0, 300*time.Millisecond)
			fa.setLog(appID, entries, false)
			more := numbered("m", 0, 2, t0.Add(10*time.Second), time.Millisecond)
			fa.setScript(func(req logReq) logReply {
				switch req.n {
				case 0:
					return logReply{closeWhenIdle: true}
				case 1:
					// New lines, written while the resumed stream is open.
					return logReply{onIdle: func() { fa.appendLog(appID, "", more...) }}
				}
				return logReply{}
			})
			sink := newLogSink()
			opts := tc.opts
			opts.Follow = true
			cs := newTestStream(fa, opts)
			cs.fresh = tc.fresh
			startSource(t, cs, sink)
			sink.waitLogs(t, 12-tc.wantFirst)
			wantLogs(t, sink, append(texts(entries[tc.wantFirst:]), texts(more)...))

			reqs := fa.requests()
			if r := reqs[0]; r.tailLines != tc.wantTail || r.sinceSeconds != tc.wantSince || r.sinceTime != "" {
				t.Errorf("first request tail=%q sinceSeconds=%q sinceTime=%q; want tail=%q sinceSeconds=%q",
					r.tailLines, r.sinceSeconds, r.sinceTime, tc.wantTail, tc.wantSince)
			}
			for i, r := range reqs[1:] {
				if r.tailLines != "" || r.sinceSeconds != "" {
					t.Errorf("request %d tail=%q sinceSeconds=%q: a resume uses sinceTime only", i+1, r.tailLines, r.sinceSeconds)
				}
			}
		})
	}
}

// TestContainerStreamTailZeroResumesFromOpenTime: a --tail 0 (or --since) follow that
// breaks before its first line resumes from the time the first request opened, by
// the API server's clock (the Date of a GET of the pod), so the lines written during
// the break arrive, after a marker that lines of that second written just before the
// open may appear too.
func TestContainerStreamTailZeroResumesFromOpenTime(t *testing.T) {
	opened := t0.Add(5 * time.Second) // the API server's clock when the stream opens
	cases := []struct {
		name      string
		opts      LogOptions
		wantSince string
	}{
		{name: "tail 0", opts: LogOptions{TailLines: 0}, wantSince: "2026-03-04T05:06:12Z"},
		{name: "tail 0 and since", opts: LogOptions{TailLines: 0, Since: time.Minute}, wantSince: "2026-03-04T05:06:12Z"},
		// Nothing from the last 3 s existed when it opened (the fake kubelet ignores
		// sinceSeconds: its log starts empty).
		{name: "since", opts: LogOptions{TailLines: -1, Since: 3 * time.Second}, wantSince: "2026-03-04T05:06:09Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			fa.date = opened
			old := numbered("old", 0, 4, t0, 300*time.Millisecond)                             // long before the open
			justBefore := logEntry{t: opened.Add(100 * time.Millisecond), text: "just before"} // same second, before the open
			if tc.name == "since" {
				fa.setLog(appID, nil, false) // nothing in the last 3 s when it opened
			} else {
				fa.setLog(appID, append(old, justBefore), false)
			}
			during := numbered("during", 0, 3, opened.Add(2*time.Second), time.Millisecond)
			fa.setScript(func(req logReq) logReply {
				if req.n == 0 {
					// The stream breaks with nothing sent; lines come while it is down.
					return logReply{closeWhenIdle: true, end: endDrop, atEnd: func() { fa.appendLog(appID, "", during...) }}
				}
				return logReply{}
			})
			sink := newLogSink()
			opts := tc.opts
			opts.Follow = true
			opts.Transport = TransportWebSocket
			startSource(t, newTestStream(fa, opts), sink)
			want := append([]string{"just before"}, texts(during)...)
			if tc.name == "since" {
				want = texts(during)
			}
			sink.waitLogs(t, len(want))
			wantLogs(t, sink, want)
			reqs := fa.requests()
			if len(reqs) < 2 {
				t.Fatalf("%d requests", len(reqs))
			}
			if r := reqs[1]; r.sinceTime != tc.wantSince || r.tailLines != "" || r.sinceSeconds != "" {
				t.Errorf("resume tail=%q sinceSeconds=%q sinceTime=%q; want sinceTime %s only", r.tailLines, r.sinceSeconds, r.sinceTime, tc.wantSince)
			}
			m := sink.markers(stream.KindResume)
			if len(m) != 1 || !strings.Contains(m[0].Text, "when the stream opened") || !strings.Contains(m[0].Text, "may appear") {
				t.Errorf("resume markers %+v", m)
			}
			if g := sink.markers(stream.KindGap); len(g) != 0 {
				t.Errorf("gap markers %+v", g)
			}
		})
	}
}

func TestContainerStreamPrevious(t *testing.T) {
	pod := runningPod("ns", "p", "app")
	restartContainer(pod, "app", "containerd://app-2")
	fa := newFakeAPI(t, pod)
	old := numbered("old", 0, 10, t0, time.Millisecond)
	fa.setLog(appID, old, false)
	fa.setLog("containerd://app-2", numbered("new", 0, 10, t0.Add(time.Minute), time.Millisecond), false)
	sink := newLogSink()
	if err := startSource(t, newTestStream(fa, LogOptions{Previous: true, TailLines: 4}), sink).wait(); err != nil {
		t.Fatal(err)
	}
	wantLogs(t, sink, texts(old[6:]))
	if r := fa.requests(); len(r) != 1 || !r[0].previous || r[0].tailLines != "4" || r[0].follow {
		t.Errorf("requests %+v: want one, previous, tail 4, no follow", r)
	}
}

func TestContainerStreamWaitingContainer(t *testing.T) {
	waiting := func(withID bool) *corev1.Pod {
		p := runningPod("ns", "p", "app")
		p.Status.Phase = corev1.PodPending
		cs := &p.Status.ContainerStatuses[0]
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
		if !withID {
			cs.ContainerID = ""
		}
		return p
	}
	start := func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses[0].ContainerID = appID
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	}
	for _, withID := range []bool{false, true} {
		name := "not started"
		if withID {
			name = "API says waiting"
		}
		t.Run(name+"/no follow", func(t *testing.T) {
			fa := newFakeAPI(t, waiting(withID))
			sink := newLogSink()
			err := startSource(t, newTestStream(fa, LogOptions{TailLines: -1}), sink).wait()
			if err == nil || !strings.Contains(err.Error(), `"app"`) || !strings.Contains(err.Error(), "is waiting to start: ContainerCreating") {
				t.Fatalf("Run: %v, want the container waiting to start", err)
			}
			if st := lastStatus(sink); st.State != stream.StateFailed {
				t.Errorf("final state %v, want failed", st.State)
			}
		})
		t.Run(name+"/follow", func(t *testing.T) {
			fa := newFakeAPI(t, waiting(withID))
			entries := numbered("l", 0, 10, t0, time.Millisecond)
			fa.setLog(appID, entries, false)
			sink := newLogSink()
			cs := newTestStream(fa, LogOptions{Follow: true, TailLines: 2})
			changed := make(chan struct{}, 1)
			cs.changed = changed
			startSource(t, cs, sink)
			if withID {
				st := sink.waitStatus(t, stream.StateReconnecting)
				if !strings.Contains(st.Err, "ContainerCreating") {
					t.Errorf("reconnecting status says %q, want ContainerCreating", st.Err)
				}
			} else {
				sink.waitFor(t, "a waiting status", func() bool {
					_, sts := sink.snapshot()
					return slices.ContainsFunc(sts, func(s stream.Status) bool {
						return s.State == stream.StateConnecting && strings.Contains(s.Err, "waiting to start: ContainerCreating")
					})
				})
			}
			fa.updatePod("ns", "p", start)
			changed <- struct{}{}
			if withID {
				// Present at start: --tail applies.
				sink.waitLogs(t, 2)
				wantLogs(t, sink, texts(entries[8:]))
			} else {
				// Started after tailui did: read whole.
				sink.waitLogs(t, 10)
				wantLogs(t, sink, texts(entries))
			}
			sink.waitStatus(t, stream.StateLive)
		})
	}
}

func TestContainerStreamRestart(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	old := numbered("old", 0, 30, t0, 100*time.Millisecond)
	fresh := numbered("new", 0, 10, t0.Add(10*time.Second), 100*time.Millisecond)
	fa.setLog(appID, old, false)
	fa.setLog("containerd://app-2", fresh, false)
	fa.setScript(func(req logReq) logReply {
		if req.n == 0 {
			// 20 lines reach tailui, the container writes 10 more and crashes
			// while the stream is down.
			return logReply{closeAt: 20, atEnd: func() {
				fa.updatePod("ns", "p", func(p *corev1.Pod) { restartContainer(p, "app", "containerd://app-2") })
			}}
		}
		return logReply{}
	})
	sink := newLogSink()
	startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1}), sink)
	sink.waitLogs(t, 40)
	wantLogs(t, sink, append(texts(old), texts(fresh)...))

	rs := sink.markers(stream.KindRestart)
	if len(rs) != 1 || rs[0].Count != 1 {
		t.Fatalf("restart markers %+v, want one for restart 1", rs)
	}
	if i, j, k := indexOf(sink, stream.KindLog, old[29].text), indexOf(sink, stream.KindRestart, ""), indexOf(sink, stream.KindLog, fresh[0].text); !(i < j && j < k) {
		t.Errorf("restart marker at %d, want between the old container's last line (%d) and the new one's first (%d)", j, i, k)
	}
	for _, k := range []stream.Kind{stream.KindGap, stream.KindReconnect, stream.KindError} {
		if m := sink.markers(k); len(m) > 0 {
			t.Errorf("unexpected %s marker %q", k, m[0].Text)
		}
	}
	reqs := fa.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	if r := reqs[1]; !r.previous || r.follow || r.sinceTime != t0.Add(time.Second).Format(time.RFC3339) {
		t.Errorf("second request %+v: want the previous container from the last second seen", r)
	}
	if r := reqs[2]; r.previous || !r.follow || r.sinceTime != "" || r.tailLines != "" {
		t.Errorf("third request %+v: want the new container from its first line", r)
	}
}

func TestContainerStreamRestartPreviousGone(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	old := numbered("old", 0, 10, t0, 100*time.Millisecond)
	fresh := numbered("new", 0, 5, t0.Add(10*time.Second), 100*time.Millisecond)
	fa.setLog(appID, old, false)
	fa.setLog("containerd://app-2", fresh, false)
	fa.setScript(func(req logReq) logReply {
		switch {
		case req.previous:
			return logReply{status: 400, body: badRequest(`previous terminated container "app" in pod "p" not found`)}
		case req.n == 0:
			return logReply{closeAt: 10, atEnd: func() {
				fa.updatePod("ns", "p", func(p *corev1.Pod) { restartContainer(p, "app", "containerd://app-2") })
			}}
		}
		return logReply{}
	})
	sink := newLogSink()
	startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1}), sink)
	sink.waitLogs(t, 15)
	wantLogs(t, sink, append(texts(old), texts(fresh)...))
	gap, rs := sink.markers(stream.KindGap), sink.markers(stream.KindRestart)
	if len(gap) != 1 || !strings.Contains(gap[0].Text, "not found") {
		t.Errorf("gap markers %+v, want one with the server's reason", gap)
	}
	if len(rs) != 1 || rs[0].Count != 1 || !strings.Contains(rs[0].Text, "#1") {
		t.Errorf("restart markers %+v, want one for restart 1", rs)
	}
}

func TestContainerStreamTerminatedThenRestarted(t *testing.T) {
	// A container in a crash loop: it exits, tailui reads its last lines and waits;
	// the kubelet starts a new container, which exits too, and the pod gives up.
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	first := numbered("first", 0, 12, t0, 100*time.Millisecond)
	second := numbered("second", 0, 5, t0.Add(20*time.Second), 100*time.Millisecond)
	fa.setLog(appID, first, false)
	fa.setLog("containerd://app-2", second, false)
	fa.setScript(func(req logReq) logReply {
		switch req.n {
		case 0:
			// The stream breaks after 10 lines; the container writes 2 more and exits.
			return logReply{closeAt: 10, atEnd: func() {
				fa.updatePod("ns", "p", func(p *corev1.Pod) { terminateContainer(p, "app", 1, "Error") })
			}}
		case 2:
			// The second container's stream ends with it, and the pod fails.
			return logReply{closeAt: 5, atEnd: func() {
				fa.updatePod("ns", "p", func(p *corev1.Pod) {
					terminateContainer(p, "app", 2, "Error")
					p.Status.Phase = corev1.PodFailed
				})
			}}
		}
		return logReply{}
	})
	sink := newLogSink()
	cs := newTestStream(fa, LogOptions{Follow: true, TailLines: -1})
	changed := make(chan struct{}, 1)
	cs.changed = changed
	r := startSource(t, cs, sink)
	st := sink.waitStatus(t, stream.StateReconnecting)
	if !strings.Contains(st.Err, "container terminated: Error, exit code 1") {
		t.Errorf("status while waiting for a restart: %q", st.Err)
	}
	sink.waitLogs(t, 12)
	wantLogs(t, sink, texts(first))

	// The kubelet starts it again.
	fa.updatePod("ns", "p", func(p *corev1.Pod) { restartContainer(p, "app", "containerd://app-2") })
	changed <- struct{}{}
	if err := r.wait(); err != nil {
		t.Fatal(err)
	}
	wantLogs(t, sink, append(texts(first), texts(second)...))
	if rs := sink.markers(stream.KindRestart); len(rs) != 1 || rs[0].Count != 1 {
		t.Errorf("restart markers %+v, want one for restart 1", rs)
	}
	if i, j := indexOf(sink, stream.KindRestart, ""), indexOf(sink, stream.KindLog, second[0].text); i < 0 || i > j {
		t.Errorf("restart marker at %d, want before the new container's first line at %d", i, j)
	}
	if m := sink.markers(stream.KindGap); len(m) > 0 {
		t.Errorf("unexpected gap marker %q", m[0].Text)
	}
	if e := sink.markers(stream.KindEnded); len(e) != 1 || !strings.Contains(e[0].Text, "exit code 2") {
		t.Errorf("ended markers %+v, want one saying exit code 2", e)
	}
}

func TestContainerStreamPodFinishesWhileWaitingForRestart(t *testing.T) {
	// The container exits and would be restarted (restartPolicy Always), but the pod
	// is evicted while tailui waits for the restart: nothing will run again.
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	entries := numbered("l", 0, 5, t0, 100*time.Millisecond)
	fa.setLog(appID, entries, false)
	fa.setScript(func(req logReq) logReply {
		if req.n == 0 {
			return logReply{closeAt: 5, atEnd: func() {
				fa.updatePod("ns", "p", func(p *corev1.Pod) { terminateContainer(p, "app", 137, "Error") })
			}}
		}
		return logReply{}
	})
	sink := newLogSink()
	cs := newTestStream(fa, LogOptions{Follow: true, TailLines: -1})
	changed := make(chan struct{}, 1)
	cs.changed = changed
	r := startSource(t, cs, sink)
	sink.waitStatus(t, stream.StateReconnecting)
	fa.updatePod("ns", "p", func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.Reason = "Evicted"
	})
	changed <- struct{}{}
	if err := r.wait(); err != nil {
		t.Fatal(err)
	}
	wantLogs(t, sink, texts(entries))
	if e := sink.markers(stream.KindEnded); len(e) != 1 || !strings.Contains(e[0].Text, "exit code 137") {
		t.Errorf("ended markers %+v, want one saying exit code 137", e)
	}
	if st := lastStatus(sink); st.State != stream.StateEnded {
		t.Errorf("final state %v, want ended", st.State)
	}
}

func TestContainerStreamPodDeleted(t *testing.T) {
	cases := []struct {
		name   string
		script func(fa *fakeAPI) func(req logReq) logReply
	}{
		{name: "while streaming", script: func(fa *fakeAPI) func(req logReq) logReply {
			return func(req logReq) logReply {
				return logReply{closeAt: 5, end: endDrop, atEnd: func() { fa.deletePod("ns", "p") }}
			}
		}},
		{name: "before the log request", script: func(fa *fakeAPI) func(req logReq) logReply {
			return func(req logReq) logReply {
				if req.n == 0 {
					return logReply{closeAt: 5}
				}
				fa.deletePod("ns", "p")
				return logReply{status: 404, body: apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p").ErrStatus}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			entries := numbered("l", 0, 5, t0, 100*time.Millisecond)
			fa.setLog(appID, append(entries, numbered("l", 5, 5, t0.Add(time.Second), 0)...), false)
			fa.setScript(tc.script(fa))
			sink := newLogSink()
			err := startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1}), sink).wait()
			if err != nil {
				t.Fatalf("Run: %v, want nil: a deleted pod is a normal end", err)
			}
			wantLogs(t, sink, texts(entries))
			e := sink.markers(stream.KindEnded)
			if len(e) != 1 || e[0].Text != "pod deleted" {
				t.Errorf("ended markers %+v, want one \"pod deleted\"", e)
			}
			if m := sink.markers(stream.KindError); len(m) > 0 {
				t.Errorf("error marker %q", m[0].Text)
			}
			if st := lastStatus(sink); st.State != stream.StateEnded {
				t.Errorf("final state %v, want ended", st.State)
			}
		})
	}
}

func TestContainerStreamGapWhenLogShrank(t *testing.T) {
	// The log is rotated while the stream is down: of the 4 lines of the resume
	// second delivered before the break, only 2 come back.
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	entries := numbered("l", 0, 8, t0, 100*time.Millisecond)
	fa.setLog(appID, entries, false)
	later := numbered("m", 0, 3, t0.Add(2*time.Second), time.Millisecond)
	fa.setScript(func(req logReq) logReply {
		if req.n == 0 {
			return logReply{closeAt: 4, atEnd: func() {
				fa.setLog(appID, append(slices.Clone(entries[2:4]), later...), false)
			}}
		}
		return logReply{}
	})
	sink := newLogSink()
	startSource(t, newTestStream(fa, LogOptions{Follow: true, TailLines: -1}), sink)
	sink.waitLogs(t, 7)
	wantLogs(t, sink, append(texts(entries[:4]), texts(later)...))
	gap := sink.markers(stream.KindGap)
	if len(gap) != 1 {
		t.Fatalf("gap markers %+v, want one", gap)
	}
	// The gap shows where it is, while the stream is still open.
	if i, j := indexOf(sink, stream.KindGap, ""), indexOf(sink, stream.KindLog, later[0].text); i > j {
		t.Errorf("gap marker at %d, after the first line past the gap (%d)", i, j)
	}
}

func TestContainerStreamStatuses(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	fa.setLog(appID, numbered("l", 0, 3, t0, time.Millisecond), false)
	sink := newLogSink()
	if err := startSource(t, newTestStream(fa, LogOptions{TailLines: -1}), sink).wait(); err != nil {
		t.Fatal(err)
	}
	_, sts := sink.snapshot()
	var got []stream.State
	for _, s := range sts {
		got = append(got, s.State)
		if s.Origin == nil || s.Origin.ID != "ns/p/app" {
			t.Errorf("status origin %+v", s.Origin)
		}
	}
	want := []stream.State{stream.StateConnecting, stream.StateLive, stream.StateEnded}
	if !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	lines, _ := sink.snapshot()
	for _, l := range lines {
		if l.Origin == nil || l.Origin.Name != "p/app" || l.Time.IsZero() {
			t.Errorf("line %+v: want origin p/app and a time", l)
		}
	}
}

func TestParseTransport(t *testing.T) {
	for _, tr := range []Transport{TransportAuto, TransportWebSocket, TransportBase64, TransportHTTP} {
		got, err := ParseTransport(tr.String())
		if err != nil || got != tr {
			t.Errorf("ParseTransport(%q) = %v, %v", tr.String(), got, err)
		}
	}
	if _, err := ParseTransport("spdy"); err == nil {
		t.Error("ParseTransport(spdy) did not fail")
	}
}

func TestBackoffBounds(t *testing.T) {
	cases := []struct {
		n        int
		min, max time.Duration
	}{
		{0, 125 * time.Millisecond, 375 * time.Millisecond},
		{1, 125 * time.Millisecond, 375 * time.Millisecond},
		{2, 250 * time.Millisecond, 750 * time.Millisecond},
		{3, 500 * time.Millisecond, 1500 * time.Millisecond},
		{8, 15 * time.Second, 45 * time.Second},
		{9, 15 * time.Second, 45 * time.Second},
		{1000, 15 * time.Second, 45 * time.Second},
	}
	for _, tc := range cases {
		for range 200 {
			if d := backoff(tc.n); d < tc.min || d >= tc.max {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v)", tc.n, d, tc.min, tc.max)
			}
		}
	}
	// Jitter: many streams broken at once do not all come back together.
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[backoff(4)] = true
	}
	if len(seen) < 2 {
		t.Error("backoff has no jitter")
	}
}

// TestContainerStreamQuietStreamStaysOpen: the API server answers a log request only
// when the kubelet writes its first byte. A quiet container is waited for, with the
// path checked by GETs of the pod, for much longer than the ping deadline: no
// reconnect, no marker, one request; the line arrives when it is written.
func TestContainerStreamQuietStreamStaysOpen(t *testing.T) {
	for _, tr := range []Transport{TransportWebSocket, TransportHTTP} {
		t.Run(tr.String(), func(t *testing.T) {
			fa := newFakeAPI(t, runningPod("ns", "p", "app"))
			fa.setLog(appID, nil, false) // (the fake serves tailLines from when it answers: an empty log instead)
			fa.setScript(func(req logReq) logReply { return logReply{holdHeaders: true} })
			sink := newLogSink()
			cs := newTestStream(fa, LogOptions{Follow: true, TailLines: -1, Transport: tr, PingInterval: 100 * time.Millisecond})
			startSource(t, cs, sink)
			// Ten checks of the path = ten times the dead-path deadline of pings.
			fa.waitPodGETs(t, 12)
			if st := sink.waitStatus(t, stream.StateLive); st.State != stream.StateLive {
				t.Fatalf("status %v", st.State)
			}
			fa.appendLog(appID, "", logEntry{t: t0.Add(time.Minute), text: "finally"})
			sink.waitLogs(t, 1)
			wantLogs(t, sink, []string{"finally"})
			if n := len(fa.requests()); n != 1 {
				t.Errorf("%d log requests, want 1", n)
			}
			for _, k := range []stream.Kind{stream.KindReconnect, stream.KindResume, stream.KindGap} {
				if m := sink.markers(k); len(m) > 0 {
					t.Errorf("markers: %+v", m)
				}
			}
		})
	}
}

// TestContainerStreamDeadPathWhileWaiting: while a log request waits for its first
// byte, a failed check of the path (the API server does not answer a GET of the pod)
// ends the wait and the stream reconnects, then resumes from the open time.
func TestContainerStreamDeadPathWhileWaiting(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	fa.date = t0.Add(time.Second)
	fa.setLog(appID, nil, false)
	fa.setScript(func(req logReq) logReply {
		if req.n == 0 {
			fa.mu.Lock()
			fa.podDown = true
			fa.mu.Unlock()
		}
		return logReply{holdHeaders: req.n == 0}
	})
	sink := newLogSink()
	cs := newTestStream(fa, LogOptions{Follow: true, TailLines: 0, Transport: TransportWebSocket, PingInterval: 100 * time.Millisecond})
	startSource(t, cs, sink)
	sink.waitFor(t, "a reconnect marker", func() bool { return len(sink.markers(stream.KindReconnect)) > 0 })
	if m := sink.markers(stream.KindReconnect)[0]; !strings.Contains(m.Text, "stopped answering") {
		t.Errorf("reconnect marker %q", m.Text)
	}
	fa.mu.Lock()
	fa.podDown = false
	fa.mu.Unlock()
	fa.appendLog(appID, "", logEntry{t: t0.Add(2 * time.Second), text: "after"})
	sink.waitLogs(t, 1)
	wantLogs(t, sink, []string{"after"})
	if r := fa.requests(); len(r) < 2 || r[len(r)-1].sinceTime != "2026-03-04T05:06:08Z" {
		t.Errorf("requests %+v", r)
	}
}

// TestContainerStreamCrashLoopBackOff: the kubelet's crash-loop shape (waiting with
// the dead container's ID in status and lastState) is a terminated container about
// to restart: its last lines are read, the stream waits without reconnecting, and
// the next container is read from its first line.
func TestContainerStreamCrashLoopBackOff(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "p", "app"))
	first := numbered("first", 0, 12, t0, 100*time.Millisecond)
	second := numbered("second", 0, 5, t0.Add(20*time.Second), 100*time.Millisecond)
	fa.setLog(appID, first, false)
	fa.setLog("containerd://app-2", second, false)
	fa.setScript(func(req logReq) logReply {
		if req.n == 0 {
			// The stream breaks after 10 lines; the container writes 2 more and dies.
			return logReply{closeAt: 10, end: endDrop, atEnd: func() {
				fa.updatePod("ns", "p", func(p *corev1.Pod) { crashLoop(p, "app") })
			}}
		}
		return logReply{}
	})
	sink := newLogSink()
	cs := newTestStream(fa, LogOptions{Follow: true, TailLines: -1})
	changed := make(chan struct{}, 1)
	cs.changed = changed
	startSource(t, cs, sink)
	sink.waitLogs(t, 12)
	st := sink.waitStatus(t, stream.StateReconnecting)
	sink.waitFor(t, "waiting for a restart", func() bool {
		_, sts := sink.snapshot()
		st = sts[len(sts)-1]
		return strings.Contains(st.Err, "container terminated: Error, exit code 1; waiting for a restart")
	})
	fa.updatePod("ns", "p", func(p *corev1.Pod) { restartContainer(p, "app", "containerd://app-2") })
	changed <- struct{}{}
	sink.waitLogs(t, 17)
	wantLogs(t, sink, append(texts(first), texts(second)...))
	if rs := sink.markers(stream.KindRestart); len(rs) != 1 {
		t.Errorf("restart markers %+v, want one", rs)
	}
	if m := sink.markers(stream.KindReconnect); len(m) > 1 {
		t.Errorf("reconnect markers %+v: more than the one of the break", m)
	}
	if m := sink.markers(stream.KindGap); len(m) > 0 {
		t.Errorf("gap markers %+v", m)
	}
}

func TestStartOf(t *testing.T) {
	at := t0.Add(3 * time.Second)
	i64 := func(v int64) *int64 { return &v }
	cases := []struct {
		name     string
		resumeOK bool
		fresh    bool
		mode     readMode
		opts     LogOptions
		want     start
	}{
		{name: "first read: tail and since", opts: LogOptions{TailLines: 3, Since: 1500 * time.Millisecond}, want: start{tail: i64(3), sinceSeconds: i64(2)}},
		{name: "first read: all", opts: LogOptions{TailLines: -1}},
		{name: "first read: tail 0", opts: LogOptions{TailLines: 0}, want: start{tail: i64(0)}},
		{name: "resume wins over tail", resumeOK: true, opts: LogOptions{TailLines: 0, Since: time.Minute}, want: start{sinceTime: &at}},
		{name: "fresh container: whole log", fresh: true, opts: LogOptions{TailLines: 3}},
		{name: "previous after a restart: whole log", mode: readPrevious, opts: LogOptions{TailLines: 3}},
		{name: "--previous: tail applies", mode: readPrevious, opts: LogOptions{TailLines: 3, Previous: true}, want: start{tail: i64(3)}},
		// A TUI pane (MaxHistory: what it keeps) never asks for more than it keeps,
		// and a resume never asks for what it had.
		{name: "pane: first read under the cap", opts: LogOptions{TailLines: 3, MaxHistory: 10}, want: start{tail: i64(3)}},
		{name: "pane: whole log capped", opts: LogOptions{TailLines: -1, MaxHistory: 10}, want: start{tail: i64(10)}},
		{name: "pane: since capped too", opts: LogOptions{TailLines: -1, Since: time.Minute, MaxHistory: 10}, want: start{tail: i64(10), sinceSeconds: i64(60)}},
		{name: "pane: fresh container capped", fresh: true, opts: LogOptions{TailLines: 3, MaxHistory: 10}, want: start{tail: i64(10)}},
		{name: "pane: previous after a restart capped", mode: readPrevious, opts: LogOptions{TailLines: 3, MaxHistory: 10}, want: start{tail: i64(10)}},
		{name: "pane: resume by time, no tail", resumeOK: true, fresh: true, opts: LogOptions{TailLines: 3, MaxHistory: 10}, want: start{sinceTime: &at}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := startOf(at, tc.resumeOK, tc.fresh, tc.mode, tc.opts)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("startOf = tail %v since %v time %v; want tail %v since %v time %v",
					deref(got.tail), deref(got.sinceSeconds), got.sinceTime, deref(tc.want.tail), deref(tc.want.sinceSeconds), tc.want.sinceTime)
			}
		})
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestAnchorBack(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	since := metav1.NewTime(t0)
	cases := []struct {
		name   string
		plo    corev1.PodLogOptions
		want   time.Duration
		wantOK bool
	}{
		{name: "tail 0", plo: corev1.PodLogOptions{Follow: true, TailLines: i64(0)}, wantOK: true},
		{name: "tail 0 and since: tail 0 rules", plo: corev1.PodLogOptions{Follow: true, TailLines: i64(0), SinceSeconds: i64(60)}, wantOK: true},
		{name: "since alone", plo: corev1.PodLogOptions{Follow: true, SinceSeconds: i64(90)}, want: 90 * time.Second, wantOK: true},
		{name: "tail N: sent again", plo: corev1.PodLogOptions{Follow: true, TailLines: i64(10)}},
		{name: "tail N and since: sent again", plo: corev1.PodLogOptions{Follow: true, TailLines: i64(10), SinceSeconds: i64(9)}},
		{name: "whole log", plo: corev1.PodLogOptions{Follow: true}},
		{name: "no follow", plo: corev1.PodLogOptions{TailLines: i64(0)}},
		{name: "a resume", plo: corev1.PodLogOptions{Follow: true, SinceTime: &since}},
		{name: "previous", plo: corev1.PodLogOptions{Follow: true, Previous: true, TailLines: i64(0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := anchorBack(&tc.plo); got != tc.want || ok != tc.wantOK {
				t.Errorf("anchorBack = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
