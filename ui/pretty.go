package ui

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tailui/tailui/stream"
)

// prettyMode says how structured lines are shown.
type prettyMode int

// Pretty modes, cycled by the pretty key.
const (
	prettyOff      prettyMode = iota // the line as logged
	prettyFields                     // JSON and logfmt as coloured key=value on one line
	prettyExpanded                   // JSON indented over several rows, logfmt as fields
	numPrettyModes
)

var prettyNames = [...]string{"raw", "fields", "expanded"}

// String returns the name of m.
func (m prettyMode) String() string {
	if m >= 0 && int(m) < len(prettyNames) {
		return prettyNames[m]
	}
	return "unknown"
}

// styled accumulates a plain string and the spans that paint it.
type styled struct {
	b     strings.Builder
	spans []span
}

func (s *styled) add(text string, p paint) {
	if p != "" && text != "" {
		n := s.b.Len()
		s.spans = append(s.spans, span{n, n + len(text), p})
	}
	s.b.WriteString(text)
}

// messageKeys are the fields shown first, as the message, in fields mode.
var messageKeys = [...]string{"msg", "message", "MESSAGE", "Message", "log"}

// levelFields are the fields whose value is the level in fields mode.
var levelFields = [...]string{"level", "lvl", "severity", "Level", "log.level", "@l", "levelname"}

// prettyJSON renders a JSON object line. ok is false when text is not a JSON
// object, in which case the line is shown as logged.
func prettyJSON(text string, mode prettyMode, fv *fieldView, st *Styles, out *styled) bool {
	t := strings.TrimSpace(text)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return false
	}
	if mode == prettyExpanded {
		var buf bytes.Buffer
		if json.Indent(&buf, []byte(t), "", "  ") != nil {
			return false
		}
		colourJSON(buf.String(), st, out)
		return true
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	type field struct {
		key string
		raw json.RawMessage
	}
	var fields []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		k, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return false
		}
		fields = append(fields, field{k, raw})
	}
	pf := make([]prettyField, len(fields))
	for i, f := range fields {
		// encoding/json has decoded the key: "\u009b" in the line is U+009B here.
		pf[i] = prettyField{key: f.key, raw: f.raw}
	}
	assignRoles(pf, func(i int) (string, bool) { return jsonString(fields[i].raw) })
	return emitFields(pf, fv, st, out)
}

// jsonString returns raw as a Go string when it is a JSON string.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func writeJSONValue(raw json.RawMessage, st *Styles, out *styled) {
	switch {
	case len(raw) == 0:
	case raw[0] == '"':
		s, _ := jsonString(raw)
		if needsQuote(s) {
			out.add(strconv.Quote(s), st.pString)
		} else {
			out.add(clean(s), st.pString)
		}
	case raw[0] == '{' || raw[0] == '[':
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			colourJSON(buf.String(), st, out)
		} else {
			out.add(string(raw), "")
		}
	default:
		out.add(string(raw), st.pNumber)
	}
}

// needsQuote reports whether a value must be quoted to read unambiguously in
// key=value form.
func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '"' || c == '=' || c == 0x7f {
			return true
		}
	}
	return false
}

// colourJSON paints valid, possibly indented JSON: keys, strings, and other
// scalars. Text in it keeps its escapes, so it stays one logical token per
// value.
func colourJSON(js string, st *Styles, out *styled) {
	i := 0
	for i < len(js) {
		c := js[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(js) && js[j] != '"' {
				if js[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(js))
			k := j
			for k < len(js) && js[k] == ' ' {
				k++
			}
			p := st.pString
			if k < len(js) && js[k] == ':' {
				p = st.pKey
			}
			out.add(js[i:j], p)
			i = j
		case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(js) && !strings.ContainsRune(",]} \n", rune(js[j])) {
				j++
			}
			out.add(js[i:j], st.pNumber)
			i = j
		default:
			j := i
			for j < len(js) && js[j] != '"' && !(js[j] == '-' || js[j] >= '0' && js[j] <= '9' || js[j] == 't' || js[j] == 'f' || js[j] == 'n') {
				j++
			}
			out.add(js[i:j], st.pFaint)
			i = j
		}
	}
}

// prettyLogfmt renders a logfmt line with coloured keys, the level first and
// the message after it. ok is false when text is not logfmt.
func prettyLogfmt(text string, fv *fieldView, st *Styles, out *styled) bool {
	pairs, ok := stream.ParseLogfmt(text)
	if !ok {
		return false
	}
	pf := make([]prettyField, len(pairs))
	for i, p := range pairs {
		pf[i] = prettyField{key: p.Key, value: p.Raw, logfmt: true}
	}
	assignRoles(pf, func(i int) (string, bool) { return pairs[i].Value, true })
	return emitFields(pf, fv, st, out)
}

// prettyField is one field of a structured line in fields mode.
type prettyField struct {
	key    string
	role   fieldRole
	text   string          // the level or message, as text
	raw    json.RawMessage // a JSON value
	value  string          // a logfmt value, as written
	logfmt bool
}

// fieldRole says whether a field is the line's level, its message, or another.
type fieldRole int

const (
	roleOther fieldRole = iota
	roleLevel
	roleMessage
)

// assignRoles marks the level field and the message field: the first present of
// levelFields and of messageKeys, in their order, whose value is text.
func assignRoles(pf []prettyField, text func(i int) (string, bool)) {
	for _, r := range []struct {
		role fieldRole
		keys []string
	}{{roleLevel, levelFields[:]}, {roleMessage, messageKeys[:]}} {
	next:
		for _, want := range r.keys {
			for i := range pf {
				if pf[i].role == roleOther && pf[i].key == want {
					if v, ok := text(i); ok {
						pf[i].role, pf[i].text = r.role, v
						break next
					}
				}
			}
		}
	}
}

// emitFields draws the fields: the level first, then the message, then the rest
// as key=value, as fv selects them. ok is false when the view leaves nothing, so
// that the line is shown as logged rather than not at all.
func emitFields(pf []prettyField, fv *fieldView, st *Styles, out *styled) bool {
	n := 0
	put := func(f *prettyField) {
		if n > 0 {
			out.add(" ", "")
		}
		n++
		switch {
		case f.role == roleLevel:
			out.add(clean(strings.ToUpper(f.text)), st.pLevel[levelWord(f.text)])
		case f.role == roleMessage:
			out.add(clean(strings.TrimRight(f.text, "\n")), "")
		case f.logfmt:
			out.add(f.key, st.pKey)
			out.add("=", st.pFaint)
			out.add(f.value, st.pString)
		default:
			out.add(clean(f.key), st.pKey)
			out.add("=", st.pFaint)
			writeJSONValue(f.raw, st, out)
		}
	}
	if fv != nil && len(fv.show) > 0 {
		for _, name := range fv.show {
			for i := range pf {
				if fv.names(&pf[i], name) {
					put(&pf[i])
					break
				}
			}
		}
		return n > 0
	}
	for _, role := range []fieldRole{roleLevel, roleMessage, roleOther} {
		for i := range pf {
			if pf[i].role == role && !fv.hidden(&pf[i]) {
				put(&pf[i])
			}
		}
	}
	return n > 0
}
