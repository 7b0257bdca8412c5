// Command tailui follows live Kubernetes logs: pod logs over the API server's
// WebSockets and Loki tails through its service proxy, in a terminal UI with many
// panes, or as plain lines when piped.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// Set by the release build (-ldflags "-X main.version=...").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// usageError marks errors that are the user's way of calling tailui: exit code 2.
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

// run executes tailui with args and returns the process exit code: 0, 1 for errors,
// 2 for usage errors.
func run(ctx context.Context, args []string) int {
	root := newRootCmd(progName())
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "%s: %v\nRun '%s --help' for usage.\n", progName(), err, progName())
		return 2
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", progName(), err)
	return 1
}

// progName is how the user invoked tailui: "kubectl tailui" when run as a kubectl
// plugin (binary named kubectl-tailui), so help and examples say what to type.
func progName() string {
	base := filepath.Base(os.Args[0])
	base = strings.TrimSuffix(base, ".exe")
	if strings.HasPrefix(base, "kubectl-") {
		return "kubectl " + strings.ReplaceAll(strings.TrimPrefix(base, "kubectl-"), "_", "-")
	}
	return "tailui"
}
