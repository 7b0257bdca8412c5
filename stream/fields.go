package stream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// KV is one key and value of a structured line. Raw is the value as written (with
// its quotes, in logfmt); Value is what it says.
type KV struct{ Key, Value, Raw string }

// ParseLogfmt splits a logfmt line into its pairs, values unquoted. ok is false
// unless the line starts with a key=value pair and holds at least two of them (so
// that prose with one '=' in it is not taken for logfmt).
func ParseLogfmt(s string) (pairs []KV, ok bool) {
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
		quoted := i < len(s) && s[i] == '"'
		if quoted {
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
		raw := s[v:i]
		val := raw
		if quoted {
			if u, err := strconv.Unquote(val); err == nil {
				val = u
			} else {
				val = strings.Trim(val, `"`)
			}
		}
		pairs = append(pairs, KV{key, val, raw})
	}
	return pairs, len(pairs) >= 2
}

// LineFields is the structured view of one line: the fields of its JSON object or
// logfmt pairs, nested JSON objects flattened with dots ("http.status"). Values are
// text: JSON strings unquoted, numbers as written, true/false, arrays and objects as
// compact JSON; a JSON null is no value. Build it with ParseFields.
type LineFields map[string]string

// ParseFields reads text as a JSON object or, failing that, as logfmt. It returns nil
// for a line that is neither.
func ParseFields(text string) LineFields {
	t := strings.TrimSpace(text)
	if len(t) > 1 && t[0] == '{' && t[len(t)-1] == '}' {
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		var obj map[string]any
		if dec.Decode(&obj) == nil {
			f := make(LineFields, len(obj))
			f.flatten("", obj)
			return f
		}
	}
	if pairs, ok := ParseLogfmt(t); ok {
		f := make(LineFields, len(pairs))
		for _, p := range pairs {
			if _, dup := f[p.Key]; !dup { // the first of a repeated key counts
				f[p.Key] = p.Value
			}
		}
		return f
	}
	return nil
}

func (f LineFields) flatten(prefix string, obj map[string]any) {
	for k, v := range obj {
		name := prefix + k
		switch v := v.(type) {
		case nil:
		case string:
			f[name] = v
		case json.Number:
			f[name] = v.String()
		case bool:
			f[name] = strconv.FormatBool(v)
		case map[string]any:
			f.flatten(name+".", v)
			if b, err := json.Marshal(v); err == nil {
				f[name] = string(b)
			}
		default:
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if enc.Encode(v) == nil {
				f[name] = strings.TrimSuffix(b.String(), "\n")
			}
		}
	}
}
