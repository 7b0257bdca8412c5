package testbedspec

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseLogSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    LogSpec
		wantErr bool
	}{
		{"", DefaultLogSpec(), false},
		{"history=100000,rate=0", LogSpec{History: 100000, Step: time.Millisecond}, false},
		{"history=20, rate=20, cut=50", LogSpec{History: 20, Step: time.Millisecond, Rate: 20, Cut: 50}, false},
		{"rate=10,restart-after=100", LogSpec{History: 200, Step: time.Millisecond, Rate: 10, RestartAfter: 100}, false},
		{"hostile=true,history=60", LogSpec{History: 60, Step: time.Millisecond, Rate: 1, Hostile: true}, false},
		{"waiting=ContainerCreating", LogSpec{History: 200, Step: time.Millisecond, Rate: 1, Waiting: "ContainerCreating"}, false},
		{"file=/tmp/x.log,step=10ms", LogSpec{History: 200, Step: 10 * time.Millisecond, Rate: 1, File: "/tmp/x.log"}, false},
		{"rate=0.5", LogSpec{History: 200, Step: time.Millisecond, Rate: 0.5}, false},
		{"history=-1", LogSpec{}, true},
		{"colour=red", LogSpec{}, true},
		{"history", LogSpec{}, true},
		{"step=fast", LogSpec{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLogSpec(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if err == nil {
				again, err := ParseLogSpec(got.String())
				if err != nil || again != got {
					t.Fatalf("round trip through %q: %+v, %v", got.String(), again, err)
				}
			}
		})
	}
}

func TestLineContent(t *testing.T) {
	kinds := map[string]int{}
	levels := map[string]int{}
	for seq := int64(1); seq <= 2000; seq++ {
		text, level := Line("web-7d9f8c6b5-x2k4q", "app", seq, false)
		again, _ := Line("web-7d9f8c6b5-x2k4q", "app", seq, false)
		if text != again {
			t.Fatalf("seq %d not deterministic", seq)
		}
		if n := len(SeqPattern.FindAllString(text, -1)); n != 1 || strings.Count(text, "seq=") != 1 {
			t.Fatalf("seq %d: %d tokens in %q", seq, n, text)
		}
		if got, ok := SeqOf(text); !ok || got != seq {
			t.Fatalf("SeqOf(%q) = %d", text, got)
		}
		if strings.ContainsAny(text, "\n\r\x1b") || !utf8.ValidString(text) {
			t.Fatalf("normal line has control bytes: %q", text)
		}
		switch {
		case strings.HasPrefix(text, "level="):
			kinds["logfmt"]++
		case strings.HasPrefix(text, "{"):
			kinds["json"]++
		case strings.Contains(text, "HTTP/1.1"):
			kinds["access"]++
		default:
			kinds["plain"]++
		}
		levels[level]++
	}
	for _, k := range []string{"logfmt", "json", "access", "plain"} {
		if kinds[k] < 100 {
			t.Errorf("only %d %s lines in 2000", kinds[k], k)
		}
	}
	for _, l := range []string{"debug", "info", "warn", "error"} {
		if levels[l] < 20 {
			t.Errorf("only %d %s lines in 2000", levels[l], l)
		}
	}
	a, _ := Line("pod-a", "app", 7, false)
	b, _ := Line("pod-b", "app", 7, false)
	if a == b {
		t.Errorf("different pods gave the same line %q", a)
	}
}

func TestHostileLines(t *testing.T) {
	for seq := int64(1); seq <= 200; seq++ {
		text, _ := Line("hostile", "app", seq, true)
		if strings.Count(text, "seq=") != 1 {
			t.Fatalf("seq %d: %q", seq, text)
		}
		if got, ok := SeqOf(text); !ok || got != seq {
			t.Fatalf("seq %d: SeqOf = %d, %v in %q", seq, got, ok, text)
		}
		if strings.Contains(text, "\n") {
			t.Fatalf("seq %d has a newline", seq)
		}
		if (len(text) == HugeLineSize) != (seq == HugeLineSeq) {
			t.Fatalf("seq %d has %d bytes", seq, len(text))
		}
	}
}
