package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tailui/tailui/stream"
)

// plainFormat is the shape of a printed line.
type plainFormat int

const (
	formatText plainFormat = iota // [namespace/]pod container message, like stern
	formatRaw                     // the message alone
	formatJSON                    // one JSON object a line
)

func parseFormat(s string) (plainFormat, error) {
	switch s {
	case "text", "":
		return formatText, nil
	case "raw":
		return formatRaw, nil
	case "json":
		return formatJSON, nil
	}
	return 0, fmt.Errorf("--output %q: want text, raw or json", s)
}

// printer writes lines for people and scripts: log lines to out, tailui's own markers
// (reconnects, restarts, gaps, errors) to errOut so that out holds nothing but the
// log. It is the boundary between lines and a terminal: everything it prints from
// outside (line text, marker text, pod, container and namespace names, Loki label
// names and values) goes through stream's sanitizing policy here, whatever the
// source did before, and the lines' own colours survive only when colour is on.
type printer struct {
	out    *bufio.Writer
	errOut io.Writer
	format plainFormat
	color  bool
	// timestamps: "" (none), "default", "short", "local", "utc".
	timestamps    string
	showNamespace bool
	filter        *stream.Filter  // include, exclude and --where
	context       *stream.Context // -C: lines around matches; nil without
	tmpl          *lineTemplate   // --template: replaces the format; nil without
	highlights    []*regexp.Regexp
	// follow flushes after every batch; a drain flushes when the buffer fills.
	follow bool
	json   []byte // reused buffer for json output
	// origins caches, per Origin, its sanitized text prefix and JSON fields.
	origins map[*stream.Origin]*printedOrigin
	// lastError is the text of the last error marker printed, so that the run's
	// error is not printed a second time when it says the same (see runPlain).
	lastError string
}

// printedOrigin is an Origin as the printer shows it, built once.
type printedOrigin struct {
	prefix string // text format: "pod container " or "name ", painted
	json   []byte // json format: the fields before "timestamp", each followed by ','
}

// maxCachedOrigins bounds printer.origins; a Loki query may see ever new streams.
const maxCachedOrigins = 4096

// ANSI colours for sources; bright variants read well on dark and light backgrounds.
var podColors = []string{"31", "32", "33", "34", "35", "36", "91", "92", "93", "94", "95", "96"}

func colorFor(name string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return podColors[h.Sum32()%uint32(len(podColors))]
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// write prints one batch.
func (p *printer) write(lines []stream.Line) error {
	for i := range lines {
		l := &lines[i]
		if l.Kind.IsMarker() {
			p.marker(l)
			continue
		}
		matched := p.filter.Keep(l)
		if p.context != nil {
			p.context.Add(*l, matched, p.emit)
			continue
		}
		if matched {
			p.line(l)
		}
	}
	if p.follow {
		return p.out.Flush()
	}
	return nil
}

// emit prints a line that -C passes on, with grep's "--" before a new group.
func (p *printer) emit(l stream.Line, sep bool) {
	if sep && p.format != formatJSON {
		if p.format == formatText && l.Origin != nil {
			p.out.WriteString(p.origin(l.Origin).prefix)
		}
		p.out.WriteString(p.paint("2", "--"))
		p.out.WriteByte('\n')
	}
	p.line(&l)
}

// line prints one log line in the chosen format.
func (p *printer) line(l *stream.Line) {
	if p.tmpl != nil {
		p.templateLine(l)
		return
	}
	switch p.format {
	case formatJSON:
		p.writeJSON(l)
	case formatRaw:
		p.writeTimestamp(l.Time)
		p.out.WriteString(p.highlight(p.text(l.Text)))
		p.out.WriteByte('\n')
	default:
		p.writeTimestamp(l.Time)
		if l.Origin != nil {
			p.out.WriteString(p.origin(l.Origin).prefix)
		}
		if l.Filled != stream.NotFilled {
			p.out.WriteString(p.paint("2", "[from "+l.Filled.String()+"]") + " ")
		}
		p.out.WriteString(p.highlight(p.text(l.Text)))
		p.out.WriteByte('\n')
	}
}

// text returns a line's text as printed: sanitized, its own colours kept only when
// colour is on. A clean line is returned as is.
func (p *printer) text(s string) string {
	return stream.SanitizeString(s, stream.SanitizeOptions{KeepSGR: p.color})
}

func (p *printer) writeTimestamp(t time.Time) {
	if p.timestamps == "" {
		return
	}
	p.out.WriteString(p.paint("2", p.timestampText(t)))
	p.out.WriteByte(' ')
}

// timestampText is t as --timestamps asks, "" without it.
func (p *printer) timestampText(t time.Time) string {
	switch {
	case p.timestamps == "":
		return ""
	case t.IsZero():
		return "-"
	case p.timestamps == "short":
		return t.Local().Format("15:04:05.000")
	case p.timestamps == "local":
		return t.Local().Format("2006-01-02T15:04:05.000000000Z07:00")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

// templateLine prints l through --template; the first line the template fails on
// is reported with the reason, the others counted (see flush).
func (p *printer) templateLine(l *stream.Line) {
	c := *l
	c.Text = p.text(l.Text)
	b, err := p.tmpl.execute(&c, p.timestampText(l.Time))
	if err != nil {
		if p.tmpl.errs == 0 {
			_ = p.out.Flush()
			msg := strings.TrimPrefix(err.Error(), "template: ")
			fmt.Fprintf(p.errOut, "%s: [template] %s\n", progName(), stream.SanitizeString(msg, stream.SanitizeOptions{}))
		}
		p.tmpl.errs++
		return
	}
	// What the template adds (annotations, Loki labels, its own text) is outside
	// text too: every line of the output is sanitized, the template's colours kept
	// only when colour is on.
	for len(b) > 0 {
		line, rest, nl := bytes.Cut(b, []byte{'\n'})
		p.out.WriteString(stream.Sanitize(line, stream.SanitizeOptions{KeepSGR: p.color}))
		if nl {
			p.out.WriteByte('\n')
		}
		b = rest
	}
}

// origin returns how o is printed, building it the first time o is seen.
func (p *printer) origin(o *stream.Origin) *printedOrigin {
	if po, ok := p.origins[o]; ok {
		return po
	}
	if p.origins == nil || len(p.origins) >= maxCachedOrigins {
		p.origins = make(map[*stream.Origin]*printedOrigin)
	}
	po := &printedOrigin{prefix: p.prefixOf(o), json: originJSON(o)}
	p.origins[o] = po
	return po
}

// prefixOf is the text format's prefix for o: pod and container (namespace/pod
// when several namespaces are followed), or a Loki stream's short name.
func (p *printer) prefixOf(o *stream.Origin) string {
	return p.contextPrefix(o) + p.sourcePrefix(o)
}

// contextPrefix is "[context] " for a line of one of several clusters, coloured by
// a hash of the context's name, and "" with one cluster (Origin.Context unset).
func (p *printer) contextPrefix(o *stream.Origin) string {
	if o.Context == "" {
		return ""
	}
	return p.paint(colorFor(o.Context+"/ctx"), "["+clean(o.Context)+"]") + " "
}

func (p *printer) sourcePrefix(o *stream.Origin) string {
	pod, ctr := o.Fields["pod"], o.Fields["container"]
	if pod == "" {
		// Not a pod stream (Loki): the origin's short name stands for both.
		return p.paint(colorFor(o.ID), clean(o.Name)) + " "
	}
	name := pod
	if p.showNamespace {
		name = o.Fields["namespace"] + "/" + pod
	}
	return p.paint(colorFor(pod), clean(name)) + " " + p.paint(colorFor(ctr+"/c"), clean(ctr)) + " "
}

func (p *printer) highlight(s string) string {
	if !p.color || len(p.highlights) == 0 {
		return s
	}
	// Every expression is matched against the line as logged, and each run of
	// matched bytes is painted once: matching the next expression against text
	// already painted would match inside the escape sequences ("1", "7", "m").
	var lit []bool
	for _, re := range p.highlights {
		for _, m := range re.FindAllStringIndex(s, -1) {
			if lit == nil {
				lit = make([]bool, len(s))
			}
			for i := m[0]; i < m[1]; i++ {
				lit[i] = true
			}
		}
	}
	if lit == nil {
		return s
	}
	// Nor may a match cut the line's own colour sequences (--keep-log-colors):
	// paint inside "ESC[31m" would leave "ESC[" before another ESC.
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], 0x1b)
		if j < 0 {
			break
		}
		i += j
		n := max(stream.KeptSGRLen(s[i:]), 1)
		clear(lit[i : i+n])
		i += n
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && lit[j] == lit[i] {
			j++
		}
		if lit[i] {
			b.WriteString("\x1b[1;7m" + s[i:j] + "\x1b[0m")
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// writeJSON prints l as one JSON object: namespace, pod and container for a pod's
// line, labels for a Loki stream's, then timestamp and message. Strings are written
// by stream.AppendJSONString, which escapes every control, bidi and invisible rune
// the sanitizing policy names, so label values and keys reach no terminal raw even
// when a script prints them.
func (p *printer) writeJSON(l *stream.Line) {
	b := append(p.json[:0], '{')
	if l.Origin != nil {
		b = append(b, p.origin(l.Origin).json...)
	}
	if !l.Time.IsZero() {
		b = append(b, `"timestamp":"`...)
		b = l.Time.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `",`...)
	}
	if l.Filled != stream.NotFilled {
		b = append(b, `"source":"`...)
		b = append(b, l.Filled.String()...)
		b = append(b, `",`...)
	}
	b = append(b, `"message":`...)
	b = stream.AppendJSONString(b, p.text(l.Text))
	b = append(b, '}', '\n')
	p.out.Write(b)
	p.json = b
}

// originJSON returns the JSON fields that say where a line came from, each followed
// by a comma: a Loki stream's whole label set (keys sorted), a pod's namespace,
// pod and container, or a node's name and service.
func originJSON(o *stream.Origin) []byte {
	var b []byte
	field := func(k, v string) {
		if v != "" {
			b = stream.AppendJSONString(b, k)
			b = append(b, ':')
			b = stream.AppendJSONString(b, v)
			b = append(b, ',')
		}
	}
	field("context", o.Context) // only when several clusters are followed
	if !strings.HasPrefix(o.ID, "{") && o.Fields["pod"] != "" {
		field("namespace", o.Fields["namespace"])
		field("pod", o.Fields["pod"])
		field("container", o.Fields["container"])
		return b
	}
	if strings.HasPrefix(o.ID, "node/") { // kube.NodeLogOrigin
		field("node", o.Fields["node"])
		field("service", o.Fields["service"])
		return b
	}
	if len(o.Fields) == 0 {
		return b
	}
	b = append(b, `"labels":{`...)
	for i, k := range slices.Sorted(maps.Keys(o.Fields)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = stream.AppendJSONString(b, k)
		b = append(b, ':')
		b = stream.AppendJSONString(b, o.Fields[k])
	}
	return append(b, `},`...)
}

// marker prints tailui's own notes to errOut, flushing out first so the note lands
// at its place relative to the log lines on a shared terminal. Marker text quotes
// servers (waiting reasons, API errors), so it is sanitized like a name.
func (p *printer) marker(l *stream.Line) {
	_ = p.out.Flush()
	who := ""
	if l.Origin != nil && l.Origin.ID != "tailui" {
		who = l.Origin.Name + ": "
		if p.showNamespace && l.Origin.Fields["namespace"] != "" {
			who = l.Origin.Fields["namespace"] + "/" + who
		}
	}
	if l.Origin != nil && l.Origin.Context != "" {
		who = "[" + l.Origin.Context + "] " + who
	}
	code := "2"
	switch l.Kind {
	case stream.KindError:
		code = "31"
		p.lastError = strings.TrimSpace(l.Text)
	case stream.KindGap, stream.KindDropped:
		code = "33"
	case stream.KindFill:
		code = "36"
	}
	fmt.Fprintf(p.errOut, "%s\n", p.paint(code, "tailui: "+clean(who)+"["+l.Kind.String()+"] "+clean(strings.TrimSpace(l.Text))))
}

func (p *printer) flush() error {
	if p.tmpl != nil && p.tmpl.errs > 1 {
		_ = p.out.Flush()
		fmt.Fprintf(p.errOut, "%s: [template] the template failed on %d lines in all (the first is above)\n", progName(), p.tmpl.errs)
		p.tmpl.errs = 1
	}
	return p.out.Flush()
}
