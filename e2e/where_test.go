//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// wherePod creates a pod whose log is 3,000 lines of the bed's mix (logfmt and JSON
// with levels and numeric fields, plain text with level words, access-log lines) and
// returns its name once kubectl logs reads all of them, with those lines.
func wherePod(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("where-%d", time.Now().UnixNano()%1000000)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "logs-test",
			Annotations: map[string]string{"testbed.tailui.dev/logs.app": "history=3000,rate=0"}},
		Spec: corev1.PodSpec{NodeName: bedNode, Containers: []corev1.Container{{Name: "app", Image: "testbed/app"}}},
	}
	if _, err := bed.cs.CoreV1().Pods("logs-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = bed.cs.CoreV1().Pods("logs-test").Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	})
	var ls []string
	poll(t, "the pod's 3000 lines", 60*time.Second, func() bool {
		k := runCmd(t, time.Minute, bed.kubectl, "logs", "-n", "logs-test", name, "-c", "app")
		ls = lines(k.stdout)
		return k.code == 0 && len(ls) == 3000
	})
	return name, ls
}

// refFields is the test's own reading of a line, written apart from tailui's: the
// fields of a JSON object or of a logfmt line, and the level by the bed's formats.
func refFields(line string) (map[string]string, int) {
	levels := map[string]int{"debug": 1, "info": 2, "warn": 3, "error": 4}
	f := map[string]string{}
	switch {
	case strings.HasPrefix(line, "{"):
		var obj map[string]any
		if json.Unmarshal([]byte(line), &obj) == nil {
			for k, v := range obj {
				f[k] = fmt.Sprint(v)
			}
		}
	case strings.HasPrefix(line, "level="):
		for _, m := range regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S+)`).FindAllStringSubmatch(line, -1) {
			f[m[1]] = strings.Trim(m[2], `"`)
		}
	default:
		if m := regexp.MustCompile(`^(DEBUG|INFO|WARN|ERROR) \[`).FindStringSubmatch(line); m != nil {
			return f, levels[strings.ToLower(m[1])]
		}
	}
	return f, levels[f["level"]]
}

func num(f map[string]string, k string) (float64, bool) {
	v, ok := f[k]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseFloat(v, 64)
	return n, err == nil
}

// TestWhereSelectsExactlyOnJSONAndLogfmt runs --where on the real binary against a
// pod of the bed and compares each result with the test's own evaluation of the
// expression over kubectl logs' lines.
func TestWhereSelectsExactlyOnJSONAndLogfmt(t *testing.T) {
	name, all := wherePod(t)
	tests := []struct {
		expr string
		want func(f map[string]string, lvl int) bool
	}{
		{`level>=warn && duration_ms>300`, func(f map[string]string, lvl int) bool {
			d, ok := num(f, "duration_ms")
			return lvl >= 3 && ok && d > 300
		}},
		{`level=error || order_id<20000`, func(f map[string]string, lvl int) bool {
			o, ok := num(f, "order_id")
			return lvl == 4 || ok && o < 20000
		}},
		{`component=cart && !(user=bob)`, func(f map[string]string, lvl int) bool {
			return f["component"] == "cart" && f["user"] != "bob"
		}},
		{`msg~"timeout|lost" && level>=W`, func(f map[string]string, lvl int) bool {
			return regexp.MustCompile(`timeout|lost`).MatchString(f["msg"]) && lvl >= 3
		}},
		{`level<info`, func(f map[string]string, lvl int) bool { return lvl == 1 }},
		{`user!=alice && duration_ms<=10`, func(f map[string]string, lvl int) bool {
			u, uok := f["user"]
			d, dok := num(f, "duration_ms")
			return uok && u != "alice" && dok && d <= 10
		}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			var want []string
			for _, l := range all {
				if f, lvl := refFields(l); tt.want(f, lvl) {
					want = append(want, l)
				}
			}
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("the expression selects %d of %d lines: not a test", len(want), len(all))
			}
			r := runTailui(t, time.Minute, "--plain", "-o", "raw", "--no-follow", "-n", "logs-test", name, "--where", tt.expr)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			got := lines(r.stdout)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("--where %s: %d lines, want %d\nfirst got:  %.200q\nfirst want: %.200q", tt.expr, len(got), len(want), first(got), first(want))
			}
			// The same selection in JSON output, which keeps each line's text.
			j := runTailui(t, time.Minute, "--plain", "-o", "json", "--no-follow", "-n", "logs-test", name, "--where", tt.expr)
			var texts []string
			for _, l := range lines(j.stdout) {
				var obj struct {
					Message string `json:"message"`
				}
				if err := json.Unmarshal([]byte(l), &obj); err != nil {
					t.Fatalf("-o json line %q: %v", l, err)
				}
				texts = append(texts, obj.Message)
			}
			if strings.Join(texts, "\n") != strings.Join(want, "\n") {
				t.Fatalf("-o json --where %s: %d lines, want %d", tt.expr, len(texts), len(want))
			}
			t.Logf("--where %s: %d of %d lines, as the test's own evaluation", tt.expr, len(got), len(all))
		})
	}
	// A malformed expression: one line, exit 2, nothing asked of the cluster.
	r := runTailui(t, time.Minute, "--plain", "-n", "logs-test", name, "--where", "level >=")
	if r.code != 2 || !strings.Contains(string(r.stderr), `--where: expected a value after ">=" at column 9`) {
		t.Errorf("malformed --where: exit %d, stderr %q", r.code, r.stderr)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// TestContextLinesMatchGrep compares -C N with grep -C N over kubectl logs' lines.
func TestContextLinesMatchGrep(t *testing.T) {
	name, all := wherePod(t)
	in := []byte(strings.Join(all, "\n") + "\n")
	for _, n := range []int{1, 3} {
		cmd := exec.Command("grep", "-i", "-C", strconv.Itoa(n), "-E", "level=error")
		cmd.Stdin = bytes.NewReader(in)
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("grep: %v", err)
		}
		r := runTailui(t, time.Minute, "--plain", "-o", "raw", "--no-follow", "-n", "logs-test", name, "-i", "level=error", "-C", strconv.Itoa(n))
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if !bytes.Equal(r.stdout, want) {
			t.Fatalf("-C %d: tailui printed %d lines, grep -C %d %d", n, len(lines(r.stdout)), n, len(lines(want)))
		}
		groups := bytes.Count(want, []byte("\n--\n")) + 1
		t.Logf("-C %d: %d lines in %d groups, byte for byte as grep -C %d", n, len(lines(want)), groups, n)
	}
	// --where and -C together: the context of structured matches.
	r := runTailui(t, time.Minute, "--plain", "-o", "raw", "--no-follow", "-n", "logs-test", name, "--where", "level=error && duration_ms>850", "-C", "2")
	got := lines(r.stdout)
	var want []string
	last := -1
	for i, l := range all {
		f, lvl := refFields(l)
		if d, ok := num(f, "duration_ms"); !ok || lvl != 4 || d <= 850 {
			continue
		}
		lo := max(i-2, last+1)
		if last >= 0 && lo > last+1 {
			want = append(want, "--")
		}
		for j := lo; j <= min(i+2, len(all)-1); j++ {
			want = append(want, all[j])
		}
		last = min(i+2, len(all)-1)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("--where with -C 2: %d lines, want %d", len(got), len(want))
	}
}

// TestTUIWhere opens the TUI with --where and types a second expression at the &
// prompt: every line on screen satisfies both, and the title counts the rules.
func TestTUIWhere(t *testing.T) {
	name, all := wherePod(t)
	tm := startTmux(t, 200, 50, "-n", "logs-test", name, "--where", "level>=warn")
	want := 0
	for _, l := range all {
		if f, lvl := refFields(l); lvl >= 3 && f["component"] == "db" {
			want++
		}
	}
	if want == 0 || want >= 1000 {
		t.Fatalf("%d lines are warn or above from component db: not a test", want)
	}
	tm.waitScreen("the pane with the where rule", contains("filter 1:"))
	tm.keys("&")
	tm.waitScreen("the where prompt", contains("where "))
	tm.typeText("component=db")
	tm.keys("Enter")
	sc := tm.waitScreen("the second rule", contains(fmt.Sprintf("filter 2: %d/3.0k", want)))
	rows := 0
	for _, row := range strings.Split(sc, "\n")[1:] {
		row = strings.TrimSpace(row)
		if !strings.Contains(row, "seq=") {
			continue
		}
		rows++
		if !strings.Contains(row, "component=db") && !strings.Contains(row, `"component":"db"`) {
			t.Errorf("a row on screen is not component=db:\n%s", row)
		}
		if !regexp.MustCompile(`(?i)warn|error`).MatchString(row) {
			t.Errorf("a row on screen is below warn:\n%s", row)
		}
	}
	if rows == 0 {
		t.Fatalf("no log rows on screen:\n%s", sc)
	}
	// A malformed expression keeps the prompt and says where it is wrong.
	tm.keys("&")
	tm.typeText("status>=")
	tm.keys("Enter")
	tm.waitScreen("the reason", contains(`expected a value after ">=" at column 9`))
	tm.keys("Escape") // alone: ESC and q at once read as alt+q
	tm.waitScreen("the prompt closed", func(sc string) bool { return !strings.Contains(sc, "where status>=") })
	tm.keys("q")
	tm.waitScreen("tailui to exit", contains("TAILUI-EXITED 0"))
	t.Logf("TUI: --where level>=warn then & component=db: %d lines, %d on screen, all matching\n%s", want, rows, firstLines(sc, 8))
}
