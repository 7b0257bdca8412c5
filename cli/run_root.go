package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
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
	defer startProfiles()()
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
		lo = boundHistory(lo, f.scrollback, cmd.Flags().Changed("tail"))
		if isNode {
			if _, err := f.nodeLogs(nil, node, lo); err != nil { // NAME and --node-log, checked before the screen opens
				return err
			}
		}
		return runTUI(cmd.Context(), f, clusters, fill, q, lo, query, node)
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
	case err != nil && pr.lastError != "" && pr.lastError == strings.TrimSpace(err.Error()):
		return shownError{err}
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
func runTUI(ctx context.Context, f *rootFlags, clusters []*kube.Cluster, fill fills, q kube.Query, lo kube.LogOptions, query, node string) error {
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
	case node != "":
		opts.Initial = nodeSelection(node)
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
			context := ""
			if len(clusters) > 1 {
				context = cl.Context
			}
			sel.Workloads = append(sel.Workloads, ui.QueryRef(context, ns, label))
		}
		opts.Initial = sel
		opts.InitialSplit = len(clusters) > 1
	}
	return ui.Run(ctx, opts)
}

// boundHistory caps what a TUI pane asks each container for to what the pane can
// keep (--scrollback): a chatty container's whole log (tens of millions of lines)
// would take minutes to pull, only to be dropped. Without --tail the first read of a
// container asks for that many lines; every other read that does not resume by time
// (a container that started after tailui, a pod that joins a followed workload, the
// previous container after a restart) is capped at the scrollback or --tail,
// whichever is more (MaxHistory); a resume asks from the last line it had. The key
// that loads older lines reads further back on request. An explicit --tail keeps its
// meaning (--tail -1: the whole log, of every container, uncapped).
func boundHistory(lo kube.LogOptions, scrollback int, tailGiven bool) kube.LogOptions {
	if scrollback <= 0 {
		scrollback = ui.DefaultScrollback
	}
	if !tailGiven && (lo.TailLines < 0 || lo.TailLines > int64(scrollback)) {
		lo.TailLines = int64(scrollback)
	}
	if lo.TailLines >= 0 {
		lo.MaxHistory = max(lo.TailLines, int64(scrollback))
	}
	return lo
}

// The --max-streams default is what the machine can hold: a quarter of the memory
// available (MemAvailable, or what the cgroup still allows when that is less),
// divided by what a followed container costs, between a floor and a ceiling.
// perStreamCost is about twice what hack/bench measures (docs/benchmarks.md):
// 5,000 quiet streams peaked at 307-322 MiB, 56-59 KiB a stream beyond the binary
// (heap, an 8 KiB stack, the GC's headroom); a busy stream also holds a read
// buffer and a batch.
const (
	perStreamCost  = 128 << 10
	minMaxStreams  = 100    // the old fixed default; what any machine holds
	maxMaxStreams  = 10_000 // beyond it, one process is the wrong tool
	unknownStreams = 1_000  // where the memory available cannot be read
)

// defaultMaxStreams returns the --max-streams default for this machine.
func defaultMaxStreams() int {
	return maxStreamsFor(memAvailable())
}

// maxStreamsFor returns the --max-streams default for avail bytes of memory
// available (0: unknown).
func maxStreamsFor(avail uint64) int {
	if avail == 0 {
		return unknownStreams
	}
	return int(min(max(avail/4/perStreamCost, minMaxStreams), maxMaxStreams))
}

// memAvailable returns the bytes of memory available to tailui on Linux: the
// kernel's MemAvailable, or the cgroup v2 limit less what the cgroup uses when
// that is less; 0 elsewhere or when neither can be read.
func memAvailable() uint64 {
	var avail uint64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemAvailable:"); ok {
				if kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
					avail = kb << 10
				}
				break
			}
		}
	}
	lim, err1 := os.ReadFile("/sys/fs/cgroup/memory.max")
	cur, err2 := os.ReadFile("/sys/fs/cgroup/memory.current")
	if err1 == nil && err2 == nil {
		l, errL := strconv.ParseUint(strings.TrimSpace(string(lim)), 10, 64) // "max": no limit
		c, errC := strconv.ParseUint(strings.TrimSpace(string(cur)), 10, 64)
		if errL == nil && errC == nil && l > c && (avail == 0 || l-c < avail) {
			avail = l - c
		}
	}
	return avail
}

// startProfiles writes pprof profiles for measuring (docs/benchmarks.md): a CPU
// profile to $TAILUI_CPUPROFILE for the whole run, and heap and allocation profiles
// to $TAILUI_MEMPROFILE when the run ends, or once $TAILUI_MEMPROFILE_AT (a
// duration) after the start, with the runtime's memory figures on stderr. It returns
// the function that stops them.
func startProfiles() (stop func()) {
	cpu, mem := os.Getenv("TAILUI_CPUPROFILE"), os.Getenv("TAILUI_MEMPROFILE")
	writeMem := func() {
		mf, err := os.Create(mem)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(mf, 0)
			mf.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: warning: TAILUI_MEMPROFILE: %v\n", progName(), err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "%s: memory: heap in use %d KiB, stacks %d KiB, from the OS %d KiB, %d goroutines\n",
			progName(), ms.HeapInuse>>10, ms.StackInuse>>10, ms.Sys>>10, runtime.NumGoroutine())
	}
	atEnd := mem != ""
	if d, err := time.ParseDuration(os.Getenv("TAILUI_MEMPROFILE_AT")); err == nil && atEnd {
		time.AfterFunc(d, func() { runtime.GC(); writeMem() })
		atEnd = false
	}
	var cf *os.File
	if cpu != "" {
		var err error
		if cf, err = os.Create(cpu); err == nil {
			err = pprof.StartCPUProfile(cf)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: warning: TAILUI_CPUPROFILE: %v\n", progName(), err)
			cf = nil
		}
	}
	return func() {
		if cf != nil {
			pprof.StopCPUProfile()
			cf.Close()
		}
		if atEnd {
			writeMem()
		}
	}
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
