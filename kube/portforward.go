package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	streamhttp "k8s.io/streaming/pkg/httpstream"
)

// ServiceBackend is one pod behind a Service and the container port a Service
// port maps to on it.
type ServiceBackend struct {
	Pod  string
	IP   string
	Port int32
}

// serviceBackends returns the ready pods behind svc and the container port of its
// port, from the Service's EndpointSlices (or its v1 Endpoints when the slices
// cannot be read), ready ones first.
func (c *Client) serviceBackends(ctx context.Context, svc ServiceRef) ([]ServiceBackend, error) {
	portName, portNum := svc.Port, int32(0)
	if n, err := strconv.Atoi(svc.Port); err == nil {
		portName, portNum = "", int32(n)
	}
	// The EndpointSlice ports carry the Service port's name: look it up.
	if s, err := c.Clientset.CoreV1().Services(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{}); err == nil {
		if p, ok := servicePort(s, svc.Port); ok {
			portName, portNum = p.Name, 0
		} else {
			return nil, fmt.Errorf("svc %s/%s has no port %q", svc.Namespace, svc.Name, svc.Port)
		}
	} else if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("svc %s/%s not found", svc.Namespace, svc.Name)
	}
	match := func(name *string, port *int32) (int32, bool) {
		if port == nil {
			return 0, false
		}
		n := ""
		if name != nil {
			n = *name
		}
		if portNum != 0 {
			return *port, *port == portNum || n == "" // a numbered port: the slice says the target
		}
		return *port, n == portName
	}
	var ready, notReady []ServiceBackend
	slices, err := c.Clientset.DiscoveryV1().EndpointSlices(svc.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc.Name})
	if err == nil {
		for _, s := range slices.Items {
			var port int32
			found := false
			for _, p := range s.Ports {
				if n, ok := match(p.Name, p.Port); ok {
					port, found = n, true
					break
				}
			}
			if !found {
				continue
			}
			for _, e := range s.Endpoints {
				if e.TargetRef == nil || e.TargetRef.Kind != "Pod" || len(e.Addresses) == 0 {
					continue
				}
				b := ServiceBackend{Pod: e.TargetRef.Name, IP: e.Addresses[0], Port: port}
				if e.Conditions.Ready == nil || *e.Conditions.Ready {
					ready = append(ready, b)
				} else {
					notReady = append(notReady, b)
				}
			}
		}
	} else {
		ep, eerr := c.Clientset.CoreV1().Endpoints(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{})
		if eerr != nil {
			return nil, fmt.Errorf("endpoints of svc %s/%s: %s", svc.Namespace, svc.Name, Explain(err))
		}
		for _, sub := range ep.Subsets {
			var port int32
			found := false
			for _, p := range sub.Ports {
				if n, ok := match(&p.Name, &p.Port); ok {
					port, found = n, true
					break
				}
			}
			if !found {
				continue
			}
			for _, a := range sub.Addresses {
				if a.TargetRef != nil && a.TargetRef.Kind == "Pod" {
					ready = append(ready, ServiceBackend{Pod: a.TargetRef.Name, IP: a.IP, Port: port})
				}
			}
			for _, a := range sub.NotReadyAddresses {
				if a.TargetRef != nil && a.TargetRef.Kind == "Pod" {
					notReady = append(notReady, ServiceBackend{Pod: a.TargetRef.Name, IP: a.IP, Port: port})
				}
			}
		}
	}
	if len(ready)+len(notReady) == 0 {
		return nil, fmt.Errorf("svc %s has no endpoints backed by a pod (kubectl -n %s get endpointslices -l %s=%s)",
			svc.String(), svc.Namespace, discoveryv1.LabelServiceName, svc.Name)
	}
	return append(ready, notReady...), nil
}

// servicePort finds a Service's port by name or number; an empty want picks the
// only port.
func servicePort(s *corev1.Service, want string) (corev1.ServicePort, bool) {
	if want == "" && len(s.Spec.Ports) == 1 {
		return s.Spec.Ports[0], true
	}
	for _, p := range s.Spec.Ports {
		if p.Name == want || strconv.Itoa(int(p.Port)) == want {
			return p, true
		}
	}
	return corev1.ServicePort{}, false
}

// lastForwardError holds the last error client-go's port-forward reported through
// utilruntime.HandleError (the only place it reports per-connection failures such
// as "failed to connect to 10.0.0.7:3100").
var (
	lastForwardError atomic.Pointer[string]
	watchForwardOnce sync.Once
)

func watchForwardErrors() {
	watchForwardOnce.Do(func() {
		utilruntime.ErrorHandlers = append(utilruntime.ErrorHandlers,
			func(_ context.Context, err error, msg string, _ ...interface{}) {
				if err == nil || !strings.Contains(err.Error(), "forward") {
					return
				}
				s := oneLine(err.Error())
				lastForwardError.Store(&s)
			})
	})
}

// forwarder keeps one client-go port-forward to a pod behind a Service open on
// 127.0.0.1, and opens a new one (finding the pod again) when it died.
type forwarder struct {
	c   *Client
	svc ServiceRef

	mu  sync.Mutex
	cur *pfSession
}

// pfSession is one running port-forward.
type pfSession struct {
	backend ServiceBackend
	local   uint16
	stop    chan struct{}
	done    chan struct{}
	err     error // set before done closes
}

func newForwarder(c *Client, svc ServiceRef) *forwarder {
	watchForwardErrors()
	return &forwarder{c: c, svc: svc}
}

func (f *forwarder) describe() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.cur; s != nil {
		return fmt.Sprintf("port-forward 127.0.0.1:%d to pod %s/%s port %d (behind svc %s)", s.local, f.svc.Namespace, s.backend.Pod, s.backend.Port, f.svc.String())
	}
	return "a port-forward to a pod behind svc " + f.svc.String()
}

// ensure returns the base URL of a running port-forward, starting one if needed.
func (f *forwarder) ensure(ctx context.Context) (*url.URL, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.cur; s != nil {
		select {
		case <-s.done:
			f.cur = nil
		default:
			return &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(int(s.local))}, nil
		}
	}
	backends, err := f.c.serviceBackends(ctx, f.svc)
	if err != nil {
		return nil, fmt.Errorf("port-forward: %w", err)
	}
	var errs []string
	for _, b := range backends {
		s, err := f.start(ctx, b)
		if err == nil {
			f.cur = s
			return &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(int(s.local))}, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		errs = append(errs, err.Error())
		if IsPermanent(err) {
			break // RBAC: other pods will not do better
		}
	}
	return nil, errors.New(strings.Join(errs, "; "))
}

// dialer is how kubectl port-forward dials: WebSocket tunnelling first,
// SPDY when the server refuses the upgrade.
func (f *forwarder) dialer(pod string) (httpstream.Dialer, error) {
	u := f.c.Clientset.CoreV1().RESTClient().Post().Resource("pods").Namespace(f.svc.Namespace).
		Name(pod).SubResource("portforward").URL()
	tr, up, err := spdy.RoundTripperFor(f.c.Config)
	if err != nil {
		return nil, err
	}
	d := spdy.NewDialer(up, &http.Client{Transport: tr}, http.MethodPost, u)
	tunnel, err := portforward.NewSPDYOverWebsocketDialer(u, f.c.Config)
	if err != nil {
		return nil, err
	}
	return portforward.NewFallbackDialer(tunnel, d, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || streamhttp.IsUpgradeFailure(err) ||
			httpstream.IsHTTPSProxyError(err)
	}), nil
}

// start opens a port-forward to b and waits until it listens.
func (f *forwarder) start(ctx context.Context, b ServiceBackend) (*pfSession, error) {
	d, err := f.dialer(b.Pod)
	if err != nil {
		return nil, fmt.Errorf("port-forward to pod %s: %w", b.Pod, err)
	}
	s := &pfSession{backend: b, stop: make(chan struct{}), done: make(chan struct{})}
	ready := make(chan struct{})
	pf, err := portforward.NewOnAddresses(d, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(int(b.Port))},
		s.stop, ready, nil, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("port-forward to pod %s: %w", b.Pod, err)
	}
	go func() {
		s.err = pf.ForwardPorts()
		close(s.done)
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-ready:
	case <-s.done:
		return nil, fmt.Errorf("port-forward to pod %s/%s: %w", f.svc.Namespace, b.Pod, unwrapForward(s.err))
	case <-ctx.Done():
		close(s.stop)
		return nil, ctx.Err()
	case <-t.C:
		close(s.stop)
		return nil, fmt.Errorf("port-forward to pod %s/%s: not ready after 30s", f.svc.Namespace, b.Pod)
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) == 0 {
		close(s.stop)
		return nil, fmt.Errorf("port-forward to pod %s/%s: %v", f.svc.Namespace, b.Pod, err)
	}
	s.local = ports[0].Local
	return s, nil
}

// unwrapForward digs the API server's Status out of client-go's "error upgrading
// connection: ..." so that Explain and IsPermanent can read it.
func unwrapForward(err error) error {
	if err == nil {
		return errors.New("port-forward ended")
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "is forbidden"):
		return &forwardError{msg: msg, status: apierrors.NewForbidden(corev1.Resource("pods/portforward"), "", errors.New(msg))}
	case strings.Contains(msg, "not found"):
		return &forwardError{msg: msg, status: apierrors.NewNotFound(corev1.Resource("pods"), "")}
	}
	return err
}

// forwardError keeps client-go's message and classifies it like the Status it
// stands for.
type forwardError struct {
	msg    string
	status *apierrors.StatusError
}

func (e *forwardError) Error() string { return e.msg }
func (e *forwardError) Unwrap() error { return e.status }

// annotate adds what the port-forward reported about a failed request: the
// connection to the pod failed, or the forward died.
func (f *forwarder) annotate(err error) error {
	if p := lastForwardError.Swap(nil); p != nil {
		return fmt.Errorf("%w (port-forward: %s)", err, *p)
	}
	f.mu.Lock()
	s := f.cur
	f.mu.Unlock()
	if s != nil {
		select {
		case <-s.done:
			return fmt.Errorf("%w (the port-forward ended: %v)", err, s.err)
		default:
		}
	}
	return err
}

func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil {
		close(f.cur.stop)
		<-f.cur.done
		f.cur = nil
	}
}
