//go:build e2e

package e2e

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// doctorLine returns the line of the doctor's output that starts with mark and
// holds name, and the indented lines below it.
func doctorLine(out []byte, mark, name string) (string, bool) {
	ls := lines(out)
	for i, l := range ls {
		if strings.HasPrefix(l, mark+" ") && strings.Contains(l, name) {
			var b strings.Builder
			b.WriteString(l)
			for _, m := range ls[i+1:] {
				if !strings.HasPrefix(m, "    ") {
					break
				}
				b.WriteString("\n" + m)
			}
			return b.String(), true
		}
	}
	return "", false
}

func TestDoctorPassesOnTheBed(t *testing.T) {
	res := runTailui(t, 2*time.Minute, "doctor")
	if res.code != 0 {
		t.Fatalf("doctor: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"kubeconfig loads", "API server is reachable", `can list pods in "shop"`, `can watch pods in "shop"`,
		`can get pods/log in "shop"`, "a pod-log WebSocket upgrade works", "Loki's Service is found: svc monitoring/loki",
		`can get services/proxy "loki:http-metrics" in "monitoring"`, `can create pods/portforward in "monitoring"`,
		"the API server reaches Loki through the service proxy", "the tailui gateway answers /tailui/v1/ping",
		"the tailui gateway restores a path-encoded query", "a Loki tail WebSocket opens through the gateway",
		"a port-forward to a Loki pod reaches Loki", "Loki is ready",
	} {
		if _, ok := doctorLine(res.stdout, "√", want); !ok {
			t.Errorf("no √ line for %q", want)
		}
	}
	if !bytes.Contains(res.stdout, []byte("Status check results are √")) {
		t.Errorf("no passing summary")
	}
	if t.Failed() {
		t.Logf("output:\n%s", res.stdout)
	}
}

func TestDoctorNamesTheFailingStep(t *testing.T) {
	fx := newFixture(t)
	fx.pod("dead", deadIP)
	fx.service("gw-dead", "http", 8080, "dead", deadIP)
	fx.service("loki-dead", "http-metrics", 3100, "dead", deadIP)

	tests := []struct {
		name string
		args []string
		// fails are the × lines (name, then texts of the explanation).
		fails [][]string
		// passes are √ lines that must still be there.
		passes []string
	}{
		{"gateway stopped", []string{"--loki-gateway", fixtureNS + "/gw-dead:http"},
			[][]string{{"the tailui gateway answers /tailui/v1/ping", "svc " + fixtureNS + "/gw-dead:http",
				"cannot reach pod IP " + deadIP + " on port 8080", "--loki-via port-forward"}},
			[]string{"the API server reaches Loki through the service proxy", "Loki is ready"}},
		{"Loki's endpoints unreachable", []string{"--loki-service", fixtureNS + "/loki-dead:http-metrics"},
			[][]string{{"the API server reaches Loki through the service proxy", "cannot reach pod IP " + deadIP + " on port 3100",
				"firewall or security group", "hint:"}},
			[]string{"kubeconfig loads", "a pod-log WebSocket upgrade works"}},
		{"no rights", []string{"--context", "testbed-nobody"},
			[][]string{{`can list pods in "shop"`, `user "nobody" may not list pods`}, {`can get pods/log in "shop"`},
				{"Loki's Service is found", "forbidden", "--loki-service"}},
			[]string{"kubeconfig loads", "API server is reachable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runTailui(t, 3*time.Minute, append([]string{"doctor"}, tc.args...)...)
			if res.code != 1 {
				t.Errorf("exit %d, want 1", res.code)
			}
			for _, f := range tc.fails {
				block, ok := doctorLine(res.stdout, "×", f[0])
				if !ok {
					t.Errorf("no × line for %q", f[0])
					continue
				}
				for _, w := range f[1:] {
					if !strings.Contains(block, w) {
						t.Errorf("the × %q block does not say %q:\n%s", f[0], w, block)
					}
				}
				t.Logf("%s", block)
			}
			for _, p := range tc.passes {
				if _, ok := doctorLine(res.stdout, "√", p); !ok {
					t.Errorf("no √ line for %q", p)
				}
			}
			if !bytes.Contains(res.stdout, []byte("Status check results are ×")) {
				t.Errorf("no failing summary")
			}
			if t.Failed() {
				t.Logf("output:\n%s\nstderr:\n%s", res.stdout, res.stderr)
			}
		})
	}
}
