package kube

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// PodSummary is one pod as a pod picker shows it. It has ui.PodInfo's shape, field
// for field, so that the CLI hands it to the UI with a type conversion (ui imports
// no kube, kube no ui; a pod picker's row is not the line model, so it is not in
// stream): a field added to one and not the other breaks that conversion's build.
type PodSummary struct {
	Namespace, Name string
	// Workload is "Kind/name" of the owning workload; a ReplicaSet owned by a
	// Deployment is reported as the Deployment (from the ReplicaSet's name).
	Workload     string
	Phase        string
	Ready, Total int
	Restarts     int
	// Containers lists readable containers; init and ephemeral ones are prefixed
	// "init:" and "debug:".
	Containers []string
	Reason     string
	Deleted    bool
	// Context is the kubeconfig context of the pod's cluster when several are
	// followed; Summarize leaves it "" and the caller, who knows the cluster, sets it.
	Context string
}

// Summarize reads a pod into a PodSummary.
func Summarize(p *corev1.Pod) PodSummary {
	s := PodSummary{Namespace: p.Namespace, Name: p.Name, Phase: string(p.Status.Phase), Deleted: p.DeletionTimestamp != nil}
	if s.Phase == "" {
		s.Phase = "Pending"
	}
	for _, o := range p.OwnerReferences {
		if o.Controller == nil || !*o.Controller {
			continue
		}
		kind, name := o.Kind, o.Name
		if kind == "ReplicaSet" {
			// web-7c9d8f6b5 belongs to Deployment web (the pod-template-hash suffix).
			if h := p.Labels["pod-template-hash"]; h != "" && strings.HasSuffix(name, "-"+h) {
				kind, name = "Deployment", strings.TrimSuffix(name, "-"+h)
			}
		}
		s.Workload = kind + "/" + name
	}
	for _, c := range p.Spec.InitContainers {
		s.Containers = append(s.Containers, initPrefix+c.Name)
	}
	for _, c := range p.Spec.Containers {
		s.Containers = append(s.Containers, c.Name)
	}
	for _, c := range p.Spec.EphemeralContainers {
		s.Containers = append(s.Containers, debugPrefix+c.Name)
	}
	s.Total = len(p.Spec.Containers)
	reason := func(cs corev1.ContainerStatus) {
		s.Restarts += int(cs.RestartCount)
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			s.Reason = cs.State.Waiting.Reason
		case cs.State.Terminated != nil && cs.State.Terminated.Reason != "" && s.Reason == "":
			if cs.State.Terminated.Reason != "Completed" {
				s.Reason = cs.State.Terminated.Reason
			}
		}
	}
	for _, cs := range p.Status.InitContainerStatuses {
		reason(cs)
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			s.Ready++
		}
		reason(cs)
	}
	if s.Reason == "" && p.Status.Reason != "" {
		s.Reason = p.Status.Reason
	}
	return s
}

// WatchPodSummaries watches the pods of the namespaces (all when namespaces is
// empty and all is true) and sends a full, sorted snapshot whenever something
// changed, at most every interval. The channel closes when ctx ends. The first
// error (RBAC, unknown namespace) is returned before anything is watched.
func (c *Client) WatchPodSummaries(ctx context.Context, namespaces []string, all bool, interval time.Duration) (<-chan []PodSummary, error) {
	if all {
		namespaces = []string{""}
	} else if len(namespaces) == 0 {
		namespaces = []string{c.Namespace}
	}
	// Fail fast and clearly on what a watch would only retry forever.
	for _, ns := range namespaces {
		if _, err := c.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			return nil, errors.New(Explain(err))
		}
	}
	var (
		mu    sync.Mutex
		pods  = map[string]*corev1.Pod{}
		dirty = make(chan struct{}, 1)
	)
	mark := func() {
		select {
		case dirty <- struct{}{}:
		default:
		}
	}
	for _, ns := range namespaces {
		lw := &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.Clientset.CoreV1().Pods(ns).List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return c.Clientset.CoreV1().Pods(ns).Watch(ctx, o)
			},
		}
		inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
		_ = inf.SetTransform(slimPod) // Summarize reads nothing it drops
		put := func(o any) {
			if p, ok := o.(*corev1.Pod); ok {
				mu.Lock()
				pods[p.Namespace+"/"+p.Name] = p
				mu.Unlock()
				mark()
			}
		}
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    put,
			UpdateFunc: func(_, o any) { put(o) },
			DeleteFunc: func(o any) {
				if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
					o = t.Obj
				}
				if p, ok := o.(*corev1.Pod); ok {
					mu.Lock()
					delete(pods, p.Namespace+"/"+p.Name)
					mu.Unlock()
					mark()
				}
			},
		})
		go inf.RunWithContext(ctx)
	}
	out := make(chan []PodSummary, 1)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case <-dirty:
			}
			mu.Lock()
			snap := make([]PodSummary, 0, len(pods))
			for _, p := range pods {
				snap = append(snap, Summarize(p))
			}
			mu.Unlock()
			sort.Slice(snap, func(i, j int) bool {
				if snap[i].Namespace != snap[j].Namespace {
					return snap[i].Namespace < snap[j].Namespace
				}
				return snap[i].Name < snap[j].Name
			})
			select {
			case out <- snap:
			case <-ctx.Done():
				return
			}
			select { // throttle: at most one snapshot per interval
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}()
	return out, nil
}
