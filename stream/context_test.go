package stream

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// TestContextMatchesGrep compares Context with the real grep -C N on random inputs:
// the same lines, the same "--" separators.
func TestContextMatchesGrep(t *testing.T) {
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("no grep on this machine")
	}
	o := &Origin{ID: "a"}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 60 {
		n := round % 4
		var in bytes.Buffer
		var lines []Line
		for i := range 20 + r.IntN(60) {
			word := "skip"
			if r.IntN(7) == 0 {
				word = "HIT"
			}
			text := fmt.Sprintf("%d %s", i, word)
			in.WriteString(text + "\n")
			lines = append(lines, Line{Origin: o, Text: text})
		}
		cmd := exec.Command(grep, "-C", fmt.Sprint(n), "HIT")
		cmd.Stdin = bytes.NewReader(in.Bytes())
		want, _ := cmd.Output() // exit 1 when nothing matched
		var got strings.Builder
		c := NewContext(n)
		for _, l := range lines {
			c.Add(l, strings.Contains(l.Text, "HIT"), func(l Line, sep bool) {
				if sep {
					got.WriteString("--\n")
				}
				got.WriteString(l.Text + "\n")
			})
		}
		if got.String() != string(want) {
			t.Fatalf("round %d, -C %d:\n got:\n%s\nwant (grep):\n%s", round, n, got.String(), want)
		}
	}
}

// TestContextPerOrigin keeps each Origin's context apart and passes markers on.
func TestContextPerOrigin(t *testing.T) {
	a, b := &Origin{ID: "a"}, &Origin{ID: "b"}
	in := []struct {
		o     *Origin
		text  string
		kind  Kind
		match bool
	}{
		{a, "a1", KindLog, false},
		{b, "b1", KindLog, false},
		{a, "a2", KindLog, true},
		{b, "b2", KindLog, false},
		{a, "a3", KindLog, false},
		{a, "a4", KindLog, false},
		{b, "gap", KindGap, false},
		{a, "a5", KindLog, false},
		{b, "b3", KindLog, true},
		{a, "a6", KindLog, true},
	}
	var got []string
	c := NewContext(1)
	for _, l := range in {
		c.Add(Line{Origin: l.o, Text: l.text, Kind: l.kind}, l.match, func(l Line, sep bool) {
			if sep {
				got = append(got, l.Origin.ID+":--")
			}
			got = append(got, l.Text)
		})
	}
	want := "a1 a2 a3 gap b2 b3 a:-- a5 a6"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}
