package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailui/tailui/stream"
)

// Follower finds the containers a Query selects and runs one ContainerStream per
// container: the ones there at start, the ones that appear later, until ctx ends (or,
// without --follow, until every container's log has been read once). It is a
// stream.Source.
type Follower struct {
	Client *Client
	Query  Query
	Log    LogOptions
	// MaxStreams caps the streams open at once; the rest wait in a queue and say so.
	// 0 means no cap.
	MaxStreams int
	// RetryStart keeps trying, with backoff and a visible status, when the API
	// server cannot be reached at start (a pane in the TUI); without it the first
	// failure is returned (plain output fails fast, like kubectl).
	RetryStart bool

	older olderIndex // the containers started, for ReadOlder (older.go)

	// hidden is set while the pane the Follower feeds is off screen (SetOnScreen).
	hidden atomic.Bool
}

// SetOnScreen says whether what the Follower feeds is on screen (a pane the user
// sees; true until told otherwise). While streams wait for their turn to open
// (StreamOpenRate), those on screen go first; it may change at any time, and
// applies to the streams already waiting.
func (f *Follower) SetOnScreen(on bool) { f.hidden.Store(!on) }

// OnScreen reports what SetOnScreen last said.
func (f *Follower) OnScreen() bool { return !f.hidden.Load() }

var _ stream.Source = (*Follower)(nil)

// NoMatchError says that a query selected no pod.
type NoMatchError struct{ What string }

func (e *NoMatchError) Error() string { return "no pod matches " + e.What }

// tailuiOrigin carries tailui's own notes (discovery, queueing) that belong to no pod.
var tailuiOrigin = &stream.Origin{ID: "tailui", Name: "tailui", Fields: map[string]string{}}

// TailuiOrigin returns the origin of tailui's own notes.
func TailuiOrigin() *stream.Origin { return tailuiOrigin }

// tailHandle is a running ContainerStream as the follower sees it.
type tailHandle struct {
	cancel  context.CancelFunc
	changed chan struct{}
}

// Run implements stream.Source.
func (f *Follower) Run(ctx context.Context, sink stream.Sink) error {
	q := &f.Query
	var (
		scopes []scope
		pods   []*corev1.Pod
	)
	for attempt := 1; ; attempt++ {
		var err error
		scopes, err = f.Client.resolveScopes(ctx, q)
		if err == nil {
			pods, err = f.Client.listPods(ctx, q, scopes)
		}
		if err == nil {
			break
		}
		if !f.RetryStart || !IsUnreachable(err) || ctx.Err() != nil {
			return errors.New(Explain(err))
		}
		if !(Retry{Sink: sink, Origin: tailuiOrigin, Now: f.Log.now}).Wait(ctx, attempt, Explain(err), nil) {
			return nil
		}
	}
	what := describeScopes(q, scopes)
	if len(pods) == 0 && !f.Log.Follow {
		return &NoMatchError{What: what}
	}
	note := func(k stream.Kind, format string, args ...any) {
		sink.Lines([]stream.Line{{Origin: tailuiOrigin, Time: f.Log.now(), Kind: k, Text: fmt.Sprintf(format, args...)}})
	}
	if len(pods) == 0 {
		note(stream.KindInfo, "no pod matches %s yet; waiting for one to appear", what)
	}

	var sem chan struct{}
	if f.MaxStreams > 0 {
		sem = make(chan struct{}, f.MaxStreams)
	}
	var (
		mu       sync.Mutex
		tails    = map[string]*tailHandle{} // by pod UID + container
		failed   = map[string]string{}      // key → container ID when its stream failed
		wg       sync.WaitGroup
		errs     []error
		queued   int
		reported bool
	)
	// acquire takes a free stream for cs (false: ctx ended first).
	acquire := func(ctx context.Context, cs *ContainerStream) bool {
		if sem == nil {
			return true
		}
		select {
		case sem <- struct{}{}:
			return true
		default:
		}
		mu.Lock()
		queued++
		first := !reported
		reported = true
		mu.Unlock()
		sink.Status(stream.Status{Origin: cs.origin, State: stream.StateQueued,
			Err: fmt.Sprintf("waiting for a free stream (--max-streams %d)", f.MaxStreams), At: f.Log.now()})
		if first {
			note(stream.KindInfo, "more than %d containers match: the rest wait for a free stream (raise --max-streams)", f.MaxStreams)
		}
		select {
		case sem <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// failedRun records that the stream of key (container id) failed with err.
	failedRun := func(key, id string, t Target, err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, fmt.Errorf("%s: %w", t.Key(), err))
		failed[key] = id
		// A stream that failed may start again on the pod's next change. One that
		// ended (its container finished) stays in tails until the pod is deleted:
		// starting it again would print its whole log again.
		delete(tails, key)
	}
	start := func(p *corev1.Pod, t Target) {
		key := string(p.UID) + "/" + t.Container
		st := stateOf(p, t.Kind, t.Container)
		mu.Lock()
		if _, ok := tails[key]; ok {
			mu.Unlock()
			return
		}
		if id, ok := failed[key]; ok && id == st.ID {
			// It failed (RBAC, a bad request) for this very container: trying again on
			// every change of the pod would only repeat the error. A new container
			// (restart) gets a new try.
			mu.Unlock()
			return
		}
		tctx, cancel := context.WithCancel(ctx)
		h := &tailHandle{cancel: cancel, changed: make(chan struct{}, 1)}
		tails[key] = h
		mu.Unlock()

		cs := NewContainerStream(f.Client, t, f.Log, OriginFor(t))
		cs.changed = h.changed
		cs.onScreen = f.OnScreen
		cs.initial = p
		// A container that started after tailui did (or has not started yet) is read
		// from its first line; --tail and --since apply to what was there at start.
		cs.fresh = st.ID == "" || p.CreationTimestamp.Time.After(startTime)
		f.older.add(cs)

		id := st.ID
		wg.Add(1)
		// The stream's goroutine keeps only a small frame under cs.Run: waiting for
		// a free stream and recording a failure are functions of their own, so
		// that a quiet stream's stack stays under 4 KiB in use (tailread.go).
		go func() {
			defer wg.Done()
			defer cancel()
			if !acquire(tctx, cs) {
				return
			}
			if sem != nil {
				defer func() { <-sem }()
			}
			if err := cs.Run(tctx, sink); err != nil {
				failedRun(key, id, t, err)
			}
		}()
	}

	if !f.Log.Follow {
		for _, p := range pods {
			for _, t := range q.targetsOf(p) {
				start(p, t)
			}
		}
		wg.Wait()
		return errors.Join(errs...)
	}

	for _, p := range pods {
		for _, t := range q.targetsOf(p) {
			start(p, t)
		}
	}
	events := make(chan podEvent, 64)
	var lastErr string
	var lastErrAt time.Time
	var errMu sync.Mutex // one informer per scope: their error handlers run concurrently
	stopWatch, err := f.Client.watchPods(ctx, q, scopes, events, func(err error) {
		msg := Explain(err)
		errMu.Lock()
		if msg == lastErr && time.Since(lastErrAt) < 30*time.Second {
			errMu.Unlock()
			return
		}
		lastErr, lastErrAt = msg, time.Now()
		errMu.Unlock()
		note(stream.KindError, "watching pods: %s (retrying)", msg)
	})
	if err != nil {
		cancelAll := func() {
			mu.Lock()
			defer mu.Unlock()
			for _, h := range tails {
				h.cancel()
			}
		}
		cancelAll()
		wg.Wait()
		return err
	}
	defer stopWatch()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case ev := <-events:
			if !ev.deleted && ev.pod.DeletionTimestamp == nil {
				for _, t := range q.targetsOf(ev.pod) {
					start(ev.pod, t)
				}
			}
			mu.Lock()
			prefix := string(ev.pod.UID) + "/"
			for key, h := range tails {
				if len(key) > len(prefix) && key[:len(prefix)] == prefix {
					select {
					case h.changed <- struct{}{}:
					default:
					}
					if ev.deleted {
						delete(tails, key)
					}
				}
			}
			mu.Unlock()
		}
	}
}

// startTime is when this process started; pods created later are read whole.
var startTime = time.Now()
