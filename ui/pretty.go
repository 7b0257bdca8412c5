package ui

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
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
func prettyJSON(text string, mode prettyMode, st *Styles, out *styled) bool {
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
	used := make([]bool, len(fields))
	find := func(keys []string) int {
		for _, want := range keys {
			for i, f := range fields {
				if !used[i] && f.key == want {
					return i
				}
			}
		}
		return -1
	}
	first := true
	sep := func() {
		if !first {
			out.add(" ", "")
		}
		first = false
	}
	if i := find(levelFields[:]); i >= 0 {
		if v, isStr := jsonString(fields[i].raw); isStr {
			used[i] = true
			sep()
			out.add(clean(strings.ToUpper(v)), st.pLevel[levelWord(v)])
		}
	}
	if i := find(messageKeys[:]); i >= 0 {
		if v, isStr := jsonString(fields[i].raw); isStr {
			used[i] = true
			sep()
			out.add(clean(strings.TrimRight(v, "\n")), "")
		}
	}
	for i, f := range fields {
		if used[i] {
			continue
		}
		sep()
		// encoding/json has decoded the key: "\u009b" in the line is U+009B here.
		out.add(clean(f.key), st.pKey)
		out.add("=", st.pFaint)
		writeJSONValue(f.raw, st, out)
	}
	return true
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

// logfmtPair is one key=value of a logfmt line; value keeps its quotes.
type logfmtPair struct{ key, value string }

// parseLogfmt splits a logfmt line. ok is false unless the line starts with a
// key=value pair and holds at least two of them.
func parseLogfmt(s string) (pairs []logfmtPair, ok bool) {
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			break
		}
		k := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '"' {
			i++
		}
		if i == len(s) || s[i] != '=' || i == k {
			return nil, false
		}
		key := s[k:i]
		i++
		v := i
		if i < len(s) && s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i+1, len(s))
		} else {
			for i < len(s) && s[i] != ' ' {
				i++
			}
		}
		pairs = append(pairs, logfmtPair{key, s[v:i]})
	}
	return pairs, len(pairs) >= 2
}

// prettyLogfmt renders a logfmt line with coloured keys, the level first and
// the message after it. ok is false when text is not logfmt.
func prettyLogfmt(text string, st *Styles, out *styled) bool {
	pairs, ok := parseLogfmt(text)
	if !ok {
		return false
	}
	used := make([]bool, len(pairs))
	unquote := func(v string) string {
		if len(v) >= 2 && v[0] == '"' {
			if u, err := strconv.Unquote(v); err == nil {
				return clean(u)
			}
		}
		return v
	}
	first := true
	sep := func() {
		if !first {
			out.add(" ", "")
		}
		first = false
	}
	for _, keys := range [][]string{levelFields[:], messageKeys[:]} {
	next:
		for _, want := range keys {
			for i, p := range pairs {
				if !used[i] && p.key == want {
					used[i] = true
					sep()
					v := unquote(p.value)
					if keys[0] == levelFields[0] {
						out.add(strings.ToUpper(v), st.pLevel[levelWord(v)])
					} else {
						out.add(v, "")
					}
					break next
				}
			}
		}
	}
	for i, p := range pairs {
		if used[i] {
			continue
		}
		sep()
		out.add(p.key, st.pKey)
		out.add("=", st.pFaint)
		out.add(p.value, st.pString)
	}
	return true
}
