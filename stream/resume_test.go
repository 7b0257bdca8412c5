package stream

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

var resumeBase = time.Date(2026, 11, 25, 16, 34, 0, 0, time.UTC)

// at parses "10.25" as resumeBase + 10.25s; "-" is the zero time.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	if s == "-" {
		return time.Time{}
	}
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(sec)
	if err != nil {
		t.Fatal(err)
	}
	ns := 0
	if frac != "" {
		frac += strings.Repeat("0", 9-len(frac))
		if ns, err = strconv.Atoi(frac); err != nil {
			t.Fatal(err)
		}
	}
	return resumeBase.Add(time.Duration(n)*time.Second + time.Duration(ns))
}

func TestPodResume(t *testing.T) {
	// Steps: "d T" delivers a line at T; "b" begins a resume, "b!" one that must
	// report inexact; "s T" receives a line that must be skipped; "n T" receives a
	// new line, which is then delivered; "since T" checks SinceTime ("since -" for
	// none); "anomalies N"; "short"/"!short"; "resuming"/"!resuming".
	tests := []struct {
		name  string
		steps string
	}{
		{"nothing delivered", "since - ; b ; n 10.1 ; since 10"},
		{"many lines in one second", "d 10.1 ; d 10.2 ; d 10.3 ; d 10.4 ; d 10.5 ; since 10 ; b ; s 10.1 ; s 10.2 ; s 10.3 ; s 10.4 ; resuming ; s 10.5 ; n 10.6 ; !resuming ; n 11.0 ; since 11"},
		{"earlier seconds are not counted", "d 9.9 ; d 10.1 ; d 10.2 ; since 10 ; b ; s 10.1 ; s 10.2 ; n 10.3"},
		{"beyond the count is new even at the same time", "d 10.1 ; b ; s 10.1 ; n 10.1 ; n 10.1"},
		{"repeats end exactly", "d 10.1 ; d 10.2 ; b ; s 10.1 ; s 10.2 ; n 10.2 ; n 10.2"},
		{"resume twice in the same second", "d 10.1 ; d 10.2 ; b ; s 10.1 ; b ; s 10.1 ; s 10.2 ; n 10.3 ; b ; s 10.1 ; s 10.2 ; s 10.3 ; n 10.4 ; since 10"},
		{"resume twice across seconds", "d 10.1 ; b ; s 10.1 ; n 11.1 ; n 11.2 ; since 11 ; b ; s 11.1 ; s 11.2 ; n 11.3"},
		{"older line is an anomaly and skipped", "d 10.1 ; d 10.2 ; b ; s 9.5 ; anomalies 1 ; s 10.1 ; s 10.2 ; n 10.3 ; n 9.0 ; anomalies 1"},
		{"server ignoring sinceTime", "d 8.1 ; d 9.1 ; d 10.1 ; d 10.2 ; b ; s 8.1 ; s 9.1 ; s 10.1 ; s 10.2 ; n 10.3 ; anomalies 2 ; !short"},
		{"anomaly after repeats but before a new line", "d 10.1 ; b ; s 10.1 ; s 9.0 ; n 10.2 ; anomalies 1"},
		{"clock stepped back while delivering", "d 10.1 ; d 12.0 ; d 11.0 ; since 11 ; b ; s 12.0 ; s 11.0 ; n 11.5 ; !short"},
		{"clock stepped back to a second seen", "d 10.1 ; d 11.0 ; d 10.5 ; since 10 ; b ; s 10.1 ; s 11.0 ; s 10.5 ; n 10.6"},
		{"log rotated during the break", "d 10.1 ; d 10.2 ; d 10.3 ; b ; s 10.3 ; n 10.4 ; short ; !resuming"},
		{"all repeats lost", "d 10.1 ; d 10.2 ; b ; n 10.5 ; short"},
		{"untimed line makes it inexact", "d 10.1 ; d - ; since 10 ; b! ; s 10.1 ; n -"},
		{"untimed in an earlier second is fine", "d 10.1 ; d - ; d 11.0 ; b ; s 11.0 ; n 11.1"},
		{"only untimed lines", "d - ; since - ; b! ; n 10.0"},
		{"untimed line received is never skipped", "d 10.1 ; b ; n - ; s 10.1 ; n 10.2"},
		{"the first request began inside the second (--tail 0, tailLines)", "d 10.5 ; d 10.6 ; since 10 ; b ; s 10.1 ; s 10.3 ; resuming ; s 10.5 ; s 10.6 ; n 10.7 ; !short"},
		{"only the opening second starts late", "d 10.5 ; d 11.1 ; d 11.2 ; since 11 ; b ; s 11.1 ; s 11.2 ; n 11.3"},
		{"new second ends resume", "d 10.1 ; d 10.2 ; b ; s 10.1 ; n 11.0 ; short ; n 10.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r PodResume
			for _, step := range strings.Split(tt.steps, ";") {
				op, arg, _ := strings.Cut(strings.TrimSpace(step), " ")
				switch op {
				case "d":
					r.Observe(at(t, arg))
				case "b", "b!":
					if exact := r.Begin(); exact != (op == "b") {
						t.Fatalf("%s: Begin() = %v", step, exact)
					}
				case "s", "n":
					if got := r.Skip(at(t, arg)); got != (op == "s") {
						t.Fatalf("%s: Skip = %v", step, got)
					}
					if op == "n" {
						r.Observe(at(t, arg))
					}
				case "since":
					got, ok := r.SinceTime()
					if arg == "-" {
						if ok {
							t.Fatalf("%s: SinceTime = %v", step, got)
						}
						continue
					}
					if want := at(t, arg); !ok || !got.Equal(want) {
						t.Fatalf("%s: SinceTime = %v %v, want %v", step, got, ok, want)
					}
				case "anomalies":
					if want, _ := strconv.Atoi(arg); r.Anomalies() != want {
						t.Fatalf("%s: Anomalies = %d", step, r.Anomalies())
					}
				case "short", "!short":
					if r.Short() != (op == "short") {
						t.Fatalf("%s: Short = %v", step, r.Short())
					}
				case "resuming", "!resuming":
					if r.Resuming() != (op == "resuming") {
						t.Fatalf("%s: Resuming = %v", step, r.Resuming())
					}
				default:
					t.Fatalf("bad step %q", step)
				}
			}
		})
	}
}

// TestPodResumeHistory covers the bounded memory of seconds.
func TestPodResumeHistory(t *testing.T) {
	tests := []struct {
		name    string
		seconds []string // delivered, in order
		since   string
		exact   bool
		repeats int
	}{
		{"long run", seq(1, 100), "100", true, 1},
		{"step back within memory", append(seq(1, 70), "40.5"), "40", true, 32},
		{"step back to the oldest second remembered", append(seq(1, 70), "7.5"), "7", true, 65},
		{"step back beyond memory", append(seq(1, 70), "0.5"), "0", false, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r PodResume
			for _, s := range tt.seconds {
				r.Observe(at(t, s))
			}
			if got, _ := r.SinceTime(); !got.Equal(at(t, tt.since)) {
				t.Errorf("SinceTime = %v", got)
			}
			if exact := r.Begin(); exact != tt.exact {
				t.Errorf("Begin = %v, want %v", exact, tt.exact)
			}
			if r.left != tt.repeats {
				t.Errorf("repeats expected = %d, want %d", r.left, tt.repeats)
			}
			if len(r.hist) > histMax {
				t.Errorf("history holds %d seconds", len(r.hist))
			}
		})
	}
}

func seq(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%d.5", i))
	}
	return out
}

func TestLokiResume(t *testing.T) {
	// Steps: "d NS STREAM LINE" delivers; "b" begins; "s NS STREAM LINE" must be
	// skipped; "n NS STREAM LINE" is new and delivered; "start NS" ("start -").
	tests := []struct {
		name  string
		steps string
	}{
		{"nothing delivered", "start - ; b ; n 100 a x"},
		{"distinct timestamps", "d 100 a x ; d 200 a y ; start 200 ; b ; s 200 a y ; n 200 a z ; n 300 a w ; start 300"},
		{"older entry after resume is new", "d 200 a y ; b ; n 150 a old ; s 200 a y ; start 200"},
		{"many entries at one ns across streams", "d 200 a x ; d 200 b x ; d 200 a x ; d 200 a y ; b ; s 200 a x ; s 200 b x ; s 200 a y ; s 200 a x ; n 200 a x ; n 200 b x"},
		{"resume twice at the same ns", "d 200 a x ; b ; s 200 a x ; b ; s 200 a x ; n 200 a w ; b ; s 200 a w ; s 200 a x ; n 200 a x"},
		{"resume after moving on", "d 200 a x ; b ; s 200 a x ; n 300 a y ; b ; n 200 a x ; s 300 a y"},
		{"observing older does not move start", "d 300 a x ; d 200 a y ; start 300 ; b ; n 200 a y ; s 300 a x"},
		{"same line other stream is new", "d 200 a x ; b ; n 200 b x ; s 200 a x"},
		{"separator prevents ambiguity", "d 200 ab c ; b ; n 200 a bc ; s 200 ab c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r LokiResume
			for _, step := range strings.Split(tt.steps, ";") {
				f := strings.Fields(step)
				var ts int64
				if len(f) > 1 && f[1] != "-" {
					n, err := strconv.ParseInt(f[1], 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					ts = n
				}
				switch f[0] {
				case "d":
					r.Observe(ts, f[2], f[3])
				case "b":
					r.Begin()
				case "s", "n":
					if got := r.Skip(ts, f[2], f[3]); got != (f[0] == "s") {
						t.Fatalf("%s: Skip = %v", step, got)
					}
					if f[0] == "n" {
						r.Observe(ts, f[2], f[3])
					}
				case "start":
					got, ok := r.Start()
					if f[1] == "-" {
						if ok {
							t.Fatalf("%s: Start = %d", step, got)
						}
						continue
					}
					if !ok || got != ts {
						t.Fatalf("%s: Start = %d %v", step, got, ok)
					}
				default:
					t.Fatalf("bad step %q", step)
				}
			}
		})
	}
}

func BenchmarkPodResume(b *testing.B) {
	var r PodResume
	t := resumeBase
	b.ReportAllocs()
	for b.Loop() {
		t = t.Add(10 * time.Microsecond)
		r.Observe(t)
	}
}

func BenchmarkLokiResume(b *testing.B) {
	var r LokiResume
	var ts int64
	b.ReportAllocs()
	for b.Loop() {
		ts += 1000
		r.Observe(ts, `{app="web", namespace="prod"}`, "GET /api/v1/items 200 1.2ms")
	}
}

func TestPodResumeAnchor(t *testing.T) {
	open := time.Date(2026, 3, 4, 5, 6, 7, 800_000_000, time.UTC)
	cases := []struct {
		name         string
		anchor       time.Time
		observe      []time.Time
		wantSince    time.Time
		wantOK       bool
		wantAnchored bool
	}{
		{name: "nothing delivered, no anchor"},
		{name: "nothing delivered: the anchor's second", anchor: open,
			wantSince: open.Truncate(time.Second), wantOK: true, wantAnchored: true},
		{name: "a line delivered: its second wins", anchor: open, observe: []time.Time{open.Add(3 * time.Second)},
			wantSince: open.Add(3 * time.Second).Truncate(time.Second), wantOK: true},
		{name: "only untimed lines: still the anchor", anchor: open, observe: []time.Time{{}},
			wantSince: open.Truncate(time.Second), wantOK: true, wantAnchored: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r PodResume
			if !tc.anchor.IsZero() {
				r.Anchor(tc.anchor)
			}
			for _, o := range tc.observe {
				r.Observe(o)
			}
			since, ok := r.SinceTime()
			if ok != tc.wantOK || !since.Equal(tc.wantSince) || r.Anchored() != tc.wantAnchored {
				t.Fatalf("SinceTime %v %v, Anchored %v; want %v %v %v", since, ok, r.Anchored(), tc.wantSince, tc.wantOK, tc.wantAnchored)
			}
			if tc.wantAnchored && len(tc.observe) == 0 {
				if !r.Begin() {
					t.Fatal("Begin reports inexact for an anchored resume")
				}
				if r.Skip(open) || r.Skip(open.Add(time.Second)) {
					t.Fatal("an anchored resume skips lines: nothing was delivered, nothing repeats")
				}
			}
		})
	}
}
