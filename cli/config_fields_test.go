package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveFields: the TUI's choice of fields is written into the config file,
// keeping what else it holds, and read back as the fields section.
func TestSaveFields(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "config.yaml")
	c := &configFlags{writePath: path}
	if err := c.saveFields("level msg trace_id"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	cf, err := parseConfig(b)
	if err != nil || cf.fields != "level msg trace_id" {
		t.Fatalf("new file: %q, %v\n%s", cf.fields, err, b)
	}
	// An existing file keeps its sections and comments; the section is replaced.
	orig := "# my settings\nflags:\n  tail: 50 # fifty\nfields: -caller\ntheme: dark\n"
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.saveFields("-ts -caller"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	for _, want := range []string{"# my settings", "tail: 50 # fifty", "theme: dark", "fields: -ts -caller"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("after saving, the file has no %q:\n%s", want, b)
		}
	}
	if cf, err := parseConfig(b); err != nil || cf.fields != "-ts -caller" {
		t.Errorf("read back: %q, %v", cf.fields, err)
	}
	// An empty choice removes the section.
	if err := c.saveFields(""); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if strings.Contains(string(b), "fields") || !strings.Contains(string(b), "theme: dark") {
		t.Errorf("after clearing:\n%s", b)
	}
	if err := (&configFlags{}).saveFields("x"); err == nil {
		t.Error("saving with no config file named no error")
	}
	if _, err := parseConfig([]byte("fields: [level, msg]\n")); err != nil {
		t.Errorf("a list of fields: %v", err)
	}
	if _, err := parseConfig([]byte("fields: {a: 1}\n")); err == nil {
		t.Error("a mapping of fields was accepted")
	}
}
