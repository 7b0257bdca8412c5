package kube

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// Cluster is one kubeconfig context that tailui follows, with its own client
// (transport, credentials, discovery): several clusters share nothing. Err says why
// the cluster cannot be used (an unknown context, a broken entry); its Client is
// nil then, and the other clusters go on.
type Cluster struct {
	// Context is the kubeconfig context's name, as given (or the current context).
	Context string
	Client  *Client
	Err     error
}

// UnknownContextError says that a context named on the command line is not in the
// kubeconfig.
type UnknownContextError struct {
	Context string
	Known   []string // sorted
}

func (e *UnknownContextError) Error() string {
	known := "the kubeconfig has no contexts"
	if len(e.Known) > 0 {
		known = "known contexts: " + strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("context %q is not in the kubeconfig (%s); check the name with kubectl config get-contexts", e.Context, known)
}

// NewClusters builds one Client per context, each from its own copy of flags with
// --context set to it. No context means the kubeconfig's current context, exactly
// as NewClient. A context that cannot be used gets its Err and no Client; the error
// returned is for what no cluster can work without (an unreadable kubeconfig), or
// when every cluster failed.
func NewClusters(flags *genericclioptions.ConfigFlags, contexts []string) ([]*Cluster, error) {
	if len(contexts) == 0 {
		c, err := NewClient(flags)
		if err != nil {
			return nil, err
		}
		return []*Cluster{{Client: c}}, nil
	}
	raw, err := flags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kube: load kubeconfig: %w", err)
	}
	known := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		known = append(known, name)
	}
	slices.Sort(known)
	out := make([]*Cluster, 0, len(contexts))
	var errs []error
	for _, name := range contexts {
		if slices.ContainsFunc(out, func(c *Cluster) bool { return c.Context == name }) {
			continue // given twice
		}
		cl := &Cluster{Context: name}
		out = append(out, cl)
		if _, ok := raw.Contexts[name]; !ok {
			cl.Err = &UnknownContextError{Context: name, Known: known}
		} else {
			cl.Client, cl.Err = NewClient(flagsFor(flags, name))
		}
		if cl.Err != nil {
			errs = append(errs, fmt.Errorf("[%s] %w", name, cl.Err))
		}
	}
	if len(errs) == len(out) {
		return out, errors.Join(errs...)
	}
	return out, nil
}

// flagsFor copies flags with --context set to name: a ConfigFlags of its own, so
// that its cached client config is this context's.
func flagsFor(f *genericclioptions.ConfigFlags, name string) *genericclioptions.ConfigFlags {
	c := genericclioptions.NewConfigFlags(true)
	c.CacheDir, c.KubeConfig = f.CacheDir, f.KubeConfig
	c.ClusterName, c.AuthInfoName, c.Namespace, c.APIServer = f.ClusterName, f.AuthInfoName, f.Namespace, f.APIServer
	c.TLSServerName, c.Insecure, c.CertFile, c.KeyFile, c.CAFile = f.TLSServerName, f.Insecure, f.CertFile, f.KeyFile, f.CAFile
	c.BearerToken, c.Impersonate, c.ImpersonateUID = f.BearerToken, f.Impersonate, f.ImpersonateUID
	c.ImpersonateGroup, c.ImpersonateUserExtra = f.ImpersonateGroup, f.ImpersonateUserExtra
	c.Username, c.Password, c.Timeout, c.DisableCompression = f.Username, f.Password, f.Timeout, f.DisableCompression
	c.WrapConfigFn = f.WrapConfigFn
	c.Context = &name
	return c
}

// CurrentContext returns the kubeconfig's current context, "" when it cannot be read.
func CurrentContext(flags *genericclioptions.ConfigFlags) string {
	raw, err := flags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}
