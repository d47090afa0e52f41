package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

const gameday = "../plans/gameday.yaml"

func TestGamedayParses(t *testing.T) {
	p, err := Load(gameday)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, s := range p.Steps {
		actions = append(actions, s.Action())
	}
	if got := strings.Join(actions, ","); got != "backup,fault,recover,wait,heal,verify,backup" {
		t.Fatalf("steps %s", got)
	}
	sp, err := p.Session()
	if err != nil {
		t.Fatal(err)
	}
	th := sp.Limits
	if th.RTOMax == nil || th.RTOMax.D().Seconds() != 10 || th.AckedLostMax == nil || *th.AckedLostMax != 0 {
		t.Fatalf("thresholds %+v", th)
	}
}

func TestParseErrorsNamePosition(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"name: x\nfoo: 1\n", `line 2, column 1: unknown field "foo"`},
		{"name: x\nname: y\n", `line 2, column 1: mapping key "name" already defined`},
		{"name: x\nsteps:\n  - fault: {name: kill, bogus: 1}\n", `line 3, column 25: unknown field "bogus"`},
		{"name: x\nsteps:\n  - wait: 2x\n", `line 3, column 11:`},
		{"name: x\nsteps:\n  - fault: {name: kill}\n    wait: 1s\n  - recover: engine\n", `line 3, column 10: $.steps[0]: step has more than one action`},
		{"name: x\nsteps:\n  - fault: {name: nofault}\n  - recover: engine\n", `unknown fault "nofault"`},
		{"name: x\nsteps:\n  - fault: {name: kill}\n  - recover: later\n", `line 4, column 14: $.steps[1].recover: want engine or native`},
		{"name: x\nsteps:\n  - fault: {name: kill}\n", `no recover step`},
		{"name: x\ntopology: {kind: standalone}\nsteps:\n  - backup: cluster\n  - fault: {name: kill}\n  - recover: native\n", `needs a cluster topology`},
		{"name: x\nthresholds: {rto_max: -1s}\n", `negative duration`},
		{"", "empty plan"},
		{"name: x\nsteps:\n  - fault: {name: kill, target: \"shard-primary:9\"}\n  - recover: native\n", `line 3, column 33: $.steps[0].fault.target: target shard-primary:9: the cluster topology has 3 shard(s)`},
		{"name: x\nsteps:\n  - fault: {name: kill, target: \"node:nosuch\"}\n  - recover: native\n", `$.steps[0].fault.target: target node:nosuch: no such node; the topology's nodes are n0..n5`},
		{"name: x\ntopology: {replicas: 0}\nsteps:\n  - fault: {name: kill, target: replica}\n  - recover: native\n", `the topology has no replica`},
		{"name: x\nsteps:\n  - fault: {name: kill}\n  - recover: native\nthresholds: {min_acked_before_fault: 0}\n", `min_acked_before_fault: must be at least 1`},
		{"name: x\ndetect: sniff\nsteps:\n  - fault: {name: kill}\n  - recover: engine\n", `line 2, column 9: $.detect: want auto or probe, got "sniff"`},
		{"name: x\ndetect: probe\nsteps:\n  - fault: {name: kill}\n  - recover: native\n", `$.detect: a detection mode needs a recover: engine step`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml))
		var pe *Error
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want an *Error containing %q", c.yaml, err, c.want)
		}
	}
}

func TestDetectModeReachesTheEngine(t *testing.T) {
	p, err := Parse([]byte("name: x\ndetect: probe\nsteps:\n  - fault: {name: kill}\n  - recover: engine\n"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := p.Session()
	if err != nil {
		t.Fatal(err)
	}
	if sp.Engine == nil || sp.Engine.DetectMode != "probe" {
		t.Fatalf("engine spec %+v, want detect mode probe", sp.Engine)
	}
}

func TestLoadNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("name: x\nsteps: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p+":2:") {
		t.Fatalf("Load = %v; want the file and line", err)
	}
}

// TestGamedayRuns carries out the example plan against real Redis in
// Docker: backup, kill the primary of shard 0, engine recovery, heal,
// verify, backup again.
func TestGamedayRuns(t *testing.T) {
	d := testenv.RequireDocker(t)
	p, err := Load(gameday)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var lines []string
	env := session.Env{Docker: d, OutDir: t.TempDir(), Seed: 7, Progress: func(l string) { lines = append(lines, l) }}
	out, err := Run(ctx, env, p)
	if err != nil {
		t.Fatal(err)
	}
	res := out.Result
	t.Logf("gameday: verdict %s %v, RTO %s, detect %s, acked lost %d of %d", res.Verdict.Status, res.Verdict.Reasons, res.RTO, res.Detect, res.Loss.Lost, res.Loss.Acked)
	for _, l := range lines {
		t.Log(l)
	}
	if len(out.Evidence.Steps) != len(p.Steps) {
		t.Fatalf("%d step records for %d steps", len(out.Evidence.Steps), len(p.Steps))
	}
	for _, s := range out.Evidence.Steps {
		if s.Error != "" {
			t.Errorf("%s", s)
		}
	}
	if res.Verdict.Status != reports.StatusPass {
		t.Errorf("verdict %s: %v", res.Verdict.Status, res.Verdict.Reasons)
	}
	if !res.Ready || res.Fault.Name != "kill" || len(out.Backups) != 2 || len(out.Recoveries) != 1 {
		t.Errorf("ready %v fault %q backups %d recoveries %d", res.Ready, res.Fault.Name, len(out.Backups), len(out.Recoveries))
	}
	if res.Loss.Lost != 0 {
		t.Errorf("%d acked writes lost (WAIT 1 + appendfsync always should lose none)", res.Loss.Lost)
	}
	if len(out.Verifies) != 1 || !out.Verifies[0].OK() {
		t.Errorf("verify step: %v", out.Verifies)
	}
}

func TestWorkloadMixReachesTheProfile(t *testing.T) {
	p, err := Parse([]byte("name: x\nworkload:\n  mix: [set, incr, setpx]\n  catch_up: true\nsteps:\n  - fault: {name: kill}\n  - recover: native\n"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := p.Session()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sp.Workload.Mix); got != "[set incr setpx]" || !sp.Workload.CatchUp {
		t.Fatalf("profile mix %s catch-up %t, want [set incr setpx] and true", got, sp.Workload.CatchUp)
	}
	_, err = Parse([]byte("name: x\nworkload:\n  mix: [set, lpop]\nsteps:\n  - fault: {name: kill}\n  - recover: native\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown write kind "lpop"`) {
		t.Fatalf("Parse with an unknown kind = %v", err)
	}
}

// TestArchiveReachesTheEngine checks archive: true turns the streaming
// archive on for the engine, and is refused without a recover: engine step.
func TestArchiveReachesTheEngine(t *testing.T) {
	p, err := Parse([]byte("name: x\narchive: true\nsteps:\n  - fault: {name: kill}\n  - recover: engine\n"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := p.Session()
	if err != nil {
		t.Fatal(err)
	}
	if sp.Engine == nil || !sp.Engine.Archive {
		t.Fatalf("engine spec %+v, want the archive on", sp.Engine)
	}
	_, err = Parse([]byte("name: x\narchive: true\nsteps:\n  - fault: {name: kill}\n  - recover: native\n"))
	if err == nil || !strings.Contains(err.Error(), "$.archive") {
		t.Fatalf("archive without the engine: want a $.archive error, got %v", err)
	}
}

// TestSentinelAndStandaloneTopologies checks that plans accept the
// sentinel topology (replicas and sentinels counts, node_timeout as
// down-after-milliseconds) and the standalone one, and refuse what those
// topologies cannot be.
func TestSentinelAndStandaloneTopologies(t *testing.T) {
	steps := "steps:\n  - fault: {name: kill}\n  - recover: native\n"
	cases := []struct {
		yaml, kind          string
		replicas, sentinels int // as the plan says them (0 sentinels: the default)
		nodeTimeout         int // seconds
		started             int // Sentinels the topology starts
	}{
		{"name: s\ntopology: {kind: sentinel}\n" + steps, "sentinel", 2, 0, 5, 3},
		{"name: s\ntopology: {kind: sentinel, replicas: 1, sentinels: 5, node_timeout: 3s}\n" + steps, "sentinel", 1, 5, 3, 5},
		{"name: s\ntopology: {kind: standalone, persistence: aof}\nsteps:\n  - fault: {name: crash}\n  - recover: native\n", "standalone", 0, 0, 5, 0},
	}
	for _, c := range cases {
		p, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Errorf("Parse(%q): %v", c.yaml, err)
			continue
		}
		sp, err := p.Session()
		if err != nil {
			t.Errorf("Session(%q): %v", c.yaml, err)
			continue
		}
		topo := sp.Topology
		if string(topo.Kind) != c.kind || topo.Primaries != 1 || topo.Replicas != c.replicas || topo.Sentinels != c.sentinels ||
			topo.NodeTimeout.Seconds() != float64(c.nodeTimeout) || topo.SentinelCount() != c.started {
			t.Errorf("%q: topology %s, %d primary, %d replicas, %d sentinels (%d started), node timeout %s",
				c.yaml, topo.Kind, topo.Primaries, topo.Replicas, topo.Sentinels, topo.SentinelCount(), topo.NodeTimeout)
		}
		if got := p.AllLabels(); !slices.Contains(got, "topology:"+c.kind) {
			t.Errorf("%q: labels %v lack topology:%s", c.yaml, got, c.kind)
		}
	}
	bad := []struct{ yaml, want string }{
		{"name: x\ntopology: {kind: sentinel, replicas: 0}\n" + steps, "sentinel needs at least 1 replica"},
		{"name: x\ntopology: {kind: sentinel, primaries: 2}\n" + steps, "sentinel has exactly one primary"},
		{"name: x\ntopology: {kind: sentinel, sentinels: -1}\n" + steps, "sentinels must be >= 0"},
		{"name: x\ntopology: {kind: cluster, sentinels: 3}\n" + steps, "cluster has no sentinels"},
		{"name: x\ntopology: {kind: standalone, replicas: 1}\n" + steps, "standalone has no replicas"},
		{"name: x\ntopology: {kind: sentinel}\nsteps:\n  - fault: {name: kill, target: \"shard-primary:1\"}\n  - recover: native\n", "has 1 shard(s)"},
		{"name: x\ntopology: {kind: swarm}\n" + steps, "want cluster, sentinel, replicated or standalone"},
	}
	for _, c := range bad {
		_, err := Parse([]byte(c.yaml))
		var pe *Error
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want an *Error containing %q", c.yaml, err, c.want)
		}
	}
}
