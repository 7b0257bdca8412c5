package stream

import (
	"testing"
	"time"
)

func TestSplitTimestamp(t *testing.T) {
	must := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		line   string
		want   time.Time
		rest   string
		wantOK bool
	}{
		{"kubelet form", "2026-11-25T16:34:56.123456789Z hello world", must("2026-11-25T16:34:56.123456789Z"), "hello world", true},
		{"zero fraction", "2026-11-25T16:34:56.000000000Z x", must("2026-11-25T16:34:56Z"), "x", true},
		{"empty rest", "2026-11-25T16:34:56.123456789Z ", must("2026-11-25T16:34:56.123456789Z"), "", true},
		{"no space at end", "2026-11-25T16:34:56.123456789Z", must("2026-11-25T16:34:56.123456789Z"), "", true},
		{"only one space eaten", "2026-11-25T16:34:56.123456789Z   indented", must("2026-11-25T16:34:56.123456789Z"), "  indented", true},
		{"rest keeps tabs", "2026-11-25T16:34:56.123456789Z \tat x", must("2026-11-25T16:34:56.123456789Z"), "\tat x", true},
		{"leap day", "2024-02-29T23:59:59.999999999Z x", must("2024-02-29T23:59:59.999999999Z"), "x", true},
		{"epoch", "1970-01-01T00:00:00.000000001Z x", time.Unix(0, 1).UTC(), "x", true},
		{"before epoch", "1969-12-31T23:59:59.500000000Z x", must("1969-12-31T23:59:59.5Z"), "x", true},
		{"year 2000", "2000-03-01T00:00:00.000000000Z x", must("2000-03-01T00:00:00Z"), "x", true},
		{"fewer digits", "2026-11-25T16:34:56.123Z x", must("2026-11-25T16:34:56.123Z"), "x", true},
		{"no fraction", "2026-11-25T16:34:56Z x", must("2026-11-25T16:34:56Z"), "x", true},
		{"offset colon", "2026-11-25T18:34:56.123456789+02:00 x", must("2026-11-25T16:34:56.123456789Z"), "x", true},
		{"offset no colon", "2026-11-25T18:34:56.123456789+0200 x", must("2026-11-25T16:34:56.123456789Z"), "x", true},
		{"negative offset", "2026-11-25T11:34:56.5-05:00 x", must("2026-11-25T16:34:56.5Z"), "x", true},
		{"not a time", "hello world this is a normal log line", time.Time{}, "hello world this is a normal log line", false},
		{"short", "2026-11-25", time.Time{}, "2026-11-25", false},
		{"empty", "", time.Time{}, "", false},
		{"bad month", "2026-13-25T16:34:56.123456789Z x", time.Time{}, "2026-13-25T16:34:56.123456789Z x", false},
		{"bad day", "2026-02-30T16:34:56.123456789Z x", time.Time{}, "2026-02-30T16:34:56.123456789Z x", false},
		{"bad hour", "2026-11-25T24:34:56.123456789Z x", time.Time{}, "2026-11-25T24:34:56.123456789Z x", false},
		{"letter in fraction", "2026-11-25T16:34:56.12345678xZ x", time.Time{}, "2026-11-25T16:34:56.12345678xZ x", false},
		{"no separator", "2026-11-25T16:34:56.123456789Zx", time.Time{}, "2026-11-25T16:34:56.123456789Zx", false},
		{"space instead of T", "2026-11-25 16:34:56.123456789Z x", time.Time{}, "2026-11-25 16:34:56.123456789Z x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, ok := SplitTimestamp([]byte(tt.line))
			if ok != tt.wantOK || !got.Equal(tt.want) || string(rest) != tt.rest {
				t.Errorf("SplitTimestamp(%q) = %v, %q, %v; want %v, %q, %v", tt.line, got, rest, ok, tt.want, tt.rest, tt.wantOK)
			}
		})
	}
}

// FuzzSplitTimestamp checks the hand-rolled fast path against time.Parse.
func FuzzSplitTimestamp(f *testing.F) {
	f.Add("2026-11-25T16:34:56.123456789Z hello")
	f.Add("2024-02-29T00:00:00.000000000Z ")
	f.Add("9999-12-31T23:59:59.999999999Z")
	f.Add("0000-01-01T00:00:00.000000000Z x")
	f.Add("2026-11-25T16:34:56.1+01:00 x")
	f.Fuzz(func(t *testing.T, line string) {
		got, rest, ok := SplitTimestamp([]byte(line))
		if !ok {
			if string(rest) != line {
				t.Fatalf("rest changed on failure")
			}
			return
		}
		if len(rest) > len(line) {
			t.Fatalf("rest longer than line")
		}
		stamp := line[:len(line)-len(rest)]
		if len(stamp) > 0 && stamp[len(stamp)-1] == ' ' {
			stamp = stamp[:len(stamp)-1]
		}
		var want time.Time
		var err error
		for _, layout := range stampLayouts {
			if want, err = time.Parse(layout, stamp); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("SplitTimestamp accepted %q, time.Parse did not: %v", stamp, err)
		}
		if !got.Equal(want) {
			t.Fatalf("SplitTimestamp(%q) = %v, time.Parse = %v", stamp, got, want)
		}
	})
}

func BenchmarkSplitTimestamp(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"utc9", "2026-11-25T16:34:56.123456789Z GET /healthz 200 1.2ms"},
		{"offset", "2026-11-25T18:34:56.123+02:00 GET /healthz 200 1.2ms"},
		{"none", "GET /healthz 200 1.2ms and some more text here"},
	} {
		line := []byte(bc.line)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				SplitTimestamp(line)
			}
		})
	}
	b.Run("time.Parse", func(b *testing.B) {
		line := []byte("2026-11-25T16:34:56.123456789Z")
		b.ReportAllocs()
		for b.Loop() {
			time.Parse(time.RFC3339Nano, string(line))
		}
	})
}
