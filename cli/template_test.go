package cli

import (
	"strings"
	"testing"

	"github.com/tailui/tailui/stream"
)

// The templates of stern's README (v1.33), with what each prints for a JSON line
// and a plain one.
func TestTemplatesFromSternsREADME(t *testing.T) {
	pod := &stream.Origin{ID: "shop/web-1/app", Name: "web-1/app",
		Fields: map[string]string{"namespace": "shop", "pod": "web-1", "container": "app", "node": "node-a"},
		Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"team": "pay"}}
	jsonLine := stream.Line{Origin: pod, Time: testTime, Text: `{"level":"warn","message":"slow","msg":"m","ts":1733050000.25,"caller":"db.go:42"}`}
	plainLine := stream.Line{Origin: pod, Time: testTime, Text: `WARN slow query`}
	tests := []struct {
		tmpl        string
		json, plain string
		plainErr    string
	}{
		{`{{printf "%s (%s/%s/%s/%s)\n" .Message .NodeName .Namespace .PodName .ContainerName}}`,
			jsonLine.Text + " (node-a/shop/web-1/app)\n", "WARN slow query (node-a/shop/web-1/app)\n", ""},
		{`{{.Message}} ({{.Namespace}}/{{color .PodColor .PodName}}/{{color .ContainerColor .ContainerName}}){{"\n"}}`,
			jsonLine.Text + " (shop/web-1/app)\n", "WARN slow query (shop/web-1/app)\n", ""},
		{`{{.PodName}}/{{.ContainerName}} {{with $d := .Message | parseJSON}}[{{$d.level}}] {{$d.message}}{{end}}{{"\n"}}`,
			"web-1/app [warn] slow\n", "", `error calling parseJSON: invalid character 'W' looking for beginning of value`},
		{`{{.PodName}}/{{.ContainerName}} {{ with $msg := .Message | tryParseJSON }}[{{ colorGreen (toRFC3339Nano $msg.ts) }}] {{ levelColor $msg.level }} ({{ colorCyan $msg.caller }}) {{ $msg.msg }}{{ else }} {{ .Message }} {{ end }}{{"\n"}}`,
			"web-1/app [2024-12-01T10:46:40.25Z] warn (db.go:42) m\n", "web-1/app  WARN slow query \n", ""},
		{`{{ .Message | prettyJSON }}{{"\n"}}`,
			"{\n  \"caller\": \"db.go:42\",\n  \"level\": \"warn\",\n  \"message\": \"slow\",\n  \"msg\": \"m\",\n  \"ts\": 1733050000.25\n}\n", "WARN slow query\n", ""},
		{`{{ with $msg := .Message | tryParseJSON }}{{ prettyJSON $msg }}{{"\n"}}{{end}}`,
			"{\n  \"caller\": \"db.go:42\",\n  \"level\": \"warn\",\n  \"message\": \"slow\",\n  \"msg\": \"m\",\n  \"ts\": 1733050000.25\n}\n", "", ""},
		{`{{json .}}{{"\n"}}`,
			`{"message":` + jsonQuote(jsonLine.Text) + `,"nodeName":"node-a","namespace":"shop","podName":"web-1","containerName":"app","labels":{"app":"web"},"annotations":{"team":"pay"}}` + "\n",
			`{"message":"WARN slow query","nodeName":"node-a","namespace":"shop","podName":"web-1","containerName":"app","labels":{"app":"web"},"annotations":{"team":"pay"}}` + "\n", ""},
		{`{{extractJSONParts .Message "level" "msg"}}|{{tryExtractJSONParts .Message "caller" "nope"}}|{{toTimestamp 1733050000 "15:04" "UTC"}}|{{bunyanLevelColor 30.0}}{{"\n"}}`,
			"warn, m|db.go:42, <nil>|10:46|30\n", "", "error calling extractJSONParts"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			t.Setenv("TZ", "UTC")
			lt, err := parseLineTemplate(tt.tmpl, "", false)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				l       stream.Line
				want    string
				wantErr string
			}{{jsonLine, tt.json, ""}, {plainLine, tt.plain, tt.plainErr}} {
				b, err := lt.execute(&c.l, "")
				switch {
				case c.wantErr != "":
					if err == nil || !strings.Contains(err.Error(), c.wantErr) {
						t.Errorf("%s: error %v, want %q", c.l.Text, err, c.wantErr)
					}
				case err != nil:
					t.Errorf("%s: %v", c.l.Text, err)
				case string(b) != c.want:
					t.Errorf("%s:\n got %q\nwant %q", c.l.Text, b, c.want)
				}
			}
		})
	}
}

func jsonQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestTemplateColors(t *testing.T) {
	pod := &stream.Origin{ID: "a/b/c", Fields: map[string]string{"pod": "b", "container": "c"}}
	l := stream.Line{Origin: pod, Text: "x"}
	lt, err := parseLineTemplate(`{{levelColor "error"}} {{colorRed "%s!" .Message}} {{color .PodColor .PodName}} {{colorCustom "i" 3 96}}`, "", true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := lt.execute(&l, "")
	want := "\x1b[31merror\x1b[0m \x1b[31mx!\x1b[0m \x1b[" + colorFor("b") + "mb\x1b[0m \x1b[3;96mi\x1b[23;0m"
	if string(b) != want {
		t.Errorf("got  %q\nwant %q", b, want)
	}
}

// TestTemplateErrors: a template that does not parse is a usage error naming its
// line and column; one that fails on a line is reported once, then counted.
func TestTemplateErrors(t *testing.T) {
	_, err := parseLineTemplate("{{.Message}}\n{{ .PodName | nosuch }}", "", false)
	if err == nil || err.Error() != `--template:2: function "nosuch" not defined` {
		t.Errorf("parse error %v", err)
	}
	_, err = parseLineTemplate("{{.Message", "", false)
	if err == nil || !strings.HasPrefix(err.Error(), "--template:1: ") {
		t.Errorf("parse error %v", err)
	}
	lt, err := parseLineTemplate(`{{ (parseJSON .Message).level }}{{"\n"}}`, "", false)
	if err != nil {
		t.Fatal(err)
	}
	p, out, errOut := newTestPrinter(printer{format: formatText, tmpl: lt})
	_ = p.write([]stream.Line{logLine(testPod, testTime, "not json"), logLine(testPod, testTime, `{"level":"info"}`), logLine(testPod, testTime, "nor this")})
	_ = p.flush()
	if out.String() != "info\n" {
		t.Errorf("stdout %q", out)
	}
	e := errOut.String()
	if strings.Count(e, "[template]") != 2 || !strings.Contains(e, "--template:1:4: executing") || !strings.Contains(e, "failed on 2 lines") {
		t.Errorf("stderr:\n%s", e)
	}
}
