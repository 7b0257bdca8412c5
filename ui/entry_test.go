package ui

import (
	"testing"
	"time"
	"unsafe"

	"github.com/tailui/tailui/stream"
)

// TestEntryKeepsTheLine: an entry gives back the line it was made from, and the
// drawn and plain texts, in each case of tabs and kept SGR sequences; it stays
// 64 bytes.
func TestEntryKeepsTheLine(t *testing.T) {
	o := &stream.Origin{ID: "ns/p/c"}
	at := time.Date(2026, 12, 1, 15, 4, 5, 123456789, time.UTC)
	for _, c := range []struct {
		name, in, text, plain string
	}{
		{"plain", "level=info ok", "level=info ok", "level=info ok"},
		{"tabs", "a\tb", "a       b", "a       b"},
		{"sgr", "\x1b[31merror\x1b[0m x", "\x1b[31merror\x1b[0m x", "error x"},
		{"both", "\x1b[31mE\x1b[0m\tx", "\x1b[31mE\x1b[0m       x", "E       x"},
	} {
		l := stream.Line{Origin: o, Time: at, Text: c.in}
		e := newEntry(l)
		if e.text() != c.text || e.plain() != c.plain {
			t.Errorf("%s: text %q plain %q, want %q %q", c.name, e.text(), e.plain(), c.text, c.plain)
		}
		if got := e.line(); got != l {
			t.Errorf("%s: line() = %+v, want %+v", c.name, got, l)
		}
	}
	m := stream.Line{Origin: o, Kind: stream.KindDropped, Count: 42, Text: "dropped"}
	if me := newEntry(m); me.line() != m {
		t.Errorf("marker: line() = %+v, want %+v", me.line(), m)
	}
	f := stream.Line{Origin: o, Time: at, Text: "from loki", Filled: stream.FilledFromLoki}
	if fe := newEntry(f); fe.line() != f {
		t.Errorf("filled: line() = %+v, want %+v", fe.line(), f)
	}
	if e := newEntry(stream.Line{Text: "x"}); !e.time().IsZero() {
		t.Errorf("no time: time() = %v, want zero", e.time())
	}
	if n := unsafe.Sizeof(entry{}); n > 64 {
		t.Errorf("an entry is %d bytes, want at most 64", n)
	}
}
