package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailui/tailui/kube"
)

// Where auto looks for Loki, after the current namespace, before all namespaces.
var lokiSearchNamespaces = []string{"monitoring", "loki", "logging", "observability"}

// What the Loki Helm chart calls the Services that serve reads, best first: the
// chart's gateway (nginx) routes every read path, tails included; the query
// frontend and the read path serve queries; single-binary serves everything.
var (
	lokiComponents = []string{"gateway", "query-frontend", "read", "single-binary"}
	lokiNames      = []string{"loki-gateway", "loki-query-frontend", "loki-read", "loki"}
)

const (
	lokiNameLabel      = "app.kubernetes.io/name"
	lokiComponentLabel = "app.kubernetes.io/component"
	gatewayServiceName = "tailui-gateway"
)

// lokiRank ranks a Service as Loki's read endpoint: lower is better, -1 means it is
// not one (headless, memberlist, canary, caches, the write path).
func lokiRank(s *corev1.Service) int {
	n := s.Name
	if strings.HasSuffix(n, "-headless") || strings.HasSuffix(n, "-memberlist") || s.Labels["variant"] == "headless" {
		return -1
	}
	rank := -1
	if c, ok := s.Labels[lokiComponentLabel]; ok && s.Labels[lokiNameLabel] == "loki" {
		if i := slices.Index(lokiComponents, c); i >= 0 {
			rank = i
		}
	} else if i := slices.Index(lokiNames, n); i >= 0 {
		rank = i
	} else if s.Labels[lokiNameLabel] == "loki" && !strings.Contains(n, "canary") && !strings.Contains(n, "cache") {
		rank = len(lokiComponents)
	}
	if rank >= 0 && s.Spec.ClusterIP == corev1.ClusterIPNone {
		rank += 10 // headless works through the proxy, but prefer the real thing
	}
	return rank
}

// lokiServicePort picks the HTTP port of a Loki Service: the chart names it
// http-metrics (3100, or 80 on its gateway).
func lokiServicePort(s *corev1.Service) string {
	for _, want := range []string{"http-metrics", "http", "http-web"} {
		for _, p := range s.Spec.Ports {
			if p.Name == want {
				return p.Name
			}
		}
	}
	for _, want := range []int32{3100, 80, 8080} {
		for _, p := range s.Spec.Ports {
			if p.Port == want {
				return portString(p)
			}
		}
	}
	if len(s.Spec.Ports) > 0 {
		return portString(s.Spec.Ports[0])
	}
	return ""
}

func portString(p corev1.ServicePort) string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Port))
}

// SearchNamespaces returns the namespaces auto searches, in order.
func SearchNamespaces(c *kube.Client) []string {
	var out []string
	for _, ns := range append([]string{c.Namespace}, lokiSearchNamespaces...) {
		if ns != "" && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}

// FindLoki looks for Loki's Service where the Helm chart would put it.
func FindLoki(ctx context.Context, c *kube.Client) (*kube.ServiceRef, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var notes []string
	best := func(items []corev1.Service) *corev1.Service {
		var b *corev1.Service
		br := 0
		for i := range items {
			s := &items[i]
			if r := lokiRank(s); r >= 0 && (b == nil || r < br || r == br && s.Namespace+s.Name < b.Namespace+b.Name) {
				b, br = s, r
			}
		}
		return b
	}
	found := func(s *corev1.Service) *kube.ServiceRef {
		return &kube.ServiceRef{Namespace: s.Namespace, Name: s.Name, Port: lokiServicePort(s)}
	}
	forbidden := 0
	for _, ns := range SearchNamespaces(c) {
		list, err := c.Clientset.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: lokiNameLabel + "=loki"})
		if err == nil {
			if s := best(list.Items); s != nil {
				return found(s), notes, nil
			}
		} else if apierrors.IsForbidden(err) {
			forbidden++
		} else if ctx.Err() != nil {
			return nil, notes, fmt.Errorf("looking for Loki: %s", kube.Explain(err))
		}
		// By name: a get may be allowed where a list is not.
		var byName []corev1.Service
		for _, name := range lokiNames {
			s, err := c.Clientset.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err == nil {
				byName = append(byName, *s)
			}
		}
		if s := best(byName); s != nil {
			return found(s), notes, nil
		}
	}
	list, err := c.Clientset.CoreV1().Services("").List(ctx, metav1.ListOptions{LabelSelector: lokiNameLabel + "=loki"})
	if err == nil {
		if s := best(list.Items); s != nil {
			return found(s), notes, nil
		}
		all, err := c.Clientset.CoreV1().Services("").List(ctx, metav1.ListOptions{})
		if err == nil {
			var byName []corev1.Service
			for _, s := range all.Items {
				if slices.Contains(lokiNames, s.Name) {
					byName = append(byName, s)
				}
			}
			if s := best(byName); s != nil {
				return found(s), notes, nil
			}
		}
	} else if apierrors.IsForbidden(err) {
		notes = append(notes, "services cannot be listed in all namespaces: "+kube.Explain(err))
	}
	msg := fmt.Sprintf("no Loki Service found (looked for label %s=loki and names %s in namespaces %s, then in all namespaces)",
		lokiNameLabel, strings.Join(lokiNames, ", "), strings.Join(SearchNamespaces(c), ", "))
	if forbidden > 0 {
		msg += fmt.Sprintf("; listing services was forbidden in %d of them", forbidden)
	}
	return nil, notes, errors.New(msg + "; name it with --loki-service NAMESPACE/NAME:PORT, or use --loki-url")
}

// ResolveService fills in the port of a Service named on the command line.
func ResolveService(ctx context.Context, c *kube.Client, r kube.ServiceRef, gateway bool) (kube.ServiceRef, error) {
	s, err := c.Clientset.CoreV1().Services(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return r, fmt.Errorf("svc %s not found", r.String())
	case err != nil:
		// Not allowed to read Services, perhaps, while the proxy is allowed.
		return r, nil
	}
	if r.Port == "" {
		if gateway {
			r.Port = gatewayServicePort(s)
		} else {
			r.Port = lokiServicePort(s)
		}
	} else if _, ok := kube.ServicePort(s, r.Port); !ok {
		var have []string
		for _, p := range s.Spec.Ports {
			have = append(have, portString(p))
		}
		return r, fmt.Errorf("svc %s has no port %q (it has %s)", r.String(), r.Port, strings.Join(have, ", "))
	}
	return r, nil
}

func gatewayServicePort(s *corev1.Service) string {
	for _, p := range s.Spec.Ports {
		if p.Name == "http" {
			return p.Name
		}
	}
	if len(s.Spec.Ports) > 0 {
		return portString(s.Spec.Ports[0])
	}
	return ""
}

// FindGateway looks for the tailui gateway's Service in the given namespaces: by
// name, then by label.
func FindGateway(ctx context.Context, c *kube.Client, namespaces []string) (*kube.ServiceRef, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var forbidden error
	for _, ns := range namespaces {
		s, err := c.Clientset.CoreV1().Services(ns).Get(ctx, gatewayServiceName, metav1.GetOptions{})
		if err == nil {
			return &kube.ServiceRef{Namespace: ns, Name: s.Name, Port: gatewayServicePort(s)}, nil
		}
		if apierrors.IsForbidden(err) {
			forbidden = err
		}
		list, err := c.Clientset.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: lokiNameLabel + "=" + gatewayServiceName})
		if err == nil && len(list.Items) > 0 {
			s := &list.Items[0]
			return &kube.ServiceRef{Namespace: ns, Name: s.Name, Port: gatewayServicePort(s)}, nil
		}
	}
	msg := fmt.Sprintf("no tailui gateway Service (%s, or label %s=%s) in %s",
		gatewayServiceName, lokiNameLabel, gatewayServiceName, strings.Join(namespaces, ", "))
	if forbidden != nil {
		return nil, fmt.Errorf("%s: reading services is forbidden (%s); name it with --loki-gateway", msg, kube.Explain(forbidden))
	}
	return nil, errors.New(msg + "; deploy/gateway.yaml installs one")
}

// GatewayPing is the tailui gateway's answer to /tailui/v1/ping.
type GatewayPing struct {
	Gateway    string `json:"gateway"`
	Version    string `json:"version"`
	UpstreamOK bool   `json:"upstream_ok"`
}

// Ping asks a gateway who it is, through the service proxy.
func (w *ProxyWay) Ping(ctx context.Context) (GatewayPing, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var p GatewayPing
	b, err := w.Get(ctx, "/tailui/v1/ping", nil)
	if err != nil {
		return p, err
	}
	if json.Unmarshal(b, &p) != nil || p.Gateway != "tailui" {
		return p, fmt.Errorf("svc %s answered /tailui/v1/ping with something that is not the tailui gateway: %q", w.svc.String(), kube.OneLine(string(b[:min(len(b), 200)])))
	}
	return p, nil
}

// NewLoki finds Loki and the tailui gateway as opts say, and prepares the ways to
// reach Loki that opts allow. With LokiViaAuto it fails only when no way is left;
// Describe and the tail's first marker say which way is used and why others are not.
// c may be nil with LokiViaURL.
func NewLoki(ctx context.Context, c *kube.Client, opts LokiOptions) (*Loki, error) {
	l := &Loki{client: c, opts: opts, failed: map[LokiVia]string{}}
	header := opts.Header()
	explicitURL := opts.URL != "" && !opts.urlFromEnv
	if opts.Via == LokiViaURL || opts.Via == LokiViaAuto && explicitURL {
		if opts.URL == "" {
			return nil, errors.New("--loki-via url needs --loki-url or LOKI_ADDR")
		}
		w, err := NewURLWay(&opts)
		if err != nil {
			return nil, err
		}
		l.ways, l.cat = []Way{w}, []Way{w}
		return l, nil
	}
	if c == nil {
		return nil, errors.New("no kubeconfig: reaching Loki " + opts.Via.String() + " needs the cluster; use --loki-url for a direct address")
	}

	// Loki's Service.
	var lokiErr error
	needLoki := opts.Via != LokiViaGateway || opts.Gateway == ""
	if opts.Service != "" {
		r, err := kube.ParseServiceRef(opts.Service, c.Namespace)
		if err != nil {
			return nil, err
		}
		if r, err = ResolveService(ctx, c, r, false); err != nil {
			lokiErr = err
		} else {
			l.svc = &r
		}
	} else if needLoki {
		r, notes, err := FindLoki(ctx, c)
		l.notes = append(l.notes, notes...)
		if err != nil {
			lokiErr = err
		} else {
			l.svc = r
		}
	}

	// The tailui gateway, next to Loki.
	var gwErr error
	if opts.Via == LokiViaAuto || opts.Via == LokiViaGateway {
		var gw *kube.ServiceRef
		if opts.Gateway != "" {
			r, err := kube.ParseServiceRef(opts.Gateway, c.Namespace)
			if err != nil {
				return nil, err
			}
			if r, err = ResolveService(ctx, c, r, true); err != nil {
				gwErr = err
			} else {
				gw = &r
			}
		} else {
			nss := SearchNamespaces(c)
			if l.svc != nil {
				nss = []string{l.svc.Namespace}
			}
			gw, gwErr = FindGateway(ctx, c, nss)
		}
		if gw != nil {
			w, err := NewProxyWay(c, LokiViaGateway, *gw, header, true)
			if err != nil {
				return nil, err
			}
			p, err := w.Ping(ctx)
			switch {
			case err != nil:
				gwErr = fmt.Errorf("the tailui gateway svc %s does not answer /tailui/v1/ping: %s", gw.String(), Explain(err, w))
			case !p.UpstreamOK && opts.Via == LokiViaAuto:
				gwErr = fmt.Errorf("the tailui gateway svc %s answers but cannot reach Loki (upstream_ok=false): check its --upstream", gw.String())
			default:
				l.gw = gw
				l.ways = append(l.ways, w)
				l.cat = append(l.cat, w)
			}
		}
	}

	switch opts.Via {
	case LokiViaGateway:
		if l.gw == nil {
			return nil, fmt.Errorf("--loki-via gateway: %w", gwErr)
		}
		return l, nil
	case LokiViaAuto:
		if gwErr != nil {
			l.failed[LokiViaGateway] = gwErr.Error()
		}
	}
	if l.svc == nil {
		if len(l.ways) > 0 {
			return l, nil
		}
		if opts.Via == LokiViaAuto && opts.URL != "" {
			w, err := NewURLWay(&opts)
			if err != nil {
				return nil, err
			}
			l.ways, l.cat = []Way{w}, []Way{w}
			l.notes = append(l.notes, lokiErr.Error())
			return l, nil
		}
		return nil, lokiErr
	}
	svc := *l.svc
	proxy, err := NewProxyWay(c, LokiViaProxy, svc, header, false)
	if err != nil {
		return nil, err
	}
	pf := &directWay{via: LokiViaPortForward, hc: noProxyClient(), header: header, pf: kube.NewForwarder(c, svc),
		ws: kube.NewPlainWSDialer(nil, nil, header)}
	poll := &ProxyWay{via: LokiViaPoll, svc: svc, base: proxy.base, hc: proxy.hc, ws: proxy.ws, header: header}
	switch opts.Via {
	case LokiViaProxy:
		l.ways, l.cat = []Way{proxy}, []Way{proxy}
	case LokiViaPortForward:
		l.ways, l.cat = []Way{pf}, []Way{pf}
	case LokiViaPoll:
		l.ways, l.cat = []Way{poll}, []Way{poll}
	default:
		l.ways = append(l.ways, proxy, pf, poll)
		l.cat = append(l.cat, proxy, pf)
		if opts.URL != "" {
			if w, err := NewURLWay(&opts); err == nil {
				l.ways = append(l.ways, w)
				l.cat = append(l.cat, w)
			}
		}
	}
	return l, nil
}
