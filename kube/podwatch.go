package kube

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// podWatchers are one cluster's shared pod informers: one per namespace ("" for all
// namespaces), started by its first user and stopped when its last user leaves. Every
// Follower of a Client (every pane of one cluster) subscribes here, so N panes on one
// namespace cost one list and one watch, not N, and the pods are held once.
//
// The informer watches the whole namespace, without selectors; each subscriber filters
// by its own label and field selectors (and the Query's name patterns) on this side.
// The Follower's first list still goes to the API server with its selectors, so a
// selector the server refuses is reported there, before any watch.
type podWatchers struct {
	mu   sync.Mutex
	byNS map[string]*podInformer
}

// podInformer is one namespace's shared informer and its users.
type podInformer struct {
	inf    cache.SharedIndexInformer
	cancel context.CancelFunc
	done   chan struct{} // closed when the informer has stopped
	users  int

	errMu  sync.Mutex
	onErr  map[int]func(error) // by subscription
	nextID int
}

// watchersMu guards the lazy creation of Client.watchers (a Client is often a
// struct literal).
var watchersMu sync.Mutex

func (c *Client) podWatchers() *podWatchers {
	watchersMu.Lock()
	defer watchersMu.Unlock()
	if c.watchers == nil {
		c.watchers = &podWatchers{byNS: map[string]*podInformer{}}
	}
	return c.watchers
}

// acquire returns the namespace's informer, starting it for the first user.
func (w *podWatchers) acquire(c *Client, ns string) *podInformer {
	w.mu.Lock()
	defer w.mu.Unlock()
	if pi, ok := w.byNS[ns]; ok {
		pi.users++
		return pi
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return c.Clientset.CoreV1().Pods(ns).List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.Clientset.CoreV1().Pods(ns).Watch(ctx, o)
		},
	}
	pi := &podInformer{
		inf:   cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{}),
		done:  make(chan struct{}),
		users: 1,
		onErr: map[int]func(error){},
	}
	_ = pi.inf.SetTransform(slimPod)
	_ = pi.inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		pi.errMu.Lock()
		fns := make([]func(error), 0, len(pi.onErr))
		for _, fn := range pi.onErr {
			fns = append(fns, fn)
		}
		pi.errMu.Unlock()
		for _, fn := range fns {
			fn(err)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	pi.cancel = cancel
	go func() { defer close(pi.done); pi.inf.RunWithContext(ctx) }()
	w.byNS[ns] = pi
	return pi
}

// slimPod is the informer's transform: it keeps of a pod what tailui reads (its
// metadata but the server-side apply bookkeeping, the containers' names and restart
// policies, the few spec fields a field selector can name, and the status but its
// conditions) and lets the rest go. The informer holds every pod of a namespace,
// and the streams hold the pods they started from: on a real cluster a pod's spec
// (env, volumes, probes, resources) and managedFields are most of its 10-30 KiB
// decoded, several hundred MiB at 5,000 pods for nothing. Idempotent, as a
// transform must be; objects of other types pass through.
func slimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	p.ManagedFields = nil
	spec := corev1.PodSpec{
		NodeName:           p.Spec.NodeName,
		RestartPolicy:      p.Spec.RestartPolicy,
		SchedulerName:      p.Spec.SchedulerName,
		ServiceAccountName: p.Spec.ServiceAccountName,
		HostNetwork:        p.Spec.HostNetwork,
	}
	if n := len(p.Spec.InitContainers); n > 0 {
		spec.InitContainers = make([]corev1.Container, n)
		for i, c := range p.Spec.InitContainers {
			spec.InitContainers[i] = corev1.Container{Name: c.Name, RestartPolicy: c.RestartPolicy}
		}
	}
	if n := len(p.Spec.Containers); n > 0 {
		spec.Containers = make([]corev1.Container, n)
		for i, c := range p.Spec.Containers {
			spec.Containers[i] = corev1.Container{Name: c.Name}
		}
	}
	if n := len(p.Spec.EphemeralContainers); n > 0 {
		spec.EphemeralContainers = make([]corev1.EphemeralContainer, n)
		for i, c := range p.Spec.EphemeralContainers {
			spec.EphemeralContainers[i] = corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: c.Name}}
		}
	}
	p.Spec = spec
	p.Status.Conditions = nil
	return p, nil
}

// release drops one user of the namespace's informer and stops it after the last.
func (w *podWatchers) release(ns string, pi *podInformer) {
	w.mu.Lock()
	pi.users--
	last := pi.users == 0
	if last && w.byNS[ns] == pi {
		delete(w.byNS, ns)
	}
	w.mu.Unlock()
	if last {
		pi.cancel()
		<-pi.done
	}
}

// active reports how many namespace informers run (for tests).
func (w *podWatchers) active() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.byNS)
}

// podFilter is one subscriber's view of a namespace: its selectors and name patterns.
type podFilter struct {
	q      *Query
	labels labels.Selector
	fields fields.Selector
}

func newPodFilter(q *Query, sc scope) (*podFilter, error) {
	ls, err := labels.Parse(sc.labelSelector)
	if err != nil {
		return nil, fmt.Errorf("label selector %q: %w", sc.labelSelector, err)
	}
	fs, err := fields.ParseSelector(sc.fieldSelector)
	if err != nil {
		return nil, fmt.Errorf("field selector %q: %w", sc.fieldSelector, err)
	}
	return &podFilter{q: q, labels: ls, fields: fs}, nil
}

func (f *podFilter) matches(p *corev1.Pod) bool {
	if !f.labels.Empty() && !f.labels.Matches(labels.Set(p.Labels)) {
		return false
	}
	if !f.fields.Empty() && !f.fields.Matches(podFields(p)) {
		return false
	}
	return f.q.podMatches(p)
}

// podFields are the fields a pod can be selected by, as the API server has them
// (k8s.io/kubernetes pkg/registry/core/pod ToSelectableFields).
func podFields(p *corev1.Pod) fields.Set {
	podIP := ""
	if len(p.Status.PodIPs) > 0 {
		podIP = p.Status.PodIPs[0].IP
	}
	return fields.Set{
		"metadata.name":            p.Name,
		"metadata.namespace":       p.Namespace,
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             podIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

// subscribe adds a handler for the scope's pods to the namespace's shared informer
// and returns the function that removes it (and stops the informer after its last
// user). Events are sent until ctx ends; onError, when set, hears the informer's
// watch errors.
func (w *podWatchers) subscribe(ctx context.Context, c *Client, q *Query, sc scope, events chan<- podEvent, onError func(error)) (func(), error) {
	filter, err := newPodFilter(q, sc)
	if err != nil {
		return nil, err
	}
	pi := w.acquire(c, sc.namespace)
	send := func(p *corev1.Pod, deleted bool) {
		select {
		case events <- podEvent{pod: p, deleted: deleted}:
		case <-ctx.Done():
		}
	}
	reg, err := pi.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) {
			if p := o.(*corev1.Pod); filter.matches(p) {
				send(p, false)
			}
		},
		UpdateFunc: func(old, o any) {
			p := o.(*corev1.Pod)
			switch {
			case filter.matches(p):
				send(p, false)
			case filter.matches(old.(*corev1.Pod)):
				// It left the selection: a watch with the selector would say deleted.
				send(p, true)
			}
		},
		DeleteFunc: func(o any) {
			if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if p, ok := o.(*corev1.Pod); ok && filter.matches(p) {
				send(p, true)
			}
		},
	})
	if err != nil {
		w.release(sc.namespace, pi)
		return nil, err
	}
	id := -1
	if onError != nil {
		pi.errMu.Lock()
		id = pi.nextID
		pi.nextID++
		pi.onErr[id] = onError
		pi.errMu.Unlock()
	}
	return func() {
		if id >= 0 {
			pi.errMu.Lock()
			delete(pi.onErr, id)
			pi.errMu.Unlock()
		}
		_ = pi.inf.RemoveEventHandler(reg)
		w.release(sc.namespace, pi)
	}, nil
}
