//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestTemplatesPrintAsStern runs the templates of stern's README through stern
// v1.33.0 and through tailui, on the same pod's lines, and compares what they print.
func TestTemplatesPrintAsStern(t *testing.T) {
	if _, err := os.Stat(bed.stern); err != nil {
		t.Fatalf("stern is not built (%v): run hack/build-deps.sh stern", err)
	}
	name, all := wherePod(t)
	templates := []string{
		`{{printf "%s (%s/%s/%s/%s)\n" .Message .NodeName .Namespace .PodName .ContainerName}}`,
		`{{.Message}} ({{.Namespace}}/{{color .PodColor .PodName}}/{{color .ContainerColor .ContainerName}}){{"\n"}}`,
		`{{.PodName}}/{{.ContainerName}} {{with $d := .Message | parseJSON}}[{{$d.level}}] {{$d.message}}{{end}}{{"\n"}}`,
		`{{.PodName}}/{{.ContainerName}} {{ with $msg := .Message | tryParseJSON }}[{{ colorGreen (toRFC3339Nano $msg.ts) }}] {{ levelColor $msg.level }} ({{ colorCyan $msg.caller }}) {{ $msg.msg }}{{ else }} {{ .Message }} {{ end }}{{"\n"}}`,
		`{{ .Message | prettyJSON }}{{"\n"}}`,
		`{{ with $msg := .Message | tryParseJSON }}{{ prettyJSON $msg }}{{"\n"}}{{end}}`,
		`{{ with $m := .Message | tryParseJSON }}{{ levelColor $m.level }} {{ $m.duration_ms }} {{ tryExtractJSONParts $.Message "component" "order_id" }}{{"\n"}}{{end}}`,
	}
	for _, tmpl := range templates {
		t.Run(tmpl, func(t *testing.T) {
			s := runCmd(t, 2*time.Minute, bed.stern, "--kubeconfig", bed.kubeconfig, "-n", "logs-test", "^"+name+"$",
				"--no-follow", "--color", "never", "--template", tmpl)
			if s.code != 0 {
				t.Fatalf("stern: exit %d: %s", s.code, s.stderr)
			}
			r := runTailui(t, 2*time.Minute, "--plain", "-n", "logs-test", name, "--no-follow", "--color", "never", "--template", tmpl)
			if r.code != 0 {
				t.Fatalf("tailui: exit %d: %s", r.code, r.stderr)
			}
			if len(s.stdout) == 0 {
				t.Fatal("stern printed nothing: not a test")
			}
			if !bytes.Equal(r.stdout, s.stdout) {
				sl, rl := lines(s.stdout), lines(r.stdout)
				for i := range min(len(sl), len(rl)) {
					if sl[i] != rl[i] {
						t.Fatalf("line %d differs:\nstern:  %q\ntailui: %q", i+1, sl[i], rl[i])
					}
				}
				t.Fatalf("stern printed %d lines, tailui %d", len(sl), len(rl))
			}
			t.Logf("%d bytes (%d lines from %d log lines) the same as stern's", len(r.stdout), len(lines(r.stdout)), len(all))
		})
	}
}
