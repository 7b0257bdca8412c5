package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is the password in every URL of TestNoPasswordInOutput; it must appear in
// no output.
const secret = "s3cr3tPW"

// runCaptured runs tailui with args as main would and returns its exit code and
// everything it wrote to stdout and stderr.
func runCaptured(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = out, out
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	code := run(context.Background(), args)
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out)
	return code, string(b)
}

// TestNoPasswordInOutput runs the real command paths with a password in every URL
// they take (--loki-url, LOKI_ADDR, --upstream, the kubeconfig's server) and checks
// that it appears nowhere in what they print. Nothing listens on 127.0.0.1:1.
func TestNoPasswordInOutput(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://admin:`+secret+`@127.0.0.1:1"}
users:
- name: u
  user: {token: token-`+secret+`}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ftp := "ftp://admin:" + secret + "@127.0.0.1:1/"
	refused := "http://admin:" + secret + "@127.0.0.1:1/"
	unparsable := "http://admin:" + secret + "@[::1"
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"root --loki-url scheme", nil, []string{"--plain", "--loki", `{a="b"}`, "--loki-url", ftp}},
		{"root --loki-url unparsable", nil, []string{"--plain", "--loki", `{a="b"}`, "--loki-url", unparsable}},
		{"root LOKI_ADDR", map[string]string{"LOKI_ADDR": ftp}, []string{"--plain", "--loki", `{a="b"}`, "--loki-via", "url"}},
		{"loki labels --loki-url scheme", nil, []string{"loki", "labels", "--loki-url", ftp}},
		{"loki labels --loki-url refused", nil, []string{"loki", "labels", "--loki-url", refused}},
		{"loki series --loki-url unparsable", nil, []string{"loki", "series", `{a="b"}`, "--loki-url", unparsable}},
		{"loki labels LOKI_ADDR", map[string]string{"LOKI_ADDR": refused}, []string{"loki", "labels", "--loki-via", "url"}},
		{"gateway --upstream scheme", nil, []string{"gateway", "--upstream", "ftp://admin:" + secret + "@loki"}},
		{"gateway --upstream http", nil, []string{"gateway", "--upstream", "http://admin:" + secret + "@loki:3100"}},
		{"gateway --upstream unparsable", nil, []string{"gateway", "--upstream", unparsable}},
		{"doctor", nil, []string{"doctor", "--loki-url", ftp}},
		{"root pod logs", nil, []string{"--plain", "web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearTailuiEnv(t)
			for _, k := range []string{"LOKI_ADDR", "LOKI_USERNAME", "LOKI_PASSWORD", "LOKI_BEARER_TOKEN", "LOKI_ORG_ID"} {
				t.Setenv(k, tt.env[k])
			}
			t.Setenv("KUBECONFIG", kubeconfig)
			code, out := runCaptured(t, tt.args...)
			if code == 0 {
				t.Errorf("exit 0, want a failure:\n%s", out)
			}
			if strings.Contains(out, secret) {
				t.Errorf("the password is in the output:\n%s", out)
			}
			if out == "" {
				t.Errorf("no output: the command should say what failed")
			}
		})
	}
}
