package gateway

import (
	"bytes"
	"os"
	"testing"

	"github.com/spf13/pflag"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
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
	if _, err := New(f.Config); err != nil {
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

// TestDeployNetworkPolicy decodes deploy/gateway-networkpolicy.yaml strictly and
// checks that it selects the gateway's pods, governs their ingress, and admits only
// addresses (ipBlock) on the gateway's port: no pod or namespace selector, which
// would let pods in.
func TestDeployNetworkPolicy(t *testing.T) {
	data, err := os.ReadFile("../deploy/gateway-networkpolicy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var np networkingv1.NetworkPolicy
	if err := yaml.UnmarshalStrict(data, &np); err != nil {
		t.Fatalf("NetworkPolicy: %v", err)
	}
	if np.APIVersion != "networking.k8s.io/v1" || np.Kind != "NetworkPolicy" || np.Namespace != "monitoring" {
		t.Fatalf("apiVersion/kind/namespace: %s %s %s", np.APIVersion, np.Kind, np.Namespace)
	}
	depData, err := os.ReadFile("../deploy/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	if err := yaml.Unmarshal(bytes.Split(depData, []byte("\n---\n"))[0], &dep); err != nil {
		t.Fatal(err)
	}
	for k, v := range np.Spec.PodSelector.MatchLabels {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("podSelector %s=%s does not match the gateway's pods %v", k, v, dep.Spec.Template.Labels)
		}
	}
	if len(np.Spec.PodSelector.MatchLabels) == 0 || len(np.Spec.PodSelector.MatchExpressions) != 0 {
		t.Errorf("podSelector %+v: want the gateway's labels only", np.Spec.PodSelector)
	}
	if len(np.Spec.PolicyTypes) != 1 || np.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress {
		t.Errorf("policyTypes %v, want [Ingress]", np.Spec.PolicyTypes)
	}
	if len(np.Spec.Ingress) != 1 {
		t.Fatalf("want one ingress rule, got %d", len(np.Spec.Ingress))
	}
	rule := np.Spec.Ingress[0]
	if len(rule.From) == 0 {
		t.Errorf("an ingress rule without from admits everyone")
	}
	for _, p := range rule.From {
		if p.IPBlock == nil || p.PodSelector != nil || p.NamespaceSelector != nil {
			t.Errorf("peer %+v: want an ipBlock only", p)
		}
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if len(rule.Ports) != 1 || rule.Ports[0].Port == nil || rule.Ports[0].Port.String() != c.Ports[0].Name {
		t.Errorf("ports %+v, want the container's port %q", rule.Ports, c.Ports[0].Name)
	}
}
