package kube

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gws "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
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
	Since    time.Duration
	Previous bool
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

func (r *runner) run(ctx context.Context) error {
	pod, err := r.lookup(ctx, r.target.Namespace, r.target.Pod)
	for attempt := 1; err != nil && r.opts.Follow && IsUnreachable(err) && ctx.Err() == nil; attempt++ {
		// The API server is unreachable at start: a follower waits for it.
		r.retry().Wait(ctx, attempt, Explain(err), nil)
		pod, err = r.lookup(ctx, r.target.Namespace, r.target.Pod)
	}
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return r.fail(Explain(err))
	}
	st := containerStateOf(pod, r.target.Kind, r.target.Container)
	if st.PodDeleted {
		return r.fail(fmt.Sprintf("pod %q not found in namespace %q", r.target.Pod, r.target.Namespace))
	}
	r.containerID, r.restarts = st.ID, st.Restarts
	mode := readFollow
	if r.opts.Previous {
		mode = readPrevious
	}
	r.status(stream.StateConnecting, "")

	for ctx.Err() == nil {
		// A container with no ID has never started: there is no log to read yet.
		if mode != readPrevious && r.containerID == "" {
			why := "has not started yet"
			if st.WaitingMsg != "" {
				why = "is " + st.WaitingMsg
			}
			msg := fmt.Sprintf("container %q in pod %q %s", r.target.Container, r.target.Pod, why)
			if !r.opts.Follow {
				return r.fail(msg)
			}
			r.status(stream.StateConnecting, msg)
			var done bool
			if st, done = r.waitForChange(ctx, st); done {
				return r.finish(st, "")
			}
			r.containerID, r.restarts = st.ID, st.Restarts
			r.fresh = true
			continue
		}

		plo := r.request(mode)
		r.anchor(ctx, plo)
		sess, err := r.open(ctx, plo, mode)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errCutMidLine) {
			continue // a quiet second read, exact through the resume bookkeeping
		}
		if err != nil && isContainerNotReady(err) {
			if !r.opts.Follow {
				return r.fail(Explain(err))
			}
			st.WaitingMsg = Explain(err)
		} else if err != nil && IsPermanent(err) && !(apierrors.IsNotFound(err) && r.opts.Follow) {
			if mode == readPrevious && r.opts.Follow && apierrors.IsBadRequest(err) {
				// The previous container's log is gone already: say so, go on.
				r.marker(stream.KindGap, 0, "the previous container's last lines could not be read (%s)", Explain(err))
				mode = r.afterRestart(r.restarts)
				continue
			}
			return r.fail(Explain(err))
		}

		// --limit-bytes caps what is read: a clean end means the cap was reached.
		if err == nil && r.opts.LimitBytes > 0 {
			r.status(stream.StateEnded, "")
			return nil
		}

		// A one-shot read that ended cleanly has everything it was asked for.
		if err == nil && mode != readFollow || err == nil && !r.opts.Follow {
			switch {
			case mode == readPrevious && r.opts.Follow:
				mode = r.afterRestart(r.restarts)
				continue
			case mode == readDrain:
				if st.PodFinished || st.PodDeleting || st.PodDeleted || !st.WillRestart {
					return r.finish(st, "")
				}
				// It may restart (CrashLoopBackOff): wait for the new container.
				r.status(stream.StateReconnecting, terminatedReason(st)+"; waiting for a restart")
				var done bool
				if st, done = r.waitForChange(ctx, st); done {
					return r.finish(st, "")
				}
				mode = readFollow
				if st.ID != r.containerID {
					// The drain read the old container to its end: the new one is
					// read from its first line, not resumed from the old one's time.
					mode = r.newContainer(st)
				}
				continue
			default:
				r.status(stream.StateEnded, "")
				return nil
			}
		}

		// Every other end is "maybe truncated". Look at the container as it is now.
		_, resumable := r.resume.SinceTime()
		ev := breakEvent{follow: r.opts.Follow, mode: mode, containerID: r.containerID, restarts: r.restarts,
			resumable: resumable, readErr: err, lines: sess.lines, duration: sess.duration, sawEOF: sess.sawEOF}
		if r.opts.Follow {
			pod, lerr := r.lookup(ctx, r.target.Namespace, r.target.Pod)
			ev.looked, ev.lookupErr = true, lerr
			if lerr == nil {
				st = containerStateOf(pod, r.target.Kind, r.target.Container)
				ev.st = st
			} else if err == nil {
				err = fmt.Errorf("checking the pod: %s", Explain(lerr))
			}
		}
		action := nextOnBreak(ev)
		switch action {
		case breakFail:
			return r.fail(Explain(ev.lookupErr))
		case breakFinish:
			return r.finish(st, "")
		case breakPrevious:
			r.restarts = st.Restarts
			r.containerID = st.ID
			mode = readPrevious
			r.attempt = 0
			continue
		case breakNewContainer:
			mode = r.newContainer(st)
			continue
		case breakDrain:
			mode = readDrain
			r.resuming = true
			continue
		}

		// Same container: resume exactly where the stream stopped.
		if ev.healthy() {
			r.attempt = 0
		}
		r.resuming = true
		if action == breakStraightBack {
			continue // the server closed a healthy stream: straight back
		}
		r.attempt++
		why := "the server closed the stream"
		switch {
		case st.WaitingMsg != "":
			why = st.WaitingMsg
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
			return nil
		}
	}
	return nil
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
	t, err := r.serverTime(ctx)
	if err != nil {
		return // the request will fail the same way; the next one tries again
	}
	r.anchorTried = true
	r.resume.Anchor(t.Add(-back))
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

// errCutMidLine says a one-shot read ended in the middle of a line.
var errCutMidLine = errors.New("the stream ended in the middle of a line")

// fallbackToHTTP reports whether a WebSocket failure means the path refuses upgrades
// (a proxy in the way) rather than the API server refusing the request.
func fallbackToHTTP(err error) bool {
	cause, ok := upgradeCause(err)
	if !ok {
		return false
	}
	var se *apierrors.StatusError
	return !errors.As(cause, &se)
}

// logRequest is the pod log request for these options, its URL exactly as kubectl
// builds it.
func (s *ContainerStream) logRequest(plo *corev1.PodLogOptions) *http.Request {
	u := s.client.Clientset.CoreV1().RESTClient().Get().
		Namespace(s.target.Namespace).Resource("pods").Name(s.target.Pod).SubResource("log").
		VersionedParams(plo, scheme.ParameterCodec).URL()
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	return req
}

func (s *ContainerStream) readWebSocket(ctx context.Context, plo *corev1.PodLogOptions, d *deliverer, proto string) error {
	if s.ws == nil {
		ws, err := newKubeWSDialer(s.client.Config)
		if err != nil {
			return fmt.Errorf("kube: websocket transport: %w", err)
		}
		// The handshake through the API server completes only when the kubelet has
		// written its first byte: no time limit, TCP keep-alive probes for a dead
		// peer, and checks of the API server (waitFirstByte) for a dead path.
		ws.untimed = true
		ws.dial = withKeepAlive(ws.dial, logKeepAlive)
		s.ws = ws
	}
	if err := waitOpen(ctx, s.client); err != nil {
		return nil // ctx ends sooner than the turn comes: the stream is stopping
	}
	dialer := *s.ws
	dialer.protocols = []string{proto}
	u := s.logRequest(plo).URL
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.waitFirstByte(hctx, cancel, d)
	conn, err := dialer.Dial(hctx, u, nil)
	stop()
	if err != nil {
		if cause := context.Cause(hctx); cause != nil && ctx.Err() == nil {
			return cause
		}
		// A refusal that carries a Status (RBAC, pod gone, container not ready) is
		// the API server's answer: return it as such, for apierrors.IsNotFound & co.
		var re *ResponseError
		if errors.As(err, &re) {
			if re.Status != nil {
				return &apierrors.StatusError{ErrStatus: *re.Status}
			}
			return &httpstream.UpgradeFailureError{Cause: re}
		}
		return err
	}
	if conn.Subprotocol() != proto {
		_ = conn.Close()
		return &httpstream.UpgradeFailureError{Cause: fmt.Errorf("invalid protocol, expected %q, got %q", proto, conn.Subprotocol())}
	}
	d.opened()
	ping := s.opts.pingInterval()
	dead := 3 * ping
	_ = conn.SetReadDeadline(time.Now().Add(dead))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(dead)) })
	defer keepAlive(ctx, conn, ping)()

	var dec []byte
	for {
		mt, r, err := conn.NextReader()
		if err != nil {
			if gws.IsCloseError(err, gws.CloseNormalClosure) {
				d.sess.sawEOF = true
				return nil
			}
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("no data and no answer to pings for %s: the connection is dead", dead)
			}
			return fmt.Errorf("stream broke: %w", err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(dead))
		// The read buffer is lent for one frame: a stream waiting for its next frame
		// holds none (the splitter copies what it keeps of a chunk).
		bp := readBufs.Get().(*[]byte)
		buf := *bp
		for {
			n, rerr := r.Read(buf)
			if n > 0 {
				chunk := buf[:n]
				if mt == gws.TextMessage && proto == "base64.binary.k8s.io" {
					// Each text frame is base64 of one chunk; frames are small (2 KiB),
					// so decode whole frames rather than streaming.
					rest, _ := io.ReadAll(r)
					all := append(append([]byte(nil), chunk...), rest...)
					dec = dec[:0]
					dec = append(dec, make([]byte, base64.StdEncoding.DecodedLen(len(all)))...)
					m, derr := base64.StdEncoding.Decode(dec, all)
					if derr != nil {
						return fmt.Errorf("bad base64 frame: %w", derr)
					}
					d.feed(dec[:m])
					break
				}
				d.feed(chunk)
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				return fmt.Errorf("stream broke: %w", rerr)
			}
		}
		readBufs.Put(bp)
		d.flush()
	}
}

// readBufs lends the read loop its 64 KiB buffer one frame at a time, so that 500
// quiet streams do not pin 32 MiB (docs/benchmarks.md).
var readBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (s *ContainerStream) readHTTP(ctx context.Context, plo *corev1.PodLogOptions, d *deliverer) error {
	if err := waitOpen(ctx, s.client); err != nil {
		return nil // ctx ends sooner than the turn comes: the stream is stopping
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.waitFirstByte(hctx, cancel, d)
	rc, err := s.client.Clientset.CoreV1().Pods(s.target.Namespace).GetLogs(s.target.Pod, plo).Stream(hctx)
	stop()
	if err != nil {
		if cause := context.Cause(hctx); cause != nil && ctx.Err() == nil {
			return cause
		}
		return err
	}
	defer rc.Close()
	d.opened()
	ctx = hctx
	buf := make([]byte, 64<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			d.feed(buf[:n])
			d.flush()
		}
		if err == io.EOF {
			d.sess.sawEOF = true
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("stream broke: %w", err)
		}
	}
}

// errPathDead says the API server stopped answering while a log request waited for
// its first byte.
var errPathDead = errors.New("the API server stopped answering while the log request waited for its first line")

// waitFirstByte watches a log request until stop is called. The API server answers a
// log request only once the kubelet has written the first byte, which for a quiet
// container may be hours away, so silence proves nothing and no read deadline may end
// the wait. Instead the path is checked: every probeInterval the pod is fetched
// through the same API server (unless another stream of the client just did); when
// that fails, cancel ends the request with the reason and the caller reconnects. A
// dead socket under a live API server is TCP keep-alive's to notice (logKeepAlive). The first good check reports the stream live
// (the API server is there; the kubelet has just not written yet).
func (s *ContainerStream) waitFirstByte(ctx context.Context, cancel context.CancelCauseFunc, d *deliverer) (stop func()) {
	if s.serverTime == nil {
		return func() {}
	}
	every := s.probeInterval()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-t.C:
			}
			var err error
			if last, ok := pathOK.Load(s.client); !ok || time.Since(time.Unix(0, last.(*atomic.Int64).Load())) >= every {
				// No stream of this client proved the path alive lately: check it.
				pctx, pcancel := context.WithTimeout(ctx, every)
				_, err = s.serverTime(pctx)
				pcancel()
				if err == nil {
					v, _ := pathOK.LoadOrStore(s.client, new(atomic.Int64))
					v.(*atomic.Int64).Store(time.Now().UnixNano())
				}
			}
			select {
			case <-done:
				return
			default:
			}
			if err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("%w (%s)", errPathDead, Explain(err)))
				return
			}
			d.opened()
			t.Reset(every)
		}
	}()
	return func() { close(done); wg.Wait() }
}

// pathOK holds, per *Client, when (Unix ns, an *atomic.Int64) a check of the path
// to the API server last succeeded: the streams of one client share one path, so
// many quiet streams cost one GET per probe interval, not one each.
var pathOK sync.Map

// probeInterval is how often a log request that waits for its first byte checks the
// path: three ping intervals (15 s by default).
func (s *ContainerStream) probeInterval() time.Duration { return 3 * s.opts.pingInterval() }

// deliverer turns raw chunks into lines: reassembly, timestamps, exact-resume skips,
// sanitizing, batching.
type deliverer struct {
	s        *ContainerStream
	sink     stream.Sink
	resume   *stream.PodResume
	split    stream.Splitter
	batch    []stream.Line
	batchCap int // the length of the last batch: the capacity of the next
	sess     session
	resuming bool
	skipped  int // repeats dropped on resume
	attempt  int // reconnect attempts it took to get here
	start    time.Time
	noTime   int // lines without a parseable timestamp

	shortShown bool // the gap marker of a resume that found too few repeats was written
	// since says the request had a since time: the kubelet filters its CRI records
	// one by one, so the first it sends may be the rest of a line split into partial
	// records, without a timestamp (ReadLogs prefixes only a record that starts a
	// line). Such a piece, before the first stamped line, is dropped: its line began
	// before the since time (delivered already, or older than asked for).
	since     bool
	timedSeen bool
	openOnce  sync.Once
}

// opened is called once the stream is established, or the API server is known to
// be waiting for the kubelet's first byte; it reports the stream live once.
func (d *deliverer) opened() {
	d.openOnce.Do(func() {
		d.sink.Status(stream.Status{Origin: d.s.origin, State: stream.StateLive, At: d.s.opts.now()})
	})
}

func (d *deliverer) feed(chunk []byte) {
	d.split.Feed(chunk)
	for {
		raw, ok := d.split.Next()
		if !ok {
			return
		}
		d.line(raw)
	}
}

func (d *deliverer) flushPartial() {
	if raw, ok := d.split.Flush(); ok {
		d.line(raw)
	}
}

func (d *deliverer) line(raw []byte) {
	t, rest, ok := stream.SplitTimestamp(raw)
	if !ok && d.since && !d.timedSeen {
		d.skipped++
		return
	}
	d.timedSeen = d.timedSeen || ok
	if !ok {
		d.noTime++
		rest = raw
	} else if d.resume.Skip(t) {
		d.skipped++
		return
	}
	if d.resuming {
		d.resuming = false
		since, _ := d.resume.SinceTime()
		text := fmt.Sprintf("resumed from %s: %d repeated line(s) skipped", since.Format(time.RFC3339), d.skipped)
		if d.resume.Anchored() {
			text = fmt.Sprintf("resumed from %s, when the stream opened (no line had arrived before the break): lines written in that second just before it opened may appear too", since.Format(time.RFC3339))
		}
		if d.attempt > 1 {
			text += fmt.Sprintf(" (after %d attempts)", d.attempt)
		}
		d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t, Kind: stream.KindResume, Count: d.skipped, Text: text})
	}
	if d.resume.Short() && !d.shortShown {
		// The repeats ended early, at this line: the gap is here, not at the end
		// of a stream that may stay open for hours.
		d.shortShown = true
		d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t, Kind: stream.KindGap, Window: ok,
			Text: "lines shown before the break were not all found again on resume: the log was rotated or truncated at the source, and lines may be missing"})
	}
	if ok {
		d.resume.Observe(t)
	}
	if d.batch == nil {
		d.batch = make([]stream.Line, 0, max(d.batchCap, 1))
	}
	d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t,
		Text: stream.Sanitize(rest, stream.SanitizeOptions{KeepSGR: d.s.opts.KeepSGR})})
	d.sess.lines++
	if len(d.batch) >= 512 {
		d.flush()
	}
}

func (d *deliverer) flush() {
	if len(d.batch) == 0 {
		return
	}
	d.sink.Lines(d.batch)
	// The sink owns the batch. The next one is made when its first line comes, the
	// size of this one: a busy stream allocates once per batch (not the doubling
	// of append) and a quiet one holds nothing between frames.
	d.batchCap = len(d.batch)
	d.batch = nil
}

// keepAlive pings conn every interval (the API server sends no pings of its own, so
// client pings are the only way to notice a dead path) and closes it when ctx ends.
// The returned stop closes conn and waits for a ping in flight. The pings run from
// a timer and ctx's end from context.AfterFunc, not from a goroutine per stream
// that would sit in a select for the stream's whole life (docs/benchmarks.md).
func keepAlive(ctx context.Context, conn *gws.Conn, interval time.Duration) (stop func()) {
	var (
		mu      sync.Mutex
		stopped bool
		wg      sync.WaitGroup
		t       *time.Timer
	)
	t = time.AfterFunc(interval, func() {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		wg.Add(1)
		mu.Unlock()
		defer wg.Done()
		if conn.WriteControl(gws.PingMessage, nil, time.Now().Add(interval)) != nil {
			return
		}
		mu.Lock()
		if !stopped {
			t.Reset(interval)
		}
		mu.Unlock()
	})
	unhook := context.AfterFunc(ctx, func() { _ = conn.Close() })
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
		unhook()
		_ = conn.Close()
		wg.Wait()
	}
}
