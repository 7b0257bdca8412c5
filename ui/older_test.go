package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tailui/tailui/stream"
)

// fakeOlder is an OlderSource over fixed logs: ReadOlder returns the last n lines
// of an origin's log, as the kubelet answers tailLines=n.
type fakeOlder struct {
	idleSource
	mu    sync.Mutex
	logs  map[*stream.Origin][]stream.Line
	err   error
	reads []int64
}

func (f *fakeOlder) MayHaveOlder(o *stream.Origin) bool { _, ok := f.logs[o]; return ok }

func (f *fakeOlder) ReadOlder(_ context.Context, o *stream.Origin, n int64) ([]stream.Line, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, n)
	if f.err != nil {
		return nil, f.err
	}
	l := f.logs[o]
	return slices.Clone(l[max(len(l)-int(n), 0):]), nil
}

// olderLog makes a log of n lines of o in which runs of lines share a nanosecond
// (and many share a second): line i is at base + (i/3) steps + off.
func olderLog(o *stream.Origin, n int, step, off time.Duration) []stream.Line {
	base := testNow.Add(-time.Hour)
	out := make([]stream.Line, n)
	for i := range out {
		out[i] = stream.Line{Origin: o, Time: base.Add(time.Duration(i/3)*step + off), Text: fmt.Sprintf("%s line %d", o.Name, i)}
	}
	return out
}

func newOlderModel(t *testing.T, scrollback int) *Model {
	t.Helper()
	cat := &fakeCatalog{pods: testPods()}
	m := New(context.Background(), Options{Catalog: cat, Scrollback: scrollback, Now: func() time.Time { return testNow }})
	t.Cleanup(m.Shutdown)
	m.c.loc = time.UTC
	m.c.after = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	send(m, tea.WindowSizeMsg{Width: 160, Height: 12})
	return m
}

// pressOlder presses the older-lines key and delivers the load's result.
func pressOlder(t *testing.T, m *Model) {
	t.Helper()
	cmd := send(m, keyPress("o"))
	if cmd == nil {
		t.Fatal("o gave no command")
	}
	msg := cmd()
	if _, ok := msg.(olderLoadedMsg); !ok {
		t.Fatalf("o: got %T %v, want a load", msg, msg)
	}
	send(m, msg)
}

func paneTexts(p *pane) []string {
	var out []string
	for _, e := range p.buf.ring.All() {
		out = append(out, e.src)
	}
	return out
}

func lineTexts(ls []stream.Line) []string {
	out := make([]string, len(ls))
	for i := range ls {
		out[i] = ls[i].Text
	}
	return out
}

// TestLoadOlderMerged opens a pane of two containers whose logs share timestamps to
// the nanosecond, holding only the last lines (the scrollback), and loads older
// lines until both logs' starts: after each press the pane holds exactly each log's
// last lines, merged by time, none repeated or left out; its capacity grows by what
// was loaded up to the bound; a marked line stays marked; the row says what happened.
func TestLoadOlderMerged(t *testing.T) {
	for _, n := range []int{25, 31} { // both logs' starts within the bound (40 lines), or not
		t.Run(fmt.Sprint(n), func(t *testing.T) { testLoadOlderMerged(t, n) })
	}
}

func testLoadOlderMerged(t *testing.T, lenA int) {
	const scrollback = 10
	m := newOlderModel(t, scrollback)
	ps := openPanes(m, []string{"web"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web"}}})
	p := ps[0]
	a := &stream.Origin{ID: "prod/web/a", Name: "web/a"}
	b := &stream.Origin{ID: "prod/web/b", Name: "web/b"}
	logA, logB := olderLog(a, lenA, time.Millisecond, 0), olderLog(b, 14, 2*time.Millisecond, 500*time.Microsecond)
	src := &fakeOlder{logs: map[*stream.Origin][]stream.Line{a: logA, b: logB}}
	p.setSources([]stream.Source{src})

	// What each container sent on open (its last scrollback lines), merged; the
	// pane keeps the last scrollback of them.
	p.ingest(stream.MergeOlder([][]stream.Line{logA[len(logA)-scrollback:], logB[len(logB)-scrollback:]}))
	markText := p.buf.ring.At(4).src
	p.buf.toggleMark(p.buf.ring.First() + 4)
	// The title counts the lines pushed out (here the 10 oldest of the 20), and
	// every line loaded back takes one off.
	lost := int64(2*scrollback - scrollback)
	if d := p.buf.dropped(); d != lost || !strings.Contains(p.titleBar(), "scrollback −10") {
		t.Fatalf("on open: dropped %d, title %q; want 10 pushed out", d, p.titleBar())
	}

	press(m, "g")
	if !strings.Contains(screen(t, m), "↑ older lines: press o to load 10 more") {
		t.Fatalf("at the top, no offer:\n%s", screen(t, m))
	}
	heldOf := func(o *stream.Origin) int {
		n := 0
		for _, e := range p.buf.ring.All() {
			if e.origin == o {
				n++
			}
		}
		return n
	}
	for n := 1; ; n++ {
		ha, hb := heldOf(a), heldOf(b)
		capBefore := p.buf.ring.Cap()
		press(m, "g")
		topText := p.buf.ring.At(0).src
		pressOlder(t, m)
		// The view stays where it was: the loaded lines are above it.
		if e, _ := p.buf.get(p.top); e.src != topText || p.follow {
			t.Fatalf("load %d: the view moved from %q to %q (follow %v)", n, topText, e.src, p.follow)
		}
		// Each container: the chunk (10) more, or to its log's start; merged, and
		// at the bound only the newest of them.
		wa, wb := min(ha+10, len(logA)), min(hb+10, len(logB))
		loaded := stream.MergeOlder([][]stream.Line{logA[len(logA)-wa : len(logA)-ha], logB[len(logB)-wb : len(logB)-hb]})
		loaded = loaded[len(loaded)-min(len(loaded), olderGrowth*scrollback-(ha+hb)):]
		lost = max(lost-int64(len(loaded)), 0)
		if d := p.buf.dropped(); d != lost || (lost == 0) == strings.Contains(p.titleBar(), "scrollback −") {
			t.Fatalf("load %d of %d lines: dropped %d, title %q; want %d", n, len(loaded), d, p.titleBar(), lost)
		}
		wa, wb = ha, hb
		for _, l := range loaded {
			if l.Origin == a {
				wa++
			} else {
				wb++
			}
		}
		want := lineTexts(stream.MergeOlder([][]stream.Line{logA[len(logA)-wa:], logB[len(logB)-wb:]}))
		if got := paneTexts(p); !slices.Equal(got, want) {
			t.Fatalf("load %d: pane holds\n%v\nwant\n%v", n, got, want)
		}
		if got, want := p.buf.ring.Cap(), max(capBefore, len(want)); got != want {
			t.Fatalf("load %d: capacity %d, want %d", n, got, want)
		}
		found := false
		for abs, e := range p.buf.ring.All() {
			if e.src == markText {
				found = p.buf.marked(abs)
			}
		}
		if !found || len(p.buf.marks) != 1 {
			t.Fatalf("load %d: the mark moved off %q (marks %v)", n, markText, p.buf.marks)
		}
		if wa == len(logA) && wb == len(logB) || wa+wb == olderGrowth*scrollback {
			break
		}
	}
	if wa, wb := heldOf(a), heldOf(b); wa == len(logA) && wb == len(logB) && p.olderOffered() {
		// Every line is in, but the last reads were not short: one more press
		// finds the logs' starts and loads nothing.
		held := paneTexts(p)
		pressOlder(t, m)
		if got := paneTexts(p); !slices.Equal(got, held) {
			t.Fatalf("a load past the logs' starts changed the pane: %v", got)
		}
	}
	press(m, "g")
	s := screen(t, m)
	switch {
	case len(logA)+len(logB) <= olderGrowth*scrollback:
		if !strings.Contains(s, "the start of the log: nothing older") || p.olderOffered() {
			t.Fatalf("at the logs' start:\n%s", s)
		}
	default:
		if !p.olderOffered() {
			t.Fatal("at the bound with lines left, not offered")
		}
		if cmd := send(m, keyPress("o")); cmd != nil {
			t.Fatal("at the bound, o started a load")
		}
		if s := screen(t, m); !strings.Contains(s, "the pane holds its most, 40 lines") {
			t.Fatalf("at the bound:\n%s", s)
		}
	}
	// New lines drop the oldest again, the loaded ones first.
	c := p.buf.ring.Cap()
	extra := olderLog(a, c, time.Millisecond, time.Hour)
	p.ingest(extra)
	if got := paneTexts(p); !slices.Equal(got, lineTexts(extra)) {
		t.Fatalf("after %d new lines the pane holds %v", c, got)
	}
	if d := p.buf.dropped(); d != lost+int64(c) {
		t.Fatalf("after %d new lines pushed every held line out: dropped %d, want %d", c, d, lost+int64(c))
	}
}

// TestLoadOlderBound fills a pane up to its bound: the key then loads nothing and
// says so.
func TestLoadOlderBound(t *testing.T) {
	m := newOlderModel(t, 4)
	p := openPanes(m, []string{"web"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web"}}})[0]
	a := &stream.Origin{ID: "prod/web/a", Name: "web/a"}
	logA := olderLog(a, 100, time.Millisecond, 0)
	p.setSources([]stream.Source{&fakeOlder{logs: map[*stream.Origin][]stream.Line{a: logA}}})
	p.ingest(logA[96:])
	for range 3 {
		pressOlder(t, m)
	}
	if got, want := paneTexts(p), lineTexts(logA[100-16:]); !slices.Equal(got, want) {
		t.Fatalf("after 3 loads: %v, want %v", got, want)
	}
	if cmd := send(m, keyPress("o")); cmd != nil {
		t.Fatalf("at the bound, o started a load")
	}
	press(m, "g")
	if s := screen(t, m); !strings.Contains(s, "the pane holds its most, 16 lines") {
		t.Fatalf("at the bound:\n%s", s)
	}
}

// TestLoadOlderGone: a container whose pod is gone says so on the row, the pane
// keeps every line it had, and the container is not offered again.
func TestLoadOlderGone(t *testing.T) {
	m := newOlderModel(t, 5)
	p := openPanes(m, []string{"web"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web"}}})[0]
	a := &stream.Origin{ID: "prod/web/a", Name: "web/a"}
	logA := olderLog(a, 40, time.Millisecond, 0)
	src := &fakeOlder{logs: map[*stream.Origin][]stream.Line{a: logA}}
	p.setSources([]stream.Source{src})
	p.ingest(logA[35:])
	before := paneTexts(p)
	src.err = errors.New(`pod "web" is gone: its log cannot be read`)
	pressOlder(t, m)
	if got := paneTexts(p); !slices.Equal(got, before) {
		t.Fatalf("pane changed: %v", got)
	}
	press(m, "g")
	if s := screen(t, m); !strings.Contains(s, `web/a: pod "web" is gone`) {
		t.Fatalf("no word of the pod gone:\n%s", s)
	}
	if p.olderOffered() {
		t.Fatal("offered again")
	}
	// Rotated: the log no longer holds the pane's first line.
	m2 := newOlderModel(t, 5)
	p2 := openPanes(m2, []string{"web"}, Selection{Pods: []PodRef{{Namespace: "prod", Name: "web"}}})[0]
	rot := &fakeOlder{logs: map[*stream.Origin][]stream.Line{a: logA[38:]}}
	p2.setSources([]stream.Source{rot})
	p2.ingest(logA[35:])
	pressOlder(t, m2)
	press(m2, "g")
	if s := screen(t, m2); !strings.Contains(s, "rotated or truncated") || len(paneTexts(p2)) != 5 {
		t.Fatalf("rotated:\n%s", s)
	}
}
