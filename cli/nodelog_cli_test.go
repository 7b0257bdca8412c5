package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailui/tailui/kube"
)

func TestNodeOfQuery(t *testing.T) {
	for q, want := range map[string]string{"node/w-1": "w-1", "Nodes/w-1": "w-1", "no/x": "x", "node/": ""} {
		if got, ok := nodeOfQuery(q); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", q, got, ok, want)
		}
	}
	for _, q := range []string{"", "web", "deploy/web", "nodes"} {
		if _, ok := nodeOfQuery(q); ok {
			t.Errorf("%q is not a node query", q)
		}
	}
}

func TestNodeLogsFlags(t *testing.T) {
	f := &rootFlags{}
	src, err := f.nodeLogs(nil, "w-1", kube.LogOptions{TailLines: -1, Follow: true})
	if err != nil || len(src) != 1 || src[0].Service != "kubelet" || src[0].Node != "w-1" {
		t.Fatalf("default: %v %+v", err, src)
	}
	f.nodeLog = []string{"kubelet", "containerd"}
	if src, _ := f.nodeLogs(nil, "w-1", kube.LogOptions{TailLines: -1, Follow: true}); len(src) != 2 || src[1].Service != "containerd" {
		t.Fatalf("two services: %+v", src)
	}
	for _, bad := range [][]string{{"/var/log/x"}, {""}} {
		f.nodeLog = bad
		var ue usageError
		if _, err := f.nodeLogs(nil, "w-1", kube.LogOptions{TailLines: -1, Follow: true}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--node-log") {
			t.Errorf("%q: %v; want a usage error about --node-log", bad, err)
		}
	}
	var ue usageError
	if _, err := f.nodeLogs(nil, "", kube.LogOptions{TailLines: -1, Follow: true}); !errors.As(err, &ue) {
		t.Errorf("node/ without a name: %v", err)
	}
}
