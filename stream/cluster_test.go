package stream

import "testing"

// recSink records what reaches it.
type recSink struct {
	lines    []Line
	statuses []Status
}

func (r *recSink) Lines(b []Line)  { r.lines = append(r.lines, b...) }
func (r *recSink) Status(s Status) { r.statuses = append(r.statuses, s) }

func TestContextSinkTagsEachOriginOnce(t *testing.T) {
	a := &Origin{ID: "shop/web-1/app", Name: "web-1/app", Fields: map[string]string{"pod": "web-1"}}
	b := &Origin{ID: "tailui", Name: "tailui"}
	rec := &recSink{}
	s1, s2 := NewContextSink("east", rec), NewContextSink("west", rec)

	s1.Lines([]Line{{Origin: a, Text: "1"}, {Origin: a, Text: "2"}, {Origin: b, Text: "3"}})
	s1.Lines([]Line{{Origin: a, Text: "4"}, {Origin: nil, Text: "no origin"}})
	s1.Status(Status{Origin: a, State: StateLive})
	s2.Lines([]Line{{Origin: a, Text: "5"}})

	if a.Context != "" || b.Context != "" {
		t.Fatal("the source's own Origins were changed")
	}
	l := rec.lines
	if len(l) != 6 {
		t.Fatalf("%d lines, want 6", len(l))
	}
	for i, want := range []string{"east", "east", "east", "east", "", "west"} {
		got := ""
		if l[i].Origin != nil {
			got = l[i].Origin.Context
		}
		if got != want {
			t.Errorf("line %d (%q): context %q, want %q", i, l[i].Text, got, want)
		}
	}
	if l[0].Origin != l[1].Origin || l[0].Origin != l[3].Origin {
		t.Error("one Origin must stay one pointer across lines and batches (the hub and the UI key by it)")
	}
	if l[0].Origin == l[5].Origin || l[0].Origin == l[2].Origin {
		t.Error("different origins, or the same origin in two clusters, must not share a copy")
	}
	if l[0].Origin.ID != a.ID || l[0].Origin.Fields["pod"] != "web-1" {
		t.Errorf("the copy lost the origin's identity: %+v", l[0].Origin)
	}
	if rec.statuses[0].Origin != l[0].Origin {
		t.Error("a status must carry the same tagged Origin as the lines")
	}
}

func TestContextSinkKeepsTaggedOrigins(t *testing.T) {
	// An Origin already of this context (a source that tags its own) passes as is.
	o := &Origin{ID: "x", Context: "east"}
	rec := &recSink{}
	NewContextSink("east", rec).Lines([]Line{{Origin: o}})
	if rec.lines[0].Origin != o {
		t.Error("an Origin of the same context was copied")
	}
}

func TestContextSinkAllocatesNothingPerLine(t *testing.T) {
	o := &Origin{ID: "x"}
	s := NewContextSink("east", discard{})
	batch := make([]Line, 64)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range batch {
			batch[i].Origin = o
		}
		s.Lines(batch)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch of a known origin, want 0", allocs)
	}
}

type discard struct{}

func (discard) Lines([]Line)  {}
func (discard) Status(Status) {}
