package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/loki"
	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/ui"
)

// lokiFlags are the flags that select and reach Loki.
type lokiFlags struct {
	query    string
	via      string
	service  string
	gateway  string
	url      string
	orgID    string
	limit    int
	delayFor int
	// refetch reads the entries a tail drops from their pods (--fill-gaps; cmd_fill.go).
	refetch *kube.PodRefetcher
}

func (l *lokiFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.query, "loki", "", "tail this LogQL query from Loki instead of pod logs")
	l.addWayFlags(fs)
	fs.IntVar(&l.limit, "loki-limit", 100, "entries of history a Loki tail shows first (0: none; --since bounds how far back)")
	fs.IntVar(&l.delayFor, "loki-delay-for", 0, "seconds Loki waits for late entries before sending them (0-5)")
}

// addWayFlags adds the flags that say where Loki is and how to reach it.
func (l *lokiFlags) addWayFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.via, "loki-via", "auto", "how to reach Loki: gateway, proxy, port-forward, poll, url, or auto: the tailui gateway, then the plain service proxy (only if this API server keeps the query of an upgrade), a port-forward, polling, then $LOKI_ADDR; --loki-url alone means url")
	fs.StringVar(&l.service, "loki-service", "", "Loki's Service as NAMESPACE/NAME:PORT (default: found by the Loki Helm chart's names and labels)")
	fs.StringVar(&l.gateway, "loki-gateway", "", "the tailui gateway's Service as NAMESPACE/NAME:PORT (default: tailui-gateway in Loki's namespace)")
	fs.StringVar(&l.url, "loki-url", "", "Loki's address for --loki-via url (default: $LOKI_ADDR; credentials from $LOKI_USERNAME, $LOKI_PASSWORD, $LOKI_BEARER_TOKEN)")
	fs.StringVar(&l.orgID, "loki-org-id", "", "tenant sent as X-Scope-OrgID on every way (default: $LOKI_ORG_ID)")
}

// options builds loki.LokiOptions from the flags and logcli's environment.
func (l *lokiFlags) options(since time.Duration) (loki.LokiOptions, error) {
	via, err := loki.ParseLokiVia(l.via)
	if err != nil {
		return loki.LokiOptions{}, usageError{err}
	}
	for _, s := range []struct{ flag, v string }{{"loki-service", l.service}, {"loki-gateway", l.gateway}} {
		if s.v != "" {
			if _, err := kube.ParseServiceRef(s.v, "default"); err != nil {
				return loki.LokiOptions{}, usageError{fmt.Errorf("--%s: %w", s.flag, err)}
			}
		}
	}
	o := loki.LokiOptions{Via: via, Service: l.service, Gateway: l.gateway, URL: l.url, OrgID: l.orgID, Since: since}
	o.FromEnv(os.Getenv)
	if via == loki.LokiViaURL && o.URL == "" {
		return o, usageError{fmt.Errorf("--loki-via url needs --loki-url or LOKI_ADDR")}
	}
	return o, nil
}

// loki.Loki is what the UI's Loki section browses: main hands it over as is.
var _ ui.LokiCatalog = (*loki.Loki)(nil)

// open finds Loki the way the flags say, for label browsing (the UI's LokiCatalog
// and `tailui loki`). since bounds label lookups (0: Loki's default). c may be nil
// with --loki-via url.
func (l *lokiFlags) open(ctx context.Context, c *kube.Client, since time.Duration) (*loki.Loki, error) {
	o, err := l.options(since)
	if err != nil {
		return nil, err
	}
	return loki.NewLoki(ctx, c, o)
}

// source returns the stream.Source that tails l.query.
func (l *lokiFlags) source(ctx context.Context, c *kube.Client, lo kube.LogOptions) (stream.Source, error) {
	if l.delayFor < 0 || l.delayFor > 5 {
		return nil, usageError{fmt.Errorf("--loki-delay-for %d: want 0 to 5 seconds", l.delayFor)}
	}
	if l.limit < 0 {
		return nil, usageError{fmt.Errorf("--loki-limit %d: want 0 or more", l.limit)}
	}
	o, err := l.options(0)
	if err != nil {
		return nil, err
	}
	lk, err := loki.NewLoki(ctx, c, o)
	if err != nil {
		return nil, err
	}
	// Loki pings every second: a tail silent for one --ping-interval is dead.
	to := loki.LokiTailOptions{Query: l.query, Limit: l.limit, DelayFor: l.delayFor, Follow: lo.Follow, KeepSGR: lo.KeepSGR,
		Idle: lo.PingInterval}
	if l.refetch != nil { // a nil *PodRefetcher in the interface would not be nil
		to.Refetch = l.refetch
	}
	if lo.Since > 0 {
		to.Start = time.Now().Add(-lo.Since)
	}
	return &lokiSource{LokiTail: lk.Tail(to), loki: lk}, nil
}

// lokiSource closes the Loki's port-forwards when the tail ends.
type lokiSource struct {
	*loki.LokiTail
	loki *loki.Loki
}

func (s *lokiSource) Run(ctx context.Context, sink stream.Sink) error {
	defer s.loki.Close()
	return s.LokiTail.Run(ctx, sink)
}

// addClusterFlags gives a subcommand the connection flags the root command has:
// kubectl's, -n, and the Loki way flags, bound to the same variables.
func addClusterFlags(fs *pflag.FlagSet, f *rootFlags) {
	f.kube.AddFlags(fs)
	fs.StringArrayVarP(&f.namespaces, "namespace", "n", nil, "namespace to start from (default: the kubeconfig context's)")
	f.loki.addWayFlags(fs)
}

// clientFor builds the kube client of a subcommand, with -n applied.
func clientFor(f *rootFlags) (*kube.Client, error) {
	c, err := kube.NewClient(f.kube)
	if err != nil {
		return nil, err
	}
	if len(f.namespaces) > 0 {
		c.Namespace = f.namespaces[0]
	}
	return c, nil
}

func newLokiCmd(prog string, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "loki",
		Short: "Query Loki's label index, for scripts",
		Long: `Query Loki's label index through the API server (or however --loki-via says) and
print one item per line. --since bounds how far back Loki looks (Loki's default: 6h).`,
		Example: strings.ReplaceAll(`  tailui loki labels
  tailui loki labels namespace
  tailui loki series '{namespace="shop"}'
  tailui loki series '{app="web"}' --since 24h --loki-service monitoring/loki:3100`, "tailui", prog),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{fmt.Errorf("loki: want a subcommand: labels or series")}
		},
	}
	pf := cmd.PersistentFlags()
	addClusterFlags(pf, f)
	pf.DurationVar(&f.since, "since", 0, "how far back Loki looks for labels and series (0: Loki's default)")
	pf.StringVar(&f.loki.orgID, "org-id", "", "same as --loki-org-id")
	_ = pf.MarkHidden("org-id")

	open := func(cmd *cobra.Command) (*loki.Loki, error) {
		var c *kube.Client
		if f.loki.via != loki.LokiViaURL.String() {
			var err error
			if c, err = clientFor(f); err != nil {
				return nil, err
			}
		}
		return f.loki.open(cmd.Context(), c, f.since)
	}
	labels := &cobra.Command{
		Use:   "labels [NAME]",
		Short: "Print Loki's label names, or the values of label NAME",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := open(cmd)
			if err != nil {
				return err
			}
			defer l.Close()
			var out []string
			if len(args) == 1 {
				out, err = l.Values(cmd.Context(), args[0])
			} else {
				out, err = l.Labels(cmd.Context())
			}
			if err != nil {
				return err
			}
			w := bufio.NewWriter(os.Stdout)
			for _, s := range out {
				fmt.Fprintln(w, stream.SanitizeString(s, stream.SanitizeOptions{}))
			}
			return w.Flush()
		},
	}
	series := &cobra.Command{
		Use:   "series SELECTOR",
		Short: `Print the label sets matching a stream selector, one a line: {a="1", b="2"}`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := open(cmd)
			if err != nil {
				return err
			}
			defer l.Close()
			sets, err := l.Series(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			w := bufio.NewWriter(os.Stdout)
			for _, s := range sets {
				fmt.Fprintln(w, stream.SanitizeString(loki.LabelString(s), stream.SanitizeOptions{}))
			}
			return w.Flush()
		},
	}
	for _, c := range []*cobra.Command{labels, series} {
		c.Args = wrapArgs(c.Args)
	}
	cmd.AddCommand(labels, series)
	return cmd
}

// wrapArgs makes argument count errors usage errors (exit 2).
func wrapArgs(pa cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := pa(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
