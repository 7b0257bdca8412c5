package kube

import (
	"bufio"
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailui/tailui/stream"
)

// PodRefetcher reads again from the pod the entries a Loki tail dropped: a Loki
// stream whose labels name a pod that still exists (namespace, pod and container,
// through the labels of --fill-labels) is read once from the second of the first
// dropped entry (sinceTime, timestamps=true) until past the last one. It is safe
// for concurrent use.
type PodRefetcher struct {
	client *Client
	labels map[string]string // field (namespace, pod, container) to Loki label
	keep   bool
}

// NewPodRefetcher returns a refetcher reading pods through c; labels map the
// fields namespace, pod and container to the Loki labels that hold them (Loki's
// ParseFillLabels); keepSGR as the tail's.
func NewPodRefetcher(c *Client, labels map[string]string, keepSGR bool) *PodRefetcher {
	return &PodRefetcher{client: c, labels: labels, keep: keepSGR}
}

// target returns the namespace, pod and container o's labels name.
func (p *PodRefetcher) target(o *stream.Origin) (ns, pod, ctr string, ok bool) {
	ns, pod, ctr = o.Fields[p.labels["namespace"]], o.Fields[p.labels["pod"]], o.Fields[p.labels["container"]]
	return ns, pod, ctr, ns != "" && pod != "" && ctr != ""
}

// Names reports whether o's labels name a pod's container.
func (p *PodRefetcher) Names(o *stream.Origin) bool {
	_, _, _, ok := p.target(o)
	return ok
}

// Refetch reads the pod's log lines from the second of the earliest of at until
// past the latest (Unix ns), with their timestamps.
func (p *PodRefetcher) Refetch(ctx context.Context, o *stream.Origin, at []int64) ([]stream.Line, error) {
	ns, pod, ctr, ok := p.target(o)
	if !ok {
		return nil, fmt.Errorf("its labels name no pod (want %s, %s and %s)", p.labels["namespace"], p.labels["pod"], p.labels["container"])
	}
	lo, hi := at[0], at[0]
	for _, ts := range at {
		lo, hi = min(lo, ts), max(hi, ts)
	}
	since := metav1.NewTime(time.Unix(0, lo).Truncate(time.Second))
	rc, err := p.client.Clientset.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{
		Container: ctr, Timestamps: true, SinceTime: &since}).Stream(ctx)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("pod %s/%s (container %s) is gone", ns, pod, ctr)
		}
		return nil, fmt.Errorf("read pod %s/%s: %s", ns, pod, Explain(err))
	}
	defer rc.Close()
	var out []stream.Line
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		t, rest, ok := stream.SplitTimestamp(sc.Bytes())
		if !ok {
			continue
		}
		if t.UnixNano() > hi {
			return out, nil
		}
		if t.UnixNano() >= lo {
			out = append(out, stream.Line{Origin: o, Time: t, Text: stream.Sanitize(rest, stream.SanitizeOptions{KeepSGR: p.keep})})
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read pod %s/%s: %w", ns, pod, err)
	}
	return out, nil
}
