package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/httpstream"
	streamhttp "k8s.io/streaming/pkg/httpstream"
)

func TestExplainAndIsPermanent(t *testing.T) {
	podsLog := schema.GroupResource{Resource: "pods/log"}
	forbiddenNS := apierrors.NewForbidden(podsLog, "web-1",
		errors.New(`User "alice" cannot get resource "pods/log" in API group "" in the namespace "shop"`))
	forbiddenCluster := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "",
		errors.New(`User "system:serviceaccount:ci:bot" cannot list resource "pods" in API group "" at the cluster scope`))
	forbiddenGroup := apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web",
		errors.New(`User "bob" cannot get resource "deployments" in API group "apps" in the namespace "shop"`))
	forbiddenOther := apierrors.NewForbidden(podsLog, "web-1", errors.New("admission webhook said no"))
	notReady := apierrors.NewBadRequest(`container "app" in pod "web-1" is waiting to start: ContainerCreating`)
	initializing := apierrors.NewBadRequest(`container "app" in pod "web-1" is waiting to start: PodInitializing`)
	unreachable := &url.Error{Op: "Get", URL: "https://10.0.0.1:6443/api/v1/namespaces/ns/pods?limit=500",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}

	cases := []struct {
		name      string
		err       error
		explain   []string // substrings of Explain
		permanent bool
	}{
		{name: "nil", err: nil, explain: []string{""}},
		{name: "forbidden in a namespace", err: forbiddenNS, permanent: true,
			explain: []string{`forbidden: user "alice" cannot get pods/log in namespace "shop"`, "ask for RBAC get on pods/log"}},
		{name: "forbidden at cluster scope", err: forbiddenCluster, permanent: true,
			explain: []string{`user "system:serviceaccount:ci:bot" cannot list pods at cluster scope`}},
		{name: "forbidden in an API group", err: forbiddenGroup, permanent: true,
			explain: []string{`user "bob" cannot get deployments.apps in namespace "shop"`}},
		{name: "forbidden, not by RBAC", err: forbiddenOther, permanent: true,
			explain: []string{"forbidden: ", "admission webhook said no"}},
		{name: "unauthorized", err: apierrors.NewUnauthorized("token expired"), permanent: true,
			explain: []string{"unauthorized:", "token expired", "log in again"}},
		{name: "not found", err: apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "web-1"), permanent: true,
			explain: []string{`pods "web-1" not found`}},
		{name: "bad request", err: apierrors.NewBadRequest("container bogus is not valid for pod web-1"), permanent: true,
			explain: []string{"container bogus is not valid for pod web-1"}},
		{name: "invalid", err: apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "web-1", nil), permanent: true,
			explain: []string{"web-1"}},
		{name: "container not ready", err: notReady, permanent: false,
			explain: []string{"is waiting to start: ContainerCreating"}},
		{name: "pod initializing", err: initializing, permanent: false,
			explain: []string{"PodInitializing"}},
		{name: "server timeout", err: apierrors.NewServerTimeout(schema.GroupResource{Resource: "pods"}, "get", 1), permanent: false},
		{name: "internal error", err: apierrors.NewInternalError(errors.New("etcd is sad")), permanent: false,
			explain: []string{"etcd is sad"}},
		{name: "too many requests", err: apierrors.NewTooManyRequests("slow down", 1), permanent: false,
			explain: []string{"slow down"}},
		{name: "unreachable API server", err: unreachable, permanent: false,
			explain: []string{"cannot reach the API server at https://10.0.0.1:6443", "connection refused"}},
		{name: "plain error", err: errors.New("stream broke: EOF"), explain: []string{"stream broke: EOF"}},
		// A refused WebSocket upgrade carries the Status inside, under either
		// package's UpgradeFailureError (neither unwraps).
		{name: "forbidden behind client-go's upgrade failure", err: &streamhttp.UpgradeFailureError{Cause: forbiddenNS}, permanent: true,
			explain: []string{`forbidden: user "alice" cannot get pods/log in namespace "shop"`}},
		{name: "forbidden behind apimachinery's upgrade failure", err: &httpstream.UpgradeFailureError{Cause: forbiddenNS}, permanent: true,
			explain: []string{`forbidden: user "alice" cannot get pods/log in namespace "shop"`}},
		{name: "wrapped upgrade failure", err: fmt.Errorf("open: %w", &streamhttp.UpgradeFailureError{Cause: notReady}), permanent: false,
			explain: []string{"is waiting to start: ContainerCreating"}},
		{name: "upgrade refused by a proxy", err: &streamhttp.UpgradeFailureError{Cause: errors.New("websocket: bad handshake (400 Bad Request): no upgrades here")},
			permanent: false, explain: []string{"no upgrades here"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err)
			for _, w := range tc.explain {
				if !strings.Contains(got, w) {
					t.Errorf("Explain = %q, want it to say %q", got, w)
				}
			}
			if strings.Contains(got, "\n") {
				t.Errorf("Explain = %q: more than one line", got)
			}
			if tc.err == nil {
				return
			}
			if p := IsPermanent(tc.err); p != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v", p, tc.permanent)
			}
		})
	}
}

func TestFallbackToHTTP(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"a proxy refused the upgrade", &streamhttp.UpgradeFailureError{Cause: errors.New("websocket: bad handshake (400 Bad Request)")}, true},
		{"the same, apimachinery's type", &httpstream.UpgradeFailureError{Cause: errors.New("bad handshake")}, true},
		{"the API server refused the request", &streamhttp.UpgradeFailureError{Cause: apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "p", errors.New("no"))}, false},
		{"the Status itself", apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p"), false},
		{"a broken stream", errors.New("stream broke: EOF"), false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		if got := fallbackToHTTP(tc.err); got != tc.want {
			t.Errorf("%s: fallbackToHTTP = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsUnreachable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&url.Error{Op: "Get", URL: "https://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, true},
		{&url.Error{Op: "Get", URL: "https://x", Err: context.Canceled}, false},
		{apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p"), false},
		{errors.New("x"), false},
	}
	for _, tc := range cases {
		if got := IsUnreachable(tc.err); got != tc.want {
			t.Errorf("IsUnreachable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
