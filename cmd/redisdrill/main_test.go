package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/harness/testenv"
)

// binPath is the redisdrill binary TestMain builds once.
var binPath string

// TestMain builds the binary once, then runs the tests under testenv (in
// its child process): the binary inherits REDISDRILL_OWNER, so Ctrl-C
// removes what it created too.
func TestMain(m *testing.M) {
	os.Exit(testenv.Run(func() int {
		dir, err := os.MkdirTemp("", "redisdrill-cli-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer os.RemoveAll(dir)
		binPath = filepath.Join(dir, "redisdrill")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build redisdrill:", err)
			return 2
		}
		return m.Run()
	}))
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs the binary with args and extra environment variables.
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runCmd(t, "", env, args...)
}

// runIn runs the binary with args in the working directory dir.
func runIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return runCmd(t, dir, nil, args...)
}

// runCmd runs the binary with args in dir ("" = the test's) with extra
// environment variables.
func runCmd(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

// oneErrorLine asserts stderr holds exactly one "redisdrill: " line
// containing want.
// usageError runs the CLI with args and checks exit 2 with one stderr line
// containing want.
func usageError(t *testing.T, args []string, want string) {
	t.Helper()
	r := runCLI(t, nil, args...)
	if r.code != exitUsage {
		t.Fatalf("%v: want exit 2\n%s", args, r)
	}
	oneErrorLine(t, r, want)
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("%v: want a single stderr line\n%s", args, r)
	}
}

func oneErrorLine(t *testing.T, r result, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(l, errorPrefix) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want one %q line on stderr, got %d\n%s", errorPrefix, len(lines), r)
	}
	if !strings.Contains(lines[0], want) {
		t.Fatalf("error line %q does not contain %q", lines[0], want)
	}
}
