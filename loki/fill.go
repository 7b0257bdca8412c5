package loki

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// DefaultFillLabels is --fill-labels' default: the Loki labels that hold a pod
// line's namespace, pod and container, as promtail, Alloy and the Loki Helm chart
// name them.
const DefaultFillLabels = "namespace=namespace,pod=pod,container=container"

// fillFields are the pod origin's fields a fill selects on.
var fillFields = []string{"namespace", "pod", "container"}

// ParseFillLabels reads a --fill-labels value, FIELD=LABEL pairs separated by
// commas, where FIELD is namespace, pod or container and LABEL the Loki label that
// holds it (e.g. "namespace=k8s_namespace_name,pod=k8s_pod_name,container=k8s_container_name").
// Fields left out keep their default label.
func ParseFillLabels(s string) (map[string]string, error) {
	m := map[string]string{"namespace": "namespace", "pod": "pod", "container": "container"}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		field, label, ok := strings.Cut(pair, "=")
		field, label = strings.TrimSpace(field), strings.TrimSpace(label)
		if !ok || !slices.Contains(fillFields, field) || !validLabelName(label) {
			return nil, fmt.Errorf("--fill-labels %q: want FIELD=LABEL pairs, FIELD one of namespace, pod, container and LABEL a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*), e.g. %s", pair, DefaultFillLabels)
		}
		m[field] = label
	}
	return m, nil
}

func validLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// FillOptions configure filling pod-stream gaps from Loki.
type FillOptions struct {
	// Labels maps the pod origin's fields (namespace, pod, container) to the Loki
	// labels holding them (ParseFillLabels); nil: the defaults.
	Labels map[string]string
	// Limit is the most lines one fill splices (0: 10000).
	Limit int
	// Settle is how long after the gap's end Loki may still be ingesting it: until
	// then a fill that does not find the line after the gap asks again (0: 3 s).
	Settle time.Duration
	// KeepSGR sanitizes Loki's lines as the pod stream's (--keep-log-colors), so
	// that the boundary lines compare equal.
	KeepSGR bool
}

// fillPage is the entries asked for per query_range of a fill.
const fillPage = 1000

// LokiFiller fills gaps in pod streams from Loki: a stream.Filler. It finds Loki
// once, on the first gap, and queries
// /loki/api/v1/query_range for the gap's window on the pod's labels. It is safe for
// concurrent use.
type LokiFiller struct {
	client *kube.Client
	lopts  LokiOptions
	opts   FillOptions

	once sync.Once
	done chan struct{}
	loki *Loki
	err  error
	bg   context.Context
}

var _ stream.Filler = (*LokiFiller)(nil)

// NewLokiFiller returns a filler that reaches Loki as lopts say, through c.
func NewLokiFiller(c *kube.Client, lopts LokiOptions, opts FillOptions) *LokiFiller {
	if opts.Labels == nil {
		opts.Labels, _ = ParseFillLabels("")
	}
	if opts.Limit <= 0 {
		opts.Limit = 10000
	}
	if opts.Settle <= 0 {
		opts.Settle = 3 * time.Second
	}
	return &LokiFiller{client: c, lopts: lopts, opts: opts, done: make(chan struct{}), bg: context.Background()}
}

// find looks for Loki once, on the first gap (a run without gaps costs Loki
// nothing), in the background: a fill that gives up waiting leaves the search to go
// on for the next one, up to a minute.
func (f *LokiFiller) find(ctx context.Context) (*Loki, error) {
	f.once.Do(func() {
		go func() {
			bg, cancel := context.WithTimeout(f.bg, time.Minute)
			defer cancel()
			f.loki, f.err = NewLoki(bg, f.client, f.lopts)
			close(f.done)
		}()
	})
	select {
	case <-f.done:
		return f.loki, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("still looking for Loki: %w", ctx.Err())
	}
}

// Close releases what the Loki found holds (port-forwards).
func (f *LokiFiller) Close() {
	select {
	case <-f.done:
		if f.loki != nil {
			f.loki.Close()
		}
	default:
	}
}

// Selector returns the LogQL stream selector of o's lines, e.g.
// {namespace="shop", pod="web-1", container="app"}.
func (f *LokiFiller) Selector(o *stream.Origin) (string, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, field := range fillFields {
		v := o.Fields[field]
		if v == "" {
			return "", fmt.Errorf("the stream has no %s to select its lines in Loki by", field)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.opts.Labels[field] + "=" + strconv.Quote(v))
	}
	b.WriteByte('}')
	return b.String(), nil
}

// Fill queries Loki for the lines of o's labels in w, forward, page by page, until
// the window is read; when Loki does not hold the line after the gap yet, it asks
// again until Settle after the gap's end (Loki may still be ingesting it).
func (f *LokiFiller) Fill(ctx context.Context, o *stream.Origin, w stream.GapWindow) (stream.FillResult, error) {
	var res stream.FillResult
	res.Limit = f.opts.Limit
	sel, err := f.Selector(o)
	if err != nil {
		return res, err
	}
	loki, err := f.find(ctx)
	if err != nil {
		return res, fmt.Errorf("no Loki to fill from: %s", Explain(err, nil))
	}
	var resume stream.LokiResume
	dec := NewLokiDecoder(stream.SanitizeOptions{KeepSGR: f.opts.KeepSGR}, &resume)
	from, end := w.From.Time.UnixNano(), w.To.Time.UnixNano()+1 // end is exclusive
	settle := time.Now().Add(f.opts.Settle)
	known := false // Loki was seen to hold the stream before the window
	for {
		start := from
		if last, ok := resume.Start(); ok {
			start = last
			resume.Begin()
		}
		q := url.Values{"query": {sel}, "direction": {"forward"}, "limit": {strconv.Itoa(fillPage)},
			"start": {nsString(start)}, "end": {nsString(end)}}
		body, err := loki.get(ctx, "/loki/api/v1/query_range", q)
		if err != nil {
			return res, errors.New(Explain(err, nil))
		}
		b, err := dec.DecodeQueryRange(body)
		if err != nil {
			var le *LokiError
			if errors.As(err, &le) {
				return res, fmt.Errorf("Loki refused the query %s: %s", sel, le.Message)
			}
			return res, err
		}
		res.Lines = append(res.Lines, b.Lines...)
		if len(res.Lines) > f.opts.Limit {
			res.Lines, res.Truncated = res.Lines[:f.opts.Limit], true
			return res, nil
		}
		if len(b.Lines)+b.Skipped >= fillPage {
			if len(b.Lines) == 0 {
				// A whole page in one nanosecond, all seen: step past it.
				last, _ := resume.Start()
				from, resume = last+1, stream.LokiResume{}
				dec = NewLokiDecoder(stream.SanitizeOptions{KeepSGR: f.opts.KeepSGR}, &resume)
			}
			continue
		}
		if n := len(res.Lines); n > 0 && !res.Lines[n-1].Time.Before(w.To.Time) || !time.Now().Before(settle) {
			return res, nil // read to the gap's end, or Loki had time enough
		}
		if len(res.Lines) == 0 && !known {
			// Nothing in the window: waiting for Loki to ingest it only makes sense
			// if Loki holds this stream at all (the hour before the gap).
			known = true
			q := url.Values{"query": {sel}, "direction": {"backward"}, "limit": {"1"},
				"start": {nsString(from - int64(time.Hour))}, "end": {nsString(from + 1)}}
			body, err := loki.get(ctx, "/loki/api/v1/query_range", q)
			if err != nil {
				return res, errors.New(Explain(err, nil))
			}
			if b, err := NewLokiDecoder(stream.SanitizeOptions{}, nil).DecodeQueryRange(body); err == nil && len(b.Lines) == 0 {
				return res, nil
			}
		}
		select {
		case <-ctx.Done():
			return res, nil // what Loki had; the splice says which end is missing
		case <-time.After(250 * time.Millisecond):
		}
	}
}
