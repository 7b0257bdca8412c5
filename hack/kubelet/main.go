// Command kubelet is the test bed's stand-in kubelet. It registers a Node, marks the
// pods bound to it as running (with scripted containers, restarts, waiting states and
// finished pods), serves their logs and port-forwards the way a real kubelet does, and
// can push the generated lines to Loki. See README.md for the pod annotations that
// script a container's log.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		kubeconfig = flag.String("kubeconfig", "", "admin kubeconfig of the test bed's API server")
		nodeName   = flag.String("node-name", testbedspec.DefaultNodeName, "name of the Node to register")
		listen     = flag.String("listen", testbedspec.DefaultListen, "host:port to serve the kubelet API (HTTPS) on")
		address    = flag.String("address", "", "InternalIP to advertise (default: the --listen host)")
		stateDir   = flag.String("state-dir", "", "directory for the self-signed serving certificate (default: a new one each start)")
		podCIDR    = flag.String("pod-cidr", testbedspec.DefaultPodCIDR, "range of display-only IPs for pods without the pod-ip annotation")
		lokiURL    = flag.String("loki-push-url", "", "Loki push URL (http://host:3100/loki/api/v1/push) for pods annotated "+testbedspec.AnnotationLoki+"=true")
		gates      = flag.String("feature-gates", "", "key=value pairs; only NodeLogQuery is known (default true, as in 1.36; false emulates an older kubelet without the gate)")
		logHandler = flag.Bool("enable-system-log-handler", true, "the kubelet configuration's enableSystemLogHandler: serve /logs/ at all")
		logQuery   = flag.Bool("enable-system-log-query", false, "the kubelet configuration's enableSystemLogQuery: /logs/?query=SERVICE (with the NodeLogQuery gate)")
		logDir     = flag.String("log-dir", "", "the node's /var/log for /logs/ (default: var-log in --state-dir, or a new temporary directory)")
		journalDur = flag.Duration("journal-period", 500*time.Millisecond, "a kubelet journal line this often (containerd every 4th); 0: only the history")
		journalTZ  = flag.Duration("journal-utc-offset", 0, "the node's time zone as an offset from UTC (e.g. -5h): journalctl reads the node log query's sinceTime/untilTime wall clock in it")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	host, portStr, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", *listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return fmt.Errorf("--listen %q: bad port", *listen)
	}
	if *address == "" {
		*address = host
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			*address = "127.0.0.1"
		}
	}
	advertised := net.ParseIP(*address)
	if advertised == nil {
		return fmt.Errorf("--address %q is not an IP", *address)
	}
	gateOn, err := parseNodeLogGate(*gates)
	if err != nil {
		return err
	}
	ips, err := newIPAM(*podCIDR)
	if err != nil {
		return err
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.WarningHandler = rest.NoWarnings{}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "testbed-kubelet/" + testbedspec.KubeletVersion
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store := NewStore(log, ips)
	ps := &podSync{client: client, store: store, node: *nodeName, hostIP: *address, log: log}
	store.publish = ps.publishStatus
	if *lokiURL != "" {
		store.loki = newLokiPusher(*lokiURL, log)
		go store.loki.run(ctx)
	}

	certIPs := []net.IP{advertised, net.ParseIP("127.0.0.1")}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		certIPs = append(certIPs, ip)
	}
	cert, err := loadOrCreateCert(*stateDir, *nodeName, certIPs)
	if err != nil {
		return err
	}
	if *logDir == "" {
		if *stateDir != "" {
			*logDir = filepath.Join(*stateDir, "var-log")
		} else if *logDir, err = os.MkdirTemp("", "testbed-var-log"); err != nil {
			return fmt.Errorf("log dir: %w", err)
		}
	}
	if err := prepareLogDir(*logDir, *nodeName, time.Now()); err != nil {
		return err
	}
	jr := newJournal(*nodeName, time.Now)
	jr.zone = time.FixedZone("node", int(journalTZ.Seconds()))
	go jr.run(ctx, *journalDur)
	nl := &nodeLogs{cfg: nodeLogConfig{gate: gateOn, handler: *logHandler, query: *logQuery, logDir: *logDir, nodeName: *nodeName},
		journal: jr, log: log}
	k := &kubelet{store: store, log: log, dialTimeout: 5 * time.Second, nodeLogs: nl}
	srv := &http.Server{
		Handler:           k.handler(),
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// HTTP/1.1 only: port-forward upgrades need it, and it is what the API server uses.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("kubelet starting", "node", *nodeName, "listen", ln.Addr().String(), "address", *address,
		"podCIDR", *podCIDR, "loki", *lokiURL, "NodeLogQuery", gateOn, "enableSystemLogHandler", *logHandler,
		"enableSystemLogQuery", *logQuery, "logDir", *logDir)
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.ServeTLS(ln, "", "") }()

	na := &nodeAgent{client: client, name: *nodeName, address: *address, port: int32(port),
		podCIDR: ips.prefix.String(), log: log, since: time.Now()}
	if err := retry(ctx, log, "register node", func(ctx context.Context) error { return na.register(ctx) }); err != nil {
		return err
	}
	go na.run(ctx)

	syncErr := make(chan error, 1)
	go func() { syncErr <- ps.run(ctx) }()

	select {
	case <-ctx.Done():
	case err := <-srvErr:
		return fmt.Errorf("serve: %w", err)
	case err := <-syncErr:
		if err != nil {
			return err
		}
	}
	log.Info("kubelet stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}

// parseNodeLogGate reads --feature-gates (k=v,...): the NodeLogQuery gate, true unless
// set false. Other gates are refused, as a kubelet refuses unknown ones.
func parseNodeLogGate(s string) (bool, error) {
	on := true
	for _, kv := range strings.Split(s, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) != "NodeLogQuery" {
			return false, fmt.Errorf("--feature-gates: unrecognized feature gate: %s", k)
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return false, fmt.Errorf("--feature-gates: invalid value of NodeLogQuery=%s, err: %w", v, err)
		}
		on = b
	}
	return on, nil
}

// retry calls f until it succeeds or ctx ends, for the API server still starting.
func retry(ctx context.Context, log *slog.Logger, what string, f func(context.Context) error) error {
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Warn(what+" failed; retrying", "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}
