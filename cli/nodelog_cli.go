package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/ui"
)

// nodeOfQuery returns NAME when the positional QUERY is node/NAME (or no/, nodes/).
func nodeOfQuery(q string) (string, bool) {
	typ, name, ok := strings.Cut(q, "/")
	if !ok {
		return "", false
	}
	switch strings.ToLower(typ) {
	case "node", "nodes", "no":
		return name, true
	}
	return "", false
}

// nodeLogs builds the sources of node/NAME: one NodeLog per --node-log service.
func (f *rootFlags) nodeLogs(client *kube.Client, node string, lo kube.LogOptions) (kube.NodeLogs, error) {
	if node == "" {
		return nil, usageError{errors.New("node/NAME: give the node's name (kubectl get nodes lists them)")}
	}
	services := f.nodeLog
	if len(services) == 0 {
		services = []string{"kubelet"}
	}
	var out kube.NodeLogs
	for _, s := range services {
		if s = strings.TrimSpace(s); s == "" || strings.ContainsAny(s, `/\`) {
			return nil, usageError{fmt.Errorf("--node-log %q: want a service name such as kubelet or containerd", s)}
		}
		out = append(out, &kube.NodeLog{Client: client, Node: node, Service: s, TailLines: lo.TailLines,
			Since: lo.Since, Follow: lo.Follow, KeepSGR: lo.KeepSGR})
	}
	return out, nil
}

// nodeSelection is the TUI's first pane for node/NAME.
func nodeSelection(node string) *ui.Selection {
	return &ui.Selection{Workloads: []ui.WorkloadRef{ui.NodeRef("", node)}, Merged: true}
}
