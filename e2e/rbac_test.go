//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
			// Discovery (list, watch) and one WebSocket per container, kept open:
			// both api pods deliver lines that are new, in order.
			want := podsOf(t, "shop", "deploy/api")
			r := startTailui(t, "--context", "testbed-viewer", "--plain", "--tail", "0", "deploy/api", "-n", "shop")
			r.waitFor(t, "3 new lines from every api pod", time.Minute, func() bool {
				got := podLines(lines(r.stdout.Bytes()))
				for _, p := range want {
					if len(got[p]["api"]) < 3 {
						return false
					}
				}
				return true
			})
			r.stop()
			checkPodLines(t, "follow deploy/api", lines(r.stdout.Bytes()), want, false, 0)
			noRBACTrouble(t, "follow deploy/api", r.stderr.Bytes())
		})
		for _, tt := range []struct {
			name string
			args []string
			ns   string // the pods expected: every pod of ns ...
			of   string // ... of this workload or selector ("" for all)
		}{
			{"no-follow namespace", []string{"-n", "payments"}, "payments", ""},
			{"all namespaces", []string{"-A", "--exclude-pod", "^waiting$"}, "", ""},
			{"deployment", []string{"deploy/web", "-n", "shop"}, "shop", "deploy/web"},
			{"statefulset", []string{"sts/ledger", "-n", "payments"}, "payments", "sts/ledger"},
			{"daemonset", []string{"ds/node-agent", "-n", "kube-system"}, "kube-system", "ds/node-agent"},
			{"job", []string{"job/report", "-n", "monitoring"}, "monitoring", "job/report"},
			{"service", []string{"svc/api", "-n", "shop"}, "shop", "svc/api"},
			{"label selector", []string{"-l", "app=web", "-n", "shop"}, "shop", "app=web"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				args := append([]string{"--context", "testbed-viewer", "--plain", "--no-follow", "--tail", "2"}, tt.args...)
				r := runTailui(t, 2*time.Minute, args...)
				if r.code != 0 {
					t.Fatalf("exit %d\n%s", r.code, r.stderr)
				}
				all := tt.ns == ""
				var want []string
				if all {
					for _, ns := range []string{"shop", "payments", "kube-system"} {
						for _, p := range podsOf(t, ns, "") {
							want = append(want, ns+"/"+p)
						}
					}
					// Loki's and the gateway's pods log their real processes' files.
					want = append(want, "monitoring/"+podsOf(t, "monitoring", "job/report")[0])
				} else {
					want = podsOf(t, tt.ns, tt.of)
				}
				checkPodLines(t, tt.name, lines(r.stdout), want, all, 2)
				noRBACTrouble(t, tt.name, r.stderr)
			})
		}
		for _, via := range []string{"gateway", "proxy", "port-forward"} {
			t.Run("loki via "+via, func(t *testing.T) {
				// History: the last 5 lines of shop's pods that the kubelet pushed.
				r := runTailui(t, 2*time.Minute, "--context", "testbed-viewer", "--plain", "--no-follow",
					"--loki", `{namespace="shop"}`, "--loki-via", via, "--loki-limit", "5")
				if r.code != 0 {
					t.Fatalf("exit %d\n%s", r.code, r.stderr)
				}
				// At least 5: the history's forward read also gets lines that Loki
				// ingested, stamped before its end, after the backward query ran.
				ls := lines(r.stdout)
				if len(ls) < 5 {
					t.Errorf("%d lines, want the 5 of --loki-limit\n%s\n%s", len(ls), r.stdout, r.stderr)
				}
				shop := podsOf(t, "shop", "")
				for _, l := range ls {
					pod, _, _ := strings.Cut(l, " ")
					if !seqRE.MatchString(l) || !slices.Contains(shop, pod) {
						t.Errorf("not a line of a shop pod: %q", l)
					}
				}
				noRBACTrouble(t, "loki via "+via, r.stderr)

				if via == "proxy" {
					return // a tail cannot go through the service proxy (kubernetes issue 77142)
				}
				// A live tail: every line pushed once it is open arrives, exactly once.
				id := e2eID(t)
				labels := map[string]string{"tailui_e2e": id}
				lr := startTailui(t, "--context", "testbed-viewer", "--plain", "-o", "raw",
					"--loki", fmt.Sprintf(`{tailui_e2e=%q}`, id), "--loki-via", via)
				warmUp(t, lr, bedLoki, labels)
				p := &pusher{t: t, base: bedLoki, labels: labels}
				for range 5 {
					p.push(20)
				}
				waitNumbered(t, lr, p.next, time.Minute)
				lr.stop()
				checkExactly(t, numbered(lr.stdout.Bytes()), p.next, lr.stderr.Bytes())
				noRBACTrouble(t, "live loki via "+via, lr.stderr.Bytes())
			})
		}
		t.Run("loki labels and series", func(t *testing.T) {
			as := func(ctx string, args ...string) result {
				t.Helper()
				r := runTailui(t, time.Minute, append([]string{"--context", ctx}, args...)...)
				if r.code != 0 {
					t.Fatalf("%s: tailui %v: exit %d\n%s", ctx, args, r.code, r.stderr)
				}
				noRBACTrouble(t, strings.Join(args, " "), r.stderr)
				return r
			}
			got := lines(as("testbed-viewer", "loki", "labels").stdout)
			for _, l := range []string{"app", "container", "job", "level", "namespace", "pod"} {
				if !slices.Contains(got, l) {
					t.Errorf("loki labels as the viewer: no %q in %q", l, got)
				}
			}
			if admin := lines(as("testbed", "loki", "labels").stdout); !slices.Equal(got, admin) {
				t.Errorf("loki labels: the viewer sees %q, the admin %q", got, admin)
			}
			sel := `{namespace="shop"}`
			series := lines(as("testbed-viewer", "loki", "series", sel, "--since", "1h").stdout)
			pods := map[string]bool{}
			for _, l := range series {
				if !strings.Contains(l, `namespace="shop"`) {
					t.Errorf("series of %s: %q", sel, l)
				}
				if m := podLabelRE.FindStringSubmatch(l); m != nil {
					pods[m[1]] = true
				}
			}
			if len(pods) == 0 {
				t.Errorf("series of %s as the viewer name no pod: %q", sel, series)
			}
			if admin := lines(as("testbed", "loki", "series", sel, "--since", "1h").stdout); !slices.Equal(series, admin) {
				t.Errorf("loki series: the viewer sees %q, the admin %q", series, admin)
			}
			t.Logf("as log-viewer: %d label names, %d series of shop (%d pods)", len(got), len(series), len(pods))
		})
		t.Run("doctor", func(t *testing.T) {
			r := runTailui(t, 2*time.Minute, "doctor", "--context", "testbed-viewer")
			if r.code != 0 {
				t.Fatalf("doctor as the viewer: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range []string{
				"kubeconfig loads", "API server is reachable", `can list pods in "shop"`, `can watch pods in "shop"`,
				`can get pods/log in "shop"`, "a pod-log WebSocket upgrade works", "Loki's Service is found: svc monitoring/loki",
				`can get services/proxy "loki:http-metrics" in "monitoring"`, `can create pods/portforward in "monitoring"`,
				"the API server reaches Loki through the service proxy", "the tailui gateway answers /tailui/v1/ping",
				"the tailui gateway restores a path-encoded query", "a Loki tail WebSocket opens through the gateway",
				"a port-forward to a Loki pod reaches Loki", "Loki is ready",
			} {
				if _, ok := doctorLine(r.stdout, "√", want); !ok {
					t.Errorf("doctor as the viewer: no √ line for %q\n%s", want, r.stdout)
				}
			}
			if !strings.Contains(string(r.stdout), "Status check results are √") {
				t.Errorf("doctor as the viewer: no passing summary\n%s", r.stdout)
			}
		})
		t.Run("tui", func(t *testing.T) {
			// The sources panel lists shop's pods (list, watch), and a pane per
			// api pod shows their lines (pods/log).
			want := podsOf(t, "shop", "deploy/api")
			tm := startTmux(t, 160, 48, "--context", "testbed-viewer", "-n", "shop")
			tm.waitScreen("the sources panel", contains(append([]string{"Deployment/api"}, want...)...))
			tm.typeText("api-")
			tm.waitScreen("the filter to leave the api pods", func(sc string) bool {
				return strings.Contains(sc, want[0]) && !strings.Contains(sc, "Deployment/web")
			})
			tm.keys("*")
			tm.keys("O")
			sc := tm.waitScreen("a pane per api pod, with lines", func(sc string) bool {
				for _, l := range strings.Split(sc, "\n") {
					if strings.Count(l, "seq=") >= len(want) {
						return true
					}
				}
				return false
			})
			for _, bad := range []string{"forbidden", "Forbidden", "cannot "} {
				if strings.Contains(sc, bad) {
					t.Errorf("the TUI as the viewer shows %q:\n%s", bad, sc)
				}
			}
			t.Logf("TUI as log-viewer:\n%s", firstLines(sc, 6))
		})
	})

	t.Run("nobody is told it is forbidden", func(t *testing.T) {
		// The user with no rights at all: each way in fails at once, with exit 1,
		// saying who was refused what, where.
		for _, tt := range []struct {
			name string
			args []string
			want []string
		}{
			{"follow", []string{"--plain", "deploy/web", "-n", "shop"}, []string{"forbidden", `"nobody"`, "get deployments.apps", `"shop"`, "deploy/rbac.yaml"}},
			{"no-follow", []string{"--plain", "--no-follow", "ledger-0", "-n", "payments"}, []string{"forbidden", `"nobody"`, "pods", `"payments"`}},
			{"loki labels", []string{"loki", "labels"}, []string{"no Loki Service found", "listing services was forbidden"}},
			{"loki tail", []string{"--plain", "--loki", `{namespace="shop"}`, "--loki-via", "gateway"}, []string{"forbidden", `"nobody"`, "services"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := runTailui(t, time.Minute, append([]string{"--context", "testbed-nobody"}, tt.args...)...)
				if r.code != 1 {
					t.Errorf("exit %d, want 1\n%s", r.code, r.stderr)
				}
				msg := strings.TrimSpace(string(r.stderr))
				for _, w := range tt.want {
					if !strings.Contains(msg, w) {
						t.Errorf("message lacks %q:\n%s", w, msg)
					}
				}
				if len(r.stdout) != 0 {
					t.Errorf("stdout not empty: %q", r.stdout)
				}
			})
		}
		t.Run("tui", func(t *testing.T) {
			tm := startTmux(t, 160, 48, "--context", "testbed-nobody", "-n", "shop")
			sc := tm.waitScreen("the refusal", contains("forbidden", "nobody"))
			t.Logf("TUI as nobody:\n%s", sc)
		})
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

// podLabelRE takes the pod label out of a `tailui loki series` line.
var podLabelRE = regexp.MustCompile(`\bpod="([^"]+)"`)

// podsOf returns, as the admin sees them, the pods of ns that have logs to
// serve (every container started), of a workload ("deploy/web", "svc/api"), a
// label selector ("app=web"), or all ("").
func podsOf(t *testing.T, ns, of string) []string {
	t.Helper()
	ctx := context.Background()
	sel := of
	kind, name, isRef := strings.Cut(of, "/")
	if isRef {
		var ls *metav1.LabelSelector
		switch kind {
		case "deploy":
			d, err := bed.cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ls = d.Spec.Selector
		case "sts":
			d, err := bed.cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ls = d.Spec.Selector
		case "ds":
			d, err := bed.cs.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ls = d.Spec.Selector
		case "job":
			d, err := bed.cs.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ls = d.Spec.Selector
		case "svc":
			d, err := bed.cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ls = &metav1.LabelSelector{MatchLabels: d.Spec.Selector}
		default:
			t.Fatalf("podsOf: %q", of)
		}
		s, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil {
			t.Fatal(err)
		}
		sel = s.String()
	}
	pods, err := bed.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pods.Items {
		started := len(p.Status.ContainerStatuses) > 0 && p.DeletionTimestamp == nil
		for _, c := range p.Status.ContainerStatuses {
			started = started && c.ContainerID != ""
		}
		if started {
			out = append(out, p.Name)
		}
	}
	if len(out) == 0 {
		t.Fatalf("the bed has no started pod in %q of %q", ns, of)
	}
	return out
}

// podLines groups plain text lines ("pod container text", "ns/pod container
// text" with namespaces) by pod, and keeps their seqs per "pod container".
func podLines(ls []string) map[string]map[string][]int {
	out := map[string]map[string][]int{}
	for _, l := range ls {
		pod, rest, _ := strings.Cut(l, " ")
		ctr, text, _ := strings.Cut(rest, " ")
		m := seqRE.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if out[pod] == nil {
			out[pod] = map[string][]int{}
		}
		out[pod][ctr] = append(out[pod][ctr], n)
	}
	return out
}

// checkPodLines checks plain text output: every line is a pod's line with a
// seq, every pod of want shows, no other pod does (unless all namespaces were
// asked for), and each container's seqs are consecutive; tail > 0 is the exact
// number of lines per container.
func checkPodLines(t *testing.T, what string, ls []string, want []string, withNS bool, tail int) {
	t.Helper()
	if len(ls) == 0 {
		t.Fatalf("%s: no lines", what)
	}
	for _, l := range ls {
		// Loki's and the gateway's pods serve their processes' real logs.
		real := strings.HasPrefix(l, "monitoring/loki-") || strings.HasPrefix(l, "monitoring/tailui-gateway-")
		if !seqRE.MatchString(l) && !real {
			t.Errorf("%s: a line without seq=: %q", what, l)
		}
	}
	got := podLines(ls)
	for _, p := range want {
		if len(got[p]) == 0 {
			t.Errorf("%s: no line of pod %s (pods shown: %v)", what, p, slices.Sorted(maps.Keys(got)))
		}
	}
	for p, ctrs := range got {
		if !withNS && !slices.Contains(want, p) {
			t.Errorf("%s: lines of pod %s, not one of %v", what, p, want)
		}
		for c, seqs := range ctrs {
			if tail > 0 && len(seqs) != tail && !strings.HasPrefix(p, "logs-test/") {
				t.Errorf("%s: %s %s: %d lines, want --tail %d", what, p, c, len(seqs), tail)
			}
			for i := 1; i < len(seqs); i++ {
				if seqs[i] != seqs[i-1]+1 {
					t.Errorf("%s: %s %s: seqs %v are not consecutive", what, p, c, seqs)
					break
				}
			}
		}
	}
}
