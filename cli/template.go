package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/fatih/color"
	"github.com/spf13/cast"

	"github.com/tailui/tailui/stream"
)

// templateLog is what a --template sees for each line: stern's Log, field for field
// and with its JSON names, so that a stern template works unchanged.
type templateLog struct {
	Message        string            `json:"message"`
	NodeName       string            `json:"nodeName"`
	Namespace      string            `json:"namespace"`
	PodName        string            `json:"podName"`
	ContainerName  string            `json:"containerName"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
	PodColor       *color.Color      `json:"-"`
	ContainerColor *color.Color      `json:"-"`
	// Context is the kubeconfig context of the line's cluster when tailui follows
	// several (--context given more than once), "" otherwise. stern has no such field.
	Context string `json:"context,omitempty"`
}

// lineTemplate prints lines through a user's text/template (--template,
// --template-file), with the functions stern offers.
type lineTemplate struct {
	tmpl  *template.Template
	color bool
	buf   bytes.Buffer
	// errs counts lines the template failed on; the first error is reported, the
	// count at the end.
	errs int
}

// parseLineTemplate compiles text (the --template value, or the file's content when
// file is set) with stern's functions. A parse error names the line and column.
func parseLineTemplate(text, file string, useColor bool) (*lineTemplate, error) {
	name := "--template"
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--template-file: %w", err)
		}
		text, name = string(b), file
	}
	lt := &lineTemplate{color: useColor}
	t, err := template.New(name).Funcs(lt.funcs()).Parse(text)
	if err != nil {
		// text/template says "template: NAME:LINE:COL: reason"; keep LINE:COL.
		msg := strings.TrimPrefix(err.Error(), "template: ")
		if !strings.HasPrefix(msg, name) {
			msg = name + ": " + msg
		}
		return nil, errors.New(msg)
	}
	lt.tmpl = t
	return lt, nil
}

// newColor returns a colour with attrs, on or off as this printer's colour is.
func (lt *lineTemplate) newColor(attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if lt.color {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}

// sourceColor is the colour tailui gives a pod or container name (colorFor).
func (lt *lineTemplate) sourceColor(name string) *color.Color {
	n, _ := strconv.Atoi(colorFor(name))
	return lt.newColor(color.Attribute(n))
}

// execute renders l; the bytes are valid until the next call.
func (lt *lineTemplate) execute(l *stream.Line, timestamp string) ([]byte, error) {
	f := l.Origin.Fields
	pod, ctr := f["pod"], f["container"]
	d := templateLog{
		Message:        l.Text,
		NodeName:       f["node"],
		Namespace:      f["namespace"],
		PodName:        pod,
		ContainerName:  ctr,
		Labels:         l.Origin.Labels,
		Annotations:    l.Origin.Annotations,
		PodColor:       lt.sourceColor(pod),
		ContainerColor: lt.sourceColor(ctr + "/c"),
		Context:        l.Origin.Context,
	}
	if d.Labels == nil && strings.HasPrefix(l.Origin.ID, "{") {
		d.Labels = f // a Loki stream: its label set
	}
	if timestamp != "" {
		d.Message = timestamp + " " + d.Message
	}
	lt.buf.Reset()
	if err := lt.tmpl.Execute(&lt.buf, d); err != nil {
		return nil, err
	}
	return lt.buf.Bytes(), nil
}

// funcs are the template functions of stern v1.33, with the same names, arguments
// and results (stern's README lists them), written here.
func (lt *lineTemplate) funcs() template.FuncMap {
	named := func(a color.Attribute) func(format string, args ...any) string {
		return func(format string, args ...any) string {
			c := lt.newColor(a)
			if len(args) == 0 {
				return c.SprintFunc()(format)
			}
			return c.SprintfFunc()(format, args...)
		}
	}
	return template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"parseJSON": func(text string) (map[string]any, error) {
			obj := map[string]any{}
			err := json.Unmarshal([]byte(text), &obj)
			return obj, err
		},
		"tryParseJSON": func(text string) map[string]any {
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			obj := map[string]any{}
			if dec.Decode(&obj) != nil {
				return nil
			}
			return obj
		},
		"extractJSONParts": func(text string, keys ...string) (string, error) {
			obj := map[string]any{}
			if err := json.Unmarshal([]byte(text), &obj); err != nil {
				return "", err
			}
			return joinParts(obj, keys), nil
		},
		"tryExtractJSONParts": func(text string, keys ...string) string {
			obj := map[string]any{}
			if json.Unmarshal([]byte(text), &obj) != nil {
				return text
			}
			return joinParts(obj, keys)
		},
		"extjson": func(s string) (string, error) {
			if json.Valid([]byte(s)) {
				return strings.TrimSuffix(s, "\n"), nil
			}
			b, err := json.Marshal(s)
			return strings.TrimSuffix(string(b), "\n"), err
		},
		"prettyJSON": func(v any) string {
			var obj map[string]any
			switch v := v.(type) {
			case string:
				if json.Unmarshal([]byte(v), &obj) != nil {
					return v
				}
			case map[string]any:
				obj = v
			default:
				return fmt.Sprint(v)
			}
			b, err := json.MarshalIndent(obj, "", "  ")
			if err != nil {
				return fmt.Sprint(v)
			}
			return string(b)
		},
		"toRFC3339Nano": func(ts any) string {
			t, _ := templateTime(ts)
			return t.Format(time.RFC3339Nano)
		},
		"formatTsRFC3339Nano": func(ts any) string { // older stern spelling
			t, _ := templateTime(ts)
			return t.Format(time.RFC3339Nano)
		},
		"toUTC": func(ts any) time.Time {
			t, _ := templateTime(ts)
			return t.UTC()
		},
		"toTimestamp": func(ts any, layout string, tz ...string) (string, error) {
			t, err := templateTime(ts)
			if err != nil {
				return "", err
			}
			zone := ""
			if len(tz) > 0 {
				zone = tz[0]
			}
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return "", err
			}
			return t.In(loc).Format(layout), nil
		},
		"color": func(c *color.Color, text string) string {
			if c == nil {
				return text
			}
			return c.SprintFunc()(text)
		},
		"colorCustom": func(text string, attrs ...color.Attribute) string {
			return lt.newColor(attrs...).SprintFunc()(text)
		},
		"colorBlack":   named(color.FgBlack),
		"colorRed":     named(color.FgRed),
		"colorGreen":   named(color.FgGreen),
		"colorYellow":  named(color.FgYellow),
		"colorBlue":    named(color.FgBlue),
		"colorMagenta": named(color.FgMagenta),
		"colorCyan":    named(color.FgCyan),
		"colorWhite":   named(color.FgWhite),
		"levelColor": func(v any) string {
			s, ok := v.(string)
			if !ok {
				return ""
			}
			var a color.Attribute
			switch strings.ToLower(s) {
			case "debug":
				a = color.FgMagenta
			case "info":
				a = color.FgBlue
			case "warn", "warning":
				a = color.FgYellow
			case "error", "dpanic", "panic":
				a = color.FgRed
			case "fatal", "critical":
				a = color.FgCyan
			default:
				return s
			}
			return lt.newColor(a).SprintFunc()(s)
		},
		"bunyanLevelColor": func(v any) string {
			var n int64
			switch v := v.(type) {
			case json.Number: // from tryParseJSON
				i, err := v.Int64()
				if err != nil {
					return ""
				}
				n = i
			case float64: // from parseJSON
				n = int64(v)
			default:
				return ""
			}
			var a color.Attribute
			switch {
			case n < 30:
				a = color.FgMagenta
			case n < 40:
				a = color.FgBlue
			case n < 50:
				a = color.FgYellow
			case n < 60:
				a = color.FgRed
			case n < 100:
				a = color.FgCyan
			default:
				return strconv.FormatInt(n, 10)
			}
			return lt.newColor(a).SprintFunc()(n)
		},
	}
}

// joinParts is the values of keys in obj, as %v prints them, joined by ", ".
func joinParts(obj map[string]any, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprint(obj[k])
	}
	return strings.Join(parts, ", ")
}

// templateTime reads a timestamp as stern's template functions do: a number of
// seconds since the epoch with an optional fraction ("1733050000.5", as a string or
// a JSON number), else whatever spf13/cast reads as a time (RFC 3339 and many other
// layouts, Unix seconds as integers).
func templateTime(v any) (time.Time, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	}
	if s != "" {
		if t, ok := unixSeconds(s); ok {
			return t, nil
		}
	}
	return cast.ToTimeE(v)
}

// unixSeconds parses "SECONDS[.FRACTION]".
func unixSeconds(s string) (time.Time, bool) {
	secs, frac, hasFrac := strings.Cut(s, ".")
	if strings.Contains(frac, ".") {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var nsec int64
	if hasFrac {
		frac = (frac + "000000000")[:9]
		if nsec, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(sec, nsec), true
}
