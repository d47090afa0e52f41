package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
)

// TestDrillShardFlagErrors: a bad --shard is one line, exit 2, before
// anything starts.
func TestDrillShardFlagErrors(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{"0/4", `invalid argument "0/4" for "--shard" flag: shard index "0": want a whole number ≥ 1`},
		{"5/4", "shard 5/4: the index must be between 1 and 4"},
		{"a/b", `invalid argument "a/b" for "--shard" flag`},
		{"1/0", `shard count "0": want a whole number ≥ 1`},
		{"3", "want i/n, e.g. 2/4"},
		{"all/4", "a drill runs one shard; give i/n, or add --list"},
	} {
		usageError(t, []string{"drill", "--shard", c.value, "--out", t.TempDir()}, c.want)
	}
	usageError(t, []string{"drill", "--list", "--shard", "1/x"}, `shard count "x"`)
}

// listRows parses drill --list's table into scenario → shard.
func listRows(t *testing.T, stdout string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	lines := strings.Split(stdout, "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "SHARD") {
		t.Fatalf("no table header\n%s", stdout)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) == 0 {
			break
		}
		if _, dup := rows[f[1]]; dup {
			t.Errorf("%s listed twice", f[1])
		}
		rows[f[1]] = f[0]
	}
	return rows
}

// TestDrillList: --list runs nothing; all/4 lists every scenario once with
// four shard totals; i/4 lists only shard i, and the four add up to the
// whole; more shards than scenarios name the empty ones.
func TestDrillList(t *testing.T) {
	r := runCLI(t, nil, "drill", "--list", "--shard", "all/4")
	if r.code != exitOK {
		t.Fatalf("drill --list: want exit 0\n%s", r)
	}
	all := listRows(t, r.stdout)
	if got, want := len(all), len(scenarios.All()); got != want {
		t.Errorf("listed %d scenarios, want %d", got, want)
	}
	for i := 1; i <= 4; i++ {
		if !strings.Contains(r.stdout, "shard "+string(rune('0'+i))+"/4: ") {
			t.Errorf("no total for shard %d/4\n%s", i, r.stdout)
		}
	}
	union := map[string]string{}
	for _, i := range []string{"1", "2", "3", "4"} {
		r := runCLI(t, nil, "drill", "--list", "--shard", i+"/4")
		if r.code != exitOK {
			t.Fatalf("--shard %s/4 --list: want exit 0\n%s", i, r)
		}
		for name, shard := range listRows(t, r.stdout) {
			if shard != i+"/4" {
				t.Errorf("--shard %s/4 lists %s of shard %s", i, name, shard)
			}
			union[name] = shard
		}
		if strings.Count(r.stdout, "/4: ") != 1 {
			t.Errorf("--shard %s/4: want one shard total\n%s", i, r.stdout)
		}
	}
	if len(union) != len(all) {
		t.Errorf("shards 1-4 list %d scenarios, all/4 %d", len(union), len(all))
	}
	for name, shard := range all {
		if union[name] != shard {
			t.Errorf("%s: shard %s in all/4, %s alone", name, shard, union[name])
		}
	}
	// One scenario (the cluster smoke) over three shards.
	r = runCLI(t, nil, "drill", "--list", "--label", "smoke && !sentinel", "--shard", "all/3")
	if r.code != exitOK || !strings.Contains(r.stdout, "shards 2/3 to 3/3: no scenario") {
		t.Errorf("smoke over 3 shards: want the empty shards named\n%s", r)
	}
	r = runCLI(t, nil, "drill", "--list", "--label", "smoke && !sentinel")
	if rows := listRows(t, r.stdout); r.code != exitOK || len(rows) != 1 || rows["smoke-primary-kill-native"] != "1/1" {
		t.Errorf("--list without --shard: want the selection as shard 1/1\n%s", r)
	}
}

// TestDrillEmptyShard: a shard left without a scenario says so, writes an
// empty report for the merge and exits 0 without Docker.
func TestDrillEmptyShard(t *testing.T) {
	out := filepath.Join(t.TempDir(), "shard-3")
	r := runCLI(t, []string{"DOCKER_HOST=unix:///nonexistent.sock"}, "drill", "--label", "smoke", "--shard", "3/3", "--out", out)
	if r.code != exitOK || !strings.Contains(r.stdout, "shard 3/3: no scenario") {
		t.Fatalf("empty shard: want exit 0 and a note\n%s", r)
	}
	run, err := reports.ReadRun(filepath.Join(out, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Scenarios) != 0 || !slices.Contains(run.Args, "3/3") {
		t.Errorf("empty shard report: %+v", run)
	}
}
