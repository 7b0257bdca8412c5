package loki

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tailui/tailui/stream"
)

// LokiBatch is what one Loki message decodes to.
type LokiBatch struct {
	// Lines sorted by time across the streams of the message (stable: the order of
	// each stream is kept), sanitized. An entry holding newlines becomes one Line
	// per line of text, all with the entry's time.
	Lines []stream.Line
	// Dropped counts, per Origin, the entries Loki dropped because the client read
	// too slowly (dropped_entries); nil when none. Show a KindDropped marker.
	Dropped map[*stream.Origin]int
	// DroppedAt holds, per Origin, the timestamps (Unix ns) Loki gave of the entries
	// it dropped, in its order; nil when none.
	DroppedAt map[*stream.Origin][]int64
	// Skipped is the number of entries dropped as repeats by the decoder's LokiResume.
	Skipped int
}

// LokiDecoder decodes Loki responses into Lines. It keeps one *Origin per distinct
// label set, across messages, so that all lines of a stream share it; Origin.ID is
// the canonical label string, `{app="web", namespace="prod"}` (names sorted, values
// quoted as Go strings, as Loki and Prometheus print them), Origin.Name is
// "namespace/pod/container" built from whichever of those labels exist (also under
// their OpenTelemetry names, k8s_namespace_name and so on) or the label string when
// neither pod nor container is known, and Origin.Fields holds the labels.
//
// A LokiDecoder is not safe for concurrent use; use one per tail.
type LokiDecoder struct {
	opt    stream.SanitizeOptions
	resume *stream.LokiResume
	byRaw  map[string]*stream.Origin // by the label object's JSON text, to skip decoding it
	byID   map[string]*stream.Origin
	ents   []lokiEntry
	// scratch for decoding; reused between messages
	tail  lokiTail
	query lokiQuery
}

type lokiEntry struct {
	ts     int64
	origin *stream.Origin
	line   string
}

// maxRawOrigins bounds the cache of label objects as Loki spells them; the cache by
// canonical label string, which keeps Origins stable, is not bounded.
const maxRawOrigins = 4096

// NewLokiDecoder returns a decoder that sanitizes lines with opt. If resume is not
// nil, the decoder drops the entries resume says are repeats (count in Skipped) and
// records every entry it delivers with resume.Observe, so that the caller only has
// to call resume.Start and resume.Begin when it reconnects.
func NewLokiDecoder(opt stream.SanitizeOptions, resume *stream.LokiResume) *LokiDecoder {
	return &LokiDecoder{
		opt:    opt,
		resume: resume,
		byRaw:  make(map[string]*stream.Origin),
		byID:   make(map[string]*stream.Origin),
	}
}

type lokiStream struct {
	Stream json.RawMessage `json:"stream"`
	Values []lokiValue     `json:"values"`
}

// lokiValue is one ["<ns>", "<line>"] pair; Loki 3 may add a third element with
// structured metadata, which is ignored.
type lokiValue struct {
	ts   int64
	line string
}

type lokiTail struct {
	Streams []lokiStream `json:"streams"`
	Dropped []struct {
		Labels    json.RawMessage `json:"labels"`
		Timestamp string          `json:"timestamp"`
	} `json:"dropped_entries"`
}

type lokiQuery struct {
	Status    string `json:"status"`
	Error     string `json:"error"`
	ErrorType string `json:"errorType"`
	Data      struct {
		ResultType string       `json:"resultType"`
		Result     []lokiStream `json:"result"`
	} `json:"data"`
}

// DecodeTail decodes one message of a /loki/api/v1/tail WebSocket. A message that is
// not a JSON object is an error Loki sent in-band; it comes back as a *LokiError.
func (d *LokiDecoder) DecodeTail(msg []byte) (LokiBatch, error) {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 || msg[0] != '{' {
		return LokiBatch{}, ParseLokiError(0, msg)
	}
	// encoding/json decodes into the elements a slice already has without zeroing
	// them, so reset every field a message might leave out.
	d.tail.Streams = resetStreams(d.tail.Streams)
	d.tail.Dropped = d.tail.Dropped[:cap(d.tail.Dropped)]
	for i := range d.tail.Dropped {
		d.tail.Dropped[i].Labels = d.tail.Dropped[i].Labels[:0]
	}
	d.tail.Dropped = d.tail.Dropped[:0]
	if err := json.Unmarshal(msg, &d.tail); err != nil {
		return LokiBatch{}, fmt.Errorf("stream: decode loki tail message: %w", err)
	}
	b, err := d.streams(d.tail.Streams)
	if err != nil {
		return LokiBatch{}, err
	}
	for _, e := range d.tail.Dropped {
		o, err := d.origin(e.Labels)
		if err != nil {
			return LokiBatch{}, err
		}
		if b.Dropped == nil {
			b.Dropped = make(map[*stream.Origin]int)
		}
		b.Dropped[o]++
		if ts, err := strconv.ParseInt(e.Timestamp, 10, 64); err == nil {
			if b.DroppedAt == nil {
				b.DroppedAt = make(map[*stream.Origin][]int64)
			}
			b.DroppedAt[o] = append(b.DroppedAt[o], ts)
		}
	}
	return b, nil
}

// DecodeQueryRange decodes the body of a successful /loki/api/v1/query_range (or
// query) response holding log streams, for polling. A body with status "error"
// comes back as a *LokiError; a metric query's result is an error too.
func (d *LokiDecoder) DecodeQueryRange(body []byte) (LokiBatch, error) {
	d.query.Status, d.query.Error, d.query.ErrorType = "", "", ""
	d.query.Data.ResultType = ""
	d.query.Data.Result = resetStreams(d.query.Data.Result)
	if err := json.Unmarshal(body, &d.query); err != nil {
		return LokiBatch{}, fmt.Errorf("stream: decode loki query response: %w", err)
	}
	if d.query.Status != "success" {
		return LokiBatch{}, &LokiError{Type: d.query.ErrorType, Message: cleanMessage(d.query.Error)}
	}
	if t := d.query.Data.ResultType; t != "streams" {
		return LokiBatch{}, fmt.Errorf("stream: loki query returned %q, not log streams", t)
	}
	return d.streams(d.query.Data.Result)
}

// resetStreams empties s for reuse by encoding/json, keeping the capacity of it and
// of its elements.
func resetStreams(s []lokiStream) []lokiStream {
	s = s[:cap(s)]
	for i := range s {
		s[i].Stream = s[i].Stream[:0]
		s[i].Values = s[i].Values[:0]
	}
	return s[:0]
}

// streams turns decoded streams into a batch sorted by time.
func (d *LokiDecoder) streams(streams []lokiStream) (LokiBatch, error) {
	var b LokiBatch
	ents := d.ents[:0]
	sorted := true
	for _, s := range streams {
		o, err := d.origin(s.Stream)
		if err != nil {
			return LokiBatch{}, err
		}
		for _, v := range s.Values {
			if n := len(ents); n > 0 && v.ts < ents[n-1].ts {
				sorted = false
			}
			ents = append(ents, lokiEntry{v.ts, o, v.line})
		}
	}
	if !sorted {
		slices.SortStableFunc(ents, func(a, b lokiEntry) int { return cmp.Compare(a.ts, b.ts) })
	}
	lines := make([]stream.Line, 0, len(ents))
	for _, e := range ents {
		if d.resume != nil {
			if d.resume.Skip(e.ts, e.origin.ID, e.line) {
				b.Skipped++
				continue
			}
			d.resume.Observe(e.ts, e.origin.ID, e.line)
		}
		t := time.Unix(0, e.ts).UTC()
		text := e.line
		for {
			i := strings.IndexByte(text, '\n')
			if i < 0 {
				break
			}
			lines = append(lines, stream.Line{Origin: e.origin, Time: t, Text: stream.SanitizeString(trimCRString(text[:i]), d.opt)})
			text = text[i+1:]
			if text == "" {
				break
			}
		}
		if text != "" || !strings.HasSuffix(e.line, "\n") {
			lines = append(lines, stream.Line{Origin: e.origin, Time: t, Text: stream.SanitizeString(trimCRString(text), d.opt)})
		}
	}
	clear(ents)
	d.ents = ents[:0]
	b.Lines = lines
	return b, nil
}

func trimCRString(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\r' {
		return s[:n-1]
	}
	return s
}

func (d *LokiDecoder) origin(raw json.RawMessage) (*stream.Origin, error) {
	if o, ok := d.byRaw[string(raw)]; ok {
		return o, nil
	}
	var labels map[string]string
	if err := json.Unmarshal(raw, &labels); err != nil {
		return nil, fmt.Errorf("stream: decode loki labels: %w", err)
	}
	o := d.Origin(labels)
	if len(d.byRaw) >= maxRawOrigins {
		clear(d.byRaw)
	}
	d.byRaw[string(raw)] = o
	return o, nil
}

// Origin returns the decoder's Origin for a label set, the one its lines carry, so a
// caller can attach markers to it. The map is not kept; a copy is.
func (d *LokiDecoder) Origin(labels map[string]string) *stream.Origin {
	id := LabelString(labels)
	if o, ok := d.byID[id]; ok {
		return o
	}
	fields := make(map[string]string, len(labels))
	for k, v := range labels {
		fields[k] = v
	}
	o := &stream.Origin{ID: id, Name: lokiName(fields, id), Fields: fields}
	d.byID[id] = o
	return o
}

// LabelString returns the canonical form of a label set, `{a="1", b="2"}`: names
// sorted, values quoted as Go strings.
func LabelString(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// lokiNameLabels lists, for each part of a short name, the labels that may hold it.
var lokiNameLabels = [3][]string{
	{"namespace", "k8s_namespace_name", "kubernetes_namespace_name"},
	{"pod", "k8s_pod_name", "pod_name", "kubernetes_pod_name"},
	{"container", "k8s_container_name", "container_name", "kubernetes_container_name"},
}

func lokiName(labels map[string]string, id string) string {
	var parts [3]string
	for i, names := range lokiNameLabels {
		for _, n := range names {
			if v := labels[n]; v != "" {
				parts[i] = v
				break
			}
		}
	}
	if parts[1] == "" && parts[2] == "" {
		return id
	}
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return stream.SanitizeString(strings.Join(out, "/"), stream.SanitizeOptions{})
}

// UnmarshalJSON decodes ["<ns>", "<line>", ...]. encoding/json has validated the
// input before it calls this, so the scan below can trust its shape.
func (v *lokiValue) UnmarshalJSON(b []byte) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errors.New("loki value is not an array")
	}
	ts, i, err := jsonString(b, skipSpace(b, i+1))
	if err != nil {
		return fmt.Errorf("loki timestamp: %w", err)
	}
	if v.ts, err = strconv.ParseInt(ts, 10, 64); err != nil {
		return fmt.Errorf("loki timestamp: %w", err)
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ',' {
		return errors.New("loki value has no line")
	}
	v.line, _, err = jsonString(b, skipSpace(b, i+1))
	return err
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonString decodes the JSON string starting at b[i] and returns it and the index
// after it. Strings without escapes are converted directly. Invalid UTF-8 is kept
// as it is (Sanitize shows it); invalid \u surrogates become U+FFFD.
func jsonString(b []byte, i int) (string, int, error) {
	if i >= len(b) || b[i] != '"' {
		return "", i, errors.New("not a string")
	}
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return string(b[i+1 : j]), j + 1, nil
			}
			s, err := unescapeJSON(b[i+1 : j])
			return s, j + 1, err
		}
	}
	return "", len(b), errors.New("unterminated string")
}

// unescapeJSON decodes the escapes in the body of a JSON string.
func unescapeJSON(s []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			b.Write(s)
			break
		}
		b.Write(s[:i])
		s = s[i:]
		if len(s) < 2 {
			return "", errors.New("bad escape")
		}
		c := s[1]
		s = s[2:]
		switch c {
		case '"', '\\', '/':
			b.WriteByte(c)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s)
			if !ok {
				return "", errors.New("bad \\u escape")
			}
			s = s[4:]
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r2, ok = hex4(s[2:])
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					s = s[6:]
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
		default:
			return "", errors.New("bad escape")
		}
	}
	return b.String(), nil
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// LokiError is an error response from Loki (or from a proxy in front of it).
type LokiError struct {
	// StatusCode is the HTTP status, or 0 for an error sent inside a WebSocket.
	StatusCode int
	// Type is Loki's errorType, or a Kubernetes Status reason, when given.
	Type string
	// Message is the server's message, sanitized, on one line.
	Message string
}

// Error returns "loki: 400 Bad Request (type): message", leaving out what is unknown.
func (e *LokiError) Error() string {
	var b strings.Builder
	b.WriteString("loki: ")
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteByte(' ')
			b.WriteString(t)
		}
		if e.Type != "" {
			b.WriteString(" (" + e.Type + ")")
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	} else if e.Type != "" {
		b.WriteString(e.Type + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// maxErrorMessage bounds the message kept from an error body.
const maxErrorMessage = 1024

// ParseLokiError turns an error response into a *LokiError. Loki answers query errors
// with plain text ("parse error at line 1, col 5: syntax error: unexpected
// IDENTIFIER"), its Prometheus-style API with {"status":"error","errorType":...,
// "error":...}, and the Kubernetes API server proxy with a metav1.Status; an HTML
// page from a load balancer is reduced to its text.
func ParseLokiError(statusCode int, body []byte) error {
	e := &LokiError{StatusCode: statusCode}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var j struct {
			Error     string `json:"error"`
			ErrorType string `json:"errorType"`
			Message   string `json:"message"`
			Msg       string `json:"msg"`
			Reason    string `json:"reason"`
			Kind      string `json:"kind"`
		}
		if json.Unmarshal(body, &j) == nil {
			e.Type = j.ErrorType
			if j.Kind == "Status" {
				e.Type = j.Reason
			}
			for _, m := range []string{j.Error, j.Message, j.Msg} {
				if m != "" {
					e.Message = cleanMessage(m)
					break
				}
			}
			if e.Message != "" || e.Type != "" {
				return e
			}
		}
	}
	text := string(body)
	if len(body) > 0 && body[0] == '<' {
		text = stripTags(text)
	}
	e.Message = cleanMessage(text)
	return e
}

// cleanMessage puts a server message on one line, sanitized and bounded.
func cleanMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxErrorMessage {
		cut := maxErrorMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return stream.SanitizeString(s, stream.SanitizeOptions{})
}

// stripTags reduces an HTML page to its text, crudely: enough for "502 Bad Gateway".
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		tag := strings.ToLower(s[i : i+j])
		s = s[i+j+1:]
		if strings.HasPrefix(tag, "<style") || strings.HasPrefix(tag, "<script") || strings.HasPrefix(tag, "<head") {
			end := "</" + strings.TrimPrefix(strings.Fields(tag)[0], "<") + ">"
			if k := strings.Index(strings.ToLower(s), end); k >= 0 {
				s = s[k+len(end):]
			}
		}
	}
	return b.String()
}
