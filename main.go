// Command tailui follows live Kubernetes logs: pod logs over the API server's
// WebSockets and Loki tails through its service proxy, in a terminal UI with many
// panes, or as plain lines when piped. The command line lives in package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tailui/tailui/cli"
)

// Set by the release build (-ldflags "-X main.version=...").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Build{Version: version, Commit: commit, Date: date})
	stop()
	os.Exit(code)
}
