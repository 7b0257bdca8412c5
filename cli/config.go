package cli

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/ui"
)

// configEnv names the config file instead of the default path, as --config does.
const configEnv = "TAILUI_CONFIG"

// configFlags are --config and --theme, and what the config file says beyond
// flag defaults. Precedence for every flag: the command line, then TAILUI_<FLAG>,
// then the config file, then the built-in default.
type configFlags struct {
	path  string // --config
	theme string // --theme

	file   string              // the file that was read; "" when none
	colors themePatch          // the file's colour overrides
	keys   map[string][]string // the file's keys section: binding name to keys
	fields string              // the file's fields section: the TUI's pretty-mode columns

	// writePath is where the TUI remembers its choices (the fields section):
	// the file that was read, or would have been; "" when none is read.
	writePath string
}

func (c *configFlags) addFlags(fs *pflag.FlagSet) {
	c.addPathFlag(fs)
	fs.StringVar(&c.theme, "theme", ui.ThemeAuto, "TUI colours: auto (from the terminal's background), dark or light")
}

func (c *configFlags) addPathFlag(fs *pflag.FlagSet) {
	fs.StringVar(&c.path, "config", "", "config file (default $XDG_CONFIG_HOME/tailui/config.yaml; '' with --config= reads none)")
}

// defaultConfigPath is $XDG_CONFIG_HOME/tailui/config.yaml, else
// ~/.config/tailui/config.yaml (%AppData%\tailui\config.yaml on Windows).
func defaultConfigPath() (string, error) {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "tailui", "config.yaml"), nil
	}
	if runtime.GOOS == "windows" {
		d, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
		return filepath.Join(d, "tailui", "config.yaml"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("config: no home directory for the default config file: %w", err)
	}
	return filepath.Join(home, ".config", "tailui", "config.yaml"), nil
}

// resolvePath returns the config file to read: --config, else TAILUI_CONFIG, else
// the default path. explicit reports that the user named it (then it must exist);
// an empty explicit name means "read no config file".
func (c *configFlags) resolvePath(fs *pflag.FlagSet) (path string, explicit bool, err error) {
	if fl := fs.Lookup("config"); fl != nil && fl.Changed {
		return c.path, true, nil
	}
	if v, ok := os.LookupEnv(configEnv); ok {
		return v, true, nil
	}
	p, err := defaultConfigPath()
	return p, false, err
}

// readsConfig reports whether cmd takes defaults from the config file: the root
// command and the client commands do; the in-cluster gateway, the config
// commands themselves (which must work on a broken file), version, help and
// completion do not.
func readsConfig(cmd *cobra.Command) bool {
	for c := cmd; c.HasParent(); c = c.Parent() {
		switch c.Name() {
		case "gateway", "config", "version", "help", "completion",
			cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return false
		}
	}
	return true
}

// apply reads the config file, if there is one, and sets the defaults of the
// flags cmd's command line left alone. TAILUI_* variables are applied after it
// and so win over it.
func (c *configFlags) apply(cmd *cobra.Command) error {
	if !readsConfig(cmd) {
		return nil
	}
	path, explicit, err := c.resolvePath(cmd.Flags())
	if err != nil || path == "" {
		return err
	}
	c.writePath = path
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return nil
	case err != nil:
		return fmt.Errorf("config: %w", err)
	}
	cf, err := parseConfig(data)
	if err != nil {
		return fmt.Errorf("config %s:%w", path, err)
	}
	if err := cf.applyFlags(cmd.Root().LocalNonPersistentFlags(), cmd.Flags()); err != nil {
		return fmt.Errorf("config %s:%w", path, err)
	}
	c.file, c.colors, c.keys, c.fields = path, cf.colors, cf.keys, cf.fields
	return nil
}

// saveFields writes spec as the config file's fields section, keeping the rest of
// the file (comments included); an empty spec removes the section. The file and
// its directory are created when missing.
func (c *configFlags) saveFields(spec string) error {
	if c.writePath == "" {
		return errors.New("no config file to remember the fields in (--config='' reads and writes none)")
	}
	var doc yaml.Node
	data, err := os.ReadFile(c.writePath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("config: %w", err)
	default:
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("config %s: %w", c.writePath, err)
		}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	top := doc.Content[0]
	found := false
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "fields" {
			continue
		}
		found = true
		if spec == "" {
			top.Content = append(top.Content[:i], top.Content[i+2:]...)
		} else {
			top.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: spec}
		}
		break
	}
	if !found && spec != "" {
		top.Content = append(top.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "fields", HeadComment: "the TUI's pretty-mode columns (K in a pane), remembered by tailui"},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: spec})
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.writePath), 0o755); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.WriteFile(c.writePath, out, 0o644); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	c.fields = spec
	return nil
}

// configFile is what a config file holds.
type configFile struct {
	flags  []flagSetting
	colors themePatch
	keys   map[string][]string
	fields string
}

// flagSetting is one flag default from the file: a scalar or a list.
type flagSetting struct {
	name   string
	line   int
	value  string
	list   []string
	isList bool
}

// configError is a problem at a line of the config file; it prints as
// "LINE: message" after the file name.
func configError(line int, format string, args ...any) error {
	return fmt.Errorf("%d: "+format, append([]any{line}, args...)...)
}

// parseConfig reads a config file: a YAML mapping with the sections flags,
// theme, colors and keys, all optional.
func parseConfig(data []byte) (*configFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf(" %w", err)
	}
	cf := &configFile{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return cf, nil // empty file
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return cf, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, configError(top.Line, "want a mapping with flags, theme, colors, keys or fields")
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if isNull(v) {
			continue
		}
		var err error
		switch k.Value {
		case "flags":
			cf.flags, err = parseFlagSettings(v)
		case "theme":
			if v.Kind != yaml.ScalarNode {
				return nil, configError(v.Line, "theme: want auto, dark or light")
			}
			cf.flags = append(cf.flags, flagSetting{name: "theme", line: v.Line, value: v.Value})
		case "colors", "colours":
			cf.colors, err = parseThemePatch(v)
		case "keys":
			cf.keys, err = parseKeys(v)
		case "fields":
			cf.fields, err = parseFields(v)
		default:
			err = configError(k.Line, "unknown section %q (want flags, theme, colors, keys or fields)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return cf, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func parseFlagSettings(n *yaml.Node) ([]flagSetting, error) {
	if n.Kind != yaml.MappingNode {
		return nil, configError(n.Line, "flags: want a mapping of flag names (without --) to values")
	}
	var out []flagSetting
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s := flagSetting{name: strings.TrimPrefix(k.Value, "--"), line: k.Line}
		switch {
		case isNull(v):
			continue
		case v.Kind == yaml.ScalarNode:
			s.value = v.Value
		case v.Kind == yaml.SequenceNode:
			s.isList = true
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					return nil, configError(e.Line, "flags: %s: want a list of plain values", s.name)
				}
				s.list = append(s.list, e.Value)
			}
		default:
			return nil, configError(v.Line, "flags: %s: want a value or a list of values", s.name)
		}
		out = append(out, s)
	}
	return out, nil
}

// applyFlags sets the defaults of the flags in target that its command line left
// alone. Names are checked against known (the root command's flags) so that a
// typo is an error even when the running subcommand lacks the flag; a flag the
// subcommand lacks, or has with another type, is left out.
func (cf *configFile) applyFlags(known, target *pflag.FlagSet) error {
	for _, s := range cf.flags {
		ref := known.Lookup(s.name)
		if ref == nil || s.name == "help" || s.name == "config" {
			return configError(s.line, "flags: unknown flag %q", s.name)
		}
		fl := target.Lookup(s.name)
		if fl == nil || fl.Changed || fl.Value.Type() != ref.Value.Type() {
			continue
		}
		sv, isSlice := fl.Value.(pflag.SliceValue)
		var err error
		switch {
		case isSlice && s.isList:
			err = sv.Replace(s.list)
		case isSlice:
			err = sv.Replace([]string{s.value})
		case s.isList:
			return configError(s.line, "flags: %s takes one value, not a list", s.name)
		default:
			err = fl.Value.Set(s.value)
		}
		if err != nil {
			return configError(s.line, "flags: %s: %v", s.name, err)
		}
	}
	return nil
}

// parseFields reads the fields section: the TUI's pretty-mode columns, as K takes
// them ("level msg trace_id", "-caller -ts"), a string or a list of names.
func parseFields(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		var names []string
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return "", configError(e.Line, "fields: want field names")
			}
			names = append(names, e.Value)
		}
		return strings.Join(names, " "), nil
	}
	return "", configError(n.Line, "fields: want field names, e.g. \"level msg trace_id\" or \"-caller -ts\"")
}

// parseKeys reads the keys section: binding name (as docs/keys.md spells it) to a
// key or a list of keys, checked against the UI's key map.
func parseKeys(n *yaml.Node) (map[string][]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, configError(n.Line, "keys: want a mapping of binding names to keys")
	}
	keys := map[string][]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch v.Kind {
		case yaml.ScalarNode:
			keys[k.Value] = []string{v.Value}
		case yaml.SequenceNode:
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					return nil, configError(e.Line, "keys: %s: want a key or a list of keys", k.Value)
				}
				keys[k.Value] = append(keys[k.Value], e.Value)
			}
		default:
			return nil, configError(v.Line, "keys: %s: want a key or a list of keys", k.Value)
		}
		if err := ui.CheckKeys(map[string][]string{k.Value: keys[k.Value]}); err != nil {
			return nil, configError(k.Line, "keys: %v", err)
		}
	}
	return keys, nil
}

// themePatch is a set of colour overrides from the config file. A nil entry in
// one means "the terminal's default colour"; an absent one leaves the theme's.
type themePatch struct {
	one  map[string]color.Color
	list map[string][]color.Color
}

// themeColor is a single colour of a ui.Theme, by its config file name.
type themeColor struct {
	name, doc string
	field     func(*ui.Theme) *color.Color
}

// themeList is a colour list of a ui.Theme, by its config file name.
type themeList struct {
	name, doc string
	field     func(*ui.Theme) *[]color.Color
}

var themeColors = []themeColor{
	{"text", "ordinary text", func(t *ui.Theme) *color.Color { return &t.Text }},
	{"faint", "secondary text, markers, timestamps", func(t *ui.Theme) *color.Color { return &t.Faint }},
	{"accent", "focused titles, prompts, selected rows", func(t *ui.Theme) *color.Color { return &t.Accent }},
	{"border", "separators between panes", func(t *ui.Theme) *color.Color { return &t.Border }},
	{"focus-border", "the focused pane's title bar", func(t *ui.Theme) *color.Color { return &t.FocusBorder }},
	{"error", "errors, failed sources, error levels", func(t *ui.Theme) *color.Color { return &t.Error }},
	{"warn", "warnings, pending pods, reconnecting sources", func(t *ui.Theme) *color.Color { return &t.Warn }},
	{"ok", "live sources, ready pods, info level", func(t *ui.Theme) *color.Color { return &t.OK }},
	{"debug", "debug and trace levels", func(t *ui.Theme) *color.Color { return &t.Debug }},
	{"key", "keys of pretty-printed JSON and logfmt", func(t *ui.Theme) *color.Color { return &t.Key }},
	{"string", "strings of pretty-printed JSON", func(t *ui.Theme) *color.Color { return &t.String }},
	{"number", "numbers, booleans and null of pretty-printed JSON", func(t *ui.Theme) *color.Color { return &t.Number }},
}

var themeLists = []themeList{
	{"origins", "one per pod or query, picked by a stable hash (256-colour and true-colour terminals)", func(t *ui.Theme) *[]color.Color { return &t.Origins }},
	{"origins-ansi", "the same on 16-colour terminals", func(t *ui.Theme) *[]color.Color { return &t.OriginsANSI }},
	{"highlights", "the highlight rules, in order", func(t *ui.Theme) *[]color.Color { return &t.Highlights }},
}

func parseThemePatch(n *yaml.Node) (themePatch, error) {
	p := themePatch{one: map[string]color.Color{}, list: map[string][]color.Color{}}
	if n.Kind != yaml.MappingNode {
		return p, configError(n.Line, "colors: want a mapping of colour names to colours")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		isOne := slices.ContainsFunc(themeColors, func(c themeColor) bool { return c.name == k.Value })
		isList := slices.ContainsFunc(themeLists, func(c themeList) bool { return c.name == k.Value })
		switch {
		case isOne && v.Kind == yaml.ScalarNode:
			c, err := parseColor(v.Value)
			if err != nil {
				return p, configError(v.Line, "colors: %s: %v", k.Value, err)
			}
			p.one[k.Value] = c
		case isList && v.Kind == yaml.SequenceNode:
			cs := []color.Color{}
			for _, e := range v.Content {
				c, err := parseColor(e.Value)
				if err != nil || e.Kind != yaml.ScalarNode || c == nil {
					if err == nil {
						err = errors.New("a list entry cannot be default")
					}
					return p, configError(e.Line, "colors: %s: %v", k.Value, err)
				}
				cs = append(cs, c)
			}
			p.list[k.Value] = cs
		case isOne:
			return p, configError(v.Line, "colors: %s: want one colour", k.Value)
		case isList:
			return p, configError(v.Line, "colors: %s: want a list of colours", k.Value)
		default:
			return p, configError(k.Line, "colors: unknown colour %q", k.Value)
		}
	}
	return p, nil
}

// ansiNames are the 16 colours of the terminal's own palette, by name.
var ansiNames = map[string]color.Color{
	"black": lipgloss.Black, "red": lipgloss.Red, "green": lipgloss.Green, "yellow": lipgloss.Yellow,
	"blue": lipgloss.Blue, "magenta": lipgloss.Magenta, "cyan": lipgloss.Cyan, "white": lipgloss.White,
	"bright-black": lipgloss.BrightBlack, "gray": lipgloss.BrightBlack, "grey": lipgloss.BrightBlack,
	"bright-red": lipgloss.BrightRed, "bright-green": lipgloss.BrightGreen, "bright-yellow": lipgloss.BrightYellow,
	"bright-blue": lipgloss.BrightBlue, "bright-magenta": lipgloss.BrightMagenta, "bright-cyan": lipgloss.BrightCyan,
	"bright-white": lipgloss.BrightWhite,
}

// parseColor reads "#rgb", "#rrggbb", an ANSI number 0-255, one of the 16 ANSI
// names, or "default" (nil: the terminal's own colour).
func parseColor(s string) (color.Color, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "default" || s == "none" {
		return nil, nil
	}
	if c, ok := ansiNames[s]; ok {
		return c, nil
	}
	if strings.HasPrefix(s, "#") {
		if len(s) == 4 || len(s) == 7 {
			if _, err := strconv.ParseUint(s[1:], 16, 32); err == nil {
				return lipgloss.Color(s), nil
			}
		}
		return nil, fmt.Errorf("%q: want #rgb or #rrggbb", s)
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 255 {
			return nil, fmt.Errorf("%q: an ANSI colour is 0 to 255", s)
		}
		return lipgloss.Color(s), nil
	}
	return nil, fmt.Errorf("%q: want #rrggbb, #rgb, 0-255, an ANSI name (red, bright-blue, ...) or default", s)
}

// validTheme checks --theme.
func validTheme(s string) error {
	switch s {
	case ui.ThemeAuto, ui.ThemeDark, ui.ThemeLight:
		return nil
	}
	return usageError{fmt.Errorf("--theme %q: want auto, dark or light", s)}
}

// uiTheme returns the theme for the TUI: dark or light as --theme says (auto asks
// the terminal for its background colour), with the config file's overrides. It
// returns nil (the UI's own default) when there is nothing to change or no colour.
func (c *configFlags) uiTheme(noColor bool) *ui.Theme {
	if noColor {
		return nil
	}
	t, dark := ui.ThemeFor(c.theme) // ui/theme.go: auto asks the terminal
	if dark && len(c.colors.one) == 0 && len(c.colors.list) == 0 {
		return nil
	}
	c.colors.applyTo(&t)
	return &t
}

func (p themePatch) applyTo(t *ui.Theme) {
	for _, tc := range themeColors {
		if c, ok := p.one[tc.name]; ok {
			*tc.field(t) = c
		}
	}
	for _, tl := range themeLists {
		if cs, ok := p.list[tl.name]; ok {
			*tl.field(t) = cs
		}
	}
}

// registerFlagCompletions adds shell completion for flag values: the fixed choices
// of the enumerated flags, the kubeconfig's contexts, clusters and users, and the
// cluster's namespaces (asked of the API server, quietly nothing when it cannot).
func registerFlagCompletions(cmd *cobra.Command, f *rootFlags) {
	fixed := map[string][]string{
		"theme":      ui.ThemeModes,
		"color":      {"auto", "always", "never"},
		"output":     {"text", "raw", "json"},
		"transport":  {"auto", "websocket", "base64", "http"},
		"timestamps": {"default", "short", "local", "utc"},
		"loki-via":   {"auto", "gateway", "proxy", "port-forward", "poll", "url"},
	}
	for name, values := range fixed {
		if cmd.Flags().Lookup(name) == nil {
			continue
		}
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	fromKubeconfig := func(pick func(*clientcmdapi.Config) []string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			raw, err := f.kube.ToRawKubeConfigLoader().RawConfig()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			names := pick(&raw)
			slices.Sort(names)
			return names, cobra.ShellCompDirectiveNoFileComp
		}
	}
	_ = cmd.RegisterFlagCompletionFunc("context", fromKubeconfig(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.Contexts)) }))
	_ = cmd.RegisterFlagCompletionFunc("cluster", fromKubeconfig(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.Clusters)) }))
	_ = cmd.RegisterFlagCompletionFunc("user", fromKubeconfig(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.AuthInfos)) }))
	_ = cmd.RegisterFlagCompletionFunc("namespace", func(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		client, err := kube.NewClient(f.kube)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(c.Context(), 3*time.Second)
		defer cancel()
		list, err := client.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		for _, ns := range list.Items {
			names = append(names, ns.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}
