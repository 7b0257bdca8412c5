package main

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
)

// objectClient is what the typed clients of client-go offer for one kind.
type objectClient[T metav1.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// ensure creates want, or brings an existing object in line: its labels, annotations
// and owner references always, the rest through merge (which copies the mutable parts
// of want into the existing object and reports whether anything changed). It returns
// the stored object, whose UID owners need.
func ensure[T metav1.Object](ctx context.Context, c objectClient[T], want T, merge func(have, want T) bool) (T, error) {
	var out T
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := c.Get(ctx, want.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			out, err = c.Create(ctx, want, metav1.CreateOptions{FieldManager: "testbed-seed"})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(schema.GroupResource{Resource: kindOf(want)}, want.GetName(), err)
			}
			return err
		}
		if err != nil {
			return err
		}
		changed := mergeMeta(have, want)
		if merge != nil && merge(have, want) {
			changed = true
		}
		if !changed {
			out = have
			return nil
		}
		out, err = c.Update(ctx, have, metav1.UpdateOptions{FieldManager: "testbed-seed"})
		return err
	})
	if err != nil {
		return out, fmt.Errorf("seed: %s %s/%s: %w", kindOf(want), want.GetNamespace(), want.GetName(), err)
	}
	return out, nil
}

// mergeMeta copies want's labels and annotations over have's (keeping keys others
// added) and replaces the owner references. It reports whether have changed.
func mergeMeta(have, want metav1.Object) bool {
	changed := false
	merge := func(h, w map[string]string) (map[string]string, bool) {
		if len(w) == 0 {
			return h, false
		}
		if h == nil {
			h = map[string]string{}
		}
		c := false
		for k, v := range w {
			if h[k] != v {
				h[k] = v
				c = true
			}
		}
		return h, c
	}
	if l, c := merge(have.GetLabels(), want.GetLabels()); c {
		have.SetLabels(l)
		changed = true
	}
	if a, c := merge(have.GetAnnotations(), want.GetAnnotations()); c {
		have.SetAnnotations(a)
		changed = true
	}
	if len(want.GetOwnerReferences()) > 0 && !reflect.DeepEqual(have.GetOwnerReferences(), want.GetOwnerReferences()) {
		have.SetOwnerReferences(want.GetOwnerReferences())
		changed = true
	}
	return changed
}

// set copies want into *have when they differ and reports whether it did.
func set[T any](have *T, want T) bool {
	if reflect.DeepEqual(*have, want) {
		return false
	}
	*have = want
	return true
}

func setMap(have *map[string]string, want map[string]string) bool {
	if maps.Equal(*have, want) {
		return false
	}
	*have = want
	return true
}

func kindOf(obj any) string {
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
