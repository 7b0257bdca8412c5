package kube

import (
	"fmt"
	"strings"
)

// ServiceRef names a Service port for the API server's service proxy.
type ServiceRef struct {
	Namespace string
	Name      string
	// Port is the port's name or number; empty means the Service's only port.
	Port string
	// Scheme is "https" for a Service that speaks TLS; empty for plain HTTP.
	Scheme string
}

// String returns "ns/name:port" (with "https:" before the name when set).
func (r ServiceRef) String() string {
	s := r.Namespace + "/"
	if r.Scheme != "" {
		s += r.Scheme + ":"
	}
	s += r.Name
	if r.Port != "" {
		s += ":" + r.Port
	}
	return s
}

// ProxyPath returns the service proxy path, without a trailing slash:
// /api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy.
func (r ServiceRef) ProxyPath() string {
	seg := r.Name
	if r.Scheme != "" {
		seg = r.Scheme + ":" + seg + ":" + r.Port
	} else if r.Port != "" {
		seg += ":" + r.Port
	}
	return "/api/v1/namespaces/" + r.Namespace + "/services/" + seg + "/proxy"
}

// ParseServiceRef reads NS/[https:]NAME[:PORT] (NS may be left out: defaultNS).
func ParseServiceRef(s, defaultNS string) (ServiceRef, error) {
	var r ServiceRef
	ns, rest, ok := strings.Cut(s, "/")
	if !ok {
		ns, rest = defaultNS, s
	}
	r.Namespace = ns
	parts := strings.Split(rest, ":")
	if len(parts) > 1 && (parts[0] == "https" || parts[0] == "http") {
		if parts[0] == "https" {
			r.Scheme = "https"
		}
		parts = parts[1:]
	}
	switch len(parts) {
	case 1:
		r.Name = parts[0]
	case 2:
		r.Name, r.Port = parts[0], parts[1]
	default:
		return r, fmt.Errorf("service %q: want NAMESPACE/NAME:PORT", s)
	}
	if r.Namespace == "" || r.Name == "" || strings.ContainsAny(r.Name+r.Namespace+r.Port, "/?#% ") {
		return r, fmt.Errorf("service %q: want NAMESPACE/NAME:PORT", s)
	}
	return r, nil
}
