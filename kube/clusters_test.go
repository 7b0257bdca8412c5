package kube

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
)

const twoClusters = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: "https://127.0.0.1:1"}
- name: b
  cluster: {server: "https://127.0.0.1:2"}
users:
- name: u
  user: {token: t}
contexts:
- name: east
  context: {cluster: a, user: u, namespace: shop}
- name: west
  context: {cluster: b, user: u, namespace: pay}
current-context: east
`

func clusterFlags(t *testing.T) *genericclioptions.ConfigFlags {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(twoClusters), 0o600); err != nil {
		t.Fatal(err)
	}
	f := genericclioptions.NewConfigFlags(true)
	f.KubeConfig = &path
	return f
}

func TestNewClustersOneClientPerContext(t *testing.T) {
	cls, err := NewClusters(clusterFlags(t), []string{"east", "west", "east"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cls) != 2 {
		t.Fatalf("%d clusters, want 2 (a context given twice is one cluster)", len(cls))
	}
	for i, want := range []struct{ ctx, host, ns string }{{"east", "https://127.0.0.1:1", "shop"}, {"west", "https://127.0.0.1:2", "pay"}} {
		c := cls[i]
		if c.Err != nil || c.Context != want.ctx || c.Client.Config.Host != want.host || c.Client.Namespace != want.ns {
			t.Errorf("cluster %d: %+v (err %v), want %+v", i, c, c.Err, want)
			continue
		}
	}
	if cls[0].Client.Clientset == cls[1].Client.Clientset || cls[0].Client.Config == cls[1].Client.Config {
		t.Error("two clusters share a client")
	}
}

func TestNewClustersUnknownContext(t *testing.T) {
	cls, err := NewClusters(clusterFlags(t), []string{"west", "nope"})
	if err != nil {
		t.Fatalf("one good cluster is enough: %v", err)
	}
	if cls[0].Err != nil || cls[1].Client != nil {
		t.Fatalf("want west usable and nope not: %+v %+v", cls[0], cls[1])
	}
	var uc *UnknownContextError
	if !errors.As(cls[1].Err, &uc) || uc.Context != "nope" {
		t.Fatalf("err %v, want an UnknownContextError for nope", cls[1].Err)
	}
	msg := cls[1].Err.Error()
	for _, want := range []string{`context "nope" is not in the kubeconfig`, "known contexts: east, west", "kubectl config get-contexts"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}

	if _, err := NewClusters(clusterFlags(t), []string{"nope", "nada"}); err == nil || !strings.Contains(err.Error(), "[nope]") || !strings.Contains(err.Error(), "[nada]") {
		t.Errorf("every cluster failed: err %v, want both named", err)
	}
}

func TestNewClustersCurrentContext(t *testing.T) {
	cls, err := NewClusters(clusterFlags(t), nil)
	if err != nil || len(cls) != 1 || cls[0].Context != "" || cls[0].Client.Config.Host != "https://127.0.0.1:1" {
		t.Fatalf("no --context: %+v, %v; want the current context's one cluster, untagged", cls, err)
	}
}
