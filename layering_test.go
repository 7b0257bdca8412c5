package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// layering is the import direction docs/architecture.md and ../shared/STYLE.md
// describe: for each package of this module, the import paths (prefixes) that must
// not appear among its dependencies, direct or indirect, and why. A package that
// does not exist yet (the shape still to grow into) is skipped.
var layering = []struct {
	pkg    string
	banned []string
	why    string
}{
	{"stream", []string{"k8s.io/", "sigs.k8s.io/", "charm.land/", "github.com/charmbracelet/", "github.com/tailui/tailui/"},
		"stream is the bottom: it knows nothing of Kubernetes, the screen or any other tailui package"},
	{"ui", []string{"k8s.io/", "sigs.k8s.io/", "github.com/tailui/tailui/kube", "github.com/tailui/tailui/loki", "github.com/tailui/tailui/gateway"},
		"ui owns what a person sees and reaches sources only through stream's interfaces"},
	{"kube", []string{"charm.land/", "github.com/charmbracelet/", "github.com/tailui/tailui/ui", "github.com/tailui/tailui/gateway"},
		"kube owns client-go and knows nothing of the screen"},
	{"kube", []string{"github.com/tailui/tailui/loki", "github.com/tailui/tailui/doctor"},
		"kube is the transport loki and doctor build on: it imports neither"},
	{"loki", []string{"charm.land/", "github.com/charmbracelet/", "github.com/tailui/tailui/ui", "github.com/tailui/tailui/gateway", "github.com/tailui/tailui/doctor"},
		"loki owns Loki's client and knows nothing of the screen"},
	{"loki/queryargs", []string{"k8s.io/", "sigs.k8s.io/", "charm.land/", "github.com/charmbracelet/", "github.com/tailui/tailui/"},
		"the query-args codec is shared with the gateway: standard library only"},
	{"doctor", []string{"charm.land/", "github.com/charmbracelet/", "github.com/tailui/tailui/ui", "github.com/tailui/tailui/gateway"},
		"doctor checks the way to the cluster and Loki and prints nothing itself"},
	{"gateway", []string{"k8s.io/", "sigs.k8s.io/", "charm.land/", "github.com/charmbracelet/", "github.com/tailui/tailui/ui", "github.com/tailui/tailui/kube"},
		"the gateway runs in the cluster next to Loki: it shares only the query-args codec"},
}

// TestLayering reads the import graph with `go list -deps` and fails when a package
// imports what its layer must not know.
func TestLayering(t *testing.T) {
	for _, l := range layering {
		t.Run(l.pkg, func(t *testing.T) {
			if _, err := os.Stat(l.pkg); err != nil {
				t.Skipf("no package %s yet", l.pkg)
			}
			self := "github.com/tailui/tailui/" + l.pkg
			for _, dep := range deps(t, "./"+l.pkg) {
				if dep == self || strings.HasPrefix(dep, self+"/") {
					continue
				}
				for _, b := range l.banned {
					if strings.HasPrefix(dep, b) {
						t.Errorf("%s depends on %s: %s", l.pkg, dep, l.why)
					}
				}
			}
		})
	}
}

// TestNoAGPLImports keeps every package of the module, tests included, free of
// Grafana Loki's own (AGPL) packages: Loki is a separate server for the test bed.
func TestNoAGPLImports(t *testing.T) {
	for _, dep := range deps(t, "-test", "./...") {
		if strings.HasPrefix(dep, "github.com/grafana/loki") {
			t.Errorf("the module depends on %s (AGPL): talk to Loki over HTTP instead", dep)
		}
	}
}

// deps lists the import paths args depend on, standard library left out.
func deps(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.Fields(string(out))
}
