package ui

import "strings"

// fieldView picks what fields mode shows of a structured line: only some fields,
// in a given order ("level msg trace_id"), or all but some ("-caller -ts"). The
// names level and msg stand for whichever field holds the level and the message.
type fieldView struct {
	spec string
	show []string
	hide map[string]bool
}

// parseFieldView reads a spec as the K prompt and the config file's fields section
// take it: names separated by spaces or commas; a name with a leading '-' is
// hidden. Once any name is shown, only shown names count.
func parseFieldView(spec string) *fieldView {
	v := &fieldView{}
	var hidden []string
	for _, name := range strings.FieldsFunc(spec, func(r rune) bool { return r == ' ' || r == ',' }) {
		if h, ok := strings.CutPrefix(name, "-"); ok {
			if h != "" {
				hidden = append(hidden, h)
			}
			continue
		}
		v.show = append(v.show, name)
	}
	switch {
	case len(v.show) > 0:
		v.spec = strings.Join(v.show, " ")
	case len(hidden) > 0:
		v.hide = map[string]bool{}
		for _, h := range hidden {
			v.hide[h] = true
		}
		v.spec = "-" + strings.Join(hidden, " -")
	default:
		return nil
	}
	return v
}

// names reports whether name designates f.
func (v *fieldView) names(f *prettyField, name string) bool {
	switch {
	case f.key == name:
		return true
	case f.role == roleLevel:
		return name == "level"
	case f.role == roleMessage:
		return name == "msg" || name == "message"
	}
	return false
}

// hidden reports whether v hides f.
func (v *fieldView) hidden(f *prettyField) bool {
	if v == nil || len(v.hide) == 0 {
		return false
	}
	for name := range v.hide {
		if v.names(f, name) {
			return true
		}
	}
	return false
}

// String returns the view as a spec ("" for none).
func (v *fieldView) String() string {
	if v == nil {
		return ""
	}
	return v.spec
}
