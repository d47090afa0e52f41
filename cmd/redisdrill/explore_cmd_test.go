package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/scenarios/plan"
)

func TestExploreDryRunIsByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	args := []string{"explore", "--seed", "9", "--duration", "90s", "--faults", "kill,pause,partition,flushall", "--durability", "relaxed", "--recovery", "native", "--dry-run"}
	for _, dir := range []string{a, b} {
		if r := runCLI(t, nil, append(args, "--out", dir, "--save-plan", filepath.Join(dir, "plan.yaml"))...); r.code != exitOK {
			t.Fatalf("want exit 0\n%s", r)
		}
	}
	x, err := os.ReadFile(filepath.Join(a, "schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(filepath.Join(b, "schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Fatalf("same seed, different schedule.json:\n%s\n%s", x, y)
	}
	if _, err := plan.Load(filepath.Join(a, "plan.yaml")); err != nil {
		t.Fatalf("--save-plan wrote a plan that does not load: %v", err)
	}
	r := runCLI(t, nil, append(args, "--out", a, "-o", "json")...)
	if r.code != exitOK || !strings.Contains(r.stdout, `"events"`) {
		t.Fatalf("-o json\n%s", r)
	}
}

func TestExploreBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version": 1, "events": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"explore", "--faults", "kill,meteor", "--dry-run", "--out", dir}, `unknown fault "meteor"`},
		{[]string{"explore", "--recovery", "prayer", "--dry-run", "--out", dir}, "recovery must be engine or native"},
		{[]string{"explore", "--durability", "loose", "--dry-run", "--out", dir}, "durability must be strict or relaxed"},
		{[]string{"explore", "--duration", "1s", "--dry-run", "--out", dir}, "duration must be in"},
		{[]string{"explore", "--topology", "3y1", "--dry-run", "--out", dir}, "parse topology"},
		{[]string{"explore", "--detect", "probe", "--recovery", "native", "--dry-run", "--out", dir}, "--detect needs --recovery engine"},
		{[]string{"explore", "-o", "yaml", "--dry-run", "--out", dir}, "invalid output format"},
		{[]string{"explore", "replay", filepath.Join(dir, "missing.json")}, "load schedule"},
		{[]string{"explore", "replay", bad}, "validate schedule"},
		{[]string{"explore", "replay"}, "accepts 1 arg"},
	} {
		r := runCLI(t, nil, c.args...)
		if r.code != exitUsage {
			t.Fatalf("%v: want exit 2\n%s", c.args, r)
		}
		oneErrorLine(t, r, c.want)
	}
}

// A minimal schedule — a primary cut off in a minority for longer than
// node-timeout, relaxed durability, Redis's own failover — loses acked
// writes on every run: replay exits 1 naming the invariant.
func TestExploreReplayExitsOneOnABreak(t *testing.T) {
	docker(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "minimal.json")
	schedule := `{
  "version": 1, "seed": 9, "duration": "30s", "faults": ["partition-minority"], "topology": "3x1",
  "node_timeout": "5s", "recovery": "native", "durability": "relaxed", "allow_loss": "0s", "converge_bound": "30s",
  "events": [{"id": "f1", "fault": "partition-minority", "target": "shard-primary:2", "gap": "1s", "duration": "10s"}]
}`
	if err := os.WriteFile(file, []byte(schedule), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "replay")
	r := runCLI(t, nil, "explore", "replay", file, "--out", out, "--save-plan", filepath.Join(dir, "regression.yaml"))
	if r.code != exitFailed {
		t.Fatalf("want exit 1\n%s", r)
	}
	oneErrorLine(t, r, "invariant lost-acked-write broken")
	for _, f := range []string{"explore.json", "explore.html", "schedule.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	if _, err := plan.Load(filepath.Join(dir, "regression.yaml")); err != nil {
		t.Errorf("--save-plan: %v", err)
	}
}
