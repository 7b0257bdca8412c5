//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestRBACLogViewer applies deploy/rbac.yaml to the bed, then shows that its user
// (log-viewer, context testbed-viewer) can do everything tailui does, by running
// tailui as that user, and nothing more: its rules in a namespace are exactly the
// role's, and a list of things a log viewer must not do is refused. The bindings are
// removed at the end, as the bed's contract says (the viewer has no rights of its own).
func TestRBACLogViewer(t *testing.T) {
	ctx := context.Background()
	manifest := filepath.Join(bed.root, "deploy", "rbac.yaml")
	kubectl := func(args ...string) result {
		t.Helper()
		r := runCmd(t, time.Minute, bed.kubectl, append([]string{"--context", "testbed"}, args...)...)
		if r.code != 0 {
			t.Fatalf("kubectl %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		return r
	}
	vcfg := restConfigFor(t, "testbed-viewer")
	vcfg.QPS, vcfg.Burst = 100, 100 // many access reviews; client-go's default limiter would pace them
	viewer, err := kubernetes.NewForConfig(vcfg)
	if err != nil {
		t.Fatal(err)
	}
	can := func(a authorizationv1.ResourceAttributes) bool {
		t.Helper()
		r, err := viewer.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx,
			&authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &a}},
			metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r.Status.Allowed
	}
	listPods := authorizationv1.ResourceAttributes{Namespace: "shop", Verb: "list", Resource: "pods"}
	// waitCan polls until the authorizer's view of the bindings settles (it follows
	// RBAC objects through an informer).
	waitCan := func(want bool) {
		t.Helper()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(30 * time.Second)
		for can(listPods) != want {
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("viewer can list pods: still %v after 30 s", !want)
			}
		}
	}

	// Start from nothing: an earlier run, or a person, may have left the bindings.
	kubectl("delete", "--ignore-not-found", "-f", manifest)
	waitCan(false)
	if r := runTailui(t, time.Minute, "--context", "testbed-viewer", "--plain", "--no-follow", "--tail", "1", "deploy/web", "-n", "shop"); r.code != 1 || !strings.Contains(string(r.stderr), "forbidden") {
		t.Fatalf("without the bindings: exit %d, stderr %q; want 1 and forbidden", r.code, r.stderr)
	}

	kubectl("apply", "-f", manifest)
	t.Cleanup(func() {
		r := runCmd(t, time.Minute, bed.kubectl, "--context", "testbed", "delete", "--ignore-not-found", "-f", manifest)
		if r.code != 0 {
			t.Errorf("cleanup: kubectl delete -f deploy/rbac.yaml: %s", r.stderr)
		}
	})
	waitCan(true)

	// noRBACTrouble fails when tailui reports a refused request.
	noRBACTrouble := func(t *testing.T, what string, stderr []byte) {
		t.Helper()
		for _, bad := range []string{"forbidden", "Forbidden", "cannot "} {
			if strings.Contains(string(stderr), bad) {
				t.Errorf("%s: tailui reports a refusal:\n%s", what, stderr)
			}
		}
	}

	t.Run("tailui does everything as log-viewer", func(t *testing.T) {
		t.Run("follow", func(t *testing.T) {
			// Discovery (list, watch) and one WebSocket per container, kept open.
			r := startTailui(t, "--context", "testbed-viewer", "--plain", "-o", "raw", "deploy/api", "-n", "shop")
			r.waitFor(t, "20 lines from both api pods", time.Minute, func() bool {
				return len(lines(r.stdout.Bytes())) >= 20
			})
			r.stop()
			noRBACTrouble(t, "follow deploy/api", r.stderr.Bytes())
		})
		for _, tt := range []struct {
			name string
			args []string
		}{
			{"no-follow namespace", []string{"-n", "payments"}},
			{"all namespaces", []string{"-A", "--exclude-pod", "^waiting$"}},
			{"deployment", []string{"deploy/web", "-n", "shop"}},
			{"statefulset", []string{"sts/ledger", "-n", "payments"}},
			{"daemonset", []string{"ds/node-agent", "-n", "kube-system"}},
			{"job", []string{"job/report", "-n", "monitoring"}},
			{"service", []string{"svc/api", "-n", "shop"}},
			{"label selector", []string{"-l", "app=web", "-n", "shop"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				args := append([]string{"--context", "testbed-viewer", "--plain", "--no-follow", "--tail", "2"}, tt.args...)
				r := runTailui(t, 2*time.Minute, args...)
				if r.code != 0 {
					t.Fatalf("exit %d\n%s", r.code, r.stderr)
				}
				if len(lines(r.stdout)) == 0 {
					t.Errorf("no lines\n%s", r.stderr)
				}
				noRBACTrouble(t, tt.name, r.stderr)
			})
		}
		for _, via := range []string{"gateway", "proxy", "port-forward"} {
			t.Run("loki via "+via, func(t *testing.T) {
				r := runTailui(t, 2*time.Minute, "--context", "testbed-viewer", "--plain", "--no-follow",
					"--loki", `{namespace="shop"}`, "--loki-via", via, "--loki-limit", "5")
				if strings.Contains(string(r.stderr), "not implemented") {
					t.Skipf("tailui --loki is not implemented in this tree: %s", r.stderr)
				}
				if r.code != 0 {
					t.Fatalf("exit %d\n%s", r.code, r.stderr)
				}
				if len(lines(r.stdout)) == 0 {
					t.Errorf("no lines\n%s", r.stderr)
				}
				noRBACTrouble(t, "loki via "+via, r.stderr)
			})
		}
	})

	t.Run("its rules are exactly the role's", func(t *testing.T) {
		// SelfSubjectRulesReview lists what the user may do in a namespace: the two
		// roles, plus what every authenticated user has (system:basic-user).
		want := []string{
			"/endpoints get",
			"/namespaces list",
			"/pods get", "/pods list", "/pods watch",
			"/pods/log get",
			"/pods/portforward create",
			"/services get", "/services list",
			"apps/daemonsets get", "apps/deployments get", "apps/replicasets get", "apps/statefulsets get",
			"authentication.k8s.io/selfsubjectreviews create",
			"authorization.k8s.io/selfsubjectaccessreviews create",
			"authorization.k8s.io/selfsubjectrulesreviews create",
			"batch/jobs get",
			"discovery.k8s.io/endpointslices list",
		}
		for _, n := range []string{"tailui-gateway", "tailui-gateway:http", "http:tailui-gateway:http",
			"loki-gateway", "loki-gateway:http-metrics", "loki-query-frontend", "loki-query-frontend:http-metrics",
			"loki-read", "loki-read:http-metrics", "loki", "loki:http-metrics"} {
			want = append(want, "/services/proxy get "+n)
		}
		slices.Sort(want)
		for _, ns := range []string{"shop", "monitoring", "kube-system"} {
			r, err := viewer.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx,
				&authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: ns}},
				metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status.Incomplete {
				t.Fatalf("%s: rules review incomplete: %s", ns, r.Status.EvaluationError)
			}
			var got []string
			for _, rule := range r.Status.ResourceRules {
				for _, g := range rule.APIGroups {
					for _, res := range rule.Resources {
						for _, v := range rule.Verbs {
							if len(rule.ResourceNames) == 0 {
								got = append(got, g+"/"+res+" "+v)
							}
							for _, n := range rule.ResourceNames {
								got = append(got, g+"/"+res+" "+v+" "+n)
							}
						}
					}
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: rules differ\n got: %s\nwant: %s", ns, strings.Join(got, ", "), strings.Join(want, ", "))
			}
		}
	})

	t.Run("it can do nothing more", func(t *testing.T) {
		for _, a := range []authorizationv1.ResourceAttributes{
			{Namespace: "shop", Verb: "delete", Resource: "pods"},
			{Namespace: "shop", Verb: "create", Resource: "pods"},
			{Namespace: "shop", Verb: "patch", Resource: "pods"},
			{Namespace: "shop", Verb: "get", Resource: "secrets"},
			{Verb: "list", Resource: "secrets"},
			{Namespace: "shop", Verb: "watch", Resource: "secrets"},
			{Namespace: "shop", Verb: "get", Resource: "configmaps"},
			{Namespace: "shop", Verb: "create", Resource: "pods", Subresource: "exec"},
			{Namespace: "shop", Verb: "get", Resource: "pods", Subresource: "exec"},
			{Namespace: "shop", Verb: "create", Resource: "pods", Subresource: "attach"},
			{Namespace: "shop", Verb: "create", Resource: "pods", Subresource: "eviction"},
			{Namespace: "shop", Verb: "patch", Resource: "pods", Subresource: "ephemeralcontainers"},
			{Namespace: "shop", Verb: "update", Group: "apps", Resource: "deployments", Subresource: "scale"},
			{Namespace: "shop", Verb: "list", Group: "apps", Resource: "deployments"},
			{Namespace: "shop", Verb: "get", Resource: "services", Subresource: "proxy", Name: "web:80"},
			{Namespace: "monitoring", Verb: "create", Resource: "services", Subresource: "proxy", Name: "tailui-gateway:http"},
			{Namespace: "shop", Verb: "create", Resource: "serviceaccounts", Subresource: "token"},
			{Verb: "impersonate", Resource: "users"},
			{Verb: "list", Resource: "nodes"},
			{Verb: "get", Resource: "nodes", Subresource: "proxy"},
			{Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
			{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
		} {
			if can(a) {
				t.Errorf("log-viewer may %s %s%s %s/%s", a.Verb, a.Resource, sub(a.Subresource), a.Namespace, a.Name)
			}
		}
		// And the API server says no when it is tried.
		if _, err := viewer.CoreV1().Secrets("shop").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("list secrets: %v, want forbidden", err)
		}
		pods, err := viewer.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil || len(pods.Items) == 0 {
			t.Fatalf("list pods: %v", err)
		}
		err = viewer.CoreV1().Pods("shop").Delete(ctx, pods.Items[0].Name, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
		if !apierrors.IsForbidden(err) {
			t.Errorf("delete pod (dry run): %v, want forbidden", err)
		}
		err = viewer.CoreV1().RESTClient().Get().AbsPath("/api/v1/namespaces/shop/services/web:80/proxy/").Do(ctx).Error()
		if !apierrors.IsForbidden(err) {
			t.Errorf("service proxy to shop/web: %v, want forbidden", err)
		}
	})
}

func sub(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("/%s", s)
}
