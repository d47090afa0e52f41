package main

import (
	"os"
	"testing"
)

// TestBackupStreamBadInput: a missing or empty --dest, a bad --for or
// --interval, no address and an unreachable server each fail with one
// line and exit 2, before anything is written.
func TestBackupStreamBadInput(t *testing.T) {
	dest := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "127.0.0.1:1"}, `required flag(s) "dest" not set`},
		{[]string{"--addr", "127.0.0.1:1", "--dest", ""}, "flag --dest must not be empty"},
		{[]string{"--addr", "127.0.0.1:1", "--dest", dest, "--for", "-1s"}, "--for must be ≥ 0"},
		{[]string{"--addr", "127.0.0.1:1", "--dest", dest, "--interval", "0s"}, "--interval > 0"},
		{[]string{"--dest", dest}, "one of --addr or -u/--uri is required"},
		{[]string{"--addr", "127.0.0.1:1", "--dest", dest}, "cannot reach 127.0.0.1:1"},
	} {
		usageError(t, append([]string{"backup", "stream"}, c.args...), c.want)
	}
	if entries, err := os.ReadDir(dest); err != nil || len(entries) != 0 {
		t.Fatalf("a refused backup stream wrote into --dest: %v %v", entries, err)
	}
}
