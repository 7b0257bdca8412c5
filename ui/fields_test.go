package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFieldViews(t *testing.T) {
	st := NewStyles(DefaultTheme(), 0)
	js := `{"ts":"2026-12-01T10:00:00Z","level":"warn","msg":"slow query","trace_id":"abc","caller":"db.go:42","n":3}`
	lf := `ts=2026-12-01T10:00:00Z level=warn msg="slow query" trace_id=abc caller=db.go:42 n=3`
	for _, tt := range []struct {
		spec, want string
	}{
		{"", `WARN slow query ts=2026-12-01T10:00:00Z trace_id=abc caller=db.go:42 n=3`},
		{"level msg trace_id", `WARN slow query trace_id=abc`},
		{"trace_id, level", `trace_id=abc WARN`},
		{"-caller -ts", `WARN slow query trace_id=abc n=3`},
		{"-msg", `WARN ts=2026-12-01T10:00:00Z trace_id=abc caller=db.go:42 n=3`},
		{"nosuch", ""}, // nothing to show: the line as logged
	} {
		for _, line := range []string{js, lf} {
			var out styled
			ok := prettyJSON(line, prettyFields, parseFieldView(tt.spec), st, &out) || prettyLogfmt(line, parseFieldView(tt.spec), st, &out)
			got := out.b.String()
			want := tt.want
			if want == "" {
				if ok {
					t.Errorf("%q on %s: drew %q, want the line as logged", tt.spec, line[:4], got)
				}
				continue
			}
			if !ok || got != want {
				t.Errorf("%q on %s:\n got %q\nwant %q", tt.spec, line[:4], got, want)
			}
		}
	}
	if got := parseFieldView(" -caller,-ts ").String(); got != "-caller -ts" {
		t.Errorf("spec %q", got)
	}
	if parseFieldView("  ") != nil {
		t.Error("an empty spec is a view")
	}
}

// TestFieldsPrompt: K asks for the fields, switches the pane to fields mode, applies
// to every pane and hands the spec to SaveFields.
func TestFieldsPrompt(t *testing.T) {
	m, _ := newTestModel(t, 120, 20)
	var saved []string
	m.opts.SaveFields = func(s string) error { saved = append(saved, s); return nil }
	ps := openPanes(m, []string{"web", "api"}, webSel(), apiSel())
	newFeeder(m, ps[0]).lines(logLines(oWeb, 1, `{"level":"error","msg":"boom %d","trace_id":"t1","caller":"x.go:1"}`)...).flush()
	m.setFocus(ps[0])
	press(m, "K")
	typeText(m, "level msg")
	press(m, "enter")
	if ps[0].pretty != prettyFields || m.c.fields.String() != "level msg" {
		t.Fatalf("pretty %v, fields %q", ps[0].pretty, m.c.fields.String())
	}
	if sc := ansi.Strip(screen(t, m)); !strings.Contains(sc, "ERROR boom 0") || strings.Contains(sc, "caller") {
		t.Errorf("screen:\n%s", sc)
	}
	if len(saved) != 1 || saved[0] != "level msg" || !strings.Contains(m.status.text, "remembered") {
		t.Errorf("saved %q, status %q", saved, m.status.text)
	}
	press(m, "K")
	for range len("level msg") {
		press(m, "backspace")
	}
	press(m, "enter")
	if m.c.fields != nil || saved[len(saved)-1] != "" {
		t.Errorf("an empty spec: fields %v, saved %q", m.c.fields, saved)
	}
}
