package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// timeFormatOut is the kubelet's timestamp format: RFC3339 with exactly 9 fraction digits.
const timeFormatOut = "2006-01-02T15:04:05.000000000Z07:00"

// logOptions are the kubelet's view of v1.PodLogOptions.
type logOptions struct {
	follow, previous, timestamps bool
	tail                         int64 // -1: all
	limit                        int64 // -1: unlimited
	since                        time.Time
	stream                       string // "", All, Stdout or Stderr
}

// requestError is an answer the kubelet gives instead of a log.
type requestError struct {
	code int
	msg  string
}

func (e *requestError) Error() string { return e.msg }

// parseLogOptions decodes and validates the query like the kubelet: undecodable values
// are a 400 and invalid ones a 422, each with the kubelet's fixed JSON-looking text.
func parseLogOptions(q url.Values, now time.Time) (logOptions, error) {
	bad := &requestError{http.StatusBadRequest, `{"message": "Unable to decode query."}`}
	invalid := &requestError{http.StatusUnprocessableEntity, `{"message": "Invalid request."}`}
	// backwards compatibility for the "tail" query parameter
	if tail := q.Get("tail"); tail != "" {
		q = cloneValues(q)
		q.Set("tailLines", tail)
		if tail == "all" {
			q.Del("tailLines")
		}
	}
	o := logOptions{
		follow:     queryBool(q, "follow"),
		previous:   queryBool(q, "previous"),
		timestamps: queryBool(q, "timestamps"),
		tail:       -1,
		limit:      -1,
		stream:     q.Get("stream"),
	}
	tail, okTail, err := queryInt(q, "tailLines")
	if err != nil {
		return o, bad
	}
	limit, okLimit, err := queryInt(q, "limitBytes")
	if err != nil {
		return o, bad
	}
	sinceSec, okSinceSec, err := queryInt(q, "sinceSeconds")
	if err != nil {
		return o, bad
	}
	var sinceTime metav1.Time
	if vs, ok := q["sinceTime"]; ok && len(vs) > 0 {
		if err := sinceTime.UnmarshalQueryParameter(vs[0]); err != nil {
			return o, bad
		}
	}
	switch {
	case okTail && tail < 0,
		okLimit && limit < 1,
		okSinceSec && !sinceTime.IsZero(),
		okSinceSec && sinceSec < 1:
		return o, invalid
	}
	switch o.stream {
	case "", "All":
	case "Stdout", "Stderr":
		if okTail {
			return o, invalid
		}
	default:
		return o, invalid
	}
	if okTail {
		o.tail = tail
	}
	if okLimit {
		o.limit = limit
	}
	if okSinceSec {
		o.since = now.Add(-time.Duration(sinceSec) * time.Second)
	}
	if !sinceTime.IsZero() && sinceTime.After(o.since) {
		o.since = sinceTime.Time
	}
	return o, nil
}

// queryBool decodes a boolean like the API machinery: absent, "0" and "false" are false,
// anything else (even empty) is true.
func queryBool(q url.Values, key string) bool {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return false
	}
	return !(vs[0] == "0" || equalFold(vs[0], "false"))
}

func queryInt(q url.Values, key string) (int64, bool, error) {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(vs[0], 10, 64)
	return n, true, err
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// pickInstance chooses the run whose log is served, with the real kubelet's checks and
// messages (pkg/kubelet/kubelet_pods.go, validateContainerLogStatus).
func pickInstance(c *container, previous bool) (*instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	podName := c.pod.name
	switch {
	case previous:
		if c.prev == nil {
			return nil, fmt.Errorf("previous terminated container %q in pod %q not found", c.name, podName)
		}
		return c.prev, nil
	case c.cur != nil:
		return c.cur, nil
	case c.prev != nil:
		// Waiting after a crash (CrashLoopBackOff): the kubelet serves the
		// lastState.terminated container's log.
		return c.prev, nil
	case c.waiting != "":
		switch c.waiting {
		case "ErrImagePull":
			return nil, fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", c.name, podName)
		case "ImagePullBackOff":
			return nil, fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", c.name, podName)
		}
		return nil, fmt.Errorf("container %q in pod %q is waiting to start: %v", c.name, podName, c.waiting)
	}
	return nil, fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", c.name, podName)
}

// logResult says what a log request wrote, for the request log.
type logResult struct {
	lines, bytes int64
	why          string
}

var errLimit = errors.New("limitBytes reached")

// serveContainerLogs answers GET /containerLogs/{ns}/{pod}/{container}.
func (k *kubelet) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	start := k.store.now()
	ns, podName, cname := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	res := logResult{why: "error"}
	status := http.StatusOK
	k.log.Info("log request", "pod", ns+"/"+podName, "container", cname, "query", r.URL.RawQuery)
	defer func() {
		k.log.Info("served logs", "pod", ns+"/"+podName, "container", cname, "query", r.URL.RawQuery,
			"status", status, "lines", res.lines, "bytes", res.bytes, "end", res.why,
			"took", time.Since(start).Round(time.Millisecond))
	}()
	fail := func(code int, msg string) {
		status = code
		writeError(w, code, msg)
	}

	opts, err := parseLogOptions(r.URL.Query(), k.store.now())
	if err != nil {
		var re *requestError
		errors.As(err, &re)
		fail(re.code, re.msg)
		return
	}
	p := k.store.pod(ns, podName)
	if p == nil {
		fail(http.StatusNotFound, fmt.Sprintf("pod %q does not exist", podName))
		return
	}
	c := k.store.container(p, cname)
	if c == nil {
		fail(http.StatusNotFound, fmt.Sprintf("container %q not found in pod %q", cname, podName))
		return
	}
	c.mu.Lock()
	held := k.store.now().Before(c.holdUntil)
	c.mu.Unlock()
	if held {
		fail(http.StatusServiceUnavailable, "testbed: log requests of this container are held (a break)")
		return
	}
	in, err := pickInstance(c, opts.previous)
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	res = writeLog(r.Context(), w, c, in, opts, p.stop)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg))
}

// writeLog writes in's log to w as the kubelet's CRI log reader (k8s.io/cri-client
// pkg/logs ReadLogs) does: a request reads only the current log file (records rotated
// away before it opened are gone for it); tailLines picks the start among the file's
// records (a partial record counts as one) and, without follow, how many records are
// read; records older than since are skipped one by one; the timestamp prefix starts
// only a record that begins a line (one that follows a partial record, written or
// skipped, has none), and the partial records of a long line are written joined;
// limitBytes cuts anywhere (mid-line too); a follow goes on through rotations until
// the container's run ends, the pod goes, the client leaves, or the spec's cut count
// is reached. The response headers leave with the first byte of log, not before: the
// kubelet writes through a flush-on-write writer, so while nothing is written the API
// server is still waiting for its answer.
func writeLog(ctx context.Context, w http.ResponseWriter, c *container, in *instance, o logOptions, podStop <-chan struct{}) logResult {
	var res logResult
	fw := &flushWriter{w: w}
	fw.f, _ = w.(http.Flusher)
	if o.stream == "Stderr" {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		res.why = "stderr is empty"
		return res // every generated line goes to stdout
	}
	bw := bufio.NewWriterSize(fw, 64<<10)
	remain := o.limit
	sinceNano := int64(0)
	if !o.since.IsZero() {
		sinceNano = o.since.UnixNano()
	}
	cut := int64(0)
	if o.follow {
		cut = int64(c.spec.Cut)
	}
	var stamp [64]byte

	c.mu.Lock()
	pos := max(in.base, in.fileStart)
	if o.tail >= 0 {
		pos = max(pos, in.count()-o.tail)
	}
	c.mu.Unlock()
	records := int64(-1) // records left to read without follow (-1: to the end)
	if o.tail >= 0 && !o.follow {
		records = o.tail
	}
	// The start is fixed now; the headers go out with the first byte written.
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	newLine := true // the next record begins a line

	for {
		c.mu.Lock()
		if pos < in.base {
			pos = in.base // dropped by the size cap while we were writing
		}
		batch := in.lines[pos-in.base:]
		ended := in.ended()
		changed := c.changed
		brk := c.breakCh
		c.mu.Unlock()
		if records >= 0 && int64(len(batch)) > records {
			batch = batch[:records]
		}
		pos += int64(len(batch))

		for i := range batch {
			e := &batch[i]
			addPrefix := newLine
			newLine = !e.partial
			if records > 0 {
				records--
			}
			if e.ts < sinceNano {
				continue
			}
			var err error
			n := 0
			if o.timestamps && addPrefix {
				ts := time.Unix(0, e.ts).UTC().AppendFormat(stamp[:0], timeFormatOut)
				ts = append(ts, ' ')
				n, err = writeLimited(bw, ts, &remain)
			}
			if err == nil {
				var m int
				m, err = writeLimitedString(bw, e.text, &remain)
				n += m
			}
			if err == nil && !e.partial {
				var m int
				m, err = writeLimited(bw, []byte{'\n'}, &remain)
				n += m
			}
			res.bytes += int64(n)
			if err != nil {
				_ = bw.Flush()
				res.why = "limitBytes"
				if !errors.Is(err, errLimit) {
					res.why = "write: " + err.Error()
				}
				return res
			}
			if e.partial {
				continue
			}
			res.lines++
			if cut > 0 && res.lines >= cut {
				_ = bw.Flush()
				res.why = "cut"
				return res
			}
		}
		if err := bw.Flush(); err != nil {
			res.why = "client gone"
			return res
		}
		if !o.follow || records == 0 {
			res.why = "end of log"
			return res
		}
		if len(batch) > 0 {
			continue // more may have arrived while we wrote
		}
		if ended {
			res.why = "container ended"
			return res
		}
		select {
		case <-changed:
		case <-podStop:
			// the pod is going: drain what is left, then end
			c.kill(time.Now())
		case <-ctx.Done():
			res.why = "client gone"
			return res
		case <-brk:
			res.why = "broken by the testbed hook"
			return res
		}
	}
}

// flushWriter flushes after every write, as the kubelet's flushwriter does: the
// first write sends the response headers.
type flushWriter struct {
	w io.Writer
	f http.Flusher
}

func (fw *flushWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	if err == nil && fw.f != nil {
		fw.f.Flush()
	}
	return n, err
}

func flush(f http.Flusher) {
	if f != nil {
		f.Flush()
	}
}

// writeLimited writes b, or as much of it as the byte limit allows (then errLimit).
func writeLimited(w *bufio.Writer, b []byte, remain *int64) (int, error) {
	if *remain >= 0 && int64(len(b)) >= *remain {
		n, err := w.Write(b[:*remain])
		*remain -= int64(n)
		if err == nil {
			err = errLimit
		}
		return n, err
	}
	n, err := w.Write(b)
	if *remain >= 0 {
		*remain -= int64(n)
	}
	return n, err
}

func writeLimitedString(w *bufio.Writer, s string, remain *int64) (int, error) {
	if *remain >= 0 && int64(len(s)) >= *remain {
		n, err := w.WriteString(s[:*remain])
		*remain -= int64(n)
		if err == nil {
			err = errLimit
		}
		return n, err
	}
	n, err := w.WriteString(s)
	if *remain >= 0 {
		*remain -= int64(n)
	}
	return n, err
}
