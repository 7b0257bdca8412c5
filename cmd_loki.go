package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/stream"
)

// lokiFlags are the flags that select and reach Loki. (Stub: being built.)
type lokiFlags struct {
	query string
}

func (l *lokiFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.query, "loki", "", "tail this LogQL query from Loki instead of pod logs")
}

// source returns the stream.Source that tails l.query.
func (l *lokiFlags) source(ctx context.Context, c *kube.Client, lo kube.LogOptions) (stream.Source, error) {
	return nil, errors.New("loki: not implemented yet")
}

func newLokiCmd(prog string, f *rootFlags) *cobra.Command {
	return &cobra.Command{Use: "loki", Short: "Query Loki's label index for scripts", Hidden: true}
}

func newDoctorCmd(prog string, f *rootFlags) *cobra.Command {
	return &cobra.Command{Use: "doctor", Short: "Check every step between you and your logs", Hidden: true}
}
