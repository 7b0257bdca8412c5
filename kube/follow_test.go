package kube

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
	k8stesting "k8s.io/client-go/testing"

	"github.com/tailui/tailui/stream"
)

// noWatchList makes informers list, then watch. The fake clientset does not send
// the bookmark that ends a watch-list's initial events, so informers using it
// would never sync.
func noWatchList(t *testing.T) {
	clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.WatchListClient, false)
}

// logsOf returns the log lines of one origin ("pod/container").
func logsOf(sink *logSink, name string) []string {
	lines, _ := sink.snapshot()
	var out []string
	for _, l := range lines {
		if l.Kind == stream.KindLog && l.Origin != nil && l.Origin.Name == name {
			out = append(out, l.Text)
		}
	}
	return out
}

func markersOf(sink *logSink, name string, k stream.Kind) []stream.Line {
	var out []stream.Line
	for _, l := range sink.markers(k) {
		if l.Origin != nil && l.Origin.Name == name {
			out = append(out, l)
		}
	}
	return out
}

func wantLogsOf(t *testing.T, sink *logSink, name string, want []string) {
	t.Helper()
	got := logsOf(sink, name)
	if slices.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Errorf("%s: got %d lines, want %d; they differ from line %d", name, len(got), len(want), i)
}

func TestFollowerWithoutFollow(t *testing.T) {
	p1 := runningPod("ns", "web-1", "app", "side")
	p2 := runningPod("ns", "web-2", "app")
	other := runningPod("ns", "db-0", "app")
	fa := newFakeAPI(t, p1, p2, other)
	logs := map[string][]logEntry{}
	// Give every container its own ID and log.
	for i, p := range []*corev1.Pod{p1, p2, other} {
		for j := range p.Status.ContainerStatuses {
			cs := &p.Status.ContainerStatuses[j]
			id := "containerd://" + p.Name + "-" + cs.Name
			fa.updatePod("ns", p.Name, func(p *corev1.Pod) { p.Status.ContainerStatuses[j].ContainerID = id })
			logs[p.Name+"/"+cs.Name] = numbered(p.Name+"/"+cs.Name, 0, 50*(i+1), t0, time.Millisecond)
			fa.setLog(id, logs[p.Name+"/"+cs.Name], false)
		}
	}
	sink := newLogSink()
	f := &Follower{Client: fa.discoveryClient(), Query: Query{PodName: regexp.MustCompile("^web-")}, Log: LogOptions{TailLines: -1}}
	if err := startSource(t, f, sink).wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, name := range []string{"web-1/app", "web-1/side", "web-2/app"} {
		wantLogsOf(t, sink, name, texts(logs[name]))
	}
	if got := logsOf(sink, "db-0/app"); len(got) > 0 {
		t.Errorf("db-0 does not match the query but %d of its lines came", len(got))
	}
}

func TestFollowerNoMatch(t *testing.T) {
	noWatchList(t)
	fa := newFakeAPI(t, runningPod("ns", "web-1", "app"))
	q := Query{PodName: regexp.MustCompile("^nothing")}

	sink := newLogSink()
	err := startSource(t, &Follower{Client: fa.discoveryClient(), Query: q, Log: LogOptions{TailLines: -1}}, sink).wait()
	var nm *NoMatchError
	if !errors.As(err, &nm) || !strings.Contains(err.Error(), `no pod matches name ~ "^nothing" in namespace ns`) {
		t.Fatalf("Run without follow: %v, want a NoMatchError naming the query", err)
	}

	// Following, it waits for one to appear, and says so.
	sink = newLogSink()
	startSource(t, &Follower{Client: fa.discoveryClient(), Query: q, Log: LogOptions{Follow: true, TailLines: -1}}, sink)
	sink.waitFor(t, "a note", func() bool { return len(sink.markers(stream.KindInfo)) > 0 })
	if m := sink.markers(stream.KindInfo)[0]; m.Origin != TailuiOrigin() || !strings.Contains(m.Text, "waiting for one to appear") {
		t.Errorf("note %+v", m)
	}
}

func TestFollowerFollowsPodsAsTheyComeAndGo(t *testing.T) {
	noWatchList(t)
	fa := newFakeAPI(t, runningPod("ns", "web-1", "app"))
	first := numbered("one", 0, 20, t0, time.Millisecond)
	fa.setLog(appID, first, false)
	sink := newLogSink()
	// --tail 5 applies to containers present at start only.
	f := &Follower{Client: fa.discoveryClient(), Query: Query{PodName: regexp.MustCompile("^web-")}, Log: LogOptions{Follow: true, TailLines: 5}}
	r := startSource(t, f, sink)
	sink.waitFor(t, "web-1's lines", func() bool { return len(logsOf(sink, "web-1/app")) == 5 })
	wantLogsOf(t, sink, "web-1/app", texts(first[15:]))

	// A pod created later is read from its first line.
	p2 := runningPod("ns", "web-2", "app")
	p2.Status.ContainerStatuses[0].ContainerID = "containerd://web-2-app"
	p2.CreationTimestamp = metav1.Now()
	second := numbered("two", 0, 10, t0.Add(time.Minute), time.Millisecond)
	fa.setLog("containerd://web-2-app", second, false)
	fa.addPod(p2)
	sink.waitFor(t, "web-2's lines", func() bool { return len(logsOf(sink, "web-2/app")) == 10 })
	wantLogsOf(t, sink, "web-2/app", texts(second))

	// A pod that does not match is not followed.
	db := runningPod("ns", "db-0", "app")
	db.Status.ContainerStatuses[0].ContainerID = "containerd://db"
	fa.setLog("containerd://db", numbered("db", 0, 3, t0, time.Millisecond), false)
	fa.addPod(db)

	// A deleted pod ends its stream.
	fa.deletePod("ns", "web-1")
	sink.waitFor(t, "web-1 to end", func() bool { return len(markersOf(sink, "web-1/app", stream.KindEnded)) > 0 })
	if m := markersOf(sink, "web-1/app", stream.KindEnded)[0]; m.Text != "pod deleted" {
		t.Errorf("web-1 ended with %q, want \"pod deleted\"", m.Text)
	}

	// Lines keep coming from the pod that is still there.
	more := numbered("two", 10, 3, t0.Add(2*time.Minute), time.Millisecond)
	fa.appendLog("containerd://web-2-app", "", more...)
	sink.waitFor(t, "web-2's new lines", func() bool { return len(logsOf(sink, "web-2/app")) == 13 })
	if err := r.stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	wantLogsOf(t, sink, "web-1/app", texts(first[15:]))
	wantLogsOf(t, sink, "web-2/app", append(texts(second), texts(more)...))
	if got := logsOf(sink, "db-0/app"); len(got) > 0 {
		t.Errorf("db-0 does not match the query but %d of its lines came", len(got))
	}
}

func TestFollowerDoesNotRereadAFinishedContainer(t *testing.T) {
	noWatchList(t)
	job := runningPod("ns", "job-1", "app")
	job.Spec.RestartPolicy = corev1.RestartPolicyNever
	fa := newFakeAPI(t, job)
	entries := numbered("l", 0, 10, t0, time.Millisecond)
	fa.setLog(appID, entries, false)
	sink := newLogSink()
	f := &Follower{Client: fa.discoveryClient(), Log: LogOptions{Follow: true, TailLines: -1}}
	r := startSource(t, f, sink)
	sink.waitFor(t, "the job's lines", func() bool { return len(logsOf(sink, "job-1/app")) == 10 })

	// The job's container exits: its stream ends.
	fa.updatePod("ns", "job-1", func(p *corev1.Pod) {
		terminateContainer(p, "app", 0, "Completed")
		p.Status.Phase = corev1.PodSucceeded
	})
	sink.waitFor(t, "the job's stream to end", func() bool { return len(markersOf(sink, "job-1/app", stream.KindEnded)) > 0 })

	// The pod changes again afterwards (the job controller removes its finalizer,
	// a label is added): that is no reason to read the log again.
	fa.updatePod("ns", "job-1", func(p *corev1.Pod) { p.Labels = map[string]string{"done": "yes"} })
	// Pod events are handled in order: once a pod created after that change is
	// followed, the change was handled too.
	p2 := runningPod("ns", "later", "app")
	p2.Status.ContainerStatuses[0].ContainerID = "containerd://later"
	p2.CreationTimestamp = metav1.Now()
	fa.setLog("containerd://later", numbered("later", 0, 3, t0, time.Millisecond), false)
	fa.addPod(p2)
	sink.waitFor(t, "the later pod's lines", func() bool { return len(logsOf(sink, "later/app")) == 3 })
	if err := r.stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	wantLogsOf(t, sink, "job-1/app", texts(entries))
	if n := len(markersOf(sink, "job-1/app", stream.KindEnded)); n != 1 {
		t.Errorf("%d ended markers for the job, want 1", n)
	}
}

func TestFollowerMaxStreams(t *testing.T) {
	fa := newFakeAPI(t, runningPod("ns", "a", "app"), runningPod("ns", "b", "app"), runningPod("ns", "c", "app"))
	entries := numbered("l", 0, 5, t0, time.Millisecond)
	fa.setLog(appID, entries, false) // every pod's app container has this ID
	sink := newLogSink()
	f := &Follower{Client: fa.discoveryClient(), Log: LogOptions{TailLines: -1}, MaxStreams: 1}
	if err := startSource(t, f, sink).wait(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a/app", "b/app", "c/app"} {
		wantLogsOf(t, sink, name, texts(entries))
	}
	_, sts := sink.snapshot()
	queued := 0
	for _, s := range sts {
		if s.State == stream.StateQueued {
			queued++
			if !strings.Contains(s.Err, "--max-streams 1") {
				t.Errorf("queued status says %q", s.Err)
			}
		}
	}
	if queued == 0 {
		t.Error("no stream was queued with --max-streams 1 and 3 containers")
	}
	notes := sink.markers(stream.KindInfo)
	if len(notes) != 1 || notes[0].Origin != TailuiOrigin() || !strings.Contains(notes[0].Text, "raise --max-streams") {
		t.Errorf("notes %+v, want one saying to raise --max-streams", notes)
	}
}

func TestFollowerReportsWatchErrors(t *testing.T) {
	noWatchList(t)
	fa := newFakeAPI(t, runningPod("a", "p", "app"), runningPod("b", "p", "app"))
	// The first lists (one per namespace, at start) succeed; the informers' fail.
	var lists atomic.Int32
	fa.store.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		if lists.Add(1) <= 2 {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "",
			errString(`User "nobody" cannot list resource "pods" in API group "" in the namespace "a"`))
	})
	sink := newLogSink()
	f := &Follower{Client: fa.discoveryClient(), Query: Query{Namespaces: []string{"a", "b"}}, Log: LogOptions{Follow: true, TailLines: -1}}
	startSource(t, f, sink)
	sink.waitFor(t, "a watch error", func() bool { return len(sink.markers(stream.KindError)) > 0 })
	m := sink.markers(stream.KindError)[0]
	if m.Origin != TailuiOrigin() || !strings.Contains(m.Text, "watching pods: forbidden") || !strings.Contains(m.Text, "(retrying)") {
		t.Errorf("watch error note %+v", m)
	}
}

// TestFollowerOpensWithoutAGetPerStream: a Follower's streams start from the pods
// it listed, not from a GET of their own (5,000 streams made 5,000 GETs through
// client-go's rate limiter), and streams anchoring together (--tail 0) share the
// reading of the API server's clock instead of one GET each.
func TestFollowerOpensWithoutAGetPerStream(t *testing.T) {
	noWatchList(t)
	const n = 20
	fa := newFakeAPI(t)
	for i := range n {
		name := fmt.Sprintf("web-%d", i)
		p := runningPod("ns", name, "app")
		id := "containerd://" + name + "-app"
		p.Status.ContainerStatuses[0].ContainerID = id
		fa.addPod(p)
		fa.setLog(id, numbered(name, 0, 3, t0, time.Millisecond), true)
	}
	fa.mu.Lock()
	fa.date = t0
	fa.mu.Unlock()
	fa.store.ClearActions()
	sink := newLogSink()
	f := &Follower{Client: fa.discoveryClient(), Query: Query{PodName: regexp.MustCompile("^web-")}, Log: LogOptions{Follow: true, TailLines: 0}}
	startSource(t, f, sink)
	sink.waitFor(t, "every stream's request", func() bool { return len(fa.requests()) >= n })
	gets := 0
	for _, a := range fa.store.Actions() {
		if a.GetVerb() == "get" && a.GetResource().Resource == "pods" && a.GetSubresource() == "" {
			gets++
		}
	}
	if gets != 0 {
		t.Errorf("%d GETs of pods before the first requests, want none (the Follower listed them)", gets)
	}
	fa.mu.Lock()
	clock := fa.podGETs
	fa.mu.Unlock()
	if clock > n/2 {
		t.Errorf("%d readings of the API server's clock for %d streams anchoring at once, want them shared", clock, n)
	}
}
