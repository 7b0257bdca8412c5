package stream

import (
	"errors"
	"testing"
)

func TestWhereMatch(t *testing.T) {
	pod := &Origin{ID: "shop/web-0/app", Name: "web-0/app", Fields: map[string]string{"namespace": "shop", "pod": "web-0", "container": "app"}}
	loki := &Origin{ID: `{app="cart"}`, Fields: map[string]string{"app": "cart", "env": "prod"}}
	lines := map[string]Line{
		"json-err":  {Origin: pod, Text: `{"level":"error","msg":"db down","status":503,"dur_ms":12.5,"http":{"path":"/api/orders","code":503},"user":"bob"}`},
		"json-info": {Origin: pod, Text: `{"level":"info","msg":"ok","status":200,"dur_ms":3,"user":"alice"}`},
		"json-W":    {Origin: pod, Text: `{"severity":"W","msg":"slow","status":"200"}`},
		"logfmt":    {Origin: pod, Text: `level=warn msg="cache miss ratio high" status=429 user=carol duration_ms=303`},
		"logfmt-q":  {Origin: pod, Text: `ts=2026-12-01T10:00:00Z lvl=debug msg="a \"quoted\" word" user=bob`},
		"klog":      {Origin: pod, Text: `E1201 10:42:05.123456    1 controller.go:42] sync failed`},
		"plain":     {Origin: pod, Text: `WARNING: disk almost full`},
		"prose":     {Origin: pod, Text: `hello world, status is fine`},
		"loki":      {Origin: loki, Text: `{"level":"info","msg":"checkout","total":"99.5"}`},
	}
	tests := []struct {
		expr string
		want []string // the lines that match
	}{
		{`level>=warn`, []string{"json-err", "json-W", "logfmt", "klog", "plain"}},
		{`level=error`, []string{"json-err", "klog"}},
		{`level==ERR`, []string{"json-err", "klog"}},
		{`level<info`, []string{"logfmt-q"}},
		{`level>=W && level<E`, []string{"json-W", "logfmt", "plain"}},
		{`level>=CRITICAL`, nil},
		{`status>=500`, []string{"json-err"}},
		{`status>=200 && status<300`, []string{"json-info", "json-W"}}, // "200" as a JSON string still compares as a number
		{`status=429`, []string{"logfmt"}},
		{`status!=200`, []string{"json-err", "logfmt"}}, // lines without status are not "not 200"
		{`!(status=200)`, []string{"json-err", "logfmt", "logfmt-q", "klog", "plain", "prose", "loki"}},
		{`dur_ms>10`, []string{"json-err"}},
		{`dur_ms>10.4 || duration_ms>300`, []string{"json-err", "logfmt"}},
		{`http.code=503`, []string{"json-err"}},
		{`http.path~"^/api/"`, []string{"json-err"}},
		{`msg~timeout || msg~"db"`, []string{"json-err"}},
		{`msg="a \"quoted\" word"`, []string{"logfmt-q"}},
		{`msg='cache miss ratio high'`, []string{"logfmt"}},
		{`user=bob`, []string{"json-err", "logfmt-q"}},
		{`user!~"^(bob|alice)$"`, []string{"logfmt"}},
		{`pod=web-0 && container=app && namespace=shop && user=alice`, []string{"json-info"}},
		{`app=cart && env=prod`, []string{"loki"}},
		{`total>99`, []string{"loki"}},
		{`total<"99.6"`, []string{"loki"}},
		{`line~"disk almost"`, []string{"plain"}},
		{`(level=error || level=warn) && !(user=carol)`, []string{"json-err", "json-W", "klog", "plain"}},
		{`user>alice && user<carol`, []string{"json-err", "logfmt-q"}}, // byte order for words
		{`nosuchfield=1 || nosuchfield!=1`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			w, err := ParseWhere(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, n := range tt.want {
				want[n] = true
			}
			for name, l := range lines {
				if got := w.Match(&l); got != want[name] {
					t.Errorf("%s: Match = %v, want %v\n  %s", name, got, want[name], l.Text)
				}
			}
		})
	}
}

func TestWhereMarkersPass(t *testing.T) {
	w, err := ParseWhere(`level>=error`)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Match(&Line{Kind: KindGap, Text: "3 lines missing"}) {
		t.Error("a marker was filtered out")
	}
	var none *Where
	if !none.Match(&Line{Text: "x"}) {
		t.Error("a nil Where filtered a line")
	}
}

func TestWhereErrors(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{``, `empty expression: expected a comparison such as level>=warn at column 1`},
		{`level >=`, `expected a value after ">=" at column 9`},
		{`level>=`, `expected a value after ">=" at column 8`},
		{`level`, `expected an operator (=, !=, <, <=, >, >=, ~, !~) after "level" at column 6`},
		{`level>=warn &&`, `expected a comparison after "&&" at column 15`},
		{`level>=warn & x=1`, `"&" is not an operator: use "&&" at column 13`},
		{`level>=warn x=1`, `expected "&&" or "||" before "x" at column 13`},
		{`(level>=warn`, `"(" is never closed at column 1`},
		{`level>=warn)`, `unexpected ")" with no "(" before it at column 12`},
		{`msg="open`, `unclosed " quote at column 5`},
		{`msg~"(a"`, "bad regular expression \"(a\": missing closing ) at column 5"},
		{`level>=loud`, `"loud" is not a level: use trace, debug, info, warn, error or fatal at column 8`},
		{`=3`, `expected a field name, found "=" at column 1`},
		{`é>=1 && >`, `expected a field name, found ">" at column 9`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := ParseWhere(tt.expr)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			var we *WhereError
			if !errors.As(err, &we) {
				t.Fatalf("error %T, want *WhereError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n  %s\nwant\n  %s", err, tt.want)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	f := ParseFields(`{"a":{"b":[1,"x"],"c":null},"n":1e3,"ok":true,"s":"<&>"}`)
	want := map[string]string{"a.b": `[1,"x"]`, "a": `{"b":[1,"x"],"c":null}`, "n": "1e3", "ok": "true", "s": "<&>"}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	if _, ok := f["a.c"]; ok {
		t.Error("a JSON null became a value")
	}
	if ParseFields("just some words = here") != nil {
		t.Error("prose taken for logfmt")
	}
	if got := ParseFields(`a=1 a=2 b="x y"`); got["a"] != "1" || got["b"] != "x y" {
		t.Errorf("logfmt fields %v", got)
	}
}

func TestParseLevelSpellings(t *testing.T) {
	for w, want := range map[string]Level{
		"WARNING": LevelWarn, "warn": LevelWarn, "W": LevelWarn, "ERR": LevelError, "E": LevelError,
		"CRITICAL": LevelFatal, "panic": LevelFatal, "trc": LevelTrace, "D": LevelDebug, "notice": LevelInfo,
		"x": LevelNone, "": LevelNone, "warnings": LevelNone,
	} {
		if got := ParseLevel(w); got != want {
			t.Errorf("ParseLevel(%q) = %v, want %v", w, got, want)
		}
	}
}

func BenchmarkWhereJSON(b *testing.B) {
	w, err := ParseWhere(`level>=warn && status>=500`)
	if err != nil {
		b.Fatal(err)
	}
	l := Line{Text: `{"level":"error","msg":"db down","status":503,"dur_ms":12.5,"user":"bob"}`}
	b.ReportAllocs()
	for b.Loop() {
		w.Match(&l)
	}
}
