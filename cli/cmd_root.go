package cli

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/tailui/tailui/kube"
)

// rootFlags are the flags of `tailui [QUERY]`: stern's vocabulary for selection,
// kubectl's for the cluster connection.
type rootFlags struct {
	kube *genericclioptions.ConfigFlags
	// contexts are the --context flags: several clusters at once. f.kube.Context
	// points at the first (what subcommands and completion use).
	contexts []string

	namespaces        []string
	allNamespaces     bool
	selector          string
	fieldSelector     string
	excludePods       []string
	container         string
	excludeContainers []string
	initContainers    bool
	ephemeral         bool

	since      time.Duration
	tail       int64
	previous   bool
	noFollow   bool
	timestamps string
	limitBytes int64

	plain     bool
	output    string
	include   []string
	exclude   []string
	highlight []string
	where     string
	context   int
	template  string
	tmplFile  string
	color     string
	keepColor bool

	loki    lokiFlags
	fill    fillFlags // cmd_fill.go
	nodeLog []string  // --node-log: services of node/NAME (nodelog_cli.go)

	noAltScreen bool
	noMouse     bool
	scrollback  int
	wrap        bool

	transport  string
	maxStreams int
	ping       time.Duration
	debugFile  string

	config configFlags // --config, --theme and the config file (config.go)
}

func newRootCmd(prog string) *cobra.Command {
	f := &rootFlags{kube: genericclioptions.NewConfigFlags(true)}
	// -n is repeatable here (stern's meaning), so cli-runtime's single-valued
	// --namespace is replaced by ours.
	f.kube.Namespace = nil
	// --context is repeatable here (several clusters), so cli-runtime's
	// single-valued one is replaced by ours too; PersistentPreRunE points f.kube
	// at the first.
	f.kube.Context = nil

	cmd := &cobra.Command{
		Use: "tailui [QUERY] [flags]",
		// As a kubectl plugin, help and usage say "kubectl tailui" (progName).
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: prog},
		Short:       "Live Kubernetes logs: many pods, many panes, nothing lost",
		Long: `tailui follows the logs of every container a query selects, through nothing but
your kubeconfig. On a terminal it opens live panes; piped, or with --plain, it prints
lines like stern does. Streams that break resume exactly where they stopped; every
gap, restart and reconnect is shown, never hidden.

QUERY is a regular expression on pod names, or TYPE/NAME for a workload:
deploy/web, sts/db, ds/agent, job/report, rs/web-7d9f, svc/api, pod/web-0.
node/NAME follows a node's service logs instead (--node-log, default kubelet).`,
		Example: strings.ReplaceAll(`  # everything in the current namespace, in the TUI
  tailui

  # the pods of a deployment, printed like stern
  tailui deploy/web --plain

  # pods whose name matches, in two namespaces, last 10 lines each, errors only
  tailui 'web|api' -n shop -n payments --tail 10 -i 'level=error'

  # a 100,000-line history, exactly, then exit
  tailui bulk -c app --no-follow -o raw > bulk.log`, "tailui", prog),
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			query := ""
			if len(args) == 1 {
				query = args[0]
			}
			return runRoot(cmd, f, query)
		},
	}
	// Inherited by every subcommand (cobra looks up the parents): a bad flag is a usage error.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	fl := cmd.Flags()
	f.kube.AddFlags(fl)
	fl.StringArrayVar(&f.contexts, "context", nil, "kubeconfig context to use (repeatable: follow several clusters at once, every line tagged with its context)")
	// Subcommands (doctor, loki) take one --context, cli-runtime's, bound to this.
	f.kube.Context = new(string)
	fl.StringArrayVarP(&f.namespaces, "namespace", "n", nil, "namespace to look in (repeatable; default: the kubeconfig context's)")
	fl.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "look in every namespace")
	fl.StringVarP(&f.selector, "selector", "l", "", "label selector (e.g. app=web,tier!=db)")
	fl.StringVar(&f.fieldSelector, "field-selector", "", "field selector (e.g. spec.nodeName=node-1)")
	fl.StringArrayVar(&f.excludePods, "exclude-pod", nil, "regular expression of pod names to leave out (repeatable)")
	fl.StringVarP(&f.container, "container", "c", "", "regular expression of container names to follow (default: all)")
	fl.StringArrayVarP(&f.excludeContainers, "exclude-container", "E", nil, "regular expression of container names to leave out (repeatable)")
	fl.BoolVar(&f.initContainers, "init-containers", true, "include init containers")
	fl.BoolVar(&f.ephemeral, "ephemeral-containers", true, "include ephemeral (debug) containers")

	fl.DurationVar(&f.since, "since", 0, "only lines newer than this, e.g. 10m (containers present at start)")
	fl.Int64Var(&f.tail, "tail", -1, "lines of history per container at start (-1: all)")
	fl.BoolVarP(&f.previous, "previous", "p", false, "the previous (crashed) container's log")
	fl.BoolVar(&f.noFollow, "no-follow", false, "print what is there and exit")
	fl.StringVarP(&f.timestamps, "timestamps", "t", "", "print timestamps: default (RFC3339 nanoseconds), short, local, utc")
	fl.Lookup("timestamps").NoOptDefVal = "default"
	fl.Int64Var(&f.limitBytes, "limit-bytes", 0, "stop after this many bytes per stream (0: no limit)")

	fl.BoolVar(&f.plain, "plain", false, "print lines instead of opening the TUI (automatic when stdout is not a terminal)")
	fl.StringVarP(&f.output, "output", "o", "text", "plain output format: text, raw or json")
	fl.StringArrayVarP(&f.include, "include", "i", nil, "only lines matching this regular expression (repeatable: any)")
	fl.StringArrayVarP(&f.exclude, "exclude", "e", nil, "drop lines matching this regular expression (repeatable)")
	fl.StringArrayVarP(&f.highlight, "highlight", "H", nil, "highlight matches of this regular expression (repeatable)")
	fl.StringVar(&f.where, "where", "", `only lines whose fields satisfy EXPR, e.g. 'level>=warn && status>=500' (JSON and logfmt fields, pod, container, namespace, Loki labels; see README)`)
	fl.StringVar(&f.template, "template", "", `plain output through a Go template, as stern's --template: .Message, .PodName, .ContainerName, .Namespace, .NodeName, .Labels, .Annotations, and stern's functions (json, parseJSON, tryParseJSON, prettyJSON, levelColor, color .PodColor, toRFC3339Nano, ...)`)
	fl.StringVarP(&f.tmplFile, "template-file", "T", "", "read the --template from this file")
	fl.IntVarP(&f.context, "context-lines", "C", 0, "with -i or --where, also print N lines before and after each match of the same container, as grep -C does")
	fl.StringVar(&f.color, "color", "auto", "colour: auto (terminal and no NO_COLOR), always, never")
	fl.BoolVar(&f.keepColor, "keep-log-colors", false, "keep the logs' own SGR colour sequences (all other escapes are always neutralised)")

	fl.StringVar(&f.transport, "transport", "auto", "how to open log streams: auto, websocket, base64 (for proxies that mangle binary frames) or http")
	fl.IntVar(&f.maxStreams, "max-streams", defaultMaxStreams(), "most log streams open at once; the rest wait in a queue (0: no cap; the default is what this machine's free memory holds, 100 to 10000)")
	fl.DurationVar(&f.ping, "ping-interval", 5*time.Second, "WebSocket keep-alive ping interval; a path silent for 3 intervals is redialed")
	fl.StringVar(&f.debugFile, "debug", "", "write tailui's own diagnostics to this file")

	f.loki.addFlags(fl)
	f.fill.addFlags(fl)
	fl.StringSliceVar(&f.nodeLog, "node-log", nil, "with node/NAME: the node services whose logs to follow (default kubelet; containerd, ...; repeatable or comma-separated), through the kubelet's node log query")
	fl.BoolVar(&f.noAltScreen, "no-alt-screen", false, "draw the TUI in the normal screen (for terminals that keep scrollback)")
	fl.BoolVar(&f.noMouse, "no-mouse", false, "leave the mouse to the terminal (select text without holding shift)")
	fl.IntVar(&f.scrollback, "scrollback", 100000, "lines each TUI pane keeps; the oldest are dropped (and counted) beyond it")
	fl.BoolVar(&f.wrap, "wrap", false, "start TUI panes with long lines wrapped")

	f.config.addFlags(fl)
	registerFlagCompletions(cmd, f) // config.go

	cmd.AddCommand(newGatewayCmd(prog), newVersionCmd(), newLokiCmd(prog, f), newDoctorCmd(prog, f), newConfigCmd(prog, &f.config))
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		// Precedence: command line > TAILUI_* > config file > default.
		if err := f.config.apply(cmd); err != nil {
			return err
		}
		// A subcommand's own flags read TAILUI_<COMMAND>_<FLAG> (the gateway's
		// --debug is not the root's --debug), inherited ones TAILUI_<FLAG>.
		prefix := "TAILUI_"
		if cmd != cmd.Root() {
			prefix += strings.ToUpper(strings.ReplaceAll(cmd.Name(), "-", "_")) + "_"
		}
		if err := applyEnv(cmd.LocalNonPersistentFlags(), prefix); err != nil {
			return err
		}
		if err := applyEnv(cmd.InheritedFlags(), "TAILUI_"); err != nil {
			return err
		}
		if len(f.contexts) > 0 {
			first := f.contexts[0]
			f.kube.Context = &first
		}
		return validTheme(f.config.theme)
	}
	return cmd
}

// applyEnv sets every flag the command line left alone from <prefix><FLAG> (upper
// case, dashes become underscores), so defaults can live in the environment.
func applyEnv(fs *pflag.FlagSet, prefix string) error {
	var err error
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || err != nil {
			return
		}
		name := prefix + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if sv, isSlice := fl.Value.(pflag.SliceValue); isSlice {
			var items []string // an empty variable is an empty list, not one empty item
			if v != "" {
				items = strings.Split(v, ",")
			}
			if e := sv.Replace(items); e != nil {
				err = usageError{fmt.Errorf("%s=%q: %w", name, v, e)}
			}
			return
		}
		if e := fl.Value.Set(v); e != nil {
			err = usageError{fmt.Errorf("%s=%q: %w", name, v, e)}
		}
	})
	return err
}

// compileAll compiles repeatable regular-expression flags.
func compileAll(flag string, exprs []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(exprs))
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, usageError{fmt.Errorf("--%s %q: %w", flag, e, err)}
		}
		out = append(out, re)
	}
	return out, nil
}

// query builds the kube.Query the flags describe.
func (f *rootFlags) query(q string) (kube.Query, error) {
	out := kube.Query{
		Namespaces: f.namespaces, AllNamespaces: f.allNamespaces,
		LabelSelector: f.selector, FieldSelector: f.fieldSelector,
		InitContainers: f.initContainers, EphemeralContainers: f.ephemeral,
	}
	if err := kube.ParseQuery(q, &out); err != nil {
		return out, usageError{err}
	}
	var err error
	if out.ExcludePods, err = compileAll("exclude-pod", f.excludePods); err != nil {
		return out, err
	}
	if out.ExcludeContainers, err = compileAll("exclude-container", f.excludeContainers); err != nil {
		return out, err
	}
	if f.container != "" {
		re, err := regexp.Compile(f.container)
		if err != nil {
			return out, usageError{fmt.Errorf("--container %q: %w", f.container, err)}
		}
		out.Container = re
	}
	return out, nil
}

// logOptions builds the per-stream options the flags describe.
func (f *rootFlags) logOptions() (kube.LogOptions, error) {
	tr, err := kube.ParseTransport(f.transport)
	if err != nil {
		return kube.LogOptions{}, usageError{err}
	}
	if f.tail < -1 {
		return kube.LogOptions{}, usageError{fmt.Errorf("--tail %d: want -1 (all) or a count", f.tail)}
	}
	return kube.LogOptions{
		Follow: !f.noFollow && !f.previous, TailLines: f.tail, Since: f.since, Previous: f.previous,
		LimitBytes: f.limitBytes, Transport: tr, PingInterval: f.ping, KeepSGR: f.keepColor,
	}, nil
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print tailui's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "tailui %s (commit %s, built %s)\n", version, commit, date)
			return nil
		},
	}
}
