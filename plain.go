package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
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
// log. Text is already sanitized by the stream layer.
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
}

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
		if p.format == formatText {
			p.writePrefix(l.Origin)
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
		p.out.WriteString(p.highlight(l.Text))
		p.out.WriteByte('\n')
	default:
		p.writeTimestamp(l.Time)
		p.writePrefix(l.Origin)
		p.out.WriteString(p.highlight(l.Text))
		p.out.WriteByte('\n')
	}
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
	b, err := p.tmpl.execute(l, p.timestampText(l.Time))
	if err != nil {
		if p.tmpl.errs == 0 {
			_ = p.out.Flush()
			msg := strings.TrimPrefix(err.Error(), "template: ")
			fmt.Fprintf(p.errOut, "%s: [template] %s\n", progName(), stream.SanitizeString(msg, stream.SanitizeOptions{}))
		}
		p.tmpl.errs++
		return
	}
	p.out.Write(b)
}

func (p *printer) writePrefix(o *stream.Origin) {
	if o == nil {
		return
	}
	pod, ctr := o.Fields["pod"], o.Fields["container"]
	if pod == "" {
		// Not a pod stream (Loki): the origin's short name stands for both.
		p.out.WriteString(p.paint(colorFor(o.ID), o.Name))
		p.out.WriteByte(' ')
		return
	}
	if p.showNamespace {
		p.out.WriteString(p.paint(colorFor(pod), o.Fields["namespace"]+"/"+pod))
	} else {
		p.out.WriteString(p.paint(colorFor(pod), pod))
	}
	p.out.WriteByte(' ')
	p.out.WriteString(p.paint(colorFor(ctr+"/c"), ctr))
	p.out.WriteByte(' ')
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

type jsonLine struct {
	Namespace string            `json:"namespace,omitempty"`
	Pod       string            `json:"pod,omitempty"`
	Container string            `json:"container,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Timestamp string            `json:"timestamp,omitempty"`
	Message   string            `json:"message"`
}

func (p *printer) writeJSON(l *stream.Line) {
	j := jsonLine{Message: l.Text}
	if o := l.Origin; o != nil {
		if strings.HasPrefix(o.ID, "{") {
			j.Labels = o.Fields // a Loki stream: its whole label set
		} else if o.Fields["pod"] != "" {
			j.Namespace, j.Pod, j.Container = o.Fields["namespace"], o.Fields["pod"], o.Fields["container"]
		} else {
			j.Labels = o.Fields
		}
	}
	if !l.Time.IsZero() {
		j.Timestamp = l.Time.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(j)
	p.out.Write(b)
	p.out.WriteByte('\n')
}

// marker prints tailui's own notes to errOut, flushing out first so the note lands
// at its place relative to the log lines on a shared terminal.
func (p *printer) marker(l *stream.Line) {
	_ = p.out.Flush()
	who := ""
	if l.Origin != nil && l.Origin.ID != "tailui" {
		who = l.Origin.Name + ": "
		if p.showNamespace && l.Origin.Fields["namespace"] != "" {
			who = l.Origin.Fields["namespace"] + "/" + who
		}
	}
	code := "2"
	switch l.Kind {
	case stream.KindError:
		code = "31"
	case stream.KindGap, stream.KindDropped:
		code = "33"
	}
	fmt.Fprintf(p.errOut, "%s\n", p.paint(code, "tailui: "+who+"["+l.Kind.String()+"] "+strings.TrimSpace(l.Text)))
}

func (p *printer) flush() error {
	if p.tmpl != nil && p.tmpl.errs > 1 {
		_ = p.out.Flush()
		fmt.Fprintf(p.errOut, "%s: [template] the template failed on %d lines in all (the first is above)\n", progName(), p.tmpl.errs)
		p.tmpl.errs = 1
	}
	return p.out.Flush()
}
