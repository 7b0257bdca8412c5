package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailui/tailui/doctor"
)

// errDoctorFailed makes `tailui doctor` exit 1 after its list said why.
var errDoctorFailed = errors.New("some checks failed")

func newDoctorCmd(prog string, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check every step between you and your logs",
		Long: `doctor checks, in order, what tailui needs: the kubeconfig, the API server, the
RBAC rights (pods list/watch, pods/log, services/proxy, pods/portforward), a pod-log
WebSocket, Loki's Service, the API server reaching Loki and the tailui gateway through
its service proxy, the gateway restoring a query, a Loki tail WebSocket, a port-forward
to Loki, and Loki's readiness. Each line is √ (passed), ‼ (works, but see the hint),
× (failed, with the cause and the fix to try) or - (skipped: needs an earlier step).
It exits 0 only when nothing failed.`,
		Example: strings.ReplaceAll(`  tailui doctor
  tailui doctor --context prod -n shop --loki-service monitoring/loki-gateway:80`, "tailui", prog),
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := f.loki.options(0)
			if err != nil {
				return err
			}
			ns := ""
			if len(f.namespaces) > 0 {
				ns = f.namespaces[0]
			}
			pr := &checkPrinter{w: cmd.OutOrStdout()}
			checks := doctor.Doctor(cmd.Context(), doctor.DoctorOptions{Flags: f.kube, Namespace: ns, Loki: o, Report: pr.print})
			if doctor.DoctorPassed(checks) {
				fmt.Fprintln(pr.w, "\nStatus check results are √")
				return nil
			}
			fmt.Fprintln(pr.w, "\nStatus check results are ×")
			return errDoctorFailed
		},
	}
	addClusterFlags(cmd.Flags(), f)
	return cmd
}

// checkPrinter writes checks like `linkerd check`: a heading per group, one line per
// check, the detail and hint indented below.
type checkPrinter struct {
	w     io.Writer
	group string
}

var checkMarks = map[doctor.CheckState]string{
	doctor.CheckPass: "√", doctor.CheckWarn: "‼", doctor.CheckFail: "×", doctor.CheckSkip: "-",
}

func (p *checkPrinter) print(c doctor.Check) {
	// Details quote servers and kubeconfigs: sanitized like every error.
	c.Name, c.Detail, c.Hint = cleanLines(c.Name), cleanLines(c.Detail), cleanLines(c.Hint)
	if c.Group != p.group {
		if p.group != "" {
			fmt.Fprintln(p.w)
		}
		p.group = c.Group
		fmt.Fprintf(p.w, "%s\n%s\n", c.Group, strings.Repeat("-", len(c.Group)))
	}
	line := checkMarks[c.State] + " " + c.Name
	switch c.State {
	case doctor.CheckPass:
		if c.Detail != "" {
			line += ": " + c.Detail
		}
		fmt.Fprintln(p.w, line)
	case doctor.CheckSkip:
		fmt.Fprintf(p.w, "%s (skipped: %s)\n", line, c.Detail)
	default:
		fmt.Fprintln(p.w, line)
		if c.Detail != "" {
			fmt.Fprintf(p.w, "    %s\n", c.Detail)
		}
		if c.Hint != "" {
			fmt.Fprintf(p.w, "    hint: %s\n", c.Hint)
		}
	}
	if f, ok := p.w.(*os.File); ok {
		_ = f.Sync()
	}
}
