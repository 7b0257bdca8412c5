package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestExitCodes checks the exit code contract of every command: 0, 1 for
// errors, 2 for the ways a command can be miscalled. None of these cases reaches
// a cluster.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"config", "path"}, 0},
		{[]string{"help", "version"}, 0},
		{[]string{"a", "b"}, 2},                                // at most one QUERY
		{[]string{"--no-such-flag"}, 2},                        // unknown flag
		{[]string{"--tail", "ten"}, 2},                         // bad flag value
		{[]string{"--theme", "pink"}, 2},                       // bad --theme
		{[]string{"version", "extra"}, 2},                      // cobra.NoArgs
		{[]string{"version", "--no-such-flag"}, 2},             // subcommands inherit the flag error rule
		{[]string{"doctor", "--no-such-flag"}, 2},              //
		{[]string{"loki", "--no-such-flag"}, 2},                //
		{[]string{"loki", "labels", "--no-such-flag"}, 2},      //
		{[]string{"gateway", "--max-idle", "soon"}, 2},         //
		{[]string{"completion", "tcsh"}, 2},                    // unknown shell
		{[]string{"completion", "bash", "extra"}, 2},           //
		{[]string{"config", "nope"}, 2},                        // unknown subcommand of a group
		{[]string{"config", "init", "extra"}, 2},               //
		{[]string{"gateway"}, 2},                               // --upstream is required
		{[]string{"gateway", "--upstream", "ftp://x"}, 2},      // bad upstream
		{[]string{"--config", "/nonexistent/t.yaml"}, 1},       // named config file missing
		{[]string{"--config", "/nonexistent/t.yaml", "-n"}, 2}, // flag errors come first
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clearTailuiEnv(t)
			if got := run(context.Background(), tt.args); got != tt.want {
				t.Errorf("exit code %d, want %d", got, tt.want)
			}
		})
	}
}

// TestKubectlPluginHelp checks that, run as kubectl-tailui, every usage line,
// example and hint says "kubectl tailui".
func TestKubectlPluginHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"version", "--help"}, {"config", "--help"}, {"config", "init", "--help"},
		{"gateway", "--help"}, {"completion", "--help"}, {"completion", "bash", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			clearTailuiEnv(t)
			root := newRootCmd("kubectl tailui")
			var out bytes.Buffer
			root.SetOut(&out) // before strictUsage: cobra's completion command binds its writer then
			strictUsage(root, args)
			root.SetArgs(args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			help := out.String()
			if !strings.Contains(help, "Usage:\n  kubectl tailui") {
				t.Errorf("usage does not start with kubectl tailui:\n%s", help)
			}
			// Every line that shows what to type (usage, examples, the closing
			// hint) must say kubectl tailui.
			section := ""
			for _, l := range strings.Split(help, "\n") {
				switch {
				case l == "Usage:" || l == "Examples:":
					section = l
					continue
				case l != "" && !strings.HasPrefix(l, " "):
					section = ""
				}
				cmdLine := strings.TrimSpace(l)
				if strings.HasPrefix(l, "Use \"") {
					cmdLine = strings.TrimPrefix(l, "Use \"")
				} else if section == "" || cmdLine == "" || strings.HasPrefix(cmdLine, "#") {
					continue
				}
				if i := strings.Index(cmdLine, "tailui"); i >= 0 && !strings.HasPrefix(cmdLine[max(i-8, 0):], "kubectl tailui") {
					t.Errorf("line does not say kubectl tailui: %q", l)
				}
			}
		})
	}
}

func TestRootExamplesNameTheProgram(t *testing.T) {
	for _, prog := range []string{"tailui", "kubectl tailui"} {
		root := newRootCmd(prog)
		for _, l := range strings.Split(root.Example, "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			if !strings.HasPrefix(l, prog+" ") && l != prog {
				t.Errorf("%s: example %q does not start with %q", prog, l, prog)
			}
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, tt := range []struct{ shell, marker string }{
		{"bash", "complete -o default -F __start_tailui tailui"},
		{"zsh", "#compdef tailui"},
		{"fish", "complete -c tailui"},
		{"powershell", "Register-ArgumentCompleter -CommandName 'tailui'"},
	} {
		t.Run(tt.shell, func(t *testing.T) {
			clearTailuiEnv(t)
			root := newRootCmd("tailui")
			args := []string{"completion", tt.shell}
			var out bytes.Buffer
			root.SetOut(&out) // before strictUsage: cobra's completion command binds its writer then
			strictUsage(root, args)
			root.SetArgs(args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.marker) {
				t.Errorf("no %q in the %s script", tt.marker, tt.shell)
			}
		})
	}
}

// TestEveryFlagHasAnEnvironmentVariable sets TAILUI_<FLAG> for every flag of
// the root command to a value of the right type and checks that it arrives.
func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	clearTailuiEnv(t)
	probe := newRootCmd("tailui")
	values := map[string]string{}
	env := map[string]string{}
	for _, fl := range allFlags(probe) {
		v := map[string]string{
			"bool": "true", "int": "7", "int64": "7", "duration": "7s", "stringArray": "a,b",
		}[fl.typ]
		if v == "" {
			v = "x7"
		}
		switch fl.name {
		case "help", "config":
			continue
		case "theme":
			v = "light"
		case "init-containers", "ephemeral-containers":
			v = "false"
		}
		values[fl.name] = v
		env["TAILUI_"+strings.ToUpper(strings.ReplaceAll(fl.name, "-", "_"))] = v
	}
	var names []string
	for n := range values {
		names = append(names, n)
	}
	got, err := flagValues(t, "", env, nil, names...)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range values {
		if got[n] != want {
			t.Errorf("--%s: TAILUI_%s gave %q, want %q", n, strings.ToUpper(strings.ReplaceAll(n, "-", "_")), got[n], want)
		}
	}
}

type flagInfo struct{ name, typ string }

func allFlags(root *cobra.Command) []flagInfo {
	var out []flagInfo
	root.Flags().VisitAll(func(fl *pflag.Flag) { out = append(out, flagInfo{fl.Name, fl.Value.Type()}) })
	return out
}

func TestFlagValueCompletion(t *testing.T) {
	for _, tt := range []struct {
		flag string
		want []string
	}{
		{"--theme", []string{"auto", "dark", "light"}},
		{"--color", []string{"auto", "always", "never"}},
		{"-o", []string{"text", "raw", "json"}},
		{"--transport", []string{"auto", "websocket", "base64", "http"}},
	} {
		t.Run(tt.flag, func(t *testing.T) {
			clearTailuiEnv(t)
			root := newRootCmd("tailui")
			var out bytes.Buffer
			root.SetOut(&out)
			args := []string{cobra.ShellCompRequestCmd, tt.flag, ""}
			strictUsage(root, args)
			root.SetArgs(args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(got) < len(tt.want) || strings.Join(got[:len(tt.want)], " ") != strings.Join(tt.want, " ") {
				t.Errorf("completions %q, want %q first", got, tt.want)
			}
		})
	}
}
