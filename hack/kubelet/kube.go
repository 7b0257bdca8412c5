package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// podSync keeps the store in line with the pods bound to this node and tells the API
// server what the "containers" are doing.
type podSync struct {
	client kubernetes.Interface
	store  *Store
	node   string
	hostIP string
	log    *slog.Logger
}

// run watches the node's pods until ctx ends. The informer re-lists after a watch
// expires, so a long-running kubelet never loses track.
func (s *podSync) run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactoryWithOptions(s.client, 10*time.Minute,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", s.node).String()
		}))
	inf := factory.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.onPod(obj) },
		UpdateFunc: func(_, obj any) { s.onPod(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*v1.Pod); ok {
				s.store.Remove(pod.Namespace, pod.Name, pod.UID)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("kubelet: pod informer: %w", err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("kubelet: pod informer did not sync")
	}
	s.log.Info("watching pods", "node", s.node)
	<-ctx.Done()
	factory.Shutdown()
	return nil
}

func (s *podSync) onPod(obj any) {
	pod, ok := obj.(*v1.Pod)
	if !ok || pod.Spec.NodeName != s.node {
		return
	}
	p, created := s.store.Sync(pod)
	if pod.DeletionTimestamp != nil {
		go s.finishDeletion(p, pod)
		return
	}
	if created {
		go p.publish()
	}
}

// finishDeletion does what a kubelet does for a pod being deleted: stop its
// containers, report them terminated, then remove the object for good.
func (s *podSync) finishDeletion(p *podState, pod *v1.Pod) {
	s.store.mu.Lock()
	already := p.stopped
	s.store.mu.Unlock()
	if already {
		return
	}
	s.store.Kill(p)
	p.publish()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	uid := pod.UID
	err := s.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: new(int64),
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		s.log.Warn("deleting pod failed", "pod", p.key(), "err", err)
	}
}

// publishStatus patches a pod's status subresource with what the store says. It
// retries briefly; the pod may be gone, which is fine.
func (s *podSync) publishStatus(p *podState) {
	st := podStatus(p, s.hostIP)
	body, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": p.uid}, // fails if the pod was replaced meanwhile
		"status":   st,
	})
	if err != nil {
		s.log.Error("encoding pod status", "pod", p.key(), "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		_, err = s.client.CoreV1().Pods(p.ns).Patch(ctx, p.name, types.MergePatchType, body, metav1.PatchOptions{}, "status")
		if err == nil {
			s.log.Info("pod status", "pod", p.key(), "phase", st.Phase, "ip", st.PodIP)
			return
		}
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
			s.log.Info("pod status not written", "pod", p.key(), "err", err)
			return
		}
		if ctx.Err() != nil {
			// A real kubelet's status manager writes again what the API server does
			// not have yet on its next sync (every 10 s); without that, thousands of
			// pods started at once (the client waits its turn, QPS 100) left some
			// Pending for good.
			s.log.Warn("pod status not written; retrying in 10s", "pod", p.key(), "attempts", attempt, "err", err)
			time.AfterFunc(10*time.Second, func() { s.publishStatus(p) })
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay *= 2
	}
}
