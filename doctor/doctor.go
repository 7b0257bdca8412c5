package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gws "github.com/gorilla/websocket"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/transport/websocket"

	"github.com/tailui/tailui/internal/redact"
	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/loki"
)

// CheckState is the outcome of one doctor check.
type CheckState int

// Check outcomes. Only CheckFail makes the doctor fail.
const (
	CheckPass CheckState = iota
	CheckWarn            // works, but something is missing or odd
	CheckFail
	CheckSkip // not run: an earlier check it needs failed
)

var checkStateNames = [...]string{"pass", "warn", "fail", "skip"}

// String returns the lowercase name of s.
func (s CheckState) String() string {
	if int(s) >= 0 && int(s) < len(checkStateNames) {
		return checkStateNames[s]
	}
	return "unknown"
}

// Check is one step of the doctor's list.
type Check struct {
	// Group is the section the check belongs to ("kubernetes", "loki", ...).
	Group string
	// Name says what is checked, as a statement that holds when it passes.
	Name  string
	State CheckState
	// Detail is what was found: the evidence of a pass, the server's words on a
	// failure.
	Detail string
	// Hint is what to try when the check did not pass.
	Hint string
}

// DoctorOptions configure Doctor.
type DoctorOptions struct {
	// Flags are kubectl's connection flags.
	Flags *genericclioptions.ConfigFlags
	// Namespace overrides the kubeconfig's namespace for pod checks.
	Namespace string
	// Loki says where Loki and the gateway are (Via is ignored: every way is checked).
	Loki loki.LokiOptions
	// Report is called with each check as it completes.
	Report func(Check)
}

// doctor is the state of one Doctor run.
type doctor struct {
	o      DoctorOptions
	checks []Check
	client *kube.Client
	ns     string
	// what later checks need
	context, server string
	loki, gw        *kube.ServiceRef
	lokiWay, gwWay  *loki.ProxyWay
	lokiReached     bool
	gwAnswers       bool
}

// Doctor checks every step between the user and their logs, like `linkerd check`:
// kubeconfig, API server, RBAC, a pod-log WebSocket, Loki and the tailui gateway
// through the API server's service proxy. It returns the checks; the run passed
// when none failed.
func Doctor(ctx context.Context, o DoctorOptions) []Check {
	d := &doctor{o: o}
	d.run(ctx)
	return d.checks
}

// DoctorPassed reports whether no check failed.
func DoctorPassed(checks []Check) bool {
	for _, c := range checks {
		if c.State == CheckFail {
			return false
		}
	}
	return true
}

func (d *doctor) add(c Check) {
	d.checks = append(d.checks, c)
	if d.o.Report != nil {
		d.o.Report(c)
	}
}

func (d *doctor) pass(group, name, detail string) {
	d.add(Check{Group: group, Name: name, State: CheckPass, Detail: detail})
}

func (d *doctor) fail(group, name, detail, hint string) {
	d.add(Check{Group: group, Name: name, State: CheckFail, Detail: detail, Hint: hint})
}

func (d *doctor) warn(group, name, detail, hint string) {
	d.add(Check{Group: group, Name: name, State: CheckWarn, Detail: detail, Hint: hint})
}

func (d *doctor) skip(group, name, why string) {
	d.add(Check{Group: group, Name: name, State: CheckSkip, Detail: why})
}

func (d *doctor) run(ctx context.Context) {
	if !d.kubeconfig() {
		for _, n := range []string{"API server is reachable", "RBAC", "pod logs", "Loki", "tailui gateway"} {
			d.skip("kubernetes", n, "needs a kubeconfig")
		}
		return
	}
	if !d.apiServer(ctx) {
		d.skip("rbac", "RBAC checks", "needs the API server")
		d.skip("loki", "Loki checks", "needs the API server")
		return
	}
	canPods := d.rbacPods(ctx)
	d.podLogWebSocket(ctx, canPods)
	if !d.findLoki(ctx) {
		d.skip("loki", "the API server reaches Loki through the service proxy", "needs Loki's Service")
	} else {
		d.rbacLoki(ctx)
		d.lokiThroughProxy(ctx)
	}
	d.gateway(ctx)
	d.lokiPortForward(ctx)
	d.lokiReady(ctx)
	d.lokiURL(ctx)
}

// lokiURL checks --loki-url (or LOKI_ADDR), when one is given.
func (d *doctor) lokiURL(ctx context.Context) {
	if d.o.Loki.URL == "" {
		return
	}
	name := "Loki at " + redact.URL(d.o.Loki.URL) + " is ready"
	w, err := loki.NewURLWay(&d.o.Loki)
	if err != nil {
		d.fail("loki", name, err.Error(), "--loki-url wants http(s)://host[:port][/prefix]")
		return
	}
	name = "Loki at " + w.Describe() + " is ready"
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	b, err := w.Get(ctx, "/ready", nil)
	if err != nil {
		d.fail("loki", name, loki.Explain(err, w), "check the address and LOKI_USERNAME/LOKI_PASSWORD/LOKI_BEARER_TOKEN")
		return
	}
	d.pass("loki", name, "/ready: "+kube.OneLine(string(b)))
}

func (d *doctor) kubeconfig() bool {
	const name = "kubeconfig loads"
	c, err := kube.NewClient(d.o.Flags)
	if err != nil {
		d.fail("kubernetes", name, err.Error(), "set KUBECONFIG or pass --kubeconfig/--context; `kubectl config view` shows what tailui sees")
		return false
	}
	d.client = c
	d.ns = c.Namespace
	if d.o.Namespace != "" {
		d.ns = d.o.Namespace
		c.Namespace = d.ns // Loki is looked for here first, too
	}
	if d.ns == "" {
		d.ns = "default"
	}
	raw, err := d.o.Flags.ToRawKubeConfigLoader().RawConfig()
	if err == nil {
		d.context = raw.CurrentContext
		if d.o.Flags.Context != nil && *d.o.Flags.Context != "" {
			d.context = *d.o.Flags.Context
		}
	}
	d.server = redact.URL(c.Config.Host) // a kubeconfig server may hold user:password@
	d.pass("kubernetes", name, fmt.Sprintf("context %q, user %q, server %s, namespace %q", d.context, c.User, d.server, d.ns))
	return true
}

func (d *doctor) apiServer(ctx context.Context) bool {
	const name = "API server is reachable"
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	body, err := d.client.Clientset.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	v, verr := d.client.Clientset.Discovery().ServerVersion()
	switch {
	case verr == nil:
		detail := "version " + v.GitVersion
		if err == nil {
			detail += ", /readyz: " + kube.OneLine(string(body))
		}
		d.pass("kubernetes", name, detail)
		return true
	case err == nil:
		d.pass("kubernetes", name, "/readyz: "+kube.OneLine(string(body)))
		return true
	}
	d.fail("kubernetes", name, kube.Explain(verr),
		fmt.Sprintf("check that %s is reachable from here (VPN, proxy, firewall) and that the kubeconfig's credentials are valid", d.server))
	return false
}

// can asks the API server whether we may do verb on resource[/subresource] in ns.
func (d *doctor) can(ctx context.Context, verb, resource, sub, ns, name string) (bool, string, error) {
	r := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authv1.ResourceAttributes{Namespace: ns, Verb: verb, Resource: resource, Subresource: sub, Name: name}}}
	out, err := d.client.Clientset.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, "", err
	}
	return out.Status.Allowed, out.Status.Reason, nil
}

// rbac runs one access check and reports it; warnOnly makes a denial a warning.
func (d *doctor) rbac(ctx context.Context, group, verb, resource, sub, ns, name string, warnOnly bool, hint string) bool {
	res := resource
	if sub != "" {
		res += "/" + sub
	}
	what := fmt.Sprintf("can %s %s in %q", verb, res, ns)
	if name != "" {
		what = fmt.Sprintf("can %s %s %q in %q", verb, res, name, ns)
	}
	ok, reason, err := d.can(ctx, verb, resource, sub, ns, name)
	switch {
	case err != nil:
		d.fail(group, what, "SelfSubjectAccessReview failed: "+kube.Explain(err), "the API server must allow creating selfsubjectaccessreviews (the default system:basic-user role does)")
		return false
	case ok:
		d.pass(group, what, "")
		return true
	}
	detail := fmt.Sprintf("user %q may not %s %s in namespace %q", d.client.User, verb, res, ns)
	if reason != "" {
		detail += " (" + reason + ")"
	}
	h := fmt.Sprintf("ask for RBAC %s on %s in %q; %s", verb, res, ns, hint)
	if warnOnly {
		d.warn(group, what, detail, h)
	} else {
		d.fail(group, what, detail, h)
	}
	return false
}

func (d *doctor) rbacPods(ctx context.Context) bool {
	const hint = "deploy/rbac.yaml has a read-only log viewer role"
	list := d.rbac(ctx, "rbac", "list", "pods", "", d.ns, "", false, hint)
	watch := d.rbac(ctx, "rbac", "watch", "pods", "", d.ns, "", false, hint)
	logs := d.rbac(ctx, "rbac", "get", "pods", "log", d.ns, "", false, hint)
	return list && watch && logs
}

func (d *doctor) podLogWebSocket(ctx context.Context, allowed bool) {
	const name = "a pod-log WebSocket upgrade works"
	if !allowed {
		d.skip("pods", name, "needs the rights to list pods and read their logs")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pods, err := d.client.Clientset.CoreV1().Pods(d.ns).List(ctx, metav1.ListOptions{Limit: 200})
	if err != nil {
		d.fail("pods", name, "listing pods: "+kube.Explain(err), "")
		return
	}
	var pod, ctr string
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning {
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Running != nil {
				pod, ctr = p.Name, cs.Name
				break
			}
		}
		if pod != "" {
			break
		}
	}
	if pod == "" {
		d.skip("pods", name, fmt.Sprintf("no running pod in namespace %q to try it on (-n picks another namespace)", d.ns))
		return
	}
	rt, holder, err := websocket.RoundTripperFor(d.client.Config)
	if err != nil {
		d.fail("pods", name, err.Error(), "")
		return
	}
	tail := int64(1)
	u := d.client.Clientset.CoreV1().RESTClient().Get().Namespace(d.ns).Resource("pods").Name(pod).SubResource("log").
		VersionedParams(&corev1.PodLogOptions{Container: ctr, TailLines: &tail, Timestamps: true}, scheme.ParameterCodec).URL()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	conn, err := websocket.Negotiate(rt, holder, req, "binary.k8s.io")
	if err != nil {
		d.fail("pods", name, fmt.Sprintf("pod %s/%s container %s: %s", d.ns, pod, ctr, kube.Explain(err)),
			"a proxy or load balancer in front of the API server may refuse WebSocket upgrades: tailui falls back to plain HTTP streaming (--transport http)")
		return
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n := 0
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			if !gws.IsCloseError(err, gws.CloseNormalClosure) {
				d.fail("pods", name, fmt.Sprintf("pod %s/%s: the stream opened, then broke: %v", d.ns, pod, err), "")
				return
			}
			break
		}
		n += len(b)
	}
	d.pass("pods", name, fmt.Sprintf("pod %s/%s container %s: %d bytes, closed with 1000", d.ns, pod, ctr, n))
}

func (d *doctor) findLoki(ctx context.Context) bool {
	const name = "Loki's Service is found"
	if d.o.Loki.Service != "" {
		r, err := kube.ParseServiceRef(d.o.Loki.Service, d.client.Namespace)
		if err != nil {
			d.fail("loki", name, err.Error(), "write --loki-service NAMESPACE/NAME:PORT")
			return false
		}
		if r, err = loki.ResolveService(ctx, d.client, r, false); err != nil {
			d.fail("loki", name, err.Error(), "check --loki-service")
			return false
		}
		d.loki = &r
		d.pass("loki", name, "svc "+r.String()+" (--loki-service)")
	} else {
		r, notes, err := loki.FindLoki(ctx, d.client)
		if err != nil {
			msg := err.Error()
			if len(notes) > 0 {
				msg += "; " + strings.Join(notes, "; ")
			}
			d.fail("loki", name, msg, "name it with --loki-service NAMESPACE/NAME:PORT (tailui cannot list services here, or Loki is elsewhere)")
			return false
		}
		d.loki = r
		d.pass("loki", name, "svc "+r.String())
	}
	w, err := loki.NewProxyWay(d.client, loki.LokiViaProxy, *d.loki, d.o.Loki.Header(), false)
	if err != nil {
		d.fail("loki", name, err.Error(), "")
		return false
	}
	d.lokiWay = w
	return true
}

// proxyName is the name the API server authorizes a service proxy request with.
func proxyName(r kube.ServiceRef) string {
	seg := strings.TrimPrefix(r.ProxyPath(), "/api/v1/namespaces/"+r.Namespace+"/services/")
	return strings.TrimSuffix(seg, "/proxy")
}

func (d *doctor) rbacLoki(ctx context.Context) {
	d.rbac(ctx, "loki", "get", "services", "proxy", d.loki.Namespace, proxyName(*d.loki), false,
		"the API server's service proxy is how tailui reaches Loki (labels, polls, --loki-via proxy)")
	d.rbac(ctx, "loki", "create", "pods", "portforward", d.loki.Namespace, "", true,
		"without it --loki-via port-forward cannot be used; the gateway and poll still work")
}

func (d *doctor) lokiThroughProxy(ctx context.Context) {
	const name = "the API server reaches Loki through the service proxy"
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err := d.lokiWay.Get(ctx, "/ready", nil)
	var re *kube.ResponseError
	switch {
	case err == nil:
		d.lokiReached = true
		d.pass("loki", name, "GET "+d.loki.ProxyPath()+"/ready answered by Loki")
	case errors.As(err, &re) && !re.FromAPIServer():
		// Loki answered, just not "ready": the path works.
		d.lokiReached = true
		d.pass("loki", name, fmt.Sprintf("Loki answered /ready with HTTP %d", re.StatusCode))
	default:
		d.fail("loki", name, loki.Explain(err, d.lokiWay), proxyHint(err))
	}
}

// proxyHint is the fix to try for a service proxy failure.
func proxyHint(err error) string {
	msg := err.Error()
	switch {
	case loki.DialFailRE.MatchString(msg) && !strings.Contains(msg, "refused"):
		return "open the pod's port to the control plane (EKS: the cluster security group), or use --loki-via port-forward"
	case loki.NoEndRE.MatchString(msg):
		return "start Loki or fix its readiness; kubectl get endpointslices shows what the Service points at"
	case strings.Contains(msg, "forbidden"):
		return "ask for get on services/proxy for this Service"
	}
	return "tailui doctor's other checks narrow it down; --loki-via port-forward avoids the service proxy"
}

func (d *doctor) gateway(ctx context.Context) {
	const (
		pingName    = "the tailui gateway answers /tailui/v1/ping through the service proxy"
		restoreName = "the tailui gateway restores a path-encoded query"
		tailName    = "a Loki tail WebSocket opens through the gateway"
	)
	var gw *kube.ServiceRef
	if d.o.Loki.Gateway != "" {
		r, err := kube.ParseServiceRef(d.o.Loki.Gateway, d.client.Namespace)
		if err == nil {
			r, err = loki.ResolveService(ctx, d.client, r, true)
		}
		if err != nil {
			d.fail("gateway", pingName, err.Error(), "check --loki-gateway")
			d.skip("gateway", restoreName, "needs the gateway")
			d.skip("gateway", tailName, "needs the gateway")
			return
		}
		gw = &r
	} else {
		nss := loki.SearchNamespaces(d.client)
		if d.loki != nil {
			nss = []string{d.loki.Namespace}
		}
		r, err := loki.FindGateway(ctx, d.client, nss)
		if err != nil {
			d.warn("gateway", "the tailui gateway is deployed", err.Error(),
				"without it live tails use a port-forward or polling; kubectl apply -f deploy/gateway.yaml installs it")
			return
		}
		gw = r
	}
	d.gw = gw
	w, err := loki.NewProxyWay(d.client, loki.LokiViaGateway, *gw, d.o.Loki.Header(), true)
	if err != nil {
		d.fail("gateway", pingName, err.Error(), "")
		return
	}
	d.gwWay = w
	d.rbac(ctx, "gateway", "get", "services", "proxy", gw.Namespace, proxyName(*gw), false, "tailui tails Loki through the gateway's service proxy")
	p, err := w.Ping(ctx)
	if err != nil {
		d.fail("gateway", pingName, "svc "+gw.String()+": "+loki.Explain(err, w), proxyHint(err))
		d.skip("gateway", restoreName, "needs the gateway to answer")
		d.skip("gateway", tailName, "needs the gateway to answer")
		return
	}
	d.gwAnswers = true
	detail := fmt.Sprintf("svc %s: tailui gateway %s, upstream_ok=%v", gw.String(), p.Version, p.UpstreamOK)
	if !p.UpstreamOK {
		d.warn("gateway", pingName, detail, "the gateway cannot reach Loki: check its --upstream")
	} else {
		d.pass("gateway", pingName, detail)
	}

	// A query_range whose query must arrive: Loki answers 400 to an empty one.
	ctx2, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	now := time.Now()
	q := url.Values{"query": {`{tailui_doctor="probe"}`}, "limit": {"1"},
		"start": {strconv.FormatInt(now.Add(-time.Minute).UnixNano(), 10)}, "end": {strconv.FormatInt(now.UnixNano(), 10)}}
	if _, err := w.GetEncoded(ctx2, "/loki/api/v1/query_range", q); err != nil {
		d.fail("gateway", restoreName, "GET .../query_range/queryargs/...: "+loki.Explain(err, w),
			"the gateway must be tailui's (tailui gateway --upstream URL) and reach Loki")
	} else {
		d.pass("gateway", restoreName, "query_range with path-encoded args answered with success")
	}

	conn, err := w.DialTail(ctx2, url.Values{"query": {`{tailui_doctor="probe"}`}, "limit": {"1"}})
	if err != nil {
		d.fail("gateway", tailName, loki.Explain(err, w), proxyHint(err))
		return
	}
	defer conn.Close()
	// Loki pings within a second once the tail runs; a close says why it does not.
	got := make(chan error, 1)
	conn.SetPingHandler(func(string) error {
		select {
		case got <- nil:
		default:
		}
		return nil
	})
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				select {
				case got <- err:
				default:
				}
				return
			}
		}
	}()
	if err := <-got; err != nil {
		d.fail("gateway", tailName, "the WebSocket opened, then: "+loki.Explain(err, w),
			"close 1011 right after the upgrade usually means the API server cannot keep a connection to the pod: try --loki-via port-forward")
		return
	}
	d.pass("gateway", tailName, "upgraded, Loki pinged")
}

func (d *doctor) lokiPortForward(ctx context.Context) {
	const name = "a port-forward to a Loki pod reaches Loki"
	if d.loki == nil {
		return
	}
	if ok, _, err := d.can(ctx, "create", "pods", "portforward", d.loki.Namespace, ""); err != nil || !ok {
		d.skip("loki", name, "needs create on pods/portforward")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f := kube.NewForwarder(d.client, *d.loki)
	defer f.Close()
	w := loki.NewPortForwardWay(f)
	_, err := w.Get(ctx, "/ready", nil)
	var re *kube.ResponseError
	if err != nil && !(errors.As(err, &re) && !re.FromAPIServer()) {
		// Only a fallback: the gateway or poll may still work.
		d.warn("loki", name, err.Error(), "--loki-via port-forward will not work; the kubelet must reach the pod's port")
		return
	}
	d.pass("loki", name, f.Describe())
}

func (d *doctor) lokiReady(ctx context.Context) {
	const name = "Loki is ready"
	var w loki.Way
	switch {
	case d.lokiReached:
		w = d.lokiWay
	case d.gwAnswers:
		w = d.gwWay
	default:
		d.skip("loki", name, "needs a way to Loki (service proxy or gateway)")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	b, err := w.Get(ctx, "/ready", nil)
	if err != nil {
		d.fail("loki", name, loki.Explain(err, w), "Loki reports why on /ready; an ingester takes a while after start")
		return
	}
	d.pass("loki", name, "/ready: "+kube.OneLine(string(b))+" (via "+w.Via().String()+")")
}
