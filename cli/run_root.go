package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/ui"
)

// runRoot is `tailui [QUERY]`: the TUI on a terminal, plain lines otherwise.
func runRoot(cmd *cobra.Command, f *rootFlags, query string) error {
	node, isNode := nodeOfQuery(query) // node/NAME: the node's service logs (nodelog_cli.go)
	if isNode {
		query = ""
	} else if cmd.Flags().Changed("node-log") {
		return usageError{errors.New("--node-log goes with node/NAME")}
	}
	q, err := f.query(query)
	if err != nil {
		return err
	}
	lo, err := f.logOptions()
	if err != nil {
		return err
	}
	format, err := parseFormat(f.output)
	if err != nil {
		return usageError{err}
	}
	switch f.timestamps {
	case "", "default", "short", "local", "utc":
	default:
		return usageError{fmt.Errorf("--timestamps %q: want default, short, local or utc", f.timestamps)}
	}
	var where *stream.Where
	if f.where != "" {
		if where, err = stream.ParseWhere(f.where); err != nil {
			return usageError{fmt.Errorf("--where: %w", err)}
		}
	}
	filter := stream.NewFilter(f.include, f.exclude, where)
	for _, e := range filter.Errs() {
		fmt.Fprintf(os.Stderr, "%s: warning: %s\n", progName(), errorText(e))
	}
	if filter.Empty() {
		filter = nil
	}
	switch {
	case f.context < 0:
		return usageError{fmt.Errorf("-C/--context-lines %d: want 0 or more lines", f.context)}
	case f.context > 0 && filter == nil && plainWanted(f):
		return usageError{errors.New("-C/--context-lines prints lines around matches: give -i or --where too")}
	}
	highlights, err := compileAll("highlight", f.highlight)
	if err != nil {
		return err
	}
	useColor, err := colorWanted(f.color)
	if err != nil {
		return err
	}

	var tmpl *lineTemplate
	if f.template != "" || f.tmplFile != "" {
		if f.template != "" && f.tmplFile != "" {
			return usageError{errors.New("--template and --template-file: give one of them")}
		}
		if tmpl, err = parseLineTemplate(f.template, f.tmplFile, useColor); err != nil {
			return usageError{err}
		}
	}

	clusters, err := openClusters(f)
	if err != nil {
		return err
	}
	fill, closeFill, err := f.fill.apply(clusters, &f.loki, lo)
	if err != nil {
		return err
	}
	defer closeFill()
	pr := &printer{
		out:           bufio.NewWriterSize(os.Stdout, 64<<10),
		errOut:        os.Stderr,
		format:        format,
		color:         useColor,
		timestamps:    f.timestamps,
		showNamespace: q.AllNamespaces || len(q.Namespaces) > 1,
		filter:        filter,
		highlights:    highlights,
		tmpl:          tmpl,
		follow:        lo.Follow,
	}
	if f.context > 0 {
		pr.context = stream.NewContext(f.context)
	}
	if !plainWanted(f) {
		if !cmd.Flags().Changed("tail") {
			lo = boundHistory(lo, f.scrollback)
		}
		if isNode {
			if _, err := f.nodeLogs(nil, node, lo); err != nil { // NAME and --node-log, checked before the screen opens
				return err
			}
			query = nodeWorkload + node
		}
		return runTUI(cmd.Context(), f, clusters, fill, q, lo, query)
	}
	if isNode {
		if len(clusters) > 1 { // the node is looked for in every cluster; where it is not, that cluster says so
			return runPlain(cmd.Context(), clusterSources(clusters, func(cl *kube.Cluster) (stream.Source, error) {
				return f.nodeLogs(cl.Client, node, lo)
			}), pr)
		}
		src, err := f.nodeLogs(clusters[0].Client, node, lo)
		if err != nil {
			return err
		}
		return runPlain(cmd.Context(), src, pr)
	}
	if len(clusters) > 1 {
		return runPlain(cmd.Context(), clusterSources(clusters, func(cl *kube.Cluster) (stream.Source, error) {
			if f.loki.query != "" {
				l := fill.loki(cl, f.loki)
				return l.source(cmd.Context(), cl.Client, lo) // Loki is found in each cluster
			}
			return &kube.Follower{Client: cl.Client, Query: q, Log: fill.log(cl, lo), MaxStreams: f.maxStreams}, nil
		}), pr)
	}
	cl := clusters[0]
	client := cl.Client
	if f.loki.query != "" {
		l := fill.loki(cl, f.loki)
		src, err := l.source(cmd.Context(), client, lo)
		if err != nil {
			return err
		}
		return runPlain(cmd.Context(), src, pr)
	}
	fol := &kube.Follower{Client: client, Query: q, Log: fill.log(cl, lo), MaxStreams: f.maxStreams}
	return runPlain(cmd.Context(), fol, pr)
}

// runPlain runs src and prints what it produces until it ends or ctx is cancelled.
// The hub blocks the sources when the printer falls behind: plain output never drops.
func runPlain(ctx context.Context, src stream.Source, pr *printer) error {
	hub := stream.NewHub(stream.HubOptions{Capacity: 16384, Policy: stream.PolicyBlock})
	errc := make(chan error, 1)
	go func() {
		errc <- src.Run(ctx, hub)
		hub.Close()
	}()
	var werr error
	for {
		b, ok := hub.Next(context.Background(), time.Time{})
		if !ok {
			break
		}
		if werr == nil {
			werr = pr.write(b.Lines)
		}
	}
	if err := pr.flush(); werr == nil {
		werr = err
	}
	err := <-errc
	var nm *kube.NoMatchError
	switch {
	case errors.As(err, &nm):
		return err
	case err != nil:
		return err
	case werr != nil && !errors.Is(werr, os.ErrClosed):
		return fmt.Errorf("write output: %w", werr)
	}
	return nil
}

// plainWanted says whether to print lines rather than open the TUI: --plain, stdout
// or stdin not a terminal, or TERM=dumb.
func plainWanted(f *rootFlags) bool {
	return f.plain || os.Getenv("TERM") == "dumb" ||
		!term.IsTerminal(int(os.Stdout.Fd())) || !term.IsTerminal(int(os.Stdin.Fd()))
}

// runTUI opens the terminal UI: straight into a pane when the command line selects
// something, the sources panel otherwise.
func runTUI(ctx context.Context, f *rootFlags, clusters []*kube.Cluster, fill fills, q kube.Query, lo kube.LogOptions, query string) error {
	cat := &catalog{ctx: ctx, clusters: clusters, fill: fill, flags: f, query: q, log: lo}
	opts := ui.Options{
		Catalog:      cat,
		Include:      f.include,
		Exclude:      f.exclude,
		Where:        f.where,
		ContextLines: f.context,
		ContextOn:    f.context > 0,
		Scrollback:   f.scrollback,
		Wrap:         f.wrap,
		AltScreen:    !f.noAltScreen,
		Mouse:        !f.noMouse,
	}
	if noColorEnv() || f.color == "never" {
		opts.NoColor = true
	}
	opts.Theme = f.config.uiTheme(opts.NoColor) // config.go: --theme, the config file's colours
	opts.Keys = f.config.keys                   // checked when the config file was read
	opts.Fields, opts.SaveFields = f.config.fields, f.config.saveFields
	switch f.timestamps {
	case "utc", "default":
		opts.Timestamps = ui.TimestampsUTC
	case "local", "short":
		opts.Timestamps = ui.TimestampsLocal
	}
	if f.debugFile != "" {
		df, err := os.OpenFile(f.debugFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("--debug: %w", err)
		}
		defer df.Close()
		opts.Debug = df
	}
	selects := query != "" || f.selector != "" || f.fieldSelector != "" || f.container != ""
	switch {
	case f.loki.query != "":
		opts.Initial = &ui.Selection{LokiQueries: []string{f.loki.query}, Merged: true}
	case strings.HasPrefix(query, nodeWorkload):
		opts.Initial = nodeSelection(strings.TrimPrefix(query, nodeWorkload))
	case selects:
		label := query
		if label == "" {
			label = "selection"
		}
		// One pane per cluster (their titles name it), one pane with one.
		sel := &ui.Selection{Merged: len(clusters) == 1}
		for _, cl := range clusters {
			ns := ""
			if cl.Client != nil {
				ns = cl.Client.Namespace
			}
			if len(q.Namespaces) > 0 {
				ns = q.Namespaces[0]
			}
			ref := ui.WorkloadRef{Namespace: ns, Workload: queryWorkload + label}
			if len(clusters) > 1 {
				ref.Context = cl.Context
			}
			sel.Workloads = append(sel.Workloads, ref)
		}
		opts.Initial = sel
		opts.InitialSplit = len(clusters) > 1
	}
	return ui.Run(ctx, opts)
}

// boundHistory caps what a TUI pane asks each container for at start to what the
// pane can keep (--scrollback), when --tail is not given: a chatty container's whole
// log (tens of millions of lines) would take minutes to pull, only to be dropped. An
// explicit --tail keeps its meaning (--tail -1: the whole log).
func boundHistory(lo kube.LogOptions, scrollback int) kube.LogOptions {
	if scrollback <= 0 {
		scrollback = ui.DefaultScrollback
	}
	if lo.TailLines < 0 || lo.TailLines > int64(scrollback) {
		lo.TailLines = int64(scrollback)
	}
	return lo
}

// colorWanted decides --color: auto means a terminal on stdout, NO_COLOR unset and
// TERM not dumb.
func colorWanted(mode string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if noColorEnv() || os.Getenv("TERM") == "dumb" {
			return false, nil
		}
		return term.IsTerminal(int(os.Stdout.Fd())), nil
	}
	return false, usageError{fmt.Errorf("--color %q: want auto, always or never", mode)}
}

// noColorEnv reports whether NO_COLOR asks for no colour: set and not empty
// (no-color.org).
func noColorEnv() bool { return os.Getenv("NO_COLOR") != "" }
