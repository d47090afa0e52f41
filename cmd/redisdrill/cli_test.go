package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUnknownScenarioListsKnown(t *testing.T) {
	r := runCLI(t, nil, "drill", "--scenario", "no-such-drill")
	if r.code != exitUsage {
		t.Fatalf("want exit 2\n%s", r)
	}
	oneErrorLine(t, r, `unknown scenario "no-such-drill"`)
	if !strings.Contains(r.stderr, "primary-kill-engine") {
		t.Fatalf("error does not list the known scenarios\n%s", r)
	}
}

func TestScenariosListsRegistry(t *testing.T) {
	r := runCLI(t, nil, "scenarios")
	if r.code != 0 || !strings.Contains(r.stdout, "primary-kill-engine") || !strings.Contains(r.stdout, "DESCRIPTION") {
		t.Fatalf("scenarios table missing\n%s", r)
	}
}

func TestUnknownFlag(t *testing.T) {
	r := runCLI(t, nil, "drill", "--no-such-flag")
	if r.code != exitUsage {
		t.Fatalf("want exit 2\n%s", r)
	}
	oneErrorLine(t, r, "unknown flag: --no-such-flag")
}

func TestUnknownDetectMode(t *testing.T) {
	for _, args := range [][]string{
		{"drill", "--detect", "sniff", "--scenario", "primary-kill-engine"},
		{"plan", "run", "--detect", "sniff", "x.yaml"},
		{"bench", "rollback", "--detect", "sniff"},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := runCLI(t, nil, args...)
			if r.code != exitUsage {
				t.Fatalf("want exit 2\n%s", r)
			}
			oneErrorLine(t, r, `invalid argument "sniff" for "--detect" flag`)
			if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("want a single stderr line\n%s", r)
			}
		})
	}
}

func TestMalformedPlan(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, yaml, want string }{
		{"syntax", "name: x\nsteps:\n  - wait: [1s\n", ":3:"},
		{"unknown field", "name: x\ntopology:\n  kind: cluster\n  primries: 3\n", `:4:3: unknown field "primries"`},
		{"duplicate key", "name: x\nname: y\n", `:2:1:`},
		{"bad duration", "name: x\nsteps:\n  - wait: 2x\n", `:3:11:`},
		{"unknown heal", "name: x\nsteps:\n  - fault: {name: kill, target: primary}\n  - heal: nope\n  - recover: native\n", `:4:11: $.steps[1].heal`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			if err := os.WriteFile(p, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runCLI(t, nil, "plan", "run", p)
			if r.code != exitUsage {
				t.Fatalf("want exit 2\n%s", r)
			}
			oneErrorLine(t, r, c.want)
		})
	}
}

func TestVerifyUnreachable(t *testing.T) {
	r := runCLI(t, nil, "verify", "--addr", "127.0.0.1:1")
	if r.code != exitUsage {
		t.Fatalf("want exit 2\n%s", r)
	}
	oneErrorLine(t, r, "cannot reach 127.0.0.1:1")
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("want a single stderr line\n%s", r)
	}
}

func TestReportCompare(t *testing.T) {
	src := filepath.Join("..", "..", "reports", "testdata", "run.json")
	r := runCLI(t, nil, "report", "compare", src, src)
	if r.code != 0 || !strings.Contains(r.stdout, "no regression") {
		t.Fatalf("self-compare: want exit 0 and \"no regression\"\n%s", r)
	}
	// Plant a 3x slower RTO in the first scenario.
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sc := doc["scenarios"].([]any)[0].(map[string]any)
	sc["rto_ms"] = sc["rto_ms"].(float64)*3 + 1000
	b, err = json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	slower := filepath.Join(t.TempDir(), "slower.json")
	if err := os.WriteFile(slower, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "report", "compare", src, slower, "--max-regression", "20%")
	if r.code != exitFailed || !strings.Contains(r.stdout, "REGRESSION "+sc["name"].(string)) {
		t.Fatalf("slower RTO: want exit 1 naming %s\n%s", sc["name"], r)
	}
	r = runCLI(t, nil, "report", "compare", src, slower, "--max-regression", "lots")
	if r.code != exitUsage {
		t.Fatalf("bad --max-regression: want exit 2\n%s", r)
	}
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]float64{"20%": 0.2, "0.2": 0.2, "0": 0, "150%": 1.5} {
		got, err := parsePercent(in)
		if err != nil || got < want-1e-9 || got > want+1e-9 {
			t.Errorf("parsePercent(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-5%", "NaN"} {
		if _, err := parsePercent(in); err == nil {
			t.Errorf("parsePercent(%q): want error", in)
		}
	}
}

// A plan whose target cannot exist fails before any container starts:
// exit 2 naming the line, from `plan validate` and `plan run` alike, fast.
func TestPlanValidatedBeforeStart(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nsteps:\n  - fault: {name: kill, target: \"shard-primary:9\"}\n  - recover: engine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan", "validate", bad}, {"plan", "run", bad, "--out", dir}} {
		start := time.Now()
		r := runCLI(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "bad.yaml:3:") || !strings.Contains(r.stderr, "3 shard(s)") {
			t.Errorf("%v: want exit 2 naming line 3 and the shard count\n%s", args, r)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v took %s: a bad plan must fail before anything starts", args, d)
		}
	}
	r := runCLI(t, nil, "plan", "validate", filepath.Join("..", "..", "scenarios", "plans", "gameday.yaml"))
	if r.code != 0 || !strings.Contains(r.stdout, "valid") {
		t.Errorf("plan validate gameday.yaml: want exit 0\n%s", r)
	}
}
