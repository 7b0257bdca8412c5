package cli

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tailui/tailui/ui"
)

func newConfigCmd(prog string, c *configFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Write or locate the config file (flag defaults, theme, colours)",
		Long: `tailui reads defaults from a YAML file: $XDG_CONFIG_HOME/tailui/config.yaml, or
~/.config/tailui/config.yaml when XDG_CONFIG_HOME is unset (%AppData%\tailui\config.yaml
on Windows), or the file --config or TAILUI_CONFIG names.

  flags:    a default for any flag of '` + prog + `', by its long name
            (lists for repeatable flags: namespace: [shop, payments])
  theme:    auto, dark or light (auto asks the terminal for its background colour)
  colors:   overrides of the theme's colours ("#rrggbb", "#rgb", 0-255, red, bright-blue, default)

A flag on the command line wins over TAILUI_<FLAG> in the environment (dashes
become underscores: TAILUI_MAX_STREAMS), which wins over the file, which wins
over the built-in default. 'config init' writes a commented file listing all of it.`,
		Example: "  " + prog + " config init\n  " + prog + " config path\n  TAILUI_CONFIG=./team.yaml " + prog + " deploy/web",
		Args:    cobra.NoArgs,
	}
	c.addPathFlag(cmd.PersistentFlags())

	var force bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented config file with every setting (refuses to overwrite without --force)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, _, err := c.resolvePath(cmd.Flags())
			if err != nil {
				return err
			}
			if path == "" {
				return usageError{errors.New("config init: --config is empty: nowhere to write")}
			}
			if err := writeConfig(path, configTemplate(cmd.Root()), force); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	initCmd.Flags().BoolVarP(&force, "force", "f", false, "overwrite an existing file")

	pathCmd := &cobra.Command{
		Use:   "path",
		Short: "Print the config file tailui reads (whether or not it exists yet)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, _, err := c.resolvePath(cmd.Flags())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	cmd.AddCommand(initCmd, pathCmd)
	return cmd
}

// writeConfig writes data to path, creating its directory, and refuses to replace
// an existing file unless force. The file is private (0600): flags may hold
// credentials (--token).
func writeConfig(path string, data string, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("config init: %s exists (--force replaces it)", path)
	}
	if err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return fmt.Errorf("config init: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	return nil
}

// configTemplate is the commented config file `config init` writes. It lists
// every flag of root with its default and help, so it never drifts from the CLI.
func configTemplate(root *cobra.Command) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w(`# tailui config file (written by 'tailui config init', tailui %s).
#
# tailui reads it from $XDG_CONFIG_HOME/tailui/config.yaml, ~/.config/tailui/config.yaml
# when XDG_CONFIG_HOME is unset, or the file --config / TAILUI_CONFIG names.
# Precedence for every setting: a flag on the command line, then TAILUI_<FLAG> in the
# environment (TAILUI_MAX_STREAMS=50; lists comma-separated), then this file, then
# the built-in default. Remove the "# " in front of a line to use it.

# Defaults for the flags of 'tailui [QUERY]', by long name. Repeatable flags take a list.
flags:
`, version)

	fl := root.LocalNonPersistentFlags()
	type entry struct{ line, usage string }
	var own, kube []entry
	kubeFlags := map[string]bool{}
	for _, n := range kubeFlagNames() {
		kubeFlags[n] = true
	}
	sorted := fl.SortFlags
	fl.SortFlags = false
	fl.VisitAll(func(f *pflag.Flag) {
		switch f.Name {
		case "help", "config", "theme":
			return
		}
		if f.Hidden || f.Deprecated != "" {
			return
		}
		e := entry{line: fmt.Sprintf("%s: %s", f.Name, yamlDefault(f)), usage: f.Usage}
		if kubeFlags[f.Name] {
			kube = append(kube, e)
		} else {
			own = append(own, e)
		}
	})
	fl.SortFlags = sorted
	width := 0
	for _, e := range append(own, kube...) {
		width = max(width, len(e.line))
	}
	for _, e := range own {
		w("  # %-*s  # %s\n", width, e.line, firstSentence(e.usage))
	}
	w("  #\n  # The cluster connection, as kubectl's flags (the kubeconfig's current context by default).\n")
	for _, e := range kube {
		w("  # %-*s  # %s\n", width, e.line, firstSentence(e.usage))
	}

	w(`
# TUI colours: auto picks dark or light from the terminal's background colour (asked
# when the TUI starts; COLORFGBG is the fallback, dark the default). Same as --theme.
# NO_COLOR (set to anything) or --color never turn colour off altogether.
theme: auto

# Overrides of the theme's colours: "#rrggbb", "#rgb", an ANSI number 0-255, one of the
# terminal's 16 colours by name (black, red, ..., white, bright-black, ..., bright-white),
# or default (the terminal's own). The defaults shown are the dark theme's.
colors:
`)
	def := ui.DefaultTheme()
	for _, tc := range themeColors {
		w("  # %-14s %-16s # %s\n", tc.name+":", colorName(*tc.field(&def)), tc.doc)
	}
	for _, tl := range themeLists {
		var names []string
		for _, c := range *tl.field(&def) {
			names = append(names, colorName(c))
		}
		w("  # %s: [%s]\n  #   %s\n", tl.name, strings.Join(names, ", "), tl.doc)
	}
	w(`
# Key bindings: binding name (as in docs/keys.md) to a key or a list of keys.
# keys:
#   Search: [ctrl+f, /]
#   Quit: [q, ctrl+c]
`)
	return b.String()
}

// kubeFlagNames are the flags cli-runtime's ConfigFlags adds (kubectl's own).
func kubeFlagNames() []string {
	return []string{
		"kubeconfig", "cache-dir", "certificate-authority", "client-certificate", "client-key",
		"token", "as", "as-group", "as-uid", "as-user-extra", "username", "password", "cluster", "user",
		"context", "server", "tls-server-name", "insecure-skip-tls-verify", "request-timeout",
		"disable-compression",
	}
}

// yamlDefault renders a flag's default as a YAML value.
func yamlDefault(f *pflag.Flag) string {
	if _, ok := f.Value.(pflag.SliceValue); ok {
		return "[]"
	}
	switch f.Value.Type() {
	case "bool", "int", "int64", "int32", "uint", "float64", "duration":
		return f.DefValue
	}
	return strconv.Quote(f.DefValue)
}

// firstSentence shortens a flag's help to its first sentence (kubectl's are long);
// "e.g. x" does not end one.
func firstSentence(s string) string {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && s[i+2] >= 'A' && s[i+2] <= 'Z' {
			return s[:i]
		}
	}
	return strings.TrimSuffix(s, ".")
}

// colorName writes a theme colour the way the config file takes it.
func colorName(c color.Color) string {
	switch v := c.(type) {
	case nil:
		return "default"
	case ansi.BasicColor:
		for name, n := range ansiNames {
			if n == c && name != "gray" && name != "grey" {
				return name
			}
		}
		return strconv.Itoa(int(v))
	case ansi.IndexedColor:
		return strconv.Itoa(int(v))
	}
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf(`"#%02x%02x%02x"`, r>>8, g>>8, b>>8)
}
