package kube

// A scripted stand-in for the API server's pod endpoints, for unit tests of the
// pod-log engine. Pods live in a client-go fake clientset (the "store"), which the
// server reads for GET .../pods/{name} and for deciding which container a log
// request reads; container logs live here, keyed by container ID. The log endpoint
// behaves like the kubelet behind the API server: it honours sinceTime (second
// precision, inclusive), tailLines, previous, follow and timestamps, sends one empty
// frame and then frames of at most 2048 bytes cut anywhere, and ends each request
// the way the test's script says.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gws "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	"github.com/tailui/tailui/stream"
)

// t0 is the time of the first line of every scripted log.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// stampFormat is how the kubelet prints timestamps: RFC 3339, nine fractional digits.
const stampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// logEntry is one line of a scripted container log.
type logEntry struct {
	t    time.Time
	text string
}

// containerLog is one container's log. The last entry has no newline yet when open
// is true (the container is in the middle of writing it).
type containerLog struct {
	entries []logEntry
	open    bool
}

// endHow is how a log response ends once its lines are sent.
type endHow int

const (
	endClose endHow = iota // WebSocket close frame 1000 (HTTP: end of body)
	endDrop                // TCP connection dropped without a close frame (1006)
	endHang                // nothing more is sent and nothing is read (no pongs)
)

// logReq is one log request as the server saw it.
type logReq struct {
	n            int // 0 for the first request
	container    string
	websocket    bool
	protocol     string
	follow       bool
	previous     bool
	timestamps   bool
	sinceTime    string
	sinceSeconds string
	tailLines    string
}

// logReply is the script's answer to one log request.
type logReply struct {
	// status, when not 0, answers with this HTTP status and body before any upgrade.
	status int
	body   any // a metav1.Status (sent as JSON) or a string (sent as text)
	// refuseUpgrade answers WebSocket requests with a plain-text 400, like a proxy
	// that does not pass upgrades; plain HTTP requests are served.
	refuseUpgrade bool
	// closeAt ends the response before the entry at this index of the log (0: after
	// all of them when not following, never while following a running container).
	// Repeats that the client skips count: the response holds entries up to closeAt.
	closeAt int
	// closeWhenIdle ends a following response once everything written so far,
	// including an unterminated last line, is sent.
	closeWhenIdle bool
	end           endHow
	// atEnd runs just before the response ends (e.g. to restart the container).
	atEnd func()
	// onIdle runs once, when a following response has sent everything there is
	// (e.g. to write more lines once the response is surely under way).
	onIdle func()
	// holdHeaders answers (upgrade or headers) only once the log has grown past
	// its length at the request, as a real kubelet's headers leave with the first
	// byte and the API server waits for them.
	holdHeaders bool
}

// fakeAPI is the scripted API server.
type fakeAPI struct {
	t      *testing.T
	srv    *httptest.Server
	store  *fake.Clientset
	client *Client // real clientset and config pointed at srv

	mu     sync.Mutex
	logs   map[string]*containerLog // by container ID
	notify chan struct{}            // closed and replaced when a log grows
	reqs   []logReq
	script func(req logReq) logReply
	rng    *rand.Rand
	done   chan struct{} // closed when the test ends: hung handlers return
	maxCut int           // largest frame (2048 like the API server)
	// date, when set, is the Date header of pod GETs: the API server's clock, in
	// the scripted logs' time.
	date    time.Time
	podGETs int // GETs of the pod
	// podDown makes pod GETs fail with 503 (the path to the API server is broken).
	podDown bool
	podGot  chan struct{} // closed and replaced at every pod GET
}

func newFakeAPI(t *testing.T, pods ...*corev1.Pod) *fakeAPI {
	t.Helper()
	fa := &fakeAPI{
		t: t, store: fake.NewClientset(), logs: map[string]*containerLog{},
		notify: make(chan struct{}), rng: rand.New(rand.NewPCG(1, uint64(len(t.Name())))),
		done: make(chan struct{}), maxCut: 2048,
	}
	for _, p := range pods {
		fa.addPod(p)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}", fa.servePod)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/log", fa.serveLog)
	fa.srv = httptest.NewTLSServer(mux)
	t.Cleanup(func() {
		close(fa.done)
		fa.srv.Close()
	})
	// No client-side rate limit (NewClient sets a generous one): a test resumes
	// many times a second, and each resume GETs the pod.
	cfg := &rest.Config{Host: fa.srv.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}, QPS: -1}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fa.client = &Client{Config: cfg, Clientset: cs, Namespace: "ns"}
	return fa
}

// discoveryClient returns a Client whose clientset is the store itself (list and
// watch for discovery, pod lookups) except for the REST client that log URLs are
// built with, and whose config reaches the scripted server (logs over WebSocket).
func (fa *fakeAPI) discoveryClient() *Client {
	cs := &storeClientset{Clientset: fa.store, rest: fa.client.Clientset.CoreV1().RESTClient()}
	return &Client{Config: fa.client.Config, Clientset: cs, Namespace: "ns"}
}

// storeClientset is the fake clientset with a real core REST client.
type storeClientset struct {
	*fake.Clientset
	rest rest.Interface
}

func (c *storeClientset) CoreV1() typedcorev1.CoreV1Interface {
	return storeCoreV1{c.Clientset.CoreV1(), c.rest}
}

type storeCoreV1 struct {
	typedcorev1.CoreV1Interface
	rest rest.Interface
}

func (c storeCoreV1) RESTClient() rest.Interface { return c.rest }

func (fa *fakeAPI) addPod(p *corev1.Pod) {
	fa.t.Helper()
	if _, err := fa.store.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		fa.t.Fatal(err)
	}
}

// updatePod changes a pod in the store.
func (fa *fakeAPI) updatePod(ns, name string, change func(p *corev1.Pod)) {
	fa.t.Helper()
	p, err := fa.store.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		fa.t.Errorf("update pod %s: %v", name, err)
		return
	}
	p = p.DeepCopy()
	change(p)
	if _, err := fa.store.CoreV1().Pods(ns).Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		fa.t.Errorf("update pod %s: %v", name, err)
	}
	fa.wake()
}

func (fa *fakeAPI) deletePod(ns, name string) {
	if err := fa.store.CoreV1().Pods(ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		fa.t.Errorf("delete pod %s: %v", name, err)
	}
	fa.wake()
}

// wake makes following responses look at their log and container again.
func (fa *fakeAPI) wake() {
	fa.mu.Lock()
	fa.wakeLocked()
	fa.mu.Unlock()
}

// setLog sets a container's log.
func (fa *fakeAPI) setLog(id string, entries []logEntry, open bool) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	fa.logs[id] = &containerLog{entries: entries, open: open}
	fa.wakeLocked()
}

// appendLog adds lines to a container's log (completing an open last line first
// when complete is not empty).
func (fa *fakeAPI) appendLog(id string, complete string, entries ...logEntry) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	l := fa.logs[id]
	if l == nil {
		l = &containerLog{}
		fa.logs[id] = l
	}
	if l.open && complete != "" {
		l.entries[len(l.entries)-1].text += complete
		l.open = false
	}
	l.entries = append(l.entries, entries...)
	fa.wakeLocked()
}

func (fa *fakeAPI) wakeLocked() {
	close(fa.notify)
	fa.notify = make(chan struct{})
}

func (fa *fakeAPI) setScript(s func(req logReq) logReply) {
	fa.mu.Lock()
	fa.script = s
	fa.mu.Unlock()
}

// requests returns the log requests seen so far.
func (fa *fakeAPI) requests() []logReq {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	return append([]logReq(nil), fa.reqs...)
}

func writeStatus(w http.ResponseWriter, st metav1.Status) {
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	st.Status = metav1.StatusFailure
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	_ = json.NewEncoder(w).Encode(st)
}

func (fa *fakeAPI) servePod(w http.ResponseWriter, r *http.Request) {
	fa.mu.Lock()
	fa.podGETs++
	date, down := fa.date, fa.podDown
	if fa.podGot != nil {
		close(fa.podGot)
	}
	fa.podGot = make(chan struct{})
	fa.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if !date.IsZero() {
		w.Header().Set("Date", date.UTC().Format(http.TimeFormat))
	}
	p, err := fa.serverGetPod(r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, r.PathValue("name")).ErrStatus)
		return
	}
	b, err := runtime.Encode(scheme.Codecs.LegacyCodec(corev1.SchemeGroupVersion), p)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// containerStatus finds a container's status in any of the pod's lists.
func containerStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

func badRequest(msg string) metav1.Status {
	return metav1.Status{Code: http.StatusBadRequest, Reason: metav1.StatusReasonBadRequest, Message: msg}
}

func (fa *fakeAPI) serveLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ns, name := r.PathValue("ns"), r.PathValue("name")
	req := logReq{
		container: q.Get("container"), websocket: gws.IsWebSocketUpgrade(r),
		protocol: r.Header.Get("Sec-WebSocket-Protocol"),
		follow:   q.Get("follow") == "true", previous: q.Get("previous") == "true",
		timestamps: q.Get("timestamps") == "true", sinceTime: q.Get("sinceTime"),
		sinceSeconds: q.Get("sinceSeconds"), tailLines: q.Get("tailLines"),
	}
	fa.mu.Lock()
	req.n = len(fa.reqs)
	fa.reqs = append(fa.reqs, req)
	script := fa.script
	fa.mu.Unlock()
	var rep logReply
	if script != nil {
		rep = script(req)
	}
	if rep.status != 0 {
		switch b := rep.body.(type) {
		case metav1.Status:
			b.Code = int32(rep.status)
			writeStatus(w, b)
		default:
			http.Error(w, fmt.Sprint(b), rep.status)
		}
		return
	}

	// What the API server and kubelet would answer for this pod and container.
	p, err := fa.serverGetPod(ns, name)
	if err != nil {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name).ErrStatus)
		return
	}
	cs := containerStatus(p, req.container)
	if cs == nil {
		writeStatus(w, badRequest(fmt.Sprintf("container %s is not valid for pod %s", req.container, name)))
		return
	}
	id, running := cs.ContainerID, cs.State.Running != nil
	switch {
	case req.previous:
		running = false
		id = ""
		if lt := cs.LastTerminationState.Terminated; lt != nil {
			id = lt.ContainerID
		}
		if id == "" {
			writeStatus(w, badRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", req.container, name)))
			return
		}
	case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
		// CrashLoopBackOff: the kubelet serves the dead container's log.
		id, running = cs.LastTerminationState.Terminated.ContainerID, false
	case cs.State.Waiting != nil:
		writeStatus(w, badRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", req.container, name, cs.State.Waiting.Reason)))
		return
	}
	if rep.holdHeaders && !fa.waitForGrowth(r.Context(), id) {
		return
	}
	if rep.refuseUpgrade && req.websocket {
		http.Error(w, "this proxy does not do upgrades", http.StatusBadRequest)
		return
	}

	var out frameWriter
	if req.websocket {
		up := gws.Upgrader{Subprotocols: []string{"binary.k8s.io", "base64.binary.k8s.io"}}
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		ws := &wsFrames{fa: fa, conn: conn, base64: conn.Subprotocol() == "base64.binary.k8s.io", gone: make(chan struct{})}
		if rep.end != endHang {
			// Reading is what answers pings, and what notices the client leaving.
			go func() {
				defer close(ws.gone)
				for {
					if _, _, err := conn.NextReader(); err != nil {
						return
					}
				}
			}()
		}
		out = ws
	} else {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		out = &httpFrames{w: w, rc: http.NewResponseController(w), gone: r.Context().Done()}
	}
	if out.write(nil) != nil { // the empty first frame
		return
	}
	fa.stream(req, rep, ns, name, id, running, out)
}

// waitForGrowth waits until container id's log has more entries than now; false
// when the request or the test ended first.
func (fa *fakeAPI) waitForGrowth(ctx context.Context, id string) bool {
	length := func() (int, chan struct{}) {
		fa.mu.Lock()
		defer fa.mu.Unlock()
		if l := fa.logs[id]; l != nil {
			return len(l.entries), fa.notify
		}
		return 0, fa.notify
	}
	start, _ := length()
	for {
		n, ch := length()
		if n > start {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		case <-fa.done:
			return false
		}
	}
}

// waitPodGETs waits until the pod was fetched n times.
func (fa *fakeAPI) waitPodGETs(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		fa.mu.Lock()
		got := fa.podGETs
		if fa.podGot == nil {
			fa.podGot = make(chan struct{})
		}
		ch := fa.podGot
		fa.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the pod was fetched %d times, want %d", got, n)
		}
	}
}

// serverGetPod reads a pod as the API server does, from the store's tracker: the
// store records only the client's actions (TestFollowerOpensWithoutAGetPerStream).
func (fa *fakeAPI) serverGetPod(ns, name string) (*corev1.Pod, error) {
	o, err := fa.store.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), ns, name)
	if err != nil {
		return nil, err
	}
	return o.(*corev1.Pod), nil
}

// stillRunning reports whether container c of pod ns/name still runs as id: the
// kubelet ends a following response when the container stops.
func (fa *fakeAPI) stillRunning(ns, name, c, id string) bool {
	p, err := fa.serverGetPod(ns, name)
	if err != nil {
		return false
	}
	cs := containerStatus(p, c)
	return cs != nil && cs.ContainerID == id && cs.State.Running != nil
}

// stream sends the selected lines of one container's log, following it while asked
// and while the container runs, and ends the way rep says.
func (fa *fakeAPI) stream(req logReq, rep logReply, ns, name, id string, running bool, out frameWriter) {
	var since time.Time
	if req.sinceTime != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, req.sinceTime); err != nil {
			fa.t.Errorf("bad sinceTime %q", req.sinceTime)
		}
	}
	follow := req.follow && running
	next := -1       // index of the next entry to consider
	partialSent := 0 // bytes of the open last line already sent
	for {
		fa.mu.Lock()
		l := fa.logs[id]
		var entries []logEntry
		open := false
		if l != nil {
			entries, open = l.entries, l.open
		}
		wake := fa.notify
		fa.mu.Unlock()
		if next < 0 {
			next = 0
			if n, err := strconv.Atoi(req.tailLines); err == nil && n < len(entries) {
				next = len(entries) - n
			}
		}
		var buf []byte
		stop := false
		for ; next < len(entries); next++ {
			e := entries[next]
			last := next == len(entries)-1 && open
			if !since.IsZero() && e.t.Before(since) {
				continue
			}
			if rep.closeAt > 0 && next >= rep.closeAt {
				stop = true
				break
			}
			var line string
			if req.timestamps {
				line = e.t.Format(stampFormat) + " "
			}
			line += e.text
			if last {
				buf = append(buf, line[partialSent:]...)
				partialSent = len(line)
				break // the rest of this line comes when it is written
			}
			buf = append(buf, line[partialSent:]...)
			buf = append(buf, '\n')
			partialSent = 0
		}
		if rep.closeAt > 0 && next >= rep.closeAt || rep.closeWhenIdle {
			stop = true
		}
		if len(buf) > 0 && out.write(buf) != nil {
			return
		}
		if stop || !follow || !fa.stillRunning(ns, name, req.container, id) {
			break
		}
		if idle := rep.onIdle; idle != nil {
			rep.onIdle = nil
			idle()
		}
		select {
		case <-wake:
		case <-out.clientGone():
			return
		case <-fa.done:
			return
		}
	}
	if rep.atEnd != nil {
		rep.atEnd()
	}
	out.end(rep.end, fa.done)
}

// frameWriter is one response: a WebSocket or a plain HTTP body.
type frameWriter interface {
	write(b []byte) error // nil b: the empty first frame
	end(how endHow, done <-chan struct{})
	clientGone() <-chan struct{}
}

type wsFrames struct {
	fa     *fakeAPI
	conn   *gws.Conn
	base64 bool
	gone   chan struct{}
}

func (w *wsFrames) frame(b []byte) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if w.base64 {
		return w.conn.WriteMessage(gws.TextMessage, []byte(base64.StdEncoding.EncodeToString(b)))
	}
	return w.conn.WriteMessage(gws.BinaryMessage, b)
}

// write sends b in frames of random sizes up to maxCut bytes, cut anywhere.
func (w *wsFrames) write(b []byte) error {
	if b == nil {
		return w.frame([]byte{})
	}
	for len(b) > 0 {
		w.fa.mu.Lock()
		n := 1 + w.fa.rng.IntN(w.fa.maxCut)
		w.fa.mu.Unlock()
		n = min(n, len(b))
		if err := w.frame(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func (w *wsFrames) end(how endHow, done <-chan struct{}) {
	switch how {
	case endClose:
		_ = w.conn.WriteControl(gws.CloseMessage, gws.FormatCloseMessage(gws.CloseNormalClosure, ""), time.Now().Add(time.Second))
	case endDrop:
		_ = w.conn.UnderlyingConn().Close()
	case endHang:
		<-done
	}
}

func (w *wsFrames) clientGone() <-chan struct{} { return w.gone }

type httpFrames struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	gone <-chan struct{}
}

func (h *httpFrames) write(b []byte) error {
	if _, err := h.w.Write(b); err != nil {
		return err
	}
	return h.rc.Flush()
}

func (h *httpFrames) end(how endHow, done <-chan struct{}) {
	if how == endHang {
		<-done
	}
}

func (h *httpFrames) clientGone() <-chan struct{} { return h.gone }

// --- pods -------------------------------------------------------------------

// runningPod returns a pod with one running container per name, IDs "<name>-1".
func runningPod(ns, name string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + k8stypes.UID(name)},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c, ContainerID: "containerd://" + c + "-1",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		})
	}
	return p
}

// restartContainer makes container c run a new instance with ID newID; the old one
// becomes lastState.
func restartContainer(p *corev1.Pod, c, newID string) {
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		if cs.Name != c {
			continue
		}
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ContainerID: cs.ContainerID, ExitCode: 1, Reason: "Error"}}
		cs.ContainerID = newID
		cs.RestartCount++
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	}
}

// crashLoop puts container c in the kubelet's CrashLoopBackOff shape: waiting, with
// the dead container's ID in containerID and in lastState.terminated.
func crashLoop(p *corev1.Pod, c string) {
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		if cs.Name == c {
			cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ContainerID: cs.ContainerID, ExitCode: 1, Reason: "Error"}}
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: "back-off 10s restarting failed container=" + c + " pod=" + p.Name + "_" + p.Namespace + "(" + string(p.UID) + ")"}}
		}
	}
}

// terminateContainer makes container c's current instance terminated.
func terminateContainer(p *corev1.Pod, c string, code int32, reason string) {
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		if cs.Name == c {
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ContainerID: cs.ContainerID, ExitCode: code, Reason: reason}}
		}
	}
}

// --- lines ------------------------------------------------------------------

// numbered returns n entries "prefix NNNNN <text>" from time start, step apart.
func numbered(prefix string, from, n int, start time.Time, step time.Duration) []logEntry {
	out := make([]logEntry, n)
	for i := range out {
		out[i] = logEntry{t: start.Add(time.Duration(i) * step), text: fmt.Sprintf("%s %05d ünï €𝄞 日本", prefix, from+i)}
	}
	return out
}

func texts(entries []logEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.text
	}
	return out
}

// --- sink -------------------------------------------------------------------

// logSink records what a source produced.
type logSink struct {
	mu       sync.Mutex
	lines    []stream.Line
	statuses []stream.Status
	wake     chan struct{}
}

func newLogSink() *logSink { return &logSink{wake: make(chan struct{})} }

func (s *logSink) Lines(b []stream.Line) {
	s.mu.Lock()
	s.lines = append(s.lines, b...)
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *logSink) Status(st stream.Status) {
	s.mu.Lock()
	s.statuses = append(s.statuses, st)
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *logSink) snapshot() ([]stream.Line, []stream.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stream.Line(nil), s.lines...), append([]stream.Status(nil), s.statuses...)
}

// logs returns the texts of the log lines (not markers) received.
func (s *logSink) logs() []string {
	lines, _ := s.snapshot()
	var out []string
	for _, l := range lines {
		if l.Kind == stream.KindLog {
			out = append(out, l.Text)
		}
	}
	return out
}

// markers returns the markers of kind k received.
func (s *logSink) markers(k stream.Kind) []stream.Line {
	lines, _ := s.snapshot()
	var out []stream.Line
	for _, l := range lines {
		if l.Kind == k {
			out = append(out, l)
		}
	}
	return out
}

// waitFor polls cond each time the sink receives something until it holds; it
// fails the test if that takes unreasonably long (a hang, not a timing assertion).
func (s *logSink) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		wake := s.wake
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-wake:
		case <-deadline:
			lines, statuses := s.snapshot()
			t.Fatalf("waiting for %s: never happened\n%s", what, dump(lines, statuses))
		}
	}
}

// waitLogs waits until at least n log lines arrived.
func (s *logSink) waitLogs(t *testing.T, n int) {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d log lines", n), func() bool { return len(s.logs()) >= n })
}

// waitStatus waits for a status in state st.
func (s *logSink) waitStatus(t *testing.T, st stream.State) stream.Status {
	t.Helper()
	var got stream.Status
	s.waitFor(t, "status "+st.String(), func() bool {
		_, sts := s.snapshot()
		for _, x := range sts {
			if x.State == st {
				got = x
				return true
			}
		}
		return false
	})
	return got
}

func dump(lines []stream.Line, statuses []stream.Status) string {
	var b strings.Builder
	const max = 40
	for i, l := range lines {
		if i == max && len(lines) > 2*max {
			fmt.Fprintf(&b, "  ... %d lines ...\n", len(lines)-2*max)
		}
		if i >= max && i < len(lines)-max {
			continue
		}
		txt := l.Text
		if len(txt) > 120 {
			txt = txt[:120] + "..."
		}
		fmt.Fprintf(&b, "  line %-9s %d %q\n", l.Kind, l.Count, txt)
	}
	for _, s := range statuses {
		fmt.Fprintf(&b, "  status %s attempt=%d err=%q\n", s.State, s.Attempt, s.Err)
	}
	return b.String()
}

// running is a source started by startSource.
type running struct {
	t      *testing.T
	sink   *logSink
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// startSource runs src into sink until the test ends or stop is called.
func startSource(t *testing.T, src stream.Source, sink *logSink) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, sink: sink, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = src.Run(ctx, sink)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// wait waits for Run to return on its own and returns its error.
func (r *running) wait() error {
	r.t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(30 * time.Second):
		lines, sts := r.sink.snapshot()
		r.t.Fatalf("Run did not end\n%s", dump(lines, sts))
		return nil
	}
}

// stop cancels Run and returns its error.
func (r *running) stop() error {
	r.cancel()
	return r.wait()
}
