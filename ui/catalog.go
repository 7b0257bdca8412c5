package ui

import (
	"context"
	"errors"
	"strings"

	"github.com/tailui/tailui/stream"
)

// PodInfo is one pod as the sources panel shows it. The Catalog sends full
// snapshots of these; the UI never looks at Kubernetes objects itself.
type PodInfo struct {
	Namespace string
	Name      string
	// Workload is the owning workload as "Kind/name", e.g. "Deployment/web" or
	// "StatefulSet/ledger" (a ReplicaSet is reported as its Deployment), or ""
	// for a bare pod.
	Workload string
	// Phase is the pod phase: Running, Pending, Succeeded, Failed or Unknown.
	Phase string
	// Ready and Total count ready containers and regular containers.
	Ready, Total int
	// Restarts is the sum of the containers' restart counts.
	Restarts int
	// Containers lists every container whose log can be read, in pod order.
	// Init and ephemeral containers carry a prefix: "init:migrate",
	// "debug:debugger-x7k2".
	Containers []string
	// Reason is the most telling waiting or terminated reason, if any, e.g.
	// CrashLoopBackOff, ContainerCreating, OOMKilled, Evicted.
	Reason string
	// Deleted reports whether the pod has a deletion timestamp or is gone.
	Deleted bool
	// Context is the kubeconfig context (cluster) of the pod when several
	// clusters are followed, "" with one. The sources panel groups by it.
	Context string
}

// Key returns "namespace/name", the identity of a pod in a snapshot, after the
// context and a separator when the pod is of one of several clusters.
func (p PodInfo) Key() string { return nsKey(p.Context, p.Namespace) + "/" + p.Name }

// nsKey is the panel's key of a namespace: the namespace, after its cluster's
// context when several clusters are followed. splitNSKey undoes it.
func nsKey(context, ns string) string {
	if context == "" {
		return ns
	}
	return context + "\x1f" + ns
}

func splitNSKey(k string) (context, ns string) {
	if c, n, ok := strings.Cut(k, "\x1f"); ok {
		return c, n
	}
	return "", k
}

// clusterTitle puts the cluster before a pane title when there is one.
func clusterTitle(context, title string) string {
	if context == "" {
		return title
	}
	return "[" + clean(context) + "] " + title
}

// PodRef names one pod, and optionally some of its containers, to stream.
type PodRef struct {
	// Context is the pod's cluster (PodInfo.Context); "" with one cluster.
	Context   string
	Namespace string
	Name      string
	// Containers restricts the pod to these containers (names as in
	// PodInfo.Containers, prefixes included). Empty means all containers.
	Containers []string
}

// WorkloadKind says what a WorkloadRef stands for.
type WorkloadKind int

const (
	// KindWorkload is a Kubernetes workload: Workload is "Kind/name" as in
	// PodInfo.Workload. It is the zero value.
	KindWorkload WorkloadKind = iota
	// KindQuery is the command line's own QUERY with every selection flag, which
	// the Catalog holds; Workload is its title (QueryTitle and the query).
	KindQuery
	// KindNode is a node's own logs (tailui node/NAME): Node is the node's name,
	// Workload its title (NodeTitle and the name).
	KindNode
)

// The titles before a query's or a node's name in WorkloadRef.Workload; shown on
// the pane only, never parsed back (WorkloadRef.Kind says what a ref is).
const (
	QueryTitle = "Query/"
	NodeTitle  = "Node/"
)

// WorkloadRef names a workload whose pods should be streamed, including pods
// created after the selection was made (for example during a rollout).
type WorkloadRef struct {
	// Context is the workload's cluster (PodInfo.Context); "" with one cluster.
	Context   string
	Namespace string
	// Workload is "Kind/name" exactly as in PodInfo.Workload, or with Kind
	// KindQuery or KindNode the pane's title.
	Workload string
	// Kind says what the ref stands for (zero: a Kubernetes workload).
	Kind WorkloadKind
	// Node is the node's name with KindNode.
	Node string
}

// QueryRef is the ref of the command line's query (label: the QUERY as typed, or
// a word for selection flags alone) in a namespace of one cluster.
func QueryRef(context, namespace, label string) WorkloadRef {
	return WorkloadRef{Context: context, Namespace: namespace, Workload: QueryTitle + label, Kind: KindQuery}
}

// NodeRef is the ref of a node's logs; context "" means the node of every cluster given.
func NodeRef(context, node string) WorkloadRef {
	return WorkloadRef{Context: context, Workload: NodeTitle + node, Kind: KindNode, Node: node}
}

// Selection is what one pane streams. The UI builds one Selection per pane and
// passes it to Catalog.Open; an empty Selection is never opened.
type Selection struct {
	// Pods are individual pods (and containers) to stream.
	Pods []PodRef
	// Workloads are workloads to follow: the Catalog streams every current and
	// future pod they own.
	Workloads []WorkloadRef
	// LokiQueries are LogQL queries to tail, one source each. Each is a full
	// LogQL log query, e.g. `{namespace="prod",app="web"} |= "error"`.
	LokiQueries []string
	// Merged reports whether the lines of everything selected are shown
	// interleaved in one pane. It is a hint: the UI asks for one pane per
	// source by opening one Selection per source.
	Merged bool
}

// IsEmpty reports whether s selects nothing.
func (s Selection) IsEmpty() bool {
	return len(s.Pods) == 0 && len(s.Workloads) == 0 && len(s.LokiQueries) == 0
}

// Catalog is how the UI finds and opens things to stream. It is implemented
// outside the UI (by package kube in tailui) and must be safe for use from
// several goroutines. The UI calls WatchPods and Loki once at start and Open
// whenever the user opens a pane.
type Catalog interface {
	// WatchPods streams full snapshots of the pods the user may pick from,
	// throttled by the implementation (a few per second at most). The channel
	// is closed when ctx ends. An error that wraps ErrFatal stops the UI with
	// a full-screen message; any other error is shown in the sources panel.
	// A channel and an error both (some of several clusters failed) show the
	// error above the pods of the others.
	WatchPods(ctx context.Context) (<-chan []PodInfo, error)
	// Open returns the sources to run for sel. The UI runs each one in its own
	// goroutine, sinking into the pane, and cancels them when the pane closes.
	Open(sel Selection) ([]stream.Source, error)
	// Loki returns the Loki catalog, or nil and the reason (shown in the Loki
	// section) when no Loki is reachable.
	Loki() (LokiCatalog, error)
}

// LokiCatalog browses Loki's label index for the sources panel. Every method
// is called from a command goroutine, never from Update; results are shown
// after sanitizing.
type LokiCatalog interface {
	// Labels returns the label names known to Loki (recent streams).
	Labels(ctx context.Context) ([]string, error)
	// Values returns the values of one label.
	Values(ctx context.Context, name string) ([]string, error)
	// Series returns the label sets matching a LogQL stream selector such as
	// `{namespace="prod"}`.
	Series(ctx context.Context, selector string) ([]map[string]string, error)
	// Describe says how Loki is reached, as a whole phrase, e.g. "Loki via
	// gateway: svc monitoring/tailui-gateway through the API server's service proxy".
	Describe() string
}

// ErrFatal marks errors the UI cannot work around (no kubeconfig, no access at
// all). Wrap it: fmt.Errorf("%w: %w", ui.ErrFatal, err).
var ErrFatal = errors.New("fatal")

// OlderSource is a source (from Catalog.Open) that can read what its origins logged
// before the first lines they delivered: a pane scrolled to its top offers to load
// them. Both methods are safe for use from several goroutines; ReadOlder is called
// from a command goroutine, MayHaveOlder from Update (it must be quick).
type OlderSource interface {
	stream.Source
	// MayHaveOlder reports whether o is one of the source's origins and its first
	// lines came from a read bounded by a count or a time (--tail, the pane's
	// scrollback): its log may hold older lines.
	MayHaveOlder(o *stream.Origin) bool
	// ReadOlder reads o's log once, without following, its last n lines with their
	// times, each line with o as its Origin, sanitized as the stream's are. An
	// error says, in a phrase, why it could not (the pod is gone, no access).
	ReadOlder(ctx context.Context, o *stream.Origin, n int64) ([]stream.Line, error)
}
