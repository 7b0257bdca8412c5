package cli

import (
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/tailui/tailui/gateway"
)

func newGatewayCmd(prog string) *cobra.Command {
	f := gateway.DefaultFlags()
	cmd := &cobra.Command{
		Use:   "gateway --upstream URL [flags]",
		Short: "Run the in-cluster decoder that lets Loki tails pass the API server's service proxy",
		Long: `The API server's service proxy drops the query string of a WebSocket upgrade
(kubernetes issue 77142), so a Loki tail cannot pass it as is. tailui moves the query
into the path (.../tail/queryargs/<base64url>/); this gateway, deployed next to Loki
(deploy/gateway.yaml), restores it and forwards only Loki's read API.`,
		Example: "  " + prog + " gateway --listen :8080 --upstream http://loki.monitoring.svc:3100",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gateway.Version = version
			g, err := gateway.New(f.Config)
			if err != nil {
				return usageError{err}
			}
			ln, err := net.Listen("tcp", f.Listen)
			if err != nil {
				return fmt.Errorf("gateway: listen on %s: %w", f.Listen, err)
			}
			return g.Serve(cmd.Context(), ln)
		},
	}
	f.AddFlags(cmd.Flags())
	return cmd
}
