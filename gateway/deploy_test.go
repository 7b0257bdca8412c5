package gateway

import (
	"bytes"
	"os"
	"testing"

	"github.com/spf13/pflag"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestDeployManifest decodes deploy/gateway.yaml strictly into the API types and
// checks it against the code: flags the gateway knows, the ping path, hardening.
func TestDeployManifest(t *testing.T) {
	data, err := os.ReadFile("../deploy/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(data, []byte("\n---\n"))
	if len(docs) != 2 {
		t.Fatalf("want 2 documents, got %d", len(docs))
	}
	var dep appsv1.Deployment
	var svc corev1.Service
	if err := yaml.UnmarshalStrict(docs[0], &dep); err != nil {
		t.Fatalf("Deployment: %v", err)
	}
	if err := yaml.UnmarshalStrict(docs[1], &svc); err != nil {
		t.Fatalf("Service: %v", err)
	}
	if dep.Kind != "Deployment" || svc.Kind != "Service" || dep.Namespace != "monitoring" || svc.Namespace != "monitoring" {
		t.Fatalf("kinds/namespaces: %s/%s %s/%s", dep.Kind, dep.Namespace, svc.Kind, svc.Namespace)
	}
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container")
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Image != "ghcr.io/tailui/tailui:latest" {
		t.Errorf("image %q", c.Image)
	}
	f := DefaultFlags()
	fs := pflag.NewFlagSet("gateway", pflag.ContinueOnError)
	f.AddFlags(fs)
	if len(c.Args) == 0 || c.Args[0] != "gateway" {
		t.Fatalf("args %q do not start with the gateway subcommand", c.Args)
	}
	if err := fs.Parse(c.Args[1:]); err != nil {
		t.Fatalf("args %q: %v", c.Args, err)
	}
	if f.Listen != ":8080" || f.Upstream != "http://loki.monitoring.svc:3100" {
		t.Errorf("listen %q upstream %q", f.Listen, f.Upstream)
	}
	if _, err := New(f.Config()); err != nil {
		t.Errorf("New with the manifest's flags: %v", err)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != pingPath {
		t.Errorf("readiness probe %+v, want GET %s", p, pingPath)
	}
	psc, sc := dep.Spec.Template.Spec.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("pod/container not hardened: %+v %+v", psc, sc)
	}
	if c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("no resource limits")
	}
	sel := svc.Spec.Selector["app.kubernetes.io/name"]
	if sel == "" || dep.Spec.Template.Labels["app.kubernetes.io/name"] != sel {
		t.Errorf("Service selector %q does not match the pod", sel)
	}
}
