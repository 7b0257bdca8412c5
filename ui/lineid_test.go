package ui

import (
	"strings"
	"testing"

	"github.com/tailui/tailui/stream"
)

func TestLineID(t *testing.T) {
	for text, want := range map[string][2]string{
		`{"level":"info","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`: {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
		`level=info msg=x request_id=req-42 user=bob`:                                                 {"request_id", "req-42"},
		`{"X-Request-ID":"abc","msg":"m"}`:                                                            {"X-Request-ID", "abc"},
		`GET /orders 200 id=550e8400-e29b-41d4-a716-446655440000 took 3ms`:                            {"", "550e8400-e29b-41d4-a716-446655440000"},
		`span 00f067aa0ba902b7 finished`:                                                              {"", "00f067aa0ba902b7"},
		`nothing to follow here, deadbeef is too short`:                                               {"", ""},
	} {
		f, v := lineID(text)
		if f != want[0] || v != want[1] {
			t.Errorf("%s: %q=%q, want %q=%q", text, f, v, want[0], want[1])
		}
	}
}

// TestFollowIDAcrossPanes: # on a line filters every pane for its ID; # on another
// line follows that one instead; the rules list removes it per pane.
func TestFollowIDAcrossPanes(t *testing.T) {
	m, _ := newTestModel(t, 160, 30)
	ps := openPanes(m, []string{"web", "api"}, webSel(), apiSel())
	web, api := newFeeder(m, ps[0]), newFeeder(m, ps[1])
	web.lines(
		stream.Line{Origin: oWeb, Text: `level=info msg="order placed" trace_id=aaaa1111bbbb2222`},
		stream.Line{Origin: oWeb, Text: `level=info msg="other" trace_id=cccc3333dddd4444`},
		stream.Line{Origin: oWeb, Text: `level=info msg="paid" trace_id=aaaa1111bbbb2222`}).flush()
	api.lines(
		stream.Line{Origin: oAPI, Text: `{"msg":"charge","trace_id":"aaaa1111bbbb2222"}`},
		stream.Line{Origin: oAPI, Text: `{"msg":"noise","trace_id":"eeee5555ffff6666"}`}).flush()
	m.setFocus(ps[0])
	press(m, "E") // no error: the spot stays; # takes the last line on screen
	press(m, "#")
	if ps[0].buf.count() != 2 || ps[1].buf.count() != 1 {
		t.Fatalf("after #: web %d lines, api %d; want 2 and 1", ps[0].buf.count(), ps[1].buf.count())
	}
	if !strings.Contains(m.status.text, "following trace_id=aaaa1111bbbb2222 in 2 panes") {
		t.Errorf("status %q", m.status.text)
	}
	// New lines of the followed trace show up in every pane.
	api.lines(stream.Line{Origin: oAPI, Text: `{"msg":"refund","trace_id":"aaaa1111bbbb2222"}`}).flush()
	if ps[1].buf.count() != 2 {
		t.Errorf("api after a new line of the trace: %d, want 2", ps[1].buf.count())
	}
	// # on the api pane's first line follows the same trace again: one rule, not two.
	m.setFocus(ps[1])
	press(m, "#")
	if len(ps[0].rules) != 1 || len(ps[1].rules) != 1 {
		t.Errorf("rules after a second #: %d and %d, want 1 each", len(ps[0].rules), len(ps[1].rules))
	}
}
