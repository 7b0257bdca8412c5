package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tailui/tailui/stream"
)

// Node logs: the kubelet's node log query (GET /logs/?query=SERVICE, the NodeLogQuery
// feature), reached through the API server's node proxy
// (/api/v1/nodes/NAME/proxy/logs/). The query has no follow: NodeLog polls with
// sinceTime, which has second resolution, and de-duplicates the lines of the boundary
// second exactly (see nodeLogCursor and docs/protocols.md).

// DefaultNodeLogInterval is how often a following NodeLog asks the kubelet again.
const DefaultNodeLogInterval = time.Second

// nodeLogMaxTail is the kubelet's cap on tailLines.
const nodeLogMaxTail = 100000

// NodeLog follows the log of one service (a journal unit, or a file in the node's
// /var/log) of one node. It implements stream.Source.
type NodeLog struct {
	Client  *Client
	Node    string
	Service string
	// TailLines is the history at start (-1: what the kubelet gives without a tail).
	TailLines int64
	// Since, when positive, starts that long ago instead.
	Since  time.Duration
	Follow bool
	// Interval between polls while following (0: DefaultNodeLogInterval).
	Interval time.Duration
	KeepSGR  bool

	now    func() time.Time
	origin *stream.Origin
}

var _ stream.Source = (*NodeLog)(nil)

// NodeLogOrigin is the origin of a node service's lines: Fields node and service.
func NodeLogOrigin(node, service string) *stream.Origin {
	return &stream.Origin{ID: "node/" + node + "/" + service, Name: node + "/" + service,
		Fields: map[string]string{"node": node, "service": service}}
}

// Origin returns the origin of n's lines and statuses.
func (n *NodeLog) Origin() *stream.Origin {
	if n.origin == nil {
		n.origin = NodeLogOrigin(n.Node, n.Service)
	}
	return n.origin
}

// NodeLogNotEnabledError says the node serves /logs/ but not the log query.
type NodeLogNotEnabledError struct {
	Node, Why string
}

func (e *NodeLogNotEnabledError) Error() string {
	return fmt.Sprintf("node %q does not serve node log queries (%s): the cluster does not enable NodeLogQuery; "+
		"set enableSystemLogQuery: true in the kubelet configuration (and, before Kubernetes 1.36, the NodeLogQuery feature gate on the kubelet)",
		e.Node, e.Why)
}

// UnknownServiceError says the kubelet has no journal unit or log file of that name.
type UnknownServiceError struct {
	Node, Service string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("node %q has no log for service %q (no journal unit %s.service, no /var/log/%s*): try --node-log kubelet or containerd",
		e.Node, e.Service, e.Service, e.Service)
}

// Run polls the node's log until ctx ends (or once, without Follow).
func (n *NodeLog) Run(ctx context.Context, sink stream.Sink) error {
	if n.now == nil {
		n.now = time.Now
	}
	interval := n.Interval
	if interval <= 0 {
		interval = DefaultNodeLogInterval
	}
	o := n.Origin()
	if errs := validation.IsDNS1123Subdomain(n.Node); len(errs) > 0 {
		return fmt.Errorf("node name %q: %s", n.Node, errs[0])
	}
	sink.Status(stream.Status{Origin: o, State: stream.StateConnecting, At: n.now()})
	cur := &nodeLogCursor{tail: n.TailLines}
	backoff := wait.Backoff{Duration: interval, Factor: 2, Cap: 30 * time.Second, Steps: 1 << 30}
	live, attempt := false, 0
	for {
		q := cur.query(n)
		body, err := n.get(ctx, q)
		if err == nil {
			err = classifyNodeLogBody(n.Node, n.Service, body)
		}
		var fileErr *fileLoggedError
		switch {
		case errors.As(err, &fileErr) && !cur.file:
			// The service logs to a file: the kubelet takes no options then.
			cur.file = true
			continue
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil && (isPermanentNodeLogErr(err) || !n.Follow):
			err = n.explain(ctx, err)
			sink.Status(stream.Status{Origin: o, State: stream.StateFailed, Err: err.Error(), At: n.now()})
			return err
		case err != nil:
			attempt++
			delay := backoff.Step()
			why := Explain(err)
			sink.Status(stream.Status{Origin: o, State: stream.StateReconnecting, Attempt: attempt, NextTry: n.now().Add(delay), Err: why, At: n.now()})
			if attempt == 1 {
				sink.Lines([]stream.Line{{Origin: o, Kind: stream.KindReconnect, Time: n.now(),
					Text: fmt.Sprintf("node log query failed (%s); retrying", why)}})
			}
			if !sleepCtx(ctx, delay) {
				return nil
			}
			live = false
			continue
		}
		if !live {
			sink.Status(stream.Status{Origin: o, State: stream.StateLive, At: n.now()})
			if attempt > 0 {
				sink.Lines([]stream.Line{{Origin: o, Kind: stream.KindResume, Time: n.now(),
					Text: "node log query answers again; resumed after the last line seen"}})
			}
			live, attempt = true, 0
			backoff = wait.Backoff{Duration: interval, Factor: 2, Cap: 30 * time.Second, Steps: 1 << 30}
		}
		if lines := cur.take(body, o, n.now(), n.KeepSGR); len(lines) > 0 {
			sink.Lines(lines)
		}
		if !n.Follow {
			sink.Status(stream.Status{Origin: o, State: stream.StateEnded, At: n.now()})
			return nil
		}
		if !sleepCtx(ctx, interval) {
			return nil
		}
	}
}

// get asks the API server's node proxy for q.
func (n *NodeLog) get(ctx context.Context, q map[string]string) ([]byte, error) {
	// One segment with its trailing slash (AbsPath keeps it): the kubelet's route is
	// /logs/, and /logs would get a redirect.
	req := n.Client.Clientset.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes/" + n.Node + "/proxy/logs/")
	for k, v := range q {
		req = req.Param(k, v)
	}
	var code int
	var ctype string
	res := req.Do(ctx).StatusCode(&code).ContentType(&ctype)
	body, err := res.Raw()
	if err != nil {
		// Error decodes the API server's Status; the kubelet's text stays the cause
		// of a generic error (fromKubelet).
		return nil, res.Error()
	}
	if strings.HasPrefix(ctype, "text/html") {
		return nil, &NodeLogNotEnabledError{Node: n.Node, Why: "it answered ?query= with its /var/log directory listing"}
	}
	return body, nil
}

// fileLoggedError: the service logs to a file in /var/log, which the kubelet serves
// only without options.
type fileLoggedError struct{}

func (*fileLoggedError) Error() string { return "the service logs to a file" }

// classifyNodeLogBody finds the kubelet's answers that come as a 200 with a message in
// the body.
func classifyNodeLogBody(node, service string, body []byte) error {
	t := bytes.TrimSpace(body)
	switch {
	case bytes.HasPrefix(t, []byte("<")):
		return &NodeLogNotEnabledError{Node: node, Why: "it answered ?query= with its /var/log directory listing"}
	case bytes.Equal(t, []byte("log not found for "+service)):
		return &UnknownServiceError{Node: node, Service: service}
	case bytes.HasPrefix(t, []byte("options present and query resolved to log files for")):
		return &fileLoggedError{}
	case bytes.Equal(t, []byte("error: journal output not available")):
		return fmt.Errorf("node %q: the kubelet could not run journalctl (journal output not available)", node)
	}
	return nil
}

func isPermanentNodeLogErr(err error) bool {
	var ne *NodeLogNotEnabledError
	var ue *UnknownServiceError
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return true
	}
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		c := int(se.ErrStatus.Code)
		return c == http.StatusForbidden || c == http.StatusUnauthorized || c == http.StatusNotFound ||
			c == http.StatusBadRequest || c == http.StatusNotAcceptable || c == http.StatusMethodNotAllowed
	}
	return false
}

// fromKubelet reports whether se carries the kubelet's own text answer rather than
// the API server's Status (client-go wraps a non-Status body as a generic error
// whose cause is the body).
func fromKubelet(se *apierrors.StatusError) (string, bool) {
	if d := se.ErrStatus.Details; d != nil {
		for _, c := range d.Causes {
			if c.Type == metav1.CauseTypeUnexpectedServerResponse {
				return strings.TrimSpace(c.Message), true
			}
		}
	}
	return "", false
}

// explain turns a permanent error into the message the user sees.
func (n *NodeLog) explain(ctx context.Context, err error) error {
	var se *apierrors.StatusError
	if !errors.As(err, &se) {
		return err
	}
	if text, ok := fromKubelet(se); ok {
		switch se.ErrStatus.Code {
		case http.StatusNotFound:
			return &NodeLogNotEnabledError{Node: n.Node, Why: "its /logs/ answered 404 " + strconv.Quote(text)}
		case http.StatusMethodNotAllowed:
			return &NodeLogNotEnabledError{Node: n.Node, Why: "its /logs/ is disabled: " + strconv.Quote(text) +
				"; enableSystemLogHandler must be true too"}
		}
		return fmt.Errorf("node %q refused the log query for %q (HTTP %d): %s", n.Node, n.Service, se.ErrStatus.Code, text)
	}
	switch {
	case apierrors.IsForbidden(se):
		who := ""
		if m := forbiddenRE.FindStringSubmatch(se.ErrStatus.Message); m != nil {
			who = fmt.Sprintf("user %q ", m[1])
		}
		return fmt.Errorf("forbidden: %scannot get nodes/proxy, which node logs need (GET /api/v1/nodes/%s/proxy/logs/): "+
			"add the RBAC rule {apiGroups: [\"\"], resources: [\"nodes/proxy\"], verbs: [\"get\"]} to a ClusterRole bound to the user "+
			"(nodes/proxy reaches the whole kubelet API: grant it with care)", who, n.Node)
	case apierrors.IsNotFound(se) && se.ErrStatus.Details != nil && se.ErrStatus.Details.Kind == "nodes":
		return fmt.Errorf("node %q not found%s", n.Node, n.someNodes(ctx))
	}
	return errors.New(Explain(err))
}

// someNodes lists a few node names for an unknown-node message.
func (n *NodeLog) someNodes(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := n.Client.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 6})
	if err != nil || len(list.Items) == 0 {
		return " (kubectl get nodes lists them)"
	}
	var names []string
	for i, it := range list.Items {
		if i == 5 {
			names = append(names, "...")
			break
		}
		names = append(names, it.Name)
	}
	return "; nodes: " + strings.Join(names, ", ")
}

// journalStamp is journalctl --output=short-precise's timestamp (the kubelet passes
// --utc); short's has no fraction.
const (
	journalStampPrecise = "Jan 02 15:04:05.000000"
	journalStampShort   = "Jan 02 15:04:05"
)

// nodeLogCursor is where a NodeLog stands: the second of the last line seen and the
// lines of that second (as the kubelet printed them, a multiset), so that the next
// answer to sinceTime=that second, which repeats them, is cut exactly after them.
// For a service that logs to a file (no options allowed), it is the number of lines
// already delivered.
type nodeLogCursor struct {
	started  bool
	boundary time.Time      // second of the last line seen (UTC)
	seen     map[string]int // lines of the boundary second delivered so far
	tail     int64          // lines of history at start (-1: all)
	file     bool
	fileSeen int
	lastTime time.Time
	// noSince: the node's journalctl did not read sinceTime as UTC (it reads
	// --since in the node's time zone; one behind UTC answers nothing). The cursor
	// then asks for the last nodeLogWindow lines and keeps the same bookkeeping.
	noSince bool
}

// nodeLogWindow is how many lines a poll asks for when sinceTime cannot be used.
const nodeLogWindow = 2000

// query is the next request's parameters.
func (c *nodeLogCursor) query(n *NodeLog) map[string]string {
	q := map[string]string{"query": n.Service}
	tail := func(t int64) {
		if t >= 0 {
			q["tailLines"] = strconv.FormatInt(min(t, nodeLogMaxTail), 10)
		}
	}
	switch {
	case c.file:
	case c.noSince:
		tail(nodeLogWindow)
	case !c.boundary.IsZero():
		q["sinceTime"] = c.boundary.Format(time.RFC3339)
	case n.Since > 0:
		// Nothing seen yet (or the first poll): the same window again.
		q["sinceTime"] = n.now().Add(-n.Since).UTC().Truncate(time.Second).Format(time.RFC3339)
		if !c.started {
			tail(n.TailLines)
		}
	case c.started:
		// The journal had nothing: everything in it now is new.
		tail(nodeLogWindow)
	case n.TailLines == 0:
		// One line, not shown, to know where the log stands.
		tail(1)
	default:
		tail(n.TailLines)
	}
	return q
}

// take turns one answer into the lines not delivered yet and moves the cursor.
func (c *nodeLogCursor) take(body []byte, o *stream.Origin, now time.Time, keepSGR bool) []stream.Line {
	first := !c.started
	c.started = true
	raw := splitNodeLogLines(body)
	if c.file {
		return c.takeFile(raw, o, first)
	}
	var out []stream.Line
	next := map[string]int{}
	var nextB, oldest time.Time
	prev := c.lastTime
	sawBoundary := false
	n := 0
	for _, l := range raw {
		if isJournalNote(l) {
			continue
		}
		n++
		t, msg, ok := parseJournalLine(l, now)
		if !ok {
			t, msg = prev, l // a continuation of a multi-line message
		}
		prev = t
		sec := t.Truncate(time.Second)
		if oldest.IsZero() {
			oldest = sec
		}
		if sec.After(nextB) {
			nextB, next = sec, map[string]int{}
		}
		if sec.Equal(nextB) {
			next[l]++
		}
		if !c.boundary.IsZero() {
			if !sec.After(c.boundary) {
				sawBoundary = true
			}
			if sec.Before(c.boundary) {
				continue // older than asked for
			}
			if sec.Equal(c.boundary) && c.seen[l] > 0 {
				c.seen[l]--
				continue
			}
		}
		out = append(out, stream.Line{Origin: o, Time: t, Text: stream.SanitizeString(msg, stream.SanitizeOptions{KeepSGR: keepSGR})})
	}
	switch {
	case first && c.tail == 0:
		out = out[:0] // asked for one line only to know where the log stands
	case !c.boundary.IsZero() && !c.noSince && (!sawBoundary || !oldest.IsZero() && oldest.Before(c.boundary.Add(-time.Minute))):
		// The answer to sinceTime=boundary lacks the boundary's own lines (a node
		// behind UTC), or starts long before it (ahead: every poll would repeat hours).
		c.noSince = true
		out = append([]stream.Line{{Origin: o, Kind: stream.KindInfo, Time: now,
			Text: fmt.Sprintf("the node does not read sinceTime as UTC (journalctl reads --since in the node's time zone); polling its last %d lines instead", nodeLogWindow)}}, out...)
	case c.noSince && n >= nodeLogWindow && oldest.After(c.boundary):
		out = append([]stream.Line{{Origin: o, Kind: stream.KindGap, Time: now,
			Text: fmt.Sprintf("more than %d lines since the last poll: some may be missing", nodeLogWindow)}}, out...)
	}
	if !nextB.IsZero() {
		if nextB.Equal(c.boundary) {
			// The same second again: everything of it in this answer has been delivered.
			c.seen = next
		} else if nextB.After(c.boundary) {
			c.boundary, c.seen = nextB, next
		}
		c.lastTime = prev
	}
	return out
}

// takeFile delivers the lines of a file-logged service past those already seen; a
// file that got shorter was rotated and is read from its start.
func (c *nodeLogCursor) takeFile(raw []string, o *stream.Origin, first bool) []stream.Line {
	var out []stream.Line
	if len(raw) < c.fileSeen {
		out = append(out, stream.Line{Origin: o, Kind: stream.KindGap, Text: "the log file got shorter (rotated); reading it from its start"})
		c.fileSeen = 0
	}
	if first && c.tail >= 0 && int64(len(raw)) > c.tail {
		c.fileSeen = len(raw) - int(c.tail)
	}
	for _, l := range raw[c.fileSeen:] {
		out = append(out, stream.Line{Origin: o, Text: stream.SanitizeString(l, stream.SanitizeOptions{})})
	}
	c.fileSeen = len(raw)
	return out
}

// splitNodeLogLines splits an answer into lines, dropping the last empty one.
func splitNodeLogLines(body []byte) []string {
	s := strings.TrimSuffix(string(body), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// isJournalNote reports journalctl's own lines: "-- No entries --", "-- Boot ID --".
func isJournalNote(l string) bool {
	return strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --")
}

// parseJournalLine reads "Dec 01 14:00:00.123456 HOST UNIT[PID]: MESSAGE": the time
// (UTC; the year is the one that puts it nearest before now) and the message.
func parseJournalLine(l string, now time.Time) (time.Time, string, bool) {
	var t time.Time
	var err error
	rest := ""
	switch {
	case len(l) > len(journalStampPrecise) && l[len(journalStampShort)] == '.' && l[len(journalStampPrecise)] == ' ':
		t, err = time.Parse(journalStampPrecise, l[:len(journalStampPrecise)])
		rest = l[len(journalStampPrecise)+1:]
	case len(l) > len(journalStampShort) && l[len(journalStampShort)] == ' ':
		t, err = time.Parse(journalStampShort, l[:len(journalStampShort)])
		rest = l[len(journalStampShort)+1:]
	default:
		return time.Time{}, "", false
	}
	if err != nil {
		return time.Time{}, "", false
	}
	now = now.UTC()
	t = t.AddDate(now.Year(), 0, 0)
	if t.After(now.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	// HOST IDENT[PID]: MESSAGE (or IDENT: MESSAGE)
	if _, after, ok := strings.Cut(rest, " "); ok {
		if i := strings.Index(after, ": "); i >= 0 && !strings.Contains(after[:i], " ") {
			return t, after[i+2:], true
		}
		if strings.HasSuffix(after, ":") && !strings.Contains(after, " ") {
			return t, "", true
		}
	}
	return t, rest, true
}

// NodeLogs follows several services of a node, each its own NodeLog and Origin.
type NodeLogs []*NodeLog

var _ stream.Source = NodeLogs(nil)

// Run runs every NodeLog until all end; it returns the first error (after the others
// ended) when every one failed, and nil when at least one ran to its end.
func (ns NodeLogs) Run(ctx context.Context, sink stream.Sink) error {
	errs := make([]error, len(ns))
	done := make(chan int, len(ns))
	for i, n := range ns {
		go func() {
			errs[i] = n.Run(ctx, sink)
			if errs[i] != nil && len(ns) > 1 {
				// The others go on: say so in the log, where plain output shows it.
				sink.Lines([]stream.Line{{Origin: n.Origin(), Kind: stream.KindError, Text: errs[i].Error()}})
			}
			done <- i
		}()
	}
	for range ns {
		<-done
	}
	var failed []error
	for _, e := range errs {
		if e != nil {
			failed = append(failed, e)
		}
	}
	if len(failed) == len(ns) && len(failed) > 0 {
		return errors.Join(failed...)
	}
	return nil
}
