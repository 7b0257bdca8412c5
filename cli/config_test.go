package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tailui/tailui/ui"
)

// clearTailuiEnv unsets every TAILUI_* variable (and NO_COLOR, COLORFGBG) for
// the test, so the developer's environment does not leak in.
func clearTailuiEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TAILUI_") || k == "COLORFGBG" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

// flagValues runs the root command with args, the config file holding config
// (none when empty) and env set, with RunE replaced so that nothing connects
// anywhere, and returns the named flags' values after every default was applied.
func flagValues(t *testing.T, config string, env map[string]string, args []string, names ...string) (map[string]string, error) {
	t.Helper()
	clearTailuiEnv(t)
	if config != "" {
		p, _ := defaultConfigPath()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	root := newRootCmd("tailui")
	got := map[string]string{}
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		for _, n := range names {
			fl := cmd.Flags().Lookup(n)
			if sv, ok := fl.Value.(pflag.SliceValue); ok {
				got[n] = strings.Join(sv.GetSlice(), ",")
			} else {
				got[n] = fl.Value.String()
			}
		}
		return nil
	}
	root.SetArgs(args)
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	err := root.ExecuteContext(context.Background())
	return got, err
}

func TestConfigPrecedence(t *testing.T) {
	const file = `
flags:
  tail: 10
  namespace: [shop, payments]
  exclude-pod: canary
  no-mouse: true
theme: light
`
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want map[string]string
	}{
		{"built-in defaults", "", nil, nil,
			map[string]string{"tail": "-1", "namespace": "", "exclude-pod": "", "no-mouse": "false", "theme": "auto"}},
		{"config file", file, nil, nil,
			map[string]string{"tail": "10", "namespace": "shop,payments", "exclude-pod": "canary", "no-mouse": "true", "theme": "light"}},
		{"environment over config file", file,
			map[string]string{"TAILUI_TAIL": "5", "TAILUI_NAMESPACE": "a,b", "TAILUI_THEME": "dark"}, nil,
			map[string]string{"tail": "5", "namespace": "a,b", "exclude-pod": "canary", "no-mouse": "true", "theme": "dark"}},
		{"command line over both", file,
			map[string]string{"TAILUI_TAIL": "5", "TAILUI_NAMESPACE": "a,b"},
			[]string{"--tail", "3", "-n", "x", "--no-mouse=false", "--theme", "auto"},
			map[string]string{"tail": "3", "namespace": "x", "exclude-pod": "canary", "no-mouse": "false", "theme": "auto"}},
		{"flags may carry their dashes", "flags:\n  --tail: 7\n", nil, nil,
			map[string]string{"tail": "7"}},
		{"empty file", "", nil, []string{}, map[string]string{"tail": "-1"}},
		{"null sections", "flags:\ncolors:\nkeys:\n", nil, nil, map[string]string{"tail": "-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			for n := range tt.want {
				names = append(names, n)
			}
			got, err := flagValues(t, tt.file, tt.env, tt.args, names...)
			if err != nil {
				t.Fatal(err)
			}
			for n, w := range tt.want {
				if got[n] != w {
					t.Errorf("--%s = %q, want %q", n, got[n], w)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		args  []string
		want  string // regexp of the error
		usage bool   // a usageError (exit 2)
	}{
		{"unknown flag", "flags:\n  tial: 3\n", nil, nil, `config .*config.yaml:2: flags: unknown flag "tial"`, false},
		{"bad value", "flags:\n  tail: ten\n", nil, nil, `config .*:2: flags: tail: .*invalid syntax`, false},
		{"list for a single flag", "flags:\n  tail: [1, 2]\n", nil, nil, `:2: flags: tail takes one value, not a list`, false},
		{"unknown section", "themes: dark\n", nil, nil, `:1: unknown section "themes"`, false},
		{"not a mapping", "- a\n- b\n", nil, nil, `:1: want a mapping`, false},
		{"bad yaml", "flags: [\n", nil, nil, `config .*config.yaml: yaml: `, false},
		{"bad colour", "colors:\n  error: \"#12\"\n", nil, nil, `:2: colors: error: "#12": want #rgb or #rrggbb`, false},
		{"unknown colour", "colors:\n  eror: red\n", nil, nil, `:2: colors: unknown colour "eror"`, false},
		{"colour list", "colors:\n  origins: red\n", nil, nil, `:2: colors: origins: want a list of colours`, false},
		{"bad theme in file", "theme: pink\n", nil, nil, `--theme "pink": want auto, dark or light`, true},
		{"bad theme in env", "", map[string]string{"TAILUI_THEME": "pink"}, nil, `--theme "pink"`, true},
		{"missing named file", "", nil, []string{"--config", "/nonexistent/tailui.yaml"}, `config: open /nonexistent/tailui.yaml: no such file`, false},
		{"missing file from env", "", map[string]string{"TAILUI_CONFIG": "/nonexistent/x.yaml"}, nil, `no such file`, false},
		{"config is not a flag", "flags:\n  config: x.yaml\n", nil, nil, `unknown flag "config"`, false},
		{"unknown key binding", "keys:\n  Explode: x\n", nil, nil, `:2: keys: unknown key binding "Explode"`, false},
		{"empty key list", "keys:\n  Quit: []\n", nil, nil, `:2: keys: key binding Quit: no keys given`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flagValues(t, tt.file, tt.env, tt.args)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %s", err, tt.want)
			}
			var ue usageError
			if isUsage := errors.As(err, &ue); isUsage != tt.usage {
				t.Errorf("usage error = %v, want %v", isUsage, tt.usage)
			}
		})
	}
}

func TestConfigSkippedWhereItDoesNotApply(t *testing.T) {
	clearTailuiEnv(t)
	// A broken file must not stop the commands that repair it, nor the gateway.
	p, _ := defaultConfigPath()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("flags: [broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"config", "path"}, {"version"}, {"completion", "bash"}} {
		root := newRootCmd("tailui")
		root.SetOut(&bytes.Buffer{})
		strictUsage(root, args)
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	root := newRootCmd("tailui")
	gw, _, err := root.Find([]string{"gateway"})
	if err != nil {
		t.Fatal(err)
	}
	if readsConfig(gw) {
		t.Error("the gateway reads the config file")
	}
}

func TestConfigFileDisabledByEmptyName(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"--config=", nil, []string{"--config="}},
		{"TAILUI_CONFIG=", map[string]string{"TAILUI_CONFIG": ""}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flagValues(t, "flags:\n  tail: 10\n", tt.env, tt.args, "tail")
			if err != nil {
				t.Fatal(err)
			}
			if got["tail"] != "-1" {
				t.Errorf("tail = %s: the default config file was read", got["tail"])
			}
		})
	}
}

func TestConfigPath(t *testing.T) {
	home, _ := os.UserHomeDir()
	tests := []struct {
		name string
		xdg  string
		env  map[string]string
		args []string
		want string
	}{
		{"XDG_CONFIG_HOME", "/x/cfg", nil, nil, "/x/cfg/tailui/config.yaml"},
		{"relative XDG_CONFIG_HOME is ignored", "rel", nil, nil, filepath.Join(home, ".config/tailui/config.yaml")},
		{"home", "", nil, nil, filepath.Join(home, ".config/tailui/config.yaml")},
		{"TAILUI_CONFIG", "/x/cfg", map[string]string{"TAILUI_CONFIG": "/etc/t.yaml"}, nil, "/etc/t.yaml"},
		{"--config wins", "/x/cfg", map[string]string{"TAILUI_CONFIG": "/etc/t.yaml"}, []string{"--config", "/y.yaml"}, "/y.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearTailuiEnv(t)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			root := newRootCmd("tailui")
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetArgs(append([]string{"config", "path"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(out.String()); got != tt.want {
				t.Errorf("config path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigInit(t *testing.T) {
	clearTailuiEnv(t)
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	initRun := func(args ...string) error {
		root := newRootCmd("tailui")
		root.SetOut(&bytes.Buffer{})
		root.SetArgs(append([]string{"config", "init", "--config", path}, args...))
		return root.Execute()
	}
	if err := initRun(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (flags may hold a token)", st.Mode().Perm())
	}
	if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := initRun(); err == nil || !strings.Contains(err.Error(), "exists (--force replaces it)") {
		t.Errorf("second init: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Errorf("the refused init changed the file")
	}
	if err := initRun("--force"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "# tailui config file") {
		t.Errorf("--force did not rewrite the file")
	}
}

// TestConfigTemplateRoundTrip uncomments every setting config init writes and
// loads the result: every line of the template must be a valid setting whose
// value is the default.
func TestConfigTemplateRoundTrip(t *testing.T) {
	clearTailuiEnv(t)
	tmpl := configTemplate(newRootCmd("tailui"))
	if _, err := parseConfig([]byte(tmpl)); err != nil {
		t.Fatalf("template as written: %v", err)
	}
	setting := regexp.MustCompile(`^  # ([a-z-]+:\s.*?)\s+# .*$`)
	list := regexp.MustCompile(`^  # ((origins|origins-ansi|highlights): \[.*\])$`)
	var out []string
	n := 0
	for _, l := range strings.Split(tmpl, "\n") {
		if m := setting.FindStringSubmatch(l); m != nil {
			l, n = "  "+m[1], n+1
		} else if m := list.FindStringSubmatch(l); m != nil {
			l, n = "  "+m[1], n+1
		}
		out = append(out, l)
	}
	if n < 60 {
		t.Fatalf("only %d settings uncommented", n)
	}
	full := strings.Join(out, "\n")
	cf, err := parseConfig([]byte(full))
	if err != nil {
		t.Fatalf("uncommented template: %v\n%s", err, full)
	}
	root := newRootCmd("tailui")
	if err := cf.applyFlags(root.LocalNonPersistentFlags(), root.Flags()); err != nil {
		t.Fatal(err)
	}
	root.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Value.String() != fl.DefValue && fl.Name != "help" {
			t.Errorf("--%s: template sets %q, default is %q", fl.Name, fl.Value.String(), fl.DefValue)
		}
	})
	var th ui.Theme = ui.DefaultTheme()
	want := th
	cf.colors.applyTo(&th)
	if !themesEqual(th, want) {
		t.Errorf("the template's colours differ from the default theme")
	}
}

func themesEqual(a, b ui.Theme) bool {
	for _, tc := range themeColors {
		if *tc.field(&a) != *tc.field(&b) {
			return false
		}
	}
	for _, tl := range themeLists {
		if !slices.Equal(*tl.field(&a), *tl.field(&b)) {
			return false
		}
	}
	return true
}

func TestParseColor(t *testing.T) {
	tests := []struct {
		in      string
		want    string // colorName of the result; "" for an error
		wantNil bool
	}{
		{"#ff8800", `"#ff8800"`, false},
		{"#F80", `"#ff8800"`, false},
		{"9", "bright-red", false},
		{"214", "214", false},
		{"bright-blue", "bright-blue", false},
		{"Grey", "bright-black", false},
		{"default", "default", true},
		{"256", "", false},
		{"-1", "", false},
		{"#ggg", "", false},
		{"#12345", "", false},
		{"reddish", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := parseColor(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("no error, got %v", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (c == nil) != tt.wantNil {
				t.Errorf("nil = %v", c == nil)
			}
			if got := colorName(c); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestUITheme(t *testing.T) {
	red := lipgloss.Red
	tests := []struct {
		name     string
		theme    string
		fgbg     string
		colors   string
		noColor  bool
		wantNil  bool
		wantDark bool // origins are the dark theme's
		wantErr  bool // Error colour overridden to red... (checks the patch)
	}{
		{"dark, nothing to change", "dark", "", "", false, true, true, false},
		{"light", "light", "", "", false, false, false, false},
		{"auto, COLORFGBG light", "auto", "0;15", "", false, false, false, false},
		{"auto, COLORFGBG dark", "auto", "15;0", "", false, true, true, false},
		{"auto, nothing known: dark", "auto", "", "", false, true, true, false},
		{"dark with overrides", "dark", "", "colors:\n  warn: red\n", false, false, true, true},
		{"no colour", "light", "", "colors:\n  warn: red\n", true, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearTailuiEnv(t)
			t.Setenv("COLORFGBG", tt.fgbg)
			cf, err := parseConfig([]byte(tt.colors))
			if err != nil {
				t.Fatal(err)
			}
			c := &configFlags{theme: tt.theme, colors: cf.colors}
			got := c.uiTheme(tt.noColor)
			if (got == nil) != tt.wantNil {
				t.Fatalf("nil = %v, want %v", got == nil, tt.wantNil)
			}
			if got == nil {
				return
			}
			if dark := slices.Equal(got.Origins, ui.DefaultTheme().Origins); dark != tt.wantDark {
				t.Errorf("dark origins = %v, want %v", dark, tt.wantDark)
			}
			if tt.wantErr && got.Warn != red {
				t.Errorf("warn = %v, want the override", got.Warn)
			}
		})
	}
}

func TestConfigKeys(t *testing.T) {
	cf, err := parseConfig([]byte("keys:\n  Search: ctrl+f\n  next_match: [ctrl+n, n]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"Search": {"ctrl+f"}, "next_match": {"ctrl+n", "n"}}
	if !reflect.DeepEqual(cf.keys, want) {
		t.Fatalf("keys %v, want %v", cf.keys, want)
	}
}
