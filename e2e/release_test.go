//go:build e2e

package e2e

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestReleaseGoInstall installs the module the way `go install
// github.com/tailui/tailui@latest` does (from this tree) into an empty GOBIN: the
// binary must be called tailui, run, and become the kubectl plugin when renamed.
func TestReleaseGoInstall(t *testing.T) {
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", ".")
	cmd.Dir = bed.root
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	bin := filepath.Join(gobin, "tailui"+exe)
	r := runCmd(t, time.Minute, bin, "version")
	if r.code != 0 || !strings.HasPrefix(string(r.stdout), "tailui ") {
		t.Fatalf("tailui version: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, time.Minute, bin, "--help")
	if r.code != 0 || !strings.Contains(string(r.stdout), "Usage:\n  tailui [QUERY] [flags]") {
		t.Fatalf("tailui --help: exit %d\n%s", r.code, r.stdout)
	}
	// The same binary under the plugin's name, found by kubectl on PATH.
	plugin := filepath.Join(gobin, "kubectl-tailui"+exe)
	if err := os.Rename(bin, plugin); err != nil {
		t.Fatal(err)
	}
	pluginHelp(t, gobin)
}

// TestReleaseSnapshotPlugin runs what hack/release-check built: the kubectl-tailui
// binary from dist/, and the one inside this platform's archive, through kubectl's
// plugin mechanism, for help and against the bed.
func TestReleaseSnapshotPlugin(t *testing.T) {
	dist := filepath.Join(bed.root, "dist")
	platform := runtime.GOOS + "_" + runtime.GOARCH
	dirs, _ := filepath.Glob(filepath.Join(dist, "kubectl-tailui_"+platform+"*"))
	if len(dirs) == 0 {
		t.Skip("no dist/kubectl-tailui_" + platform + "*: run hack/release-check first")
	}
	bin := filepath.Join(dirs[0], "kubectl-tailui")
	r := runCmd(t, time.Minute, bin, "version")
	if r.code != 0 || strings.Contains(string(r.stdout), " dev ") || strings.Contains(string(r.stdout), "commit none") {
		t.Errorf("snapshot version is not stamped: exit %d, %q", r.code, r.stdout)
	}
	t.Run("binary", func(t *testing.T) { pluginHelp(t, dirs[0]) })

	archives, _ := filepath.Glob(filepath.Join(dist, "kubectl-tailui_*_"+platform+".tar.gz"))
	if len(archives) == 0 {
		t.Skip("no archive for " + platform + " (hack/release-check quick makes none)")
	}
	t.Run("archive", func(t *testing.T) {
		dir := t.TempDir()
		extract(t, archives[0], dir)
		pluginHelp(t, dir)
		// A real run through kubectl against the bed, as a Krew user would.
		r := runCmd(t, 2*time.Minute, "sh", "-c",
			`PATH="`+dir+`:$PATH" exec "$0" tailui deploy/web -n shop --plain --no-follow --tail 2`, bed.kubectl)
		if r.code != 0 || len(lines(r.stdout)) < 2 {
			t.Errorf("kubectl tailui deploy/web: exit %d, %d lines\n%s", r.code, len(lines(r.stdout)), r.stderr)
		}
	})
}

// pluginHelp runs `kubectl tailui --help` with dir (holding kubectl-tailui) on PATH
// and checks that help, usage and examples say kubectl tailui.
func pluginHelp(t *testing.T, dir string) {
	t.Helper()
	r := runCmd(t, time.Minute, "sh", "-c", `PATH="`+dir+`:$PATH" exec "$0" tailui --help`, bed.kubectl)
	help := string(r.stdout)
	if r.code != 0 {
		t.Fatalf("kubectl tailui --help: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"Usage:\n  kubectl tailui [QUERY] [flags]\n  kubectl tailui [command]",
		"  kubectl tailui deploy/web --plain",
		`Use "kubectl tailui [command] --help"`,
	} {
		if !strings.Contains(help, want) {
			t.Errorf("kubectl tailui --help lacks %q:\n%s", want, help)
		}
	}
	r = runCmd(t, time.Minute, "sh", "-c", `PATH="`+dir+`:$PATH" exec "$0" tailui version extra`, bed.kubectl)
	if r.code != 2 || !strings.Contains(string(r.stderr), "Run 'kubectl tailui version --help' for usage.") {
		t.Errorf("kubectl tailui version extra: exit %d, stderr %q; want 2 and a kubectl tailui hint", r.code, r.stderr)
	}
}

// extract unpacks a .tar.gz into dir.
func extract(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || strings.Contains(h.Name, "..") {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
}
