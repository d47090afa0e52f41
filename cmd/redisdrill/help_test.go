package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command shows 1–6 example invocations of itself.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		lines := strings.Split(strings.TrimSpace(c.Example), "\n")
		if c.Example == "" || len(lines) > 6 {
			t.Errorf("%s: want 1-6 example lines, got %q", c.CommandPath(), c.Example)
		}
		for _, l := range lines {
			if !strings.HasPrefix(strings.TrimSpace(l), "redisdrill ") && !strings.Contains(l, " redisdrill ") {
				t.Errorf("%s: example %q does not run redisdrill", c.CommandPath(), l)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(newApp(io.Discard, io.Discard)))
}

func TestRootHelpListsExitCodes(t *testing.T) {
	r := runCLI(t, nil, "--help")
	if r.code != exitOK {
		t.Fatalf("--help: want exit 0\n%s", r)
	}
	for _, want := range []string{"Exit codes:", "  0 ", "  1 ", "  2 ", "  130 "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("root help lacks %q\n%s", want, r)
		}
	}
}
