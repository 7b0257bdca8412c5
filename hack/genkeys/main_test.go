package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/keys.md")

// TestKeysDocIsCurrent fails when docs/keys.md no longer matches ui/keys.go.
func TestKeysDocIsCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	want, err := generate(root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "docs", "keys.md")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("docs/keys.md is stale: run 'go run ./hack/genkeys' (or 'go test ./hack/genkeys -update')")
	}
}

func TestReadKeyMap(t *testing.T) {
	groups, err := readKeyMap(filepath.Join("..", "..", "ui", "keys.go"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]binding{}
	for _, g := range groups {
		if g.Title == "" || len(g.Bindings) == 0 {
			t.Errorf("empty group %+v", g)
		}
		for _, b := range g.Bindings {
			found[b.Field] = b
		}
	}
	for _, tt := range []struct{ field, keys, desc string }{
		{"Quit", "q ctrl+c", "quit"},
		{"Help", "?", "help"},
	} {
		b, ok := found[tt.field]
		if !ok {
			t.Errorf("%s missing", tt.field)
			continue
		}
		if got := strings.Join(b.Keys, " "); got != tt.keys || b.Desc != tt.desc {
			t.Errorf("%s = %q %q, want %q %q", tt.field, got, b.Desc, tt.keys, tt.desc)
		}
	}
}

func TestShapeChangesAreErrors(t *testing.T) {
	for name, src := range map[string]string{
		"no keyMap":    "package ui\nfunc newKeyMap() {}\n",
		"not b(...)":   "package ui\ntype keyMap struct{ Quit int }\nfunc newKeyMap() *keyMap { return &keyMap{Quit: 1} }\n",
		"unset field":  "package ui\ntype keyMap struct{ Quit, Help int }\nfunc newKeyMap() *keyMap { return &keyMap{Quit: b(nil, \"q\", \"quit\")} }\n",
		"extra field":  "package ui\ntype keyMap struct{ Quit int }\nfunc newKeyMap() *keyMap { return &keyMap{Quit: b(nil, \"q\", \"quit\"), Help: b(nil, \"?\", \"help\")} }\n",
		"keys via var": "package ui\ntype keyMap struct{ Quit int }\nfunc newKeyMap() *keyMap { return &keyMap{Quit: b(qk, \"q\", \"quit\")} }\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "keys.go")
			if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := readKeyMap(p); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestBindingWithoutKeys(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys.go")
	src := "package ui\n\ntype keyMap struct {\n\t// Sources panel.\n\tFilterPods int\n}\n\nfunc newKeyMap() *keyMap { return &keyMap{FilterPods: b(nil, \"type\", \"filter\")} }\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	groups, err := readKeyMap(p)
	if err != nil {
		t.Fatal(err)
	}
	out := string(render(groups))
	if !strings.Contains(out, "## Sources panel") || !strings.Contains(out, "| (type) | filter | FilterPods |") {
		t.Errorf("render:\n%s", out)
	}
}
