// Package kube is tailui's Kubernetes side: kubeconfig and flags (cli-runtime, exactly
// as kubectl has them), pod discovery that survives API timeouts, the URLs of pod logs
// and of the service proxy, WebSocket dialing with every kubeconfig auth method, and
// the per-container log streams that resume exactly. It implements stream.Source and
// knows nothing of the screen.
package kube

import (
	"fmt"
	"io"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// Client bundles what every part of this package needs to talk to one cluster.
type Client struct {
	Config    *rest.Config
	Clientset kubernetes.Interface
	// Namespace is the namespace from the kubeconfig context or --namespace.
	Namespace string
	// User is who the kubeconfig says we are, for error messages ("" when unknown).
	User string

	// watchers are the pod informers that every Follower of this client shares
	// (podwatch.go), made on first use.
	watchers *podWatchers
}

// NewClient builds a Client from kubectl's standard flags.
func NewClient(flags *genericclioptions.ConfigFlags) (*Client, error) {
	// client-go logs watch and throttling chatter through klog; it must never reach a
	// terminal that tailui draws on. Errors reach the user through return values.
	klog.SetOutput(io.Discard)
	klog.LogToStderr(false)

	loader := flags.ToRawKubeConfigLoader()
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kube: load kubeconfig: %w", err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, fmt.Errorf("kube: namespace from kubeconfig: %w", err)
	}
	// Logs are long-lived streams: no client-side timeout, and a QPS that does not
	// throttle a burst of pod GETs when many streams reconnect at once.
	cfg.Timeout = 0
	if cfg.QPS == 0 {
		cfg.QPS = 50
		cfg.Burst = 100
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kube: client: %w", err)
	}
	user := ""
	if raw, err := loader.RawConfig(); err == nil {
		ctx := raw.CurrentContext
		if flags.Context != nil && *flags.Context != "" {
			ctx = *flags.Context
		}
		if c, ok := raw.Contexts[ctx]; ok {
			user = c.AuthInfo
		}
	}
	return &Client{Config: cfg, Clientset: cs, Namespace: ns, User: user}, nil
}
