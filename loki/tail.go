package loki

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gws "github.com/gorilla/websocket"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// resumePage is the entries asked for per request when catching up after a break
// (Loki refuses more than max_entries_limit_per_query, 5000 by default).
const resumePage = 1000

// LokiTailOptions configure a LokiTail.
type LokiTailOptions struct {
	// Query is the LogQL log query.
	Query string
	// Limit is how many entries of history to show at start (Loki's limit): the
	// newest Limit entries since Start. 0 shows none.
	Limit int
	// Start bounds the history at start; zero means an hour back (Loki's default).
	Start time.Time
	// DelayFor asks Loki to wait this many seconds (0–5) for late entries.
	DelayFor int
	// Follow keeps tailing; false reads the history once and ends.
	Follow bool
	// KeepSGR keeps the lines' own colour sequences.
	KeepSGR bool
	// Idle is how long a tail may stay silent (Loki pings every second) before the
	// path is declared dead and the tail reconnects; 0 means 5 s.
	Idle time.Duration
	// HistoryTimeout is how long to wait for a tail's first message or ping (Loki
	// runs the history query first); 0 means 30 s.
	HistoryTimeout time.Duration
	// PollInterval is the pause between polls (poll mode); 0 means 1 s.
	PollInterval time.Duration
	// PollLag keeps polls this far behind now, so that entries that reach Loki a
	// little late (other streams, other clocks) are not passed over; 0 means 2 s.
	PollLag time.Duration
	// QueueLimit is how many lines may wait for a slow sink before tailui drops the
	// oldest (it never stops reading the socket, or Loki would drop instead);
	// 0 means 200000.
	QueueLimit int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Backoff is the wait before reconnect attempt n; nil means kube.Retry's default.
	Backoff func(attempt int) time.Duration
	// Refetch, when not nil, reads the entries Loki drops from their pods.
	Refetch Refetcher
}

func (o *LokiTailOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// LokiTail follows a LogQL query, through whichever way its Loki allows, across
// reconnects, without losing or repeating entries. It is a stream.Source.
type LokiTail struct {
	loki   *Loki
	opts   LokiTailOptions
	origin *stream.Origin
}

var _ stream.Source = (*LokiTail)(nil)

// Tail returns a source that follows opts.Query.
func (l *Loki) Tail(opts LokiTailOptions) *LokiTail {
	return &LokiTail{loki: l, opts: opts, origin: &stream.Origin{
		ID: "loki:" + opts.Query, Name: stream.SanitizeString(opts.Query, stream.SanitizeOptions{}),
		Fields: map[string]string{"query": opts.Query},
	}}
}

// Origin returns the origin of the tail's own markers and statuses; its lines carry
// the origin of their label set.
func (t *LokiTail) Origin() *stream.Origin { return t.origin }

// Run implements stream.Source.
func (t *LokiTail) Run(ctx context.Context, sink stream.Sink) error {
	r := &lokiRunner{t: t, sink: sink, q: newLineQueue(orDefault(t.opts.QueueLimit, 200000))}
	r.dec = NewLokiDecoder(stream.SanitizeOptions{KeepSGR: t.opts.KeepSGR}, &r.resume)
	if t.opts.Refetch != nil {
		sink = &dropSink{Sink: sink, ctx: ctx, drops: &r.drops, p: t.opts.Refetch}
	}
	pumped := make(chan struct{})
	go func() {
		r.q.pump(sink)
		close(pumped)
	}()
	err := r.run(ctx)
	r.q.close()
	<-pumped
	return err
}

// fatalError ends a tail for good: Loki refused the query, or the only way to it
// refuses us.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

// lokiRunner is the state of one LokiTail.Run.
type lokiRunner struct {
	t      *LokiTail
	sink   stream.Sink
	q      *lineQueue
	dec    *LokiDecoder
	resume stream.LokiResume

	way  Way
	conn *gws.Conn // opened by pick, used by the next session

	attempt   int
	resuming  bool      // a break happened: a KindResume marker goes out when lines flow again
	skipped   int       // repeats dropped since the break
	delivered int       // lines delivered in the current session
	cursor    int64     // poll: start of the next poll while nothing was delivered
	started   bool      // poll: the first read (history) happened
	bump      bool      // poll: a full page of one timestamp: step past it
	drops     dropTable // timestamps of dropped entries, for opts.Refetch
}

func (r *lokiRunner) now() time.Time { return r.t.opts.now() }

func (r *lokiRunner) status(st stream.State, err string) {
	r.sink.Status(stream.Status{Origin: r.t.origin, State: st, Attempt: r.attempt, Err: err, At: r.now()})
}

func (r *lokiRunner) marker(o *stream.Origin, k stream.Kind, count int, format string, args ...any) {
	if o == nil {
		o = r.t.origin
	}
	r.q.push([]stream.Line{{Origin: o, Time: r.now(), Kind: k, Count: count, Text: fmt.Sprintf(format, args...)}})
}

func (r *lokiRunner) fail(msg string) error {
	r.marker(nil, stream.KindError, 0, "%s", msg)
	r.status(stream.StateFailed, msg)
	return errors.New(msg)
}

func (r *lokiRunner) run(ctx context.Context) error {
	r.status(stream.StateConnecting, "")
	if !r.t.opts.Follow {
		return r.once(ctx)
	}
	defer func() {
		if r.conn != nil {
			_ = r.conn.Close()
		}
	}()
	for ctx.Err() == nil {
		began := time.Now()
		r.delivered = 0
		var err error
		if r.way == nil {
			err = r.pick(ctx)
		}
		if err == nil {
			if r.way.Via() == LokiViaPoll {
				err = r.poll(ctx)
			} else {
				err = r.tail(ctx)
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		var fe *fatalError
		if errors.As(err, &fe) {
			return r.fail(fe.msg)
		}
		if r.delivered > 0 || time.Since(began) > 10*time.Second {
			r.attempt = 0
		}
		r.attempt++
		if r.attempt >= 3 && r.way != nil && len(r.t.loki.ways) > 1 {
			// Auto: the way that worked keeps failing; look again from the best one.
			r.way = nil
		}
		why := "the tail ended"
		if err != nil {
			why = Explain(err, r.way)
		}
		if _, ok := r.resume.Start(); ok {
			r.resuming = true
		}
		retry := kube.Retry{Sink: r.sink, Origin: r.t.origin, Delay: r.t.opts.Backoff, Now: r.now}
		if !retry.Wait(ctx, r.attempt, why, func(delay time.Duration) {
			r.marker(nil, stream.KindReconnect, r.attempt, "tail interrupted (%s); reconnecting in %s (attempt %d)",
				why, delay.Round(10*time.Millisecond), r.attempt)
		}) {
			return nil
		}
	}
	return nil
}

// tailParams returns the query of the next tail request: the user's history at
// first, then from the last entry delivered (inclusive: the decoder's LokiResume
// drops the repeats).
func (r *lokiRunner) tailParams() url.Values {
	o := &r.t.opts
	q := url.Values{"query": {o.Query}}
	if o.DelayFor > 0 {
		q.Set("delay_for", strconv.Itoa(o.DelayFor))
	}
	if last, ok := r.resume.Start(); ok {
		r.resume.Begin()
		q.Set("start", nsString(last))
		q.Set("limit", strconv.Itoa(resumePage))
		return q
	}
	switch {
	case r.started:
		// Reconnecting before anything arrived: from where the first tail began.
		q.Set("start", nsString(r.cursor))
		q.Set("limit", strconv.Itoa(resumePage))
	case o.Limit <= 0:
		q.Set("start", nsString(r.now().UnixNano()))
		q.Set("limit", "1")
	default:
		q.Set("limit", strconv.Itoa(o.Limit))
		if !o.Start.IsZero() {
			q.Set("start", nsString(o.Start.UnixNano()))
		}
	}
	return q
}

// strippedQuery is the error of a tail through the plain service proxy that lost
// its query string on the way (kubernetes issue 77142).
type strippedQuery struct {
	rawQuery string
	loki     string // Loki's answer
}

func (e *strippedQuery) Error() string {
	return fmt.Sprintf("the API server's service proxy dropped the query string of the WebSocket upgrade (kubernetes issue 77142): Loki received /loki/api/v1/tail without ?%s and answered 400 (%s), while the same query passes as a plain GET; use the tailui gateway (--loki-via gateway; deploy/gateway.yaml), or --loki-via port-forward or poll",
		e.rawQuery, e.loki)
}

// pick finds the way for the tail: the first of the Loki's ways that opens it.
func (r *lokiRunner) pick(ctx context.Context) error {
	l := r.t.loki
	l.mu.Lock()
	ways := append([]Way(nil), l.ways...)
	l.mu.Unlock()
	single := len(ways) == 1
	if _, ok := r.resume.Start(); ok {
		// Picking again after a break: read what it missed first (best effort; the
		// tail's own history covers a short break).
		_ = r.catchUp(ctx)
	}
	var notes []string
	for _, w := range ways {
		var err error
		if w.Via() == LokiViaPoll {
			// Poll needs plain GETs only: check that one gets through.
			q := url.Values{"query": {r.t.opts.Query}, "limit": {"1"},
				"start": {nsString(r.now().Add(-time.Minute).UnixNano())}, "end": {nsString(r.now().UnixNano())}}
			_, err = w.Get(ctx, "/loki/api/v1/query_range", q)
			if err == nil {
				r.way = w
				r.announce(w, notes)
				return nil
			}
		} else {
			if !r.started {
				r.cursor = r.now().UnixNano()
			}
			params := r.tailParams()
			var c *gws.Conn
			c, err = w.DialTail(ctx, params)
			if err == nil {
				r.way, r.conn = w, c
				r.started = true
				r.announce(w, notes)
				return nil
			}
			if w.Via() == LokiViaProxy {
				err = r.checkStripped(ctx, w, params, err)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		why := Explain(err, w)
		var sq *strippedQuery
		if errors.As(err, &sq) {
			why = sq.Error()
		}
		if lokiAnswered(err) {
			return &fatalError{why}
		}
		if single && (wayRefused(err) || sq != nil) {
			return &fatalError{why}
		}
		l.noteFailure(w.Via(), why)
		notes = append(notes, w.Via().String()+" failed: "+why)
	}
	if single {
		return errors.New(strings.TrimPrefix(notes[0], ways[0].Via().String()+" failed: "))
	}
	return errors.New("no way to Loki worked: " + strings.Join(notes, "; "))
}

// checkStripped tells a query Loki refuses from one the service proxy dropped: a
// refused upgrade is asked again as a plain GET, which keeps its query.
func (r *lokiRunner) checkStripped(ctx context.Context, w Way, params url.Values, err error) error {
	var re *kube.ResponseError
	if !errors.As(err, &re) || re.FromAPIServer() || re.StatusCode != 400 {
		return err
	}
	q := url.Values{"query": {r.t.opts.Query}, "limit": {"1"},
		"start": {nsString(r.now().Add(-time.Minute).UnixNano())}, "end": {nsString(r.now().UnixNano())}}
	if _, gerr := w.Get(ctx, "/loki/api/v1/query_range", q); gerr != nil {
		return err // the query itself is refused: Loki's words stand
	}
	return &strippedQuery{rawQuery: params.Encode(), loki: re.Message()}
}

// announce says which way the tail took, and why earlier ways failed.
func (r *lokiRunner) announce(w Way, notes []string) {
	l := r.t.loki
	msg := "Loki via " + w.Via().String() + ": " + w.Describe()
	var why []string
	l.mu.Lock()
	for _, v := range []LokiVia{LokiViaGateway, LokiViaProxy, LokiViaPortForward, LokiViaPoll} {
		if v == w.Via() {
			break
		}
		if s, ok := l.failed[v]; ok && !containsPrefix(notes, v.String()+" failed: ") {
			why = append(why, v.String()+" failed: "+s)
		}
	}
	l.mu.Unlock()
	why = append(why, notes...)
	if len(why) > 0 {
		msg += " (" + strings.Join(why, "; ") + ")"
	}
	r.marker(nil, stream.KindInfo, 0, "%s", msg)
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// tail runs one WebSocket session: the one pick opened, or a new one that first
// catches up on what the break missed.
func (r *lokiRunner) tail(ctx context.Context) error {
	conn := r.conn
	r.conn = nil
	if conn == nil {
		if _, ok := r.resume.Start(); ok {
			if err := r.catchUp(ctx); err != nil {
				return err
			}
		}
		var err error
		conn, err = r.way.DialTail(ctx, r.tailParams())
		if err != nil {
			var re *kube.ResponseError
			if lokiAnswered(err) || errors.As(err, &re) && re.FromAPIServer() && (re.StatusCode == 401 || re.StatusCode == 403) {
				return &fatalError{Explain(err, r.way)}
			}
			return err
		}
	}
	return r.session(ctx, conn)
}

// catchUp reads what arrived during a break with query_range, forward from the
// last entry delivered, page by page, so that a long break loses nothing (a tail's
// own history is the newest `limit` entries only).
func (r *lokiRunner) catchUp(ctx context.Context) error {
	for i := 0; i < 1000; i++ {
		full, err := r.readForward(ctx, r.now().UnixNano())
		if err != nil || !full {
			return err
		}
	}
	return nil
}

// session reads one tail WebSocket until it ends. It never stops reading: lines go
// to the queue, which never blocks.
func (r *lokiRunner) session(ctx context.Context, conn *gws.Conn) error {
	r.status(stream.StateLive, "")
	idle := orDefault(r.t.opts.Idle, 5*time.Second)
	// Loki pings every second; our own pings keep other servers (and proxies) honest.
	defer kube.KeepAlive(ctx, conn, idle/2)()
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(idle)) }
	// Loki runs the history query before it pings for the first time.
	_ = conn.SetReadDeadline(time.Now().Add(max(idle, orDefault(r.t.opts.HistoryTimeout, 30*time.Second))))
	pings := 0
	conn.SetPingHandler(func(data string) error {
		extend()
		// Loki sends its history before its first ping, most of the time: from the
		// second ping on, a quiet resumed tail is surely flowing.
		if pings++; pings >= 2 {
			r.flushResume()
		}
		err := conn.WriteControl(gws.PongMessage, []byte(data), time.Now().Add(time.Second))
		var ne net.Error
		if err == nil || errors.Is(err, gws.ErrCloseSent) || errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})
	conn.SetPongHandler(func(string) error { extend(); return nil })
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ce *gws.CloseError
			if errors.As(err, &ce) && r.delivered == 0 && closeRefusesQuery(ce) {
				return &fatalError{"Loki refused the tail: " + kube.OneLine(ce.Text)}
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("no data and no ping from Loki for %s: the connection is dead", idle)
			}
			return err
		}
		extend()
		b, err := r.dec.DecodeTail(msg)
		if err != nil {
			var le *LokiError
			if errors.As(err, &le) {
				return fmt.Errorf("Loki sent an error: %s", le.Message)
			}
			return err
		}
		r.deliver(b)
	}
}

// flushResume writes the KindResume marker once a resumed stream is known to flow.
func (r *lokiRunner) flushResume() {
	if !r.resuming {
		return
	}
	r.resuming = false
	last, _ := r.resume.Start()
	r.marker(nil, stream.KindResume, r.skipped, "resumed from %s: %d repeated entr%s skipped",
		time.Unix(0, last).UTC().Format(time.RFC3339Nano), r.skipped, plural(r.skipped, "y", "ies"))
	r.skipped = 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// deliver queues a decoded batch with its markers.
func (r *lokiRunner) deliver(b LokiBatch) {
	r.skipped += b.Skipped
	if len(b.Lines) > 0 {
		r.flushResume()
	}
	total := 0
	for _, n := range b.Dropped {
		total += n
	}
	for o, n := range b.Dropped {
		atLeast := ""
		if total >= 1000 {
			atLeast = "at least " // Loki stops counting at 1000 per message
		}
		at := b.DroppedAt[o]
		refetch := r.t.opts.Refetch != nil && len(at) > 0 && r.t.opts.Refetch.Names(o)
		if refetch {
			r.drops.put(o, at)
		}
		r.q.push([]stream.Line{{Origin: o, Time: r.now(), Kind: stream.KindDropped, Count: n, Window: refetch,
			Text: fmt.Sprintf("Loki dropped %s%d entr%s of this stream: the tail was read too slowly (by tailui or a proxy between)", atLeast, n, plural(n, "y", "ies"))}})
	}
	if len(b.Lines) > 0 {
		r.delivered += len(b.Lines)
		r.q.push(b.Lines)
	}
}

// poll follows the query with query_range, for paths that carry no WebSocket.
func (r *lokiRunner) poll(ctx context.Context) error {
	lag := orDefault(r.t.opts.PollLag, 2*time.Second)
	lag = max(lag, time.Duration(r.t.opts.DelayFor)*time.Second)
	every := orDefault(r.t.opts.PollInterval, time.Second)
	live := false
	for {
		var full bool
		var err error
		if !r.started {
			err = r.history(ctx, r.now().Add(-lag).UnixNano())
		} else {
			full, err = r.readForward(ctx, r.now().Add(-lag).UnixNano())
		}
		if err != nil {
			if lokiAnswered(err) {
				return &fatalError{Explain(err, r.way)}
			}
			return err
		}
		if !live {
			live = true
			r.status(stream.StateLive, "")
			r.flushResume()
		}
		if full {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// history reads what a tail shows first: the newest Limit entries since Start. A
// backward query finds where they begin; forward pages from there read them in
// Loki's order (a backward answer reverses entries that share a timestamp).
func (r *lokiRunner) history(ctx context.Context, end int64) error {
	o := &r.t.opts
	start := o.Start
	if start.IsZero() {
		start = r.now().Add(-time.Hour)
	}
	r.cursor = end
	if o.Limit > 0 && start.UnixNano() < end {
		q := url.Values{"query": {o.Query}, "direction": {"backward"}, "limit": {strconv.Itoa(o.Limit)},
			"start": {nsString(start.UnixNano())}, "end": {nsString(end)}}
		body, err := r.get(ctx, q)
		if err != nil {
			return err
		}
		b, err := NewLokiDecoder(stream.SanitizeOptions{}, nil).DecodeQueryRange(body)
		if err != nil {
			return queryError(err)
		}
		if len(b.Lines) > 0 {
			r.cursor = b.Lines[0].Time.UnixNano()
			for {
				full, err := r.readForward(ctx, end)
				if err != nil {
					return err
				}
				if !full {
					break
				}
			}
		}
	}
	r.started = true
	if _, ok := r.resume.Start(); !ok {
		r.cursor = end
	}
	return nil
}

// readForward reads one page forward from the last entry delivered (or the
// cursor) up to end, and reports whether the page was full (more may follow).
func (r *lokiRunner) readForward(ctx context.Context, end int64) (bool, error) {
	from := r.cursor
	if last, ok := r.resume.Start(); ok {
		from = last
		if r.bump {
			from++
		} else {
			r.resume.Begin()
		}
	}
	if end <= from {
		return false, nil
	}
	q := url.Values{"query": {r.t.opts.Query}, "direction": {"forward"}, "limit": {strconv.Itoa(resumePage)},
		"start": {nsString(from)}, "end": {nsString(end)}}
	b, err := r.query(ctx, q)
	if err != nil {
		return false, err
	}
	r.bump = false
	r.deliver(b)
	if _, ok := r.resume.Start(); !ok {
		r.cursor = end
	}
	full := len(b.Lines)+b.Skipped >= resumePage
	if full && len(b.Lines) == 0 {
		// A whole page of entries at one nanosecond, all seen: step past it.
		last, _ := r.resume.Start()
		r.bump = true
		r.marker(nil, stream.KindGap, 0, "more than %d entries share the timestamp %s: some of them may be missing",
			resumePage, time.Unix(0, last).UTC().Format(time.RFC3339Nano))
	}
	return full, nil
}

// get runs a query_range through the tail's way (or the catalog's, before a way
// was picked).
func (r *lokiRunner) get(ctx context.Context, q url.Values) ([]byte, error) {
	if r.way != nil {
		return r.way.Get(ctx, "/loki/api/v1/query_range", q)
	}
	return r.t.loki.get(ctx, "/loki/api/v1/query_range", q)
}

// query runs a query_range and decodes it into lines.
func (r *lokiRunner) query(ctx context.Context, q url.Values) (LokiBatch, error) {
	body, err := r.get(ctx, q)
	if err != nil {
		return LokiBatch{}, err
	}
	b, err := r.dec.DecodeQueryRange(body)
	return b, queryError(err)
}

// queryError makes Loki's in-body refusal of a query fatal.
func queryError(err error) error {
	var le *LokiError
	if errors.As(err, &le) {
		return &fatalError{"Loki refused the query: " + le.Message}
	}
	return err
}

// once reads the history and ends (--no-follow).
func (r *lokiRunner) once(ctx context.Context) error {
	if err := r.history(ctx, r.now().UnixNano()); err != nil {
		var fe *fatalError
		if errors.As(err, &fe) {
			return r.fail(fe.msg)
		}
		return r.fail(Explain(err, nil))
	}
	r.status(stream.StateEnded, "")
	return nil
}

// lineQueue sits between the socket reader and the sink: the reader never waits
// for the sink. Past its limit it drops the oldest log lines (never markers) and
// says how many.
type lineQueue struct {
	mu      sync.Mutex
	lines   []stream.Line
	dropped map[*stream.Origin]int
	limit   int
	closed  bool
	wake    chan struct{}
}

func newLineQueue(limit int) *lineQueue {
	return &lineQueue{limit: limit, wake: make(chan struct{}, 1)}
}

func (q *lineQueue) push(lines []stream.Line) {
	q.mu.Lock()
	q.lines = append(q.lines, lines...)
	if n := len(q.lines) - q.limit; n > 0 {
		kept := q.lines[:0]
		for _, l := range q.lines {
			if n > 0 && l.Kind == stream.KindLog {
				if q.dropped == nil {
					q.dropped = make(map[*stream.Origin]int)
				}
				q.dropped[l.Origin]++
				n--
				continue
			}
			kept = append(kept, l)
		}
		clear(q.lines[len(kept):])
		q.lines = kept
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *lineQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pump hands queued lines to sink until the queue is closed and empty.
func (q *lineQueue) pump(sink stream.Sink) {
	for {
		q.mu.Lock()
		lines, dropped, closed := q.lines, q.dropped, q.closed
		q.lines, q.dropped = nil, nil
		q.mu.Unlock()
		var out []stream.Line
		for o, n := range dropped {
			out = append(out, stream.Line{Origin: o, Time: time.Now(), Kind: stream.KindDropped, Count: n,
				Text: fmt.Sprintf("tailui dropped %d line%s: the output could not keep up", n, plural(n, "", "s"))})
		}
		out = append(out, lines...)
		if len(out) > 0 {
			sink.Lines(out)
			continue
		}
		if closed {
			return
		}
		<-q.wake
	}
}
