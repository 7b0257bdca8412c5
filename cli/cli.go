// Package cli is tailui's command line: the cobra commands, their flags, the config
// file, plain output, and the wiring of sources to the UI or the printer. main only
// calls Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailui/tailui/stream"
)

// What `tailui version` says; Main sets them from the release build's stamp.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Build is what the release build stamps into main (-ldflags "-X main.version=...").
type Build struct {
	Version, Commit, Date string
}

// usageError marks errors that are the user's way of calling tailui: exit code 2.
type usageError struct{ error }

// Main runs tailui with args (os.Args[1:]) as build b and returns the process exit
// code: 0, 1 for errors, 2 for usage errors.
func Main(ctx context.Context, args []string, b Build) int {
	version, commit, date = b.Version, b.Commit, b.Date
	return run(ctx, args)
}

// run executes tailui with args and returns the process exit code: 0, 1 for errors,
// 2 for usage errors.
func run(ctx context.Context, args []string) int {
	root := newRootCmd(progName())
	root.SetArgs(args)
	strictUsage(root, args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	if cmd == nil {
		cmd = root
	}
	var shown shownError
	if errors.As(err, &shown) {
		return 1
	}
	var ue usageError
	if errors.As(err, &ue) || isLookupError(root, args, err) {
		fmt.Fprintf(os.Stderr, "%s: %s\nRun '%s --help' for usage.\n", progName(), errorText(err), clean(cmd.CommandPath()))
		return 2
	}
	fmt.Fprintf(os.Stderr, "%s: %s\n", progName(), errorText(err))
	return 1
}

// shownError is an error the run has already printed, as its source's last marker:
// the exit code says it failed, without the same line twice.
type shownError struct{ err error }

func (e shownError) Error() string { return e.err.Error() }
func (e shownError) Unwrap() error { return e.err }

// clean sanitizes text from outside for a terminal: no escape sequence of any
// kind, controls and invisible runes shown as escapes (see stream.Sanitize).
func clean(s string) string { return stream.SanitizeString(s, stream.SanitizeOptions{}) }

// errorText is err's message as tailui prints it: errors quote servers, pod names,
// URLs and the command line, so the message is sanitized (cleanLines).
func errorText(err error) string { return cleanLines(err.Error()) }

// cleanLines sanitizes each line of s, keeping the line breaks of a message of
// several lines.
func cleanLines(s string) string {
	if !strings.Contains(s, "\n") {
		return clean(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

// strictUsage makes every command of the tree, cobra's own help and completion
// included, report the ways it can be miscalled as usage errors (exit code 2):
// argument validation fails as usageError, and a command that only groups
// subcommands refuses an unknown one instead of printing help and exiting 0.
// Flag errors already are usage errors (the root's FlagErrorFunc is inherited).
func strictUsage(root *cobra.Command, args []string) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SilenceErrors, c.SilenceUsage = true, true
		if validate := c.Args; validate != nil {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := validate(cmd, a); err != nil {
					return usageError{err}
				}
				return nil
			}
		}
		if !c.Runnable() && c.HasSubCommands() {
			c.RunE = func(cmd *cobra.Command, a []string) error {
				if len(a) > 0 {
					return usageError{fmt.Errorf("unknown command %q for %q", a[0], cmd.CommandPath())}
				}
				return cmd.Help()
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// isLookupError reports whether err is cobra failing to find the command args
// name (an unknown subcommand of a command without Args), which is a usage error.
func isLookupError(root *cobra.Command, args []string, err error) bool {
	_, _, ferr := root.Find(args)
	return ferr != nil && ferr.Error() == err.Error()
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
