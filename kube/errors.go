package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream"
	streamhttp "k8s.io/streaming/pkg/httpstream"

	"github.com/tailui/tailui/internal/redact"
)

// forbiddenRE picks apart the API server's RBAC denial message, e.g.
// `pods "x" is forbidden: User "nobody" cannot get resource "pods/log" in API group "" in the namespace "ns"`.
var forbiddenRE = regexp.MustCompile(`User "([^"]*)" cannot (\w+) resource "([^"]*)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?`)

// Explain turns an error from the API server into one line that says what happened
// and what to do, in the server's own words where it gave any.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	if cause, ok := upgradeCause(err); ok {
		err = cause
	}
	var se *apierrors.StatusError
	if !errors.As(err, &se) {
		var ue *url.Error
		if errors.As(err, &ue) && !errors.Is(err, context.Canceled) {
			u, _ := url.Parse(ue.URL)
			host := redact.URL(ue.URL) // when it does not parse; else only scheme and host
			if u != nil {
				host = u.Scheme + "://" + u.Host
			}
			cause := ue.Err.Error()
			var oe *net.OpError
			if errors.As(ue.Err, &oe) && oe.Err != nil {
				cause = oe.Err.Error()
			}
			return fmt.Sprintf("cannot reach the API server at %s (%s): is the cluster up, and is this the right kubeconfig context?", host, cause)
		}
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" && oe.Err != nil {
			return fmt.Sprintf("cannot reach %s (%s)", oe.Addr, oe.Err.Error())
		}
		return err.Error()
	}
	msg := se.ErrStatus.Message
	switch {
	case apierrors.IsForbidden(se):
		if m := forbiddenRE.FindStringSubmatch(msg); m != nil {
			res := m[3]
			if m[4] != "" {
				res += "." + m[4]
			}
			where := "at cluster scope"
			if m[5] != "" {
				where = fmt.Sprintf("in namespace %q", m[5])
			}
			return fmt.Sprintf("forbidden: user %q cannot %s %s %s (ask for RBAC %s on %s; deploy/rbac.yaml has a read-only log viewer role)",
				m[1], m[2], res, where, m[2], res)
		}
		return "forbidden: " + msg
	case apierrors.IsUnauthorized(se):
		return "unauthorized: the API server did not accept these credentials (" + msg + "); check the kubeconfig's user or log in again"
	}
	if msg == "" {
		msg = se.Error()
	}
	return msg
}

// IsPermanent reports whether err is one that retrying the same request will not fix:
// RBAC denials, bad requests, unknown objects.
func IsPermanent(err error) bool {
	if cause, ok := upgradeCause(err); ok {
		err = cause
	}
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsNotFound(err) ||
		apierrors.IsBadRequest(err) && !isContainerNotReady(err) || apierrors.IsInvalid(err)
}

// upgradeCause returns why a WebSocket upgrade was refused, when err says it was.
// client-go's WebSocket dialer reports a refusal as k8s.io/streaming's
// UpgradeFailureError, older paths as apimachinery's: two distinct types, and
// neither has an Unwrap method, so errors.As cannot see the Status inside.
func upgradeCause(err error) (error, bool) {
	var uf *httpstream.UpgradeFailureError
	if errors.As(err, &uf) && uf.Cause != nil {
		return uf.Cause, true
	}
	var sf *streamhttp.UpgradeFailureError
	if errors.As(err, &sf) && sf.Cause != nil {
		return sf.Cause, true
	}
	return nil, false
}

// IsUnreachable reports whether err means the API server could not be reached at
// all (connection refused, DNS, timeouts), which a retry may fix.
func IsUnreachable(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) && !errors.Is(err, context.Canceled)
}

// isContainerNotReady reports whether err is the API server's answer for a container
// that exists but cannot serve logs yet (waiting to start, ContainerCreating).
func isContainerNotReady(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "is waiting to start") || strings.Contains(msg, "ContainerCreating") ||
		strings.Contains(msg, "PodInitializing")
}
