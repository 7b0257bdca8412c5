package loki

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	gws "github.com/gorilla/websocket"

	"github.com/tailui/tailui/kube"
)

// gatewayPrefix starts every answer the tailui gateway gives itself (its JSON
// errors), which tells them apart from Loki's own (plain text).
const gatewayPrefix = "tailui gateway: "

// isGatewayAnswer reports whether e is the tailui gateway's own answer.
func isGatewayAnswer(e *kube.ResponseError) bool {
	return !e.FromAPIServer() && strings.Contains(e.Body, `"error":"`+gatewayPrefix)
}

// lokiAnswered reports whether err is Loki's own answer to the request (a refused
// query, a limit, missing tenant), not a failure to reach Loki: any other way would
// get the same answer, so falling back is pointless.
func lokiAnswered(err error) bool {
	var re *kube.ResponseError
	if !errors.As(err, &re) || re.FromAPIServer() {
		return false
	}
	if isGatewayAnswer(re) {
		// The gateway refusing the request itself (bad args, too long) would refuse
		// it whatever way; its 502 (Loki unreachable) and 403 (path) are the path.
		return re.StatusCode == 400 || re.StatusCode == 413 || re.StatusCode == 414
	}
	switch re.StatusCode {
	case 400, 401, 413, 422, 429:
		return true
	}
	return false
}

// wayRefused reports whether err means this way will not work however often it is
// retried: the API server refused (RBAC, no such Service), or the gateway refused
// the path. Another way may still work.
func wayRefused(err error) bool {
	var re *kube.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	if re.FromAPIServer() {
		return kube.IsPermanent(re)
	}
	if isGatewayAnswer(re) {
		return re.StatusCode == 403 || re.StatusCode == 404 || re.StatusCode == 405
	}
	return re.StatusCode == 404 || re.StatusCode == 403
}

// DialFailRE and NoEndRE recognise the service proxy's two ways of not reaching a
// pod: a dial that failed, and a Service without ready endpoints.
var (
	DialFailRE = regexp.MustCompile(`dial tcp ([0-9A-Fa-f.:\[\]]+):(\d+): (?:connect: )?(i/o timeout|no route to host|network is unreachable|connection refused|connection reset by peer|host is down)`)
	NoEndRE    = regexp.MustCompile(`no endpoints available for service "([^"]*)"`)
)

// explainProxyFailure turns the API server's answer for a proxied request it could
// not deliver into the cause and the fix to try.
func explainProxyFailure(msg string, svc *kube.ServiceRef) string {
	where := "the Service"
	if svc != nil {
		where = "svc " + svc.String()
	}
	if m := DialFailRE.FindStringSubmatch(msg); m != nil {
		ip, port, why := strings.Trim(m[1], "[]"), m[2], m[3]
		switch why {
		case "connection refused", "connection reset by peer":
			return fmt.Sprintf("the API server reached pod IP %s but nothing accepts connections on port %s (%s): %s points at the wrong port, or Loki is not listening yet; check the port (--loki-service NS/NAME:PORT), or try --loki-via port-forward",
				ip, port, why, where)
		default:
			return fmt.Sprintf("the API server cannot reach pod IP %s on port %s (%s): a firewall or security group between the control plane and the nodes blocks it (the linkerd-viz failure on EKS); open port %s from the control plane to the nodes, or use --loki-via port-forward, which goes through the kubelet",
				ip, port, why, port)
		}
	}
	switch {
	case NoEndRE.MatchString(msg):
		hint := ""
		if svc != nil {
			hint = fmt.Sprintf(" (kubectl -n %s get endpointslices -l kubernetes.io/service-name=%s)", svc.Namespace, svc.Name)
		}
		return fmt.Sprintf("%s has no ready endpoints: no pod behind it is running and ready%s; the API server said %q", where, hint, msg)
	case strings.Contains(msg, "x509") || strings.Contains(msg, "tls:") || strings.Contains(msg, "HTTP response to HTTPS client"):
		return fmt.Sprintf("TLS failed between the API server and the pod (%s): write https: before the name in --loki-service for a TLS port, or leave it out for plain HTTP", msg)
	case strings.Contains(msg, "context deadline exceeded") || strings.Contains(msg, "timeout"):
		return fmt.Sprintf("the API server timed out reaching %s (%s): a firewall between the control plane and the nodes, or an overloaded pod; try --loki-via port-forward", where, msg)
	}
	return "the API server's service proxy could not reach " + where + ": " + msg
}

// explainClose says what a WebSocket close from Loki (or a proxy) means.
func explainClose(ce *gws.CloseError) string {
	text := strings.TrimSpace(ce.Text)
	switch {
	case ce.Code == gws.CloseInternalServerErr && strings.Contains(text, "max concurrent tail requests"):
		return fmt.Sprintf("Loki refused another tail (1011: %s): it allows max_concurrent_tail_requests tails per tenant (10 by default); close other tails (Grafana Live, logcli --tail, other tailui panes) or raise the limit", kube.OneLine(text))
	case ce.Code == gws.CloseInternalServerErr && strings.Contains(text, "tail max duration"):
		return fmt.Sprintf("Loki ended the tail at tail_max_duration (1011: %s)", kube.OneLine(text))
	case ce.Code == gws.CloseInternalServerErr && text != "":
		return fmt.Sprintf("the tail was closed with 1011 (internal error: %s)", kube.OneLine(text))
	case ce.Code == gws.CloseInternalServerErr:
		return "the tail was closed with 1011 (internal error) by Loki or a proxy between; if it repeats at once, the API server may not reach the pod (run tailui doctor)"
	case ce.Code == gws.CloseAbnormalClosure:
		return "connection lost (1006: closed without a close frame)"
	case text != "":
		return fmt.Sprintf("Loki closed the tail (%d: %s)", ce.Code, kube.OneLine(text))
	}
	return fmt.Sprintf("Loki closed the tail (%d)", ce.Code)
}

// closeRefusesQuery reports whether a close means Loki will never serve this
// query (it checked the query after the upgrade): a limit on the query itself.
func closeRefusesQuery(ce *gws.CloseError) bool {
	if ce.Code != gws.CloseInternalServerErr {
		return false
	}
	t := ce.Text
	if strings.Contains(t, "max concurrent tail") || strings.Contains(t, "tail max duration") {
		return false
	}
	return strings.Contains(t, "parse error") || strings.Contains(t, "limit") ||
		strings.Contains(t, "not allowed") || strings.Contains(t, "invalid")
}

// Explain says in one line what went wrong with a request to Loki, and the fix
// to try. w, when not nil, is the way the request took.
func Explain(err error, w Way) string {
	if err == nil {
		return ""
	}
	var svc *kube.ServiceRef
	if pw, ok := w.(*ProxyWay); ok {
		svc = &pw.svc
	}
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		return explainClose(ce)
	}
	var re *kube.ResponseError
	if errors.As(err, &re) {
		msg := re.Message()
		if re.FromAPIServer() {
			switch re.StatusCode {
			case 401, 403:
				return kube.Explain(re.Unwrap())
			case 404:
				if svc != nil {
					return fmt.Sprintf("svc %s not found (%s); name Loki's Service with --loki-service NS/NAME:PORT", svc.String(), msg)
				}
				return msg
			case 500, 502, 503, 504:
				return explainProxyFailure(msg, svc)
			}
			return msg
		}
		if isGatewayAnswer(re) {
			msg = strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(msg, `{"error":"`), `"}`), gatewayPrefix)
			if re.StatusCode == 502 || re.StatusCode == 504 {
				return fmt.Sprintf("the tailui gateway answers but cannot reach Loki (HTTP %d: %s); check its --upstream", re.StatusCode, msg)
			}
			return fmt.Sprintf("the tailui gateway refused the request (HTTP %d: %s)", re.StatusCode, msg)
		}
		switch re.StatusCode {
		case 400:
			return "Loki refused the query: " + msg
		case 401:
			return "Loki refused the request (401: " + msg + "); a multi-tenant Loki needs --loki-org-id, a Loki behind auth needs credentials"
		case 429:
			return "Loki is rate limiting (429: " + msg + ")"
		}
		return fmt.Sprintf("Loki answered HTTP %d: %s", re.StatusCode, msg)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + kube.OneLine(err.Error())
	case errors.As(err, &ne):
		return "cannot connect: " + kube.OneLine(err.Error())
	}
	return kube.OneLine(err.Error())
}
