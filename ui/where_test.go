package ui

import (
	"strings"
	"testing"
)

// TestWherePrompt: & opens the where prompt, the expression applies as it is typed
// once it parses, enter keeps it as a rule, a malformed one keeps the prompt open
// with the reason, and the rules list removes it.
func TestWherePrompt(t *testing.T) {
	m, p, f := onePane(t, 100, 24, 0)
	f.lines(logLines(oWeb, 30, `{"level":"info","msg":"m%d","status":200}`)...)
	f.lines(logLines(oWeb, 10, `level=error msg="m%d" status=503`)...)
	f.lines(logLines(oWeb, 5, `WARN slow request %d`)...).flush()
	if p.buf.count() != 45 {
		t.Fatalf("%d lines, want 45", p.buf.count())
	}
	press(m, "&")
	if p.mode != inputWhere {
		t.Fatalf("& opened %v, want the where prompt", p.mode)
	}
	typeText(m, "level>=warn")
	if got := p.buf.count(); got != 15 {
		t.Errorf("while typing level>=warn: %d lines shown, want 15", got)
	}
	typeText(m, " && status>=")
	if got := p.buf.count(); got != 45 {
		t.Errorf("while the expression does not parse: %d lines shown, want all 45", got)
	}
	press(m, "enter")
	if p.mode != inputWhere || !strings.Contains(m.status.text, `expected a value after ">=" at column 24`) || !m.status.isErr {
		t.Errorf("enter on a malformed expression: mode %v, status %q", p.mode, m.status.text)
	}
	typeText(m, "500")
	press(m, "enter")
	if p.mode != inputNone || len(p.rules) != 1 || p.rules[0].kind != ruleWhere {
		t.Fatalf("after enter: mode %v, rules %+v", p.mode, p.rules)
	}
	if got := p.buf.count(); got != 10 {
		t.Errorf("level>=warn && status>=500: %d lines shown, want 10", got)
	}
	// New lines go through it too; markers always pass.
	f.lines(logLines(oWeb, 3, `{"level":"fatal","status":500,"n":%d}`)...)
	f.lines(logLines(oWeb, 3, `{"level":"fatal","status":200,"n":%d}`)...).flush()
	if got := p.buf.count(); got != 13 {
		t.Errorf("after new lines: %d shown, want 13", got)
	}
	if !strings.Contains(screen(t, m), "filter 1: 13/51") {
		t.Errorf("the title does not count the where rule:\n%s", screen(t, m))
	}
	press(m, "c")
	if !strings.Contains(screen(t, m), "where     level>=warn && status>=500") {
		t.Errorf("the rules list does not show the expression:\n%s", screen(t, m))
	}
	press(m, "d")
	if got := p.buf.count(); got != 51 || len(p.rules) != 0 {
		t.Errorf("after removing the rule: %d shown, rules %d", got, len(p.rules))
	}
}

// TestStartRules: the command line's -i, -e and --where become the first panes' rules.
func TestStartRules(t *testing.T) {
	m, _ := newTestModel(t, 100, 24)
	m.opts.Include, m.opts.Exclude, m.opts.Where = []string{"m"}, []string{"m1"}, "status>=500"
	req := initialRequest(webSel(), false)
	m.Update(openPanesMsg(req))
	p := m.panes[len(m.panes)-1]
	f := newFeeder(m, p)
	f.lines(logLines(oWeb, 20, `level=error msg="m%d" status=503`)...)
	f.lines(logLines(oWeb, 20, `level=info msg="m%d" status=200`)...).flush()
	// m0..m19 at 503, less m1 and m10..m19 (excluded): 9 lines.
	if got := p.buf.count(); got != 9 || len(p.rules) != 3 {
		t.Errorf("%d lines shown with %d rules, want 9 with 3", got, len(p.rules))
	}
}
