package main

import (
	"strings"
	"testing"
)

func TestRequiredFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify"}, "redisdrill verify: one of --addr or -u/--uri is required"},
		{[]string{"backup"}, `required flag(s) "dest" not set`},
		{[]string{"backup", "--addr", "127.0.0.1:1"}, `required flag(s) "dest" not set`},
		{[]string{"verify", "--addr", ""}, "redisdrill verify: flag --addr must not be empty"},
		{[]string{"backup", "--addr", "127.0.0.1:1", "--dest", ""}, "redisdrill backup: flag --dest must not be empty"},
		{[]string{"prune", "--run", "x", "--all"}, "[all run] were all set"},
	} {
		usageError(t, tc.args, tc.want)
	}
}

// A bad label expression is one plain line: Ginkgo's colour codes are
// stripped for logs and pipes.
func TestBadLabelExpressionIsPlain(t *testing.T) {
	r := runCLI(t, nil, "drill", "--label", "&&(")
	if r.code != exitUsage || strings.Contains(r.stderr, "\x1b") {
		t.Fatalf("want exit 2 and no escape codes\n%q", r.stderr)
	}
	oneErrorLine(t, r, "parse label expression")
}
