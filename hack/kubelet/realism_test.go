package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// headerRecorder is a ResponseWriter that notes when the headers go out.
type headerRecorder struct {
	mu          sync.Mutex
	h           http.Header
	headersSent bool
	body        strings.Builder
}

func (r *headerRecorder) Header() http.Header { return r.h }
func (r *headerRecorder) WriteHeader(int) {
	r.mu.Lock()
	r.headersSent = true
	r.mu.Unlock()
}
func (r *headerRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headersSent = true
	return r.body.Write(p)
}
func (r *headerRecorder) Flush() {
	r.mu.Lock()
	r.headersSent = true // net/http sends the headers on a flush
	r.mu.Unlock()
}
func (r *headerRecorder) state() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.headersSent, r.body.String()
}

// TestHeadersLeaveWithTheFirstByte: a follow of a container that has written nothing
// yet sends no headers (the API server keeps waiting for them), then headers and the
// line together.
func TestHeadersLeaveWithTheFirstByte(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		store := NewStore(log, nil)
		store.manual = true
		pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "logs-test", Name: "quiet", UID: "uid-quiet",
			Annotations: map[string]string{testbedspec.LogsAnnotation("app"): "history=0,rate=1"}},
			Spec: v1.PodSpec{NodeName: "n", Containers: []v1.Container{{Name: "app", Image: "x"}}}}
		store.Sync(pod)
		k := &kubelet{store: store, log: log}
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/containerLogs/logs-test/quiet/app?follow=true&timestamps=true", nil)
		req.SetPathValue("ns", "logs-test")
		req.SetPathValue("pod", "quiet")
		req.SetPathValue("container", "app")
		rec := &headerRecorder{h: http.Header{}}
		done := make(chan struct{})
		go func() { defer close(done); k.serveContainerLogs(rec, req) }()
		synctest.Wait()
		if sent, _ := rec.state(); sent {
			t.Fatal("headers sent before any log was written")
		}
		store.Produce(time.Now().Add(1500 * time.Millisecond))
		synctest.Wait()
		sent, body := rec.state()
		if !sent || !strings.Contains(body, "seq=1") {
			t.Fatalf("after the first line: headers sent %v, body %q", sent, body)
		}
		cancel()
		<-done
	})
}

// readLines reads n lines from a follow.
func readLines(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d lines: %v", len(out), err)
		}
		out = append(out, strings.TrimSuffix(l, "\n"))
	}
	return out
}

// TestRotationServesOnlyTheCurrentFile: a follower goes on through rotations; a new
// request (with tailLines or sinceTime too) reads only the current file.
func TestRotationServesOnlyTheCurrentFile(t *testing.T) {
	b := newTestBed(t)
	p := b.addPod("rot", []string{"app"}, map[string]string{"app": "history=5,rate=10,rotate=10"}, nil)
	follow := bufio.NewReader(b.open("rot", "app", q("follow", "true")))
	b.produce(1 * time.Second)         // seq 6..15; 15 records: rotated, the file starts at seq 16
	b.produce(2 * time.Second)         // seq 16..25: rotated again
	b.produce(2500 * time.Millisecond) // seq 26..30 in the current file
	wantSeqRange(t, seqs(t, readLines(t, follow, 30)), 1, 30)

	_, all := b.get("rot", "app", q())
	wantSeqRange(t, seqs(t, splitLines(all)), 26, 30)
	_, tail := b.get("rot", "app", q("tailLines", "10"))
	wantSeqRange(t, seqs(t, splitLines(tail)), 26, 30)
	_, since := b.get("rot", "app", q("sinceTime", t0.Add(time.Second).Format(time.RFC3339)))
	wantSeqRange(t, seqs(t, splitLines(since)), 26, 30)
	if c := b.store.container(p, "app"); c.rotations != 2 {
		t.Fatalf("%d rotations, want 2", c.rotations)
	}
}

// TestPartialRecordsServedLikeReadLogs: a line longer than a record is written as
// partial records; the kubelet joins them with one timestamp prefix, and a sinceTime
// that falls inside the line serves its rest without a prefix (ReadLogs keeps its
// "new line" state across the records it skips).
func TestPartialRecordsServedLikeReadLogs(t *testing.T) {
	b := newTestBed(t)
	p := b.addPod("long", []string{"app"}, map[string]string{"app": "history=0,rate=1,long=3"}, nil)
	b.produce(4 * time.Second) // seq 1..4; seq 3 is long, three records 300 ms apart
	want, _ := testbedspec.LineFor("long", "app", 3, b.store.container(p, "app").spec)
	if len(want) != testbedspec.LongLineSize {
		t.Fatalf("long line is %d bytes", len(want))
	}
	c := b.store.container(p, "app")
	recs := c.snapshot().cur.lines
	if len(recs) != 6 || !recs[2].partial || !recs[3].partial || recs[4].partial {
		t.Fatalf("records: %d, partial flags %v %v %v", len(recs), recs[2].partial, recs[3].partial, recs[4].partial)
	}

	_, body := b.get("long", "app", q("timestamps", "true"))
	lines := parseStamped(t, body)
	if len(lines) != 4 || lines[2].text != want || !lines[2].ts.Equal(time.Unix(0, recs[2].ts)) {
		t.Fatalf("got %d lines; line 3 is %d bytes at %v", len(lines), len(lines[2].text), lines[2].ts)
	}

	// The third record is in the next second: a sinceTime of that second starts
	// with the line's last piece, unprefixed.
	third := time.Unix(0, recs[4].ts).UTC()
	if time.Unix(0, recs[2].ts).Unix() == third.Unix() {
		t.Fatalf("records of the long line all in one second: %v .. %v", time.Unix(0, recs[2].ts), third)
	}
	_, body = b.get("long", "app", q("timestamps", "true", "sinceTime", third.Truncate(time.Second).Format(time.RFC3339)))
	first, rest, _ := strings.Cut(body, "\n")
	if first != want[2*testbedspec.CRIRecordSize:] {
		t.Fatalf("resumed mid-line: first line %.60q (%d bytes), want the line's last %d bytes unprefixed",
			first, len(first), len(want)-2*testbedspec.CRIRecordSize)
	}
	if got := parseStamped(t, rest); len(got) != 1 || !strings.Contains(got[0].text, "seq=4") {
		t.Fatalf("after the piece: %q", rest)
	}
}

// TestCrashLoopBackOffShape: a crashed container waits in CrashLoopBackOff with the
// dead container's ID in both its status and lastState; its log (current and
// previous) is the dead run's; then a new container runs.
func TestCrashLoopBackOffShape(t *testing.T) {
	b := newTestBed(t)
	p := b.addPod("crash", []string{"app"}, map[string]string{"app": "history=10,rate=10,restart-after=20,backoff=10s"}, nil)
	c := b.store.container(p, "app")
	firstID := "testbed://" + c.snapshot().cur.id
	b.produce(time.Second) // seq 11..20: it dies
	cs := containerStatus(c)
	if w := cs.State.Waiting; w == nil || w.Reason != "CrashLoopBackOff" ||
		w.Message != "back-off 10s restarting failed container=app pod=crash_logs-test(uid-crash)" {
		t.Fatalf("state %+v", cs.State)
	}
	lt := cs.LastTerminationState.Terminated
	if lt == nil || lt.ContainerID != firstID || cs.ContainerID != firstID || lt.ExitCode != 1 || lt.Reason != "Error" || cs.RestartCount != 0 {
		t.Fatalf("status %+v", cs)
	}
	if st := podStatus(p, "127.0.0.1"); st.Phase != v1.PodRunning {
		t.Fatalf("pod phase %s while crash-looping, want Running", st.Phase)
	}
	for _, prev := range []string{"false", "true"} {
		_, body := b.get("crash", "app", q("previous", prev))
		wantSeqRange(t, seqs(t, splitLines(body)), 1, 20)
	}
	b.produce(5 * time.Second)
	if containerStatus(c).State.Waiting == nil {
		t.Fatal("running before the back-off ended")
	}
	b.produce(11500 * time.Millisecond)
	cs = containerStatus(c)
	if cs.State.Running == nil || cs.RestartCount != 1 || cs.ContainerID == firstID || cs.LastTerminationState.Terminated.ContainerID != firstID {
		t.Fatalf("after the back-off: %+v", cs)
	}
	b.produce(12500 * time.Millisecond)
	_, cur := b.get("crash", "app", q())
	wantSeqRange(t, seqs(t, splitLines(cur)), 21, 30)
	_, prev := b.get("crash", "app", q("previous", "true"))
	wantSeqRange(t, seqs(t, splitLines(prev)), 1, 20)
}
