package cli

import (
	"context"
	"os"
	"testing"
)

// unsetenv removes an environment variable for the duration of the test.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "") // restores the old value afterwards
	os.Unsetenv(k)
}

func TestProgName(t *testing.T) {
	cases := []struct{ arg0, want string }{
		{"tailui", "tailui"},
		{"/usr/local/bin/tailui", "tailui"},
		{`C:\bin\tailui.exe`, "tailui"},
		{"./my-build", "tailui"},
		{"/usr/local/bin/kubectl-tailui", "kubectl tailui"},
		{"kubectl-tailui.exe", "kubectl tailui"},
		{"/home/me/.krew/bin/kubectl-tail_ui", "kubectl tail-ui"},
	}
	old := os.Args[0]
	defer func() { os.Args[0] = old }()
	for _, tc := range cases {
		os.Args[0] = tc.arg0
		if got := progName(); got != tc.want {
			t.Errorf("progName() with os.Args[0] = %q: %q, want %q", tc.arg0, got, tc.want)
		}
	}
}

func TestRunHelpAndBadFlag(t *testing.T) {
	// Help goes to stdout; keep it out of the test's output.
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = devnull, devnull
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()

	cases := []struct {
		args []string
		want int
	}{
		{[]string{"--help"}, 0},
		{[]string{"-h"}, 0},
		{[]string{"--bogus"}, 2},
		{[]string{"--output", "yaml", "--no-follow"}, 2},
		{[]string{"--timestamps=sometimes", "x"}, 2},
		{[]string{"--color", "sometimes", "x"}, 2},
		{[]string{"--tail", "-5", "x"}, 2},
		{[]string{"-i", "(", "--transport", "carrier-pigeon"}, 2},
	}
	for _, tc := range cases {
		clearTailuiEnv(t)
		if got := run(context.Background(), tc.args); got != tc.want {
			t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
		}
	}
}
