package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// runRoot is `tailui [QUERY]`: the TUI on a terminal, plain lines otherwise.
func runRoot(cmd *cobra.Command, f *rootFlags, query string) error {
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
	filter := stream.NewFilter(f.include, f.exclude)
	for _, e := range filter.Errs() {
		fmt.Fprintf(os.Stderr, "%s: warning: %v\n", progName(), e)
	}
	if filter.Empty() {
		filter = nil
	}
	highlights, err := compileAll("highlight", f.highlight)
	if err != nil {
		return err
	}
	useColor, err := colorWanted(f.color)
	if err != nil {
		return err
	}

	client, err := kube.NewClient(f.kube)
	if err != nil {
		return err
	}
	pr := &printer{
		out:           bufio.NewWriterSize(os.Stdout, 64<<10),
		errOut:        os.Stderr,
		format:        format,
		color:         useColor,
		timestamps:    f.timestamps,
		showNamespace: q.AllNamespaces || len(q.Namespaces) > 1,
		filter:        filter,
		highlights:    highlights,
		follow:        lo.Follow,
	}
	if f.loki.query != "" {
		src, err := f.loki.source(cmd.Context(), client, lo)
		if err != nil {
			return err
		}
		return runPlain(cmd.Context(), src, pr)
	}
	fol := &kube.Follower{Client: client, Query: q, Log: lo, MaxStreams: f.maxStreams}
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

// colorWanted decides --color: auto means a terminal on stdout, NO_COLOR unset and
// TERM not dumb.
func colorWanted(mode string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if _, set := os.LookupEnv("NO_COLOR"); set || os.Getenv("TERM") == "dumb" {
			return false, nil
		}
		return term.IsTerminal(int(os.Stdout.Fd())), nil
	}
	return false, usageError{fmt.Errorf("--color %q: want auto, always or never", mode)}
}
