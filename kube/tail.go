package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/tailui/tailui/stream"
)

// Transport is how a log stream is opened.
type Transport int

// Transports. Auto tries a WebSocket and falls back to plain HTTP streaming when the
// path refuses the upgrade.
const (
	TransportAuto Transport = iota
	TransportWebSocket
	TransportBase64 // WebSocket with base64.binary.k8s.io, for proxies that mangle binary frames
	TransportHTTP
)

var transportNames = [...]string{"auto", "websocket", "base64", "http"}

// String returns the flag spelling of t.
func (t Transport) String() string { return transportNames[t] }

// ParseTransport reads a --transport value.
func ParseTransport(s string) (Transport, error) {
	for i, n := range transportNames {
		if n == s {
			return Transport(i), nil
		}
	}
	return 0, fmt.Errorf("unknown transport %q (want auto, websocket, base64 or http)", s)
}

// LogOptions are the per-stream settings shared by every followed container.
type LogOptions struct {
	Follow bool
	// TailLines limits the first read of containers present at start (-1: all).
	TailLines int64
	// Since limits the first read of containers present at start (0: all).
	Since time.Duration
	// MaxHistory caps every read that does not resume (sinceTime) at that many of
	// the log's last lines, whatever else would read more: the whole log of a
	// container that started after tailui, or the previous container's. The TUI
	// sets it to what a pane keeps; 0 means no cap (plain output).
	MaxHistory int64
	Previous   bool
	// LimitBytes caps what the server sends for one request (0: none).
	LimitBytes int64
	Transport  Transport
	// PingInterval is how often a WebSocket is pinged; a path that answers neither
	// data nor pongs for three intervals is declared dead. 0 means 5 s.
	PingInterval time.Duration
	// KeepSGR keeps the log's own colour sequences (everything else is escaped).
	KeepSGR bool
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Fill, when not nil, fills the stream's gaps whose window is known (the log
	// rotated during a break) from another source: Loki (LokiFiller).
	Fill stream.Filler
}

func (o *LogOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *LogOptions) pingInterval() time.Duration {
	if o.PingInterval > 0 {
		return o.PingInterval
	}
	return 5 * time.Second
}

// podLookup returns the freshest known state of a pod (nil when it is gone).
type podLookup func(ctx context.Context, ns, name string) (*corev1.Pod, error)

// ContainerStream follows one container's log across reconnects and restarts. It is a
// stream.Source.
type ContainerStream struct {
	client *Client
	target Target
	opts   LogOptions
	origin *stream.Origin
	// fresh says whether the container started after tailui did: then its whole log
	// is read, not just --tail/--since.
	fresh bool
	// lookup fetches the pod straight from the API server (not a cache): the
	// decision to resume or not is made on the truth.
	lookup podLookup
	// changed is signalled when the watch sees the pod change.
	changed <-chan struct{}
	// transport is the one that worked last (auto settles on the first success).
	transport Transport
	// ws dials log WebSockets (made on first use).
	ws *wsDialer
	// serverTime GETs the pod and returns the API server's clock (its Date header):
	// the anchor of a resume when nothing was read yet, and the proof that the path
	// to the API server is alive while a log request waits for its first byte.
	serverTime func(ctx context.Context) (time.Time, error)
	// onScreen says whether the stream's pane is on screen (nil: as if it were):
	// such streams open first (waitOpen).
	onScreen func() bool
	// initial is the pod as the Follower just listed or watched it (nil: none), the
	// state the first request starts from instead of a GET of its own: 5,000
	// streams starting made 5,000 GETs through client-go's rate limiter.
	initial *corev1.Pod
}

var _ stream.Source = (*ContainerStream)(nil)

// NewContainerStream returns a stream for one container. lookup is nil for a client
// that should GET the pod itself.
func NewContainerStream(c *Client, t Target, opts LogOptions, origin *stream.Origin) *ContainerStream {
	s := &ContainerStream{client: c, target: t, opts: opts, origin: origin, transport: opts.Transport}
	s.lookup = func(ctx context.Context, ns, name string) (*corev1.Pod, error) {
		p, err := c.Clientset.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return p, err
	}
	s.serverTime = s.getServerTime
	return s
}

// getServerTime GETs the pod through the API server and returns the time in the
// answer's Date header (second precision, rounded down). Without a REST client to
// read headers from (fake clientsets) it GETs the pod and returns the local time.
func (s *ContainerStream) getServerTime(ctx context.Context) (time.Time, error) {
	rc, ok := s.client.Clientset.CoreV1().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil || rc.Client == nil {
		_, err := s.lookup(ctx, s.target.Namespace, s.target.Pod)
		return time.Now(), err
	}
	u := rc.Get().Namespace(s.target.Namespace).Resource("pods").Name(s.target.Pod).URL()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return time.Time{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := rc.Client.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		return time.Time{}, fmt.Errorf("kube: check the pod: HTTP %d", resp.StatusCode)
	}
	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}, fmt.Errorf("kube: check the pod: no Date in the answer: %w", err)
	}
	return t.UTC(), nil
}

// Origin returns the origin shared by the stream's lines.
func (s *ContainerStream) Origin() *stream.Origin { return s.origin }

// OriginFor builds the origin of a pod-log target.
func OriginFor(t Target) *stream.Origin {
	name := t.Pod + "/" + t.Container
	return &stream.Origin{
		ID:   t.Key(),
		Name: name,
		Fields: map[string]string{
			"namespace": t.Namespace, "pod": t.Pod, "container": t.Container, "kind": t.Kind.String(),
			"node": t.Node,
		},
		Labels: t.Labels, Annotations: t.Annotations,
	}
}

// session is what one open stream delivered.
type session struct {
	lines    int           // lines delivered (after skipping repeats)
	duration time.Duration // how long it stayed open
	sawEOF   bool          // the server ended the stream (clean close)
}

// readMode is what the next request reads.
type readMode int

const (
	readFollow   readMode = iota // the current container, following (or once, without --follow)
	readDrain                    // the current container once: it finished, pick up the rest
	readPrevious                 // the previous container once: it restarted, recover its rest
)

// runner is the state of one ContainerStream.Run.
type runner struct {
	*ContainerStream
	sink        stream.Sink
	resume      stream.PodResume
	containerID string
	restarts    int32
	attempt     int
	// partialRetried is set once a one-shot read that ended mid-line was read again.
	partialRetried bool
	resuming       bool // the next lines continue a stream that ended or broke
	// anchorTried is set once the first follow request of this container was
	// anchored (or could not be) to the API server's clock.
	anchorTried bool
	// cur is the container's state as last seen, mode what the next request reads.
	cur  containerState
	mode readMode
}

// Run follows the container until ctx ends or the container is gone for good.
func (s *ContainerStream) Run(ctx context.Context, sink stream.Sink) error {
	if s.opts.Fill != nil {
		gs := stream.NewGapSplicer(ctx, sink, stream.GapSplicerOptions{Filler: s.opts.Fill, Source: "Loki", Filled: stream.FilledFromLoki})
		defer gs.Flush()
		sink = gs
	}
	r := &runner{ContainerStream: s, sink: sink}
	return r.run(ctx)
}

func (r *runner) status(st stream.State, err string) {
	r.sink.Status(stream.Status{Origin: r.origin, State: st, Attempt: r.attempt, Err: err, At: r.opts.now()})
}

func (r *runner) marker(k stream.Kind, count int, format string, args ...any) {
	r.sink.Lines([]stream.Line{{Origin: r.origin, Time: r.opts.now(), Kind: k, Count: count, Text: fmt.Sprintf(format, args...)}})
}

// retry is the status-and-backoff wait of this stream's reconnect attempts.
func (r *runner) retry() Retry { return Retry{Sink: r.sink, Origin: r.origin, Now: r.opts.now} }

// fail reports a permanent failure of this stream.
func (r *runner) fail(msg string) error {
	r.marker(stream.KindError, 0, "%s", msg)
	r.status(stream.StateFailed, msg)
	return errors.New(msg)
}

// run follows the container. Its loop is small on purpose: what comes before a
// request (prepare) and the decision after it (afterOpen) are methods of their own,
// so that while a quiet stream waits for its next frame its goroutine's stack holds
// little (tailread.go, readWebSocket).
func (r *runner) run(ctx context.Context) error {
	if done, err := r.begin(ctx); done {
		return err
	}
	for ctx.Err() == nil {
		plo, done, err := r.prepare(ctx)
		if done {
			return err
		}
		if plo == nil {
			continue
		}
		sess, err := r.open(ctx, plo, r.mode)
		if done, err := r.afterOpen(ctx, sess, err); done {
			return err
		}
	}
	return nil
}

// begin reads the container's state before the first request; done says the
// stream ended there (with err).
func (r *runner) begin(ctx context.Context) (done bool, err error) {
	pod := r.initial
	r.initial = nil
	if pod == nil {
		pod, err = r.lookup(ctx, r.target.Namespace, r.target.Pod)
	}
	for attempt := 1; err != nil && r.opts.Follow && IsUnreachable(err) && ctx.Err() == nil; attempt++ {
		// The API server is unreachable at start: a follower waits for it.
		r.retry().Wait(ctx, attempt, Explain(err), nil)
		pod, err = r.lookup(ctx, r.target.Namespace, r.target.Pod)
	}
	if ctx.Err() != nil {
		return true, nil
	}
	if err != nil {
		return true, r.fail(Explain(err))
	}
	r.cur = containerStateOf(pod, r.target.Kind, r.target.Container)
	if r.cur.PodDeleted {
		return true, r.fail(fmt.Sprintf("pod %q not found in namespace %q", r.target.Pod, r.target.Namespace))
	}
	r.containerID, r.restarts = r.cur.ID, r.cur.Restarts
	r.mode = readFollow
	if r.opts.Previous {
		r.mode = readPrevious
	}
	r.status(stream.StateConnecting, "")
	return false, nil
}

// prepare returns the next request (nil: none yet, go round again); done says the
// stream ended (with err) while its container had not started.
func (r *runner) prepare(ctx context.Context) (plo *corev1.PodLogOptions, done bool, err error) {
	// A container with no ID has never started: there is no log to read yet.
	if r.mode != readPrevious && r.containerID == "" {
		why := "has not started yet"
		if r.cur.WaitingMsg != "" {
			why = "is " + r.cur.WaitingMsg
		}
		msg := fmt.Sprintf("container %q in pod %q %s", r.target.Container, r.target.Pod, why)
		if !r.opts.Follow {
			return nil, true, r.fail(msg)
		}
		r.status(stream.StateConnecting, msg)
		if r.cur, done = r.waitForChange(ctx, r.cur); done {
			return nil, true, r.finish(r.cur, "")
		}
		r.containerID, r.restarts = r.cur.ID, r.cur.Restarts
		r.fresh = true
		return nil, false, nil
	}

	plo = r.request(r.mode)
	r.anchor(ctx, plo)
	return plo, false, nil
}

// afterOpen decides what follows a request that ended with sess and err: done says
// the stream ended (with the error returned).
func (r *runner) afterOpen(ctx context.Context, sess session, err error) (done bool, _ error) {
	if ctx.Err() != nil {
		return true, nil
	}
	if errors.Is(err, errCutMidLine) {
		return false, nil // a quiet second read, exact through the resume bookkeeping
	}
	if err != nil && isContainerNotReady(err) {
		if !r.opts.Follow {
			return true, r.fail(Explain(err))
		}
		r.cur.WaitingMsg = Explain(err)
	} else if err != nil && IsPermanent(err) && !(apierrors.IsNotFound(err) && r.opts.Follow) {
		if r.mode == readPrevious && r.opts.Follow && apierrors.IsBadRequest(err) {
			// The previous container's log is gone already: say so, go on.
			r.marker(stream.KindGap, 0, "the previous container's last lines could not be read (%s)", Explain(err))
			r.mode = r.afterRestart(r.restarts)
			return false, nil
		}
		return true, r.fail(Explain(err))
	}

	// --limit-bytes caps what is read: a clean end means the cap was reached.
	if err == nil && r.opts.LimitBytes > 0 {
		r.status(stream.StateEnded, "")
		return true, nil
	}

	// A one-shot read that ended cleanly has everything it was asked for.
	if err == nil && r.mode != readFollow || err == nil && !r.opts.Follow {
		switch {
		case r.mode == readPrevious && r.opts.Follow:
			r.mode = r.afterRestart(r.restarts)
			return false, nil
		case r.mode == readDrain:
			if r.cur.PodFinished || r.cur.PodDeleting || r.cur.PodDeleted || !r.cur.WillRestart {
				return true, r.finish(r.cur, "")
			}
			// It may restart (CrashLoopBackOff): wait for the new container.
			r.status(stream.StateReconnecting, terminatedReason(r.cur)+"; waiting for a restart")
			if r.cur, done = r.waitForChange(ctx, r.cur); done {
				return true, r.finish(r.cur, "")
			}
			r.mode = readFollow
			if r.cur.ID != r.containerID {
				// The drain read the old container to its end: the new one is
				// read from its first line, not resumed from the old one's time.
				r.mode = r.newContainer(r.cur)
			}
			return false, nil
		default:
			r.status(stream.StateEnded, "")
			return true, nil
		}
	}

	// Every other end is "maybe truncated". Look at the container as it is now.
	_, resumable := r.resume.SinceTime()
	ev := breakEvent{follow: r.opts.Follow, mode: r.mode, containerID: r.containerID, restarts: r.restarts,
		resumable: resumable, readErr: err, lines: sess.lines, duration: sess.duration, sawEOF: sess.sawEOF}
	if r.opts.Follow {
		pod, lerr := r.lookup(ctx, r.target.Namespace, r.target.Pod)
		ev.looked, ev.lookupErr = true, lerr
		if lerr == nil {
			r.cur = containerStateOf(pod, r.target.Kind, r.target.Container)
			ev.st = r.cur
		} else if err == nil {
			err = fmt.Errorf("checking the pod: %s", Explain(lerr))
		}
	}
	action := nextOnBreak(ev)
	switch action {
	case breakFail:
		return true, r.fail(Explain(ev.lookupErr))
	case breakFinish:
		return true, r.finish(r.cur, "")
	case breakPrevious:
		r.restarts = r.cur.Restarts
		r.containerID = r.cur.ID
		r.mode = readPrevious
		r.attempt = 0
		return false, nil
	case breakNewContainer:
		r.mode = r.newContainer(r.cur)
		return false, nil
	case breakDrain:
		r.mode = readDrain
		r.resuming = true
		return false, nil
	}

	// Same container: resume exactly where the stream stopped.
	if ev.healthy() {
		r.attempt = 0
	}
	r.resuming = true
	if action == breakStraightBack {
		return false, nil // the server closed a healthy stream: straight back
	}
	r.attempt++
	why := "the server closed the stream"
	switch {
	case r.cur.WaitingMsg != "":
		why = r.cur.WaitingMsg
	case err != nil:
		why = Explain(err)
	}
	if !r.retry().Wait(ctx, r.attempt, why, func(time.Duration) {
		if r.attempt == 1 {
			// One marker per break; further attempts show in the status (title, stderr
			// in plain mode only when they change state) and the resume marker.
			r.marker(stream.KindReconnect, r.attempt, "stream interrupted (%s); reconnecting", why)
		}
	}) {
		return true, nil
	}
	return false, nil
}

// containerStateOf is stateOf, reading the kubelet's CrashLoopBackOff shape as what
// it is: the container terminated and will restart. The kubelet shows a crashed
// container waiting (reason CrashLoopBackOff) with the dead container's ID both in
// containerID and in lastState.terminated, and serves that dead container's log;
// read as "waiting", the stream would reconnect to it again and again until the
// next one runs.
func containerStateOf(p *corev1.Pod, kind ContainerKind, name string) containerState {
	st := stateOf(p, kind, name)
	if p == nil || st.ID == "" || st.Running || st.Terminated != nil || st.LastID != st.ID {
		return st
	}
	for _, list := range [][]corev1.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for i := range list {
			cs := &list[i]
			if cs.Name == name && cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil {
				st.Terminated = cs.LastTerminationState.Terminated
				st.WillRestart = willRestart(p, kind, name, st.Terminated.ExitCode)
				return st
			}
		}
	}
	return st
}

// newContainer switches to a container that replaced the one read so far, saying so
// when containers in between came and went unread.
func (r *runner) newContainer(st containerState) readMode {
	if st.Restarts > r.restarts+1 {
		r.marker(stream.KindGap, 0, "container restarted %d times since the last line read; the logs of the containers in between are gone", st.Restarts-r.restarts)
	}
	r.restarts, r.containerID = st.Restarts, st.ID
	return r.afterRestart(st.Restarts)
}

// afterRestart switches to the new container: a marker, fresh bookkeeping, and the
// new container's log from its first line.
func (r *runner) afterRestart(restarts int32) readMode {
	r.marker(stream.KindRestart, int(restarts), "container restarted (restart #%d); lines below come from the new container", restarts)
	r.resume = stream.PodResume{}
	r.anchorTried = true // a new container is read from its first line
	r.fresh = true
	r.attempt = 0
	r.resuming = false
	return readFollow
}

// anchor notes, before the first follow request of a container, the API server's
// time, when a resume before any line arrived could not otherwise be exact: with
// --tail 0 (and --since) the original options, sent again, would skip whatever was
// written during the break. The resume then asks for sinceTime = that time (minus
// --since), and nothing written after the first request opened is lost.
func (r *runner) anchor(ctx context.Context, plo *corev1.PodLogOptions) {
	if r.anchorTried || r.serverTime == nil {
		return
	}
	back, ok := anchorBack(plo)
	if !ok {
		return
	}
	t, err := r.anchorTime(ctx)
	if err != nil {
		return // the request will fail the same way; the next one tries again
	}
	r.anchorTried = true
	r.resume.Anchor(t.Add(-back))
}

// serverClocks holds each Client's last reading of the API server's clock
// (*Client -> *serverClock), for anchors.
var serverClocks sync.Map

// serverClock is the API server's time as last read, and when.
type serverClock struct {
	flight singleflight.Group
	mu     sync.Mutex
	t      time.Time // the server's time (its Date header: second precision)
	at     time.Time // the local time it was read
}

// anchorTime returns the API server's time for an anchor. One reading serves every
// stream of the client that anchors within a second of it, and streams that anchor
// together share one GET: an anchor earlier than the request is safe (a resume
// then asks for a little more, never less), and one GET each, through client-go's
// rate limiter (QPS 50), held 5,000 streams opening to 50 a second.
func (r *runner) anchorTime(ctx context.Context) (time.Time, error) {
	v, _ := serverClocks.LoadOrStore(r.client, new(serverClock))
	c := v.(*serverClock)
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < time.Second {
		t := c.t
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	ch := c.flight.DoChan("", func() (any, error) {
		t, err := r.serverTime(ctx)
		if err == nil {
			c.mu.Lock()
			c.t, c.at = t, time.Now()
			c.mu.Unlock()
		}
		return t, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return time.Time{}, res.Err
		}
		return res.Val.(time.Time), nil
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

// anchorBack reports whether a follow request that starts with plo needs an anchor,
// and how far before the server's time of the request its window begins: with
// tailLines=0 (no backlog) it begins at that time, with sinceSeconds alone that much
// earlier. A request for the whole log or its last N lines, sent again, loses nothing
// new; a resume (sinceTime) or a previous container needs none.
func anchorBack(plo *corev1.PodLogOptions) (time.Duration, bool) {
	switch {
	case !plo.Follow || plo.SinceTime != nil || plo.Previous:
		return 0, false
	case plo.TailLines != nil && *plo.TailLines == 0:
		return 0, true
	case plo.TailLines == nil && plo.SinceSeconds != nil:
		return time.Duration(*plo.SinceSeconds) * time.Second, true
	}
	return 0, false
}

// request builds the log options of the next read.
func (r *runner) request(mode readMode) *corev1.PodLogOptions {
	plo := &corev1.PodLogOptions{Container: r.target.Container, Timestamps: true,
		Follow: mode == readFollow && r.opts.Follow, Previous: mode == readPrevious}
	if r.opts.LimitBytes > 0 {
		plo.LimitBytes = &r.opts.LimitBytes
	}
	resumeAt, resumeOK := r.resume.SinceTime()
	st := startOf(resumeAt, resumeOK, r.fresh, mode, r.opts)
	plo.TailLines, plo.SinceSeconds = st.tail, st.sinceSeconds
	if st.sinceTime != nil {
		t := metav1.NewTime(*st.sinceTime)
		plo.SinceTime = &t
		if !r.resume.Begin() {
			r.marker(stream.KindGap, 0, "resuming from %s cannot be exact (lines without timestamps, or the clock stepped back): lines may repeat or be missing", st.sinceTime.Format(time.RFC3339))
		}
	}
	return plo
}

// start is where a log request begins: at most one of sinceTime, or tail and/or
// sinceSeconds; none means the whole log.
type start struct {
	tail, sinceSeconds *int64
	sinceTime          *time.Time
}

// startOf decides where the next request of a container begins. A resume (a line,
// or the anchor, to go on from) asks for sinceTime. Otherwise the user's --tail and
// --since apply to the first read of a container that was there at start, and to
// --previous; a container that started later (fresh), or the previous container
// read after a restart, is read whole.
func startOf(resumeAt time.Time, resumeOK, fresh bool, mode readMode, o LogOptions) start {
	var st start
	switch {
	case resumeOK:
		st.sinceTime = &resumeAt
	case !fresh && mode != readPrevious || o.Previous:
		if o.TailLines >= 0 {
			tail := o.TailLines
			st.tail = &tail
		}
		if o.Since > 0 {
			secs := int64((o.Since + time.Second - 1) / time.Second)
			st.sinceSeconds = &secs
		}
	}
	if o.MaxHistory > 0 && st.sinceTime == nil && (st.tail == nil || *st.tail > o.MaxHistory) {
		tail := o.MaxHistory
		st.tail = &tail
	}
	return st
}

func terminatedReason(st containerState) string {
	if st.Terminated == nil {
		return "container stopped"
	}
	return fmt.Sprintf("container terminated: %s, exit code %d", st.Terminated.Reason, st.Terminated.ExitCode)
}

// finish writes the end-of-stream marker and status.
func (r *runner) finish(st containerState, reason string) error {
	if reason == "" {
		switch {
		case st.PodDeleted:
			reason = "pod deleted"
		case st.ContainerGone:
			reason = "container removed from the pod"
		case st.Terminated != nil:
			reason = terminatedReason(st)
		default:
			reason = "stream ended"
		}
	}
	r.marker(stream.KindEnded, 0, "%s", reason)
	r.sink.Status(stream.Status{Origin: r.origin, State: stream.StateEnded, Err: reason, At: r.opts.now()})
	return nil
}

// waitForChange blocks until the watch reports a change of the pod (or, without a
// watch, polls), then returns the new state. done is true when the container will
// not produce a log any more.
func (s *ContainerStream) waitForChange(ctx context.Context, old containerState) (containerState, bool) {
	poll := time.Second
	for {
		var tick <-chan time.Time
		if s.changed == nil {
			tick = time.After(poll)
			if poll < 10*time.Second {
				poll *= 2
			}
		} else {
			tick = time.After(30 * time.Second) // a safety net under the watch
		}
		select {
		case <-ctx.Done():
			return old, true
		case <-s.changed:
		case <-tick:
		}
		pod, err := s.lookup(ctx, s.target.Namespace, s.target.Pod)
		if err != nil {
			continue
		}
		st := containerStateOf(pod, s.target.Kind, s.target.Container)
		if st.PodDeleted || st.ContainerGone {
			return st, true
		}
		if st.ID != "" && (st.ID != old.ID || st.Running) {
			return st, false
		}
		if st.PodFinished { // and no new container: nothing will run again
			return st, true
		}
	}
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// open runs one request to the end and delivers its lines.
func (r *runner) open(ctx context.Context, plo *corev1.PodLogOptions, mode readMode) (session, error) {
	s := r.ContainerStream
	d := &deliverer{s: s, sink: r.sink, resume: &r.resume, resuming: r.resuming, attempt: r.attempt, start: time.Now(),
		since: plo.SinceTime != nil || plo.SinceSeconds != nil}
	defer func() { r.resuming = d.resuming }()
	var err error
	switch s.transport {
	case TransportHTTP:
		err = s.readHTTP(ctx, plo, d)
	case TransportAuto:
		err = s.readWebSocket(ctx, plo, d, "binary.k8s.io")
		if fallbackToHTTP(err) && d.sess.lines == 0 {
			s.transport = TransportHTTP
			err = s.readHTTP(ctx, plo, d)
		} else if err == nil || d.sess.lines > 0 {
			s.transport = TransportWebSocket
		}
	case TransportBase64:
		err = s.readWebSocket(ctx, plo, d, "base64.binary.k8s.io")
	default:
		err = s.readWebSocket(ctx, plo, d, "binary.k8s.io")
	}
	d.sess.duration = time.Since(d.start)
	if err == nil && !plo.Follow {
		// An upstream failure also closes with 1000, so a one-shot read that stops
		// mid-line may have been cut: read on from the last second once to be sure
		// (the resume makes that exact). If the log really ends without a newline,
		// the second read ends the same way and the last line is delivered as is.
		if d.split.Pending() > 0 && !r.partialRetried && d.sess.lines > 0 {
			r.partialRetried = true
			d.flush()
			return d.sess, errCutMidLine
		}
		d.flushPartial()
	}
	d.flush()
	return d.sess, err
}
