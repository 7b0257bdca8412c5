package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podEvent is what discovery tells the follower about a pod.
type podEvent struct {
	pod     *corev1.Pod
	deleted bool
}

// scope is one namespace ("" for all) with the selectors that pick pods in it.
type scope struct {
	namespace     string
	labelSelector string
	fieldSelector string
}

// resolveScopes turns a query into the list/watch scopes it needs.
func (c *Client) resolveScopes(ctx context.Context, q *Query) ([]scope, error) {
	namespaces := q.Namespaces
	switch {
	case q.AllNamespaces:
		namespaces = []string{""}
	case len(namespaces) == 0:
		namespaces = []string{c.Namespace}
	}
	var out []scope
	for _, ns := range namespaces {
		sc := scope{namespace: ns, labelSelector: q.LabelSelector, fieldSelector: q.FieldSelector}
		if q.Workload != "" {
			if ns == "" {
				return nil, fmt.Errorf("%s: a workload lives in one namespace; use -n instead of -A", q.Workload)
			}
			ls, fs, err := c.resolveWorkload(ctx, ns, q.Workload)
			if err != nil {
				if apierrors.IsNotFound(err) {
					return nil, fmt.Errorf("%s not found in namespace %q: %s", q.Workload, ns, Explain(err))
				}
				return nil, fmt.Errorf("%s: %s", q.Workload, Explain(err))
			}
			sc.labelSelector = andSelectors(sc.labelSelector, ls)
			sc.fieldSelector = andSelectors(sc.fieldSelector, fs)
		}
		out = append(out, sc)
	}
	return out, nil
}

// describeScopes says in words what the scopes select, for "no pod matches ..." messages.
func describeScopes(q *Query, scopes []scope) string {
	var parts []string
	if q.Workload != "" {
		parts = append(parts, q.Workload)
	} else if q.PodName != nil {
		parts = append(parts, fmt.Sprintf("name ~ %q", q.PodName.String()))
	}
	if q.LabelSelector != "" {
		parts = append(parts, "labels "+q.LabelSelector)
	}
	if q.FieldSelector != "" {
		parts = append(parts, "fields "+q.FieldSelector)
	}
	var nss []string
	for _, s := range scopes {
		if s.namespace == "" {
			nss = append(nss, "all namespaces")
		} else {
			nss = append(nss, "namespace "+s.namespace)
		}
	}
	what := "any pod"
	if len(parts) > 0 {
		what = strings.Join(parts, ", ")
	}
	return what + " in " + strings.Join(nss, ", ")
}

// listPods lists the pods of the scopes once (fail fast: RBAC, unknown namespace).
func (c *Client) listPods(ctx context.Context, q *Query, scopes []scope) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	for _, sc := range scopes {
		list, err := c.Clientset.CoreV1().Pods(sc.namespace).List(ctx, metav1.ListOptions{
			LabelSelector: sc.labelSelector, FieldSelector: sc.fieldSelector,
		})
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			if q.podMatches(&list.Items[i]) {
				out = append(out, &list.Items[i])
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// watchPods subscribes to the cluster's shared pod informer of every scope's namespace
// (podwatch.go) and reports every add, change and delete of a matching pod. Informers
// relist and rewatch on their own when the API server times a watch out or the
// connection drops, so discovery outlives any single watch. The returned function
// ends the subscriptions; events stop being sent once ctx ends.
func (c *Client) watchPods(ctx context.Context, q *Query, scopes []scope, events chan<- podEvent, onError func(error)) (func(), error) {
	w := c.podWatchers()
	var stops []func()
	stopAll := func() {
		for _, stop := range stops {
			stop()
		}
	}
	for _, sc := range scopes {
		stop, err := w.subscribe(ctx, c, q, sc, events, onError)
		if err != nil {
			stopAll()
			return nil, err
		}
		stops = append(stops, stop)
	}
	return stopAll, nil
}
