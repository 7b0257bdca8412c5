package cli

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/tailui/tailui/kube"
)

// envFlags is a small flag set of every kind applyEnv handles.
type envFlags struct {
	fs        *pflag.FlagSet
	tail      int64
	since     time.Duration
	plain     bool
	output    string
	namespace []string
	include   []string
}

func newEnvFlags() *envFlags {
	f := &envFlags{fs: pflag.NewFlagSet("t", pflag.ContinueOnError)}
	f.fs.Int64Var(&f.tail, "tail", -1, "")
	f.fs.DurationVar(&f.since, "since", 0, "")
	f.fs.BoolVar(&f.plain, "plain", false, "")
	f.fs.StringVarP(&f.output, "output", "o", "text", "")
	f.fs.StringArrayVarP(&f.namespace, "namespace", "n", nil, "")
	f.fs.StringSliceVar(&f.include, "include", nil, "")
	return f
}

func TestApplyEnv(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want func(f *envFlags) bool
		err  string // in the usage error
	}{
		{name: "nothing set", want: func(f *envFlags) bool {
			return f.tail == -1 && f.since == 0 && !f.plain && f.output == "text" && f.namespace == nil
		}},
		{name: "every kind", env: map[string]string{"TAILUI_TAIL": "10", "TAILUI_SINCE": "5m", "TAILUI_PLAIN": "true",
			"TAILUI_OUTPUT": "json", "TAILUI_NAMESPACE": "a,b", "TAILUI_INCLUDE": "x,y"},
			want: func(f *envFlags) bool {
				return f.tail == 10 && f.since == 5*time.Minute && f.plain && f.output == "json" &&
					slices.Equal(f.namespace, []string{"a", "b"}) && slices.Equal(f.include, []string{"x", "y"})
			}},
		{name: "the command line wins", env: map[string]string{"TAILUI_TAIL": "10", "TAILUI_NAMESPACE": "a,b", "TAILUI_OUTPUT": "json"},
			args: []string{"--tail", "3", "-n", "c"},
			want: func(f *envFlags) bool {
				return f.tail == 3 && slices.Equal(f.namespace, []string{"c"}) && f.output == "json"
			}},
		{name: "one item", env: map[string]string{"TAILUI_NAMESPACE": "shop"},
			want: func(f *envFlags) bool { return slices.Equal(f.namespace, []string{"shop"}) }},
		{name: "an empty list", env: map[string]string{"TAILUI_NAMESPACE": "", "TAILUI_INCLUDE": ""},
			want: func(f *envFlags) bool { return len(f.namespace) == 0 && len(f.include) == 0 }},
		{name: "other variables are ignored", env: map[string]string{"TAILUI_NOPE": "1", "TAIL": "5"},
			want: func(f *envFlags) bool { return f.tail == -1 }},
		{name: "bad int", env: map[string]string{"TAILUI_TAIL": "ten"}, err: `TAILUI_TAIL="ten"`},
		{name: "bad duration", env: map[string]string{"TAILUI_SINCE": "5 minutes"}, err: `TAILUI_SINCE="5 minutes"`},
		{name: "bad bool", env: map[string]string{"TAILUI_PLAIN": "maybe"}, err: `TAILUI_PLAIN="maybe"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearTailuiEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			f := newEnvFlags()
			if err := f.fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := applyEnv(f.fs, "TAILUI_")
			if tc.err != "" {
				var ue usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("applyEnv: %v, want a usage error naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(f) {
				t.Errorf("flags: tail=%d since=%v plain=%v output=%q namespace=%q include=%q",
					f.tail, f.since, f.plain, f.output, f.namespace, f.include)
			}
		})
	}
}

func TestRootFlagsLogOptions(t *testing.T) {
	base := func() rootFlags {
		return rootFlags{tail: -1, transport: "auto", ping: 5 * time.Second}
	}
	cases := []struct {
		name   string
		change func(f *rootFlags)
		want   kube.LogOptions
		err    string
	}{
		{name: "defaults follow", change: func(*rootFlags) {},
			want: kube.LogOptions{Follow: true, TailLines: -1, PingInterval: 5 * time.Second}},
		{name: "--no-follow", change: func(f *rootFlags) { f.noFollow = true },
			want: kube.LogOptions{TailLines: -1, PingInterval: 5 * time.Second}},
		{name: "--previous does not follow", change: func(f *rootFlags) { f.previous = true; f.tail = 5 },
			want: kube.LogOptions{Previous: true, TailLines: 5, PingInterval: 5 * time.Second}},
		{name: "everything", change: func(f *rootFlags) {
			f.since, f.limitBytes, f.transport, f.ping, f.keepColor = time.Hour, 4096, "base64", time.Second, true
		}, want: kube.LogOptions{Follow: true, TailLines: -1, Since: time.Hour, LimitBytes: 4096,
			Transport: kube.TransportBase64, PingInterval: time.Second, KeepSGR: true}},
		{name: "bad transport", change: func(f *rootFlags) { f.transport = "spdy" }, err: "unknown transport"},
		{name: "bad tail", change: func(f *rootFlags) { f.tail = -2 }, err: "--tail -2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			tc.change(&f)
			got, err := f.logOptions()
			if tc.err != "" {
				var ue usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("logOptions: %v, want a usage error %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("logOptions:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRootFlagsQuery(t *testing.T) {
	f := rootFlags{namespaces: []string{"a", "b"}, selector: "app=web", fieldSelector: "spec.nodeName=n1",
		excludePods: []string{"canary"}, container: "^app$", excludeContainers: []string{"istio", "linkerd"},
		initContainers: true}
	q, err := f.query("deploy/web")
	if err != nil {
		t.Fatal(err)
	}
	if q.Workload != "deploy/web" || q.PodName != nil || !slices.Equal(q.Namespaces, []string{"a", "b"}) ||
		q.LabelSelector != "app=web" || q.FieldSelector != "spec.nodeName=n1" || !q.InitContainers || q.EphemeralContainers ||
		len(q.ExcludePods) != 1 || len(q.ExcludeContainers) != 2 || q.Container.String() != "^app$" {
		t.Errorf("query %+v", q)
	}
	q, err = f.query("^web-")
	if err != nil || q.PodName == nil || q.PodName.String() != "^web-" || q.Workload != "" {
		t.Errorf("query(^web-) = %+v, %v", q, err)
	}

	for name, bad := range map[string]rootFlags{
		"query":             {},
		"exclude-pod":       {excludePods: []string{"("}},
		"exclude-container": {excludeContainers: []string{"ok", "["}},
		"container":         {container: "a("},
	} {
		query := ""
		if name == "query" {
			query = "web["
		}
		_, err := bad.query(query)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
		if name != "query" && !strings.Contains(err.Error(), "--"+name) {
			t.Errorf("%s: error %q does not name the flag", name, err)
		}
	}
}

func TestColorWanted(t *testing.T) {
	cases := []struct {
		mode    string
		noColor bool
		want    bool
		err     bool
	}{
		{mode: "always", noColor: true, want: true},
		{mode: "never", want: false},
		{mode: "auto", noColor: true, want: false},
		{mode: "", noColor: true, want: false},
		// A test's stdout is not a terminal.
		{mode: "auto", want: false},
		{mode: "yes", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			t.Setenv("NO_COLOR", "1")
			if !tc.noColor {
				unsetenv(t, "NO_COLOR")
			}
			got, err := colorWanted(tc.mode)
			var ue usageError
			if tc.err != errors.As(err, &ue) || got != tc.want {
				t.Errorf("colorWanted(%q) = %v, %v", tc.mode, got, err)
			}
		})
	}
}
