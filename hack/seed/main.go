// Command seed fills the test bed's API server with a small demo cluster: namespaces,
// workloads with their ReplicaSets and pods (owner references carry the real UIDs, as
// the controllers would set them), Services with Endpoints and EndpointSlices for Loki
// and the tailui gateway, and the fixed pods the end-to-end tests use. There is no
// controller manager on the test bed, so the seed creates what controllers would.
// It is idempotent, then waits until the stand-in kubelet has started every pod.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "admin kubeconfig of the test bed's API server")
	flag.StringVar(&o.node, "node-name", testbedspec.DefaultNodeName, "node the pods are bound to (the stand-in kubelet's)")
	flag.StringVar(&o.lokiIP, "loki-ip", "", "pod IP of Loki (an address in the test bed's pod network)")
	flag.IntVar(&o.lokiPort, "loki-port", 3100, "Loki's HTTP port")
	flag.StringVar(&o.gatewayIP, "gateway-ip", "", "pod IP of the tailui gateway")
	flag.IntVar(&o.gatewayPort, "gateway-port", 8080, "the gateway's HTTP port")
	flag.StringVar(&o.lokiLog, "loki-log", "", "optional file holding Loki's own output: served as the loki-0 log")
	flag.StringVar(&o.gatewayLog, "gateway-log", "", "optional file holding the gateway's output: served as its log")
	flag.StringVar(&o.cluster, "cluster", "", "seed the test bed's second cluster of this name instead: a smaller set of pods whose names (and so lines) differ from the first cluster's")
	flag.DurationVar(&o.timeout, "timeout", 60*time.Second, "how long to wait for the API server and then for the pods")
	flag.Parse()
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

type options struct {
	kubeconfig, node, lokiIP, gatewayIP, lokiLog, gatewayLog, cluster string
	lokiPort, gatewayPort                                             int
	timeout                                                           time.Duration
}

func (o *options) validate() error {
	if o.cluster != "" {
		return nil // no Loki, no gateway in the second cluster
	}
	for flagName, ip := range map[string]string{"--loki-ip": o.lokiIP, "--gateway-ip": o.gatewayIP} {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("%s %q: want an IP address", flagName, ip)
		}
	}
	if o.lokiPort <= 0 || o.lokiPort > 65535 || o.gatewayPort <= 0 || o.gatewayPort > 65535 {
		return errors.New("ports must be 1-65535")
	}
	return nil
}

func run(o options) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.WarningHandler = rest.NoWarnings{} // v1 Endpoints is deprecated; the proxy still needs it
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "testbed-seed"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*o.timeout)
	defer cancel()
	if err := waitForAPI(ctx, client, o.timeout); err != nil {
		return err
	}
	s := &seeder{client: client, o: o}
	if err := s.seed(ctx); err != nil {
		return err
	}
	fmt.Printf("seed: %d pods on node %s; waiting for the kubelet to start them\n", len(s.pods), o.node)
	if err := s.waitForPods(ctx); err != nil {
		return err
	}
	s.writeWorkloadStatuses(ctx)
	fmt.Println("seed: done")
	return nil
}

func waitForAPI(ctx context.Context, client kubernetes.Interface, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("API server not ready after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// seeder creates the demo cluster and remembers what it made.
type seeder struct {
	client kubernetes.Interface
	o      options
	pods   []*v1.Pod // as stored, in creation order
	// workloads whose status the seed writes once their pods run
	deployments  []*appsv1.Deployment
	replicaSets  []*appsv1.ReplicaSet
	statefulSets []*appsv1.StatefulSet
	daemonSets   []*appsv1.DaemonSet
	jobs         []*batchv1.Job
}

const (
	loki      = "true"
	busybox   = "docker.io/library/busybox:1.36.1"
	envoy     = "docker.io/envoyproxy/envoy:v1.31.2"
	nsShop    = "shop"
	nsPay     = "payments"
	nsMon     = "monitoring"
	nsTest    = "logs-test"
	nsKubeSys = "kube-system"
)

func (s *seeder) seed(ctx context.Context) error {
	for _, ns := range []string{nsShop, nsPay, nsMon, nsTest} {
		want := &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}}}
		if _, err := ensure(ctx, s.client.CoreV1().Namespaces(), want, nil); err != nil {
			return err
		}
	}
	// No controller manager: nothing makes the default service accounts either.
	for _, ns := range []string{nsShop, nsPay, nsMon, nsTest, nsKubeSys, "default"} {
		want := &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}
		if _, err := ensure(ctx, s.client.CoreV1().ServiceAccounts(ns), want, nil); err != nil {
			return err
		}
	}
	steps := []func(context.Context) error{s.shop, s.payments, s.kubeSystem, s.monitoring, s.logsTest}
	if s.o.cluster != "" {
		steps = []func(context.Context) error{s.secondCluster}
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) shop(ctx context.Context) error {
	web := podTemplate{
		labels:      map[string]string{"app": "web", "tier": "frontend"},
		annotations: map[string]string{testbedspec.AnnotationLoki: loki},
		init: []ctr{
			{name: "migrate", image: "ghcr.io/tailui/demo-web:1.4.2", logs: "history=12,rate=0"},
			{name: "proxy", image: envoy, logs: "history=40,rate=1", port: 15001, portName: "proxy", sidecar: true},
		},
		containers: []ctr{{name: "app", image: "ghcr.io/tailui/demo-web:1.4.2", port: 8080, portName: "http"}},
	}
	if err := s.deployment(ctx, nsShop, "web", web, []string{"history=200,rate=2", "history=200,rate=3", "history=200,rate=5"}); err != nil {
		return err
	}
	api := podTemplate{
		labels:      map[string]string{"app": "api", "tier": "backend"},
		annotations: map[string]string{testbedspec.AnnotationLoki: loki},
		containers:  []ctr{{name: "api", image: "ghcr.io/tailui/demo-api:2.0.1", port: 8080, portName: "http"}},
	}
	if err := s.deployment(ctx, nsShop, "api", api, []string{"history=300,rate=1", "history=300,rate=4"}); err != nil {
		return err
	}
	for _, name := range []string{"web", "api"} {
		labels := map[string]string{"app": name}
		// No Endpoints: these pods' IPs are display-only, nothing may be proxied to them.
		if err := s.service(ctx, service(nsShop, name, labels, labels, false, svcPort{"http", 80})); err != nil {
			return err
		}
	}
	return nil
}

// secondCluster seeds the bed's second cluster: the namespace shop again, with a
// deployment web of the same name as the first cluster's, whose pods are named (and
// so log) differently, so that only the context tells the clusters' lines apart.
func (s *seeder) secondCluster(ctx context.Context) error {
	web := podTemplate{
		labels:     map[string]string{"app": "web", "tier": "frontend"},
		containers: []ctr{{name: "app", image: "ghcr.io/tailui/demo-web:1.4.3", port: 8080, portName: "http"}},
	}
	return s.deployment(ctx, nsShop, "web", web, []string{"history=40,rate=2", "history=40,rate=3"})
}

func (s *seeder) payments(ctx context.Context) error {
	ledger := podTemplate{
		labels:     map[string]string{"app": "ledger"},
		containers: []ctr{{name: "ledger", image: "ghcr.io/tailui/ledger:0.9.3", port: 5432, portName: "pg"}},
	}
	if err := s.statefulSet(ctx, nsPay, "ledger", ledger, []string{"history=150,rate=1", "history=150,rate=2"}); err != nil {
		return err
	}
	if err := s.service(ctx, service(nsPay, "ledger", ledger.labels, ledger.labels, true, svcPort{"pg", 5432})); err != nil {
		return err
	}
	billing := podTemplate{
		labels:     map[string]string{"app": "billing"},
		containers: []ctr{{name: "billing", image: "ghcr.io/tailui/billing:3.2.0", port: 8080, portName: "http"}},
	}
	// Restarts every 300 lines: once a minute at 5 lines/s.
	return s.deployment(ctx, nsPay, "billing", billing, []string{"history=100,rate=5,restart-after=300"})
}

func (s *seeder) kubeSystem(ctx context.Context) error {
	agent := podTemplate{
		labels:     map[string]string{"app": "node-agent", "app.kubernetes.io/name": "node-agent"},
		containers: []ctr{{name: "agent", image: "ghcr.io/tailui/node-agent:1.0.0", logs: "history=100,rate=1"}},
	}
	ds, err := ensure(ctx, s.client.AppsV1().DaemonSets(nsKubeSys), daemonSet(nsKubeSys, "node-agent", agent), nil)
	if err != nil {
		return err
	}
	s.daemonSets = append(s.daemonSets, ds)
	hash := templateHash(nsKubeSys, "node-agent", "daemonset")
	owner := ownerRef("apps/v1", "DaemonSet", ds.Name, ds.UID)
	pod := agent.pod(nsKubeSys, "node-agent-"+suffix(ds.Name, s.o.node), s.o.node,
		map[string]string{"controller-revision-hash": hash, "pod-template-generation": "1"}, nil, owner)
	return s.pod(ctx, pod)
}

func (s *seeder) monitoring(ctx context.Context) error {
	lokiLabels := map[string]string{
		"app.kubernetes.io/name":      "loki",
		"app.kubernetes.io/component": "single-binary",
		"app.kubernetes.io/instance":  "loki",
	}
	lokiLogs := "history=80,rate=2"
	if s.o.lokiLog != "" {
		lokiLogs = "file=" + s.o.lokiLog
	}
	lokiT := podTemplate{
		labels:      lokiLabels,
		annotations: map[string]string{testbedspec.AnnotationPodIP: s.o.lokiIP},
		containers: []ctr{{name: "loki", image: "docker.io/grafana/loki:3.7.8", logs: lokiLogs,
			port: int32(s.o.lokiPort), portName: "http-metrics"}},
	}
	if err := s.statefulSet(ctx, nsMon, "loki", lokiT, []string{lokiLogs}); err != nil {
		return err
	}
	lokiPod := s.pods[len(s.pods)-1]
	svcLabels := copyMap(lokiLabels)
	if err := s.service(ctx, service(nsMon, "loki", svcLabels, lokiLabels, false, svcPort{"http-metrics", int32(s.o.lokiPort)})); err != nil {
		return err
	}
	if err := s.endpoints(ctx, nsMon, "loki", svcLabels, lokiPod, s.o.lokiIP, svcPort{"http-metrics", int32(s.o.lokiPort)}); err != nil {
		return err
	}

	gwLabels := map[string]string{"app.kubernetes.io/name": "tailui-gateway", "app.kubernetes.io/instance": "tailui"}
	gwLogs := "history=30,rate=1"
	if s.o.gatewayLog != "" {
		gwLogs = "file=" + s.o.gatewayLog
	}
	gw := podTemplate{
		labels:      gwLabels,
		annotations: map[string]string{testbedspec.AnnotationPodIP: s.o.gatewayIP},
		containers: []ctr{{name: "gateway", image: "ghcr.io/tailui/tailui:dev", logs: gwLogs,
			port: int32(s.o.gatewayPort), portName: "http"}},
	}
	if err := s.deployment(ctx, nsMon, "tailui-gateway", gw, []string{gwLogs}); err != nil {
		return err
	}
	gwPod := s.pods[len(s.pods)-1]
	if err := s.service(ctx, service(nsMon, "tailui-gateway", gwLabels, gwLabels, false, svcPort{"http", int32(s.o.gatewayPort)})); err != nil {
		return err
	}
	if err := s.endpoints(ctx, nsMon, "tailui-gateway", gwLabels, gwPod, s.o.gatewayIP, svcPort{"http", int32(s.o.gatewayPort)}); err != nil {
		return err
	}
	return s.job(ctx, nsMon, "report")
}

func (s *seeder) logsTest(ctx context.Context) error {
	app := func(logs string) []ctr { return []ctr{{name: "app", image: busybox, logs: logs}} }
	pods := []podTemplate{
		{labels: map[string]string{"test": "bulk"}, containers: app("history=100000,rate=0")},
		{labels: map[string]string{"test": "cut"}, containers: app("history=20,rate=20,cut=50")},
		{labels: map[string]string{"test": "restarter"}, containers: app("history=50,rate=10,restart-after=100")},
		{labels: map[string]string{"test": "hostile"}, containers: app("hostile=true,history=60,rate=1")},
		{labels: map[string]string{"test": "waiting"}, containers: app("waiting=ContainerCreating")},
		{
			labels:     map[string]string{"test": "multi"},
			init:       []ctr{{name: "init", image: busybox, logs: "history=10,rate=0"}},
			containers: []ctr{{name: "a", image: busybox, logs: "history=200,rate=1"}, {name: "b", image: busybox, logs: "history=50,rate=2"}},
		},
		{labels: map[string]string{"test": "fast"}, containers: app("history=0,rate=5000")},
	}
	for _, t := range pods {
		if err := s.pod(ctx, t.pod(nsTest, t.labels["test"], s.o.node, nil, nil, nil)); err != nil {
			return err
		}
	}
	return nil
}

// deployment creates a Deployment, its ReplicaSet and one pod per logs entry.
func (s *seeder) deployment(ctx context.Context, ns, name string, t podTemplate, podLogs []string) error {
	want := deployment(ns, name, int32(len(podLogs)), t)
	d, err := ensure(ctx, s.client.AppsV1().Deployments(ns), want, func(have, want *appsv1.Deployment) bool {
		return set(&have.Spec.Replicas, want.Spec.Replicas)
	})
	if err != nil {
		return err
	}
	s.deployments = append(s.deployments, d)
	tmplJSON, err := json.Marshal(t.templateSpec())
	if err != nil {
		return fmt.Errorf("seed: encode template of %s/%s: %w", ns, name, err)
	}
	hash := templateHash(ns, name, string(tmplJSON))
	if s.o.cluster != "" {
		hash = templateHash(ns, name, string(tmplJSON), s.o.cluster)
	}
	rs, err := ensure(ctx, s.client.AppsV1().ReplicaSets(ns), replicaSet(d, hash), func(have, want *appsv1.ReplicaSet) bool {
		return set(&have.Spec.Replicas, want.Spec.Replicas)
	})
	if err != nil {
		return err
	}
	s.replicaSets = append(s.replicaSets, rs)
	owner := ownerRef("apps/v1", "ReplicaSet", rs.Name, rs.UID)
	for i, logs := range podLogs {
		podName := rs.Name + "-" + suffix(rs.Name, fmt.Sprint(i))
		main := map[string]string{t.containers[0].name: logs}
		pod := t.pod(ns, podName, s.o.node, map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: hash}, main, owner)
		if err := s.pod(ctx, pod); err != nil {
			return err
		}
	}
	return nil
}

// statefulSet creates a StatefulSet and its pods name-0, name-1, ...
func (s *seeder) statefulSet(ctx context.Context, ns, name string, t podTemplate, podLogs []string) error {
	want := statefulSet(ns, name, int32(len(podLogs)), t)
	ss, err := ensure(ctx, s.client.AppsV1().StatefulSets(ns), want, func(have, want *appsv1.StatefulSet) bool {
		return set(&have.Spec.Replicas, want.Spec.Replicas)
	})
	if err != nil {
		return err
	}
	s.statefulSets = append(s.statefulSets, ss)
	rev := name + "-" + templateHash(ns, name, "statefulset")
	owner := ownerRef("apps/v1", "StatefulSet", ss.Name, ss.UID)
	for i, logs := range podLogs {
		podName := fmt.Sprintf("%s-%d", name, i)
		labels := map[string]string{
			"controller-revision-hash":           rev,
			"statefulset.kubernetes.io/pod-name": podName,
			"apps.kubernetes.io/pod-index":       fmt.Sprint(i),
		}
		pod := t.pod(ns, podName, s.o.node, labels, map[string]string{t.containers[0].name: logs}, owner)
		pod.Spec.Hostname, pod.Spec.Subdomain = podName, name
		if err := s.pod(ctx, pod); err != nil {
			return err
		}
	}
	return nil
}

// job creates a finished Job and its one Succeeded pod.
func (s *seeder) job(ctx context.Context, ns, name string) error {
	t := podTemplate{
		labels:      map[string]string{"app": name},
		annotations: map[string]string{testbedspec.AnnotationPhase: string(v1.PodSucceeded)},
		containers:  []ctr{{name: "report", image: busybox, logs: "history=120,rate=0"}},
		restart:     v1.RestartPolicyNever,
	}
	want := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(t.labels)},
		Spec: batchv1.JobSpec{
			Completions:  ptr(int32(1)),
			Parallelism:  ptr(int32(1)),
			BackoffLimit: ptr(int32(2)),
			Template:     t.templateSpec(),
		},
	}
	j, err := ensure(ctx, s.client.BatchV1().Jobs(ns), want, nil)
	if err != nil {
		return err
	}
	s.jobs = append(s.jobs, j)
	// The API server generated the selector labels (controller-uid, job-name).
	labels := copyMap(j.Spec.Template.Labels)
	owner := ownerRef("batch/v1", "Job", j.Name, j.UID)
	return s.pod(ctx, t.pod(ns, name+"-"+suffix(ns, name, string(j.UID)), s.o.node, labels, nil, owner))
}

func (s *seeder) service(ctx context.Context, want *v1.Service) error {
	_, err := ensure(ctx, s.client.CoreV1().Services(want.Namespace), want, func(have, want *v1.Service) bool {
		a := set(&have.Spec.Ports, want.Spec.Ports)
		b := setMap(&have.Spec.Selector, want.Spec.Selector)
		return a || b
	})
	return err
}

// endpoints creates what the endpoints controllers would for a one-pod Service: the
// Endpoints the API server's service proxy reads and the EndpointSlice clients watch.
func (s *seeder) endpoints(ctx context.Context, ns, name string, labels map[string]string, pod *v1.Pod, ip string, port svcPort) error {
	ref := &v1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod.Name, UID: pod.UID}
	tcp := v1.ProtocolTCP
	ep := &v1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(labels)},
		Subsets: []v1.EndpointSubset{{
			Addresses: []v1.EndpointAddress{{IP: ip, NodeName: &s.o.node, TargetRef: ref}},
			Ports:     []v1.EndpointPort{{Name: port.name, Port: port.port, Protocol: tcp}},
		}},
	}
	if _, err := ensure(ctx, s.client.CoreV1().Endpoints(ns), ep, func(have, want *v1.Endpoints) bool {
		return set(&have.Subsets, want.Subsets)
	}); err != nil {
		return err
	}
	sliceLabels := copyMap(labels)
	sliceLabels[discoveryv1.LabelServiceName] = name
	sliceLabels[discoveryv1.LabelManagedBy] = "testbed-seed"
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name + "-" + suffix(ns, name, "slice"), Labels: sliceLabels},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{ip},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(true), Serving: ptr(true), Terminating: ptr(false)},
			NodeName:   &s.o.node,
			TargetRef:  ref,
		}},
		Ports: []discoveryv1.EndpointPort{{Name: &port.name, Port: &port.port, Protocol: &tcp}},
	}
	_, err := ensure(ctx, s.client.DiscoveryV1().EndpointSlices(ns), slice, func(have, want *discoveryv1.EndpointSlice) bool {
		a := set(&have.Endpoints, want.Endpoints)
		b := set(&have.Ports, want.Ports)
		return a || b
	})
	return err
}

// pod creates a pod, or keeps the existing one. A pod bound to another node, or whose
// test-bed annotations changed, is replaced: its spec cannot change, and the kubelet
// reads the annotations only when a pod starts.
func (s *seeder) pod(ctx context.Context, want *v1.Pod) error {
	pods := s.client.CoreV1().Pods(want.Namespace)
	if have, err := pods.Get(ctx, want.Name, metav1.GetOptions{}); err == nil {
		if why := mustReplace(have, want); why != "" {
			fmt.Printf("seed: replacing pod %s: %s\n", podKey(want), why)
			if err := pods.Delete(ctx, want.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("seed: replace pod %s: %w", podKey(want), err)
			}
		}
	}
	p, err := ensure(ctx, pods, want, nil)
	if err != nil {
		return err
	}
	s.pods = append(s.pods, p)
	return nil
}

// waitForPods waits until the kubelet has started every seeded pod: Running, or
// Succeeded for finished ones, or Pending with its waiting container reported.
func (s *seeder) waitForPods(ctx context.Context) error {
	deadline := time.Now().Add(s.o.timeout)
	for {
		var notReady []string
		for _, want := range s.pods {
			have, err := s.client.CoreV1().Pods(want.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
			if err != nil {
				notReady = append(notReady, podKey(want)+" ("+err.Error()+")")
				continue
			}
			if why := notStarted(have); why != "" {
				notReady = append(notReady, podKey(want)+" ("+why+")")
			}
		}
		if len(notReady) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			sort.Strings(notReady)
			return fmt.Errorf("%d pods not started by the kubelet on node %s within %s: %s",
				len(notReady), s.o.node, s.o.timeout, strings.Join(notReady, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// notStarted says why a pod does not look started yet, or "" when it does.
func notStarted(p *v1.Pod) string {
	if len(p.Status.ContainerStatuses) < len(p.Spec.Containers) {
		return "no container statuses yet"
	}
	switch p.Status.Phase {
	case v1.PodRunning, v1.PodSucceeded:
		return ""
	case v1.PodPending:
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
				return "" // scripted to wait
			}
		}
	}
	return "phase " + string(p.Status.Phase)
}

// mustReplace says why an existing pod cannot be kept as it is, or "".
func mustReplace(have, want *v1.Pod) string {
	if have.Spec.NodeName != want.Spec.NodeName {
		return "bound to node " + have.Spec.NodeName
	}
	for k, v := range want.Annotations {
		if strings.HasPrefix(k, testbedspec.Prefix) && have.Annotations[k] != v {
			return fmt.Sprintf("annotation %s changed", k)
		}
	}
	for k := range have.Annotations {
		if _, ok := want.Annotations[k]; !ok && strings.HasPrefix(k, testbedspec.Prefix) {
			return fmt.Sprintf("annotation %s dropped", k)
		}
	}
	return ""
}
