package recovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// untouchable returns an incident on a replica-less AOF node whose
// deployment and node have no Docker client: reading or copying the
// node's files, or starting a scratch server, panics. The engine has no
// backup catalog (restore-in-place does not apply).
func untouchable(kind IncidentKind, detail string) (*Engine, *Incident) {
	topo := rediskit.DefaultCluster()
	topo.Replicas, topo.AppendFsync = 0, "always"
	e := &Engine{dep: untouchableDep{topo: topo}, strategies: DefaultStrategies()}
	return e, &Incident{Kind: kind, Detail: detail, AOFBroken: kind == RefusesStart, Failed: untouchableNode{name: "redis-1"},
		PreFaultKeys: 1000, KeysNow: 40}
}

// untouchableDep is a deployment that only knows its topology: any other
// call panics (the embedded interface is nil).
type untouchableDep struct {
	deploy.Deployment
	topo deploy.Topology
}

func (d untouchableDep) Topology() deploy.Topology { return d.topo }

// untouchableNode is a node that only knows its name.
type untouchableNode struct {
	deploy.Node
	name string
}

func (n untouchableNode) Name() string { return n.name }

// manifestView is an aofView as the node's manifest text and file names
// would give it.
func manifestView(t *testing.T, manifest string, names ...string) *aofView {
	t.Helper()
	m, err := aof.ParseManifest([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	v := &aofView{manifest: &m, listed: true}
	if names != nil {
		v.names = names
	}
	return v
}

const (
	garbageLine = "1:M 01 Jan 00:00:00.000 # Bad file format reading the append only file appendonly.aof.%s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
	oldManifest = "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n"
	// freshManifest is the one Redis writes when it starts without one.
	freshManifest = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
)

// planUntouched runs the engine's own choice and fails the test when an Estimate
// touched the node or the deployment (a nil Docker client panics) or
// copied the node's AOF.
func planUntouched(t *testing.T, e *Engine, inc *Incident) (Strategy, *Report, error) {
	t.Helper()
	rep := &Report{Estimates: map[string]Estimate{}}
	var chosen Strategy
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("an Estimate touched the node or the deployment (copy, scratch server, Docker call): %v", r)
			}
		}()
		chosen, err = e.plan(context.Background(), inc, rep, "")
	}()
	if inc.aofSrc != "" {
		t.Fatalf("an Estimate copied the node's AOF to %s", inc.aofSrc)
	}
	return chosen, rep, err
}

// Estimate changes nothing and starts nothing: the AOF strategies decide
// from the incident, the manifest and the file names (given here, so no
// Docker call is needed), and the engine's choice is the one the
// registered scenarios expect.
func TestEstimateStartsNothing(t *testing.T) {
	cases := []struct {
		name, detail, force, want string
		kind                      IncidentKind
		view                      *aofView
		notApplicable             []string
	}{
		{name: "garbage in the last incr file (aof-garbage-salvaged)", kind: RefusesStart,
			detail: fmt.Sprintf(garbageLine, "3.incr.aof"), view: manifestView(t, oldManifest), want: "salvage-aof",
			notApplicable: []string{"rebuild-manifest"}},
		{name: "the same, repair asked for (aof-garbage-repair)", kind: RefusesStart, force: "repair-aof",
			detail: fmt.Sprintf(garbageLine, "3.incr.aof"), view: manifestView(t, oldManifest), want: "repair-aof"},
		{name: "garbage in an earlier incr file", kind: RefusesStart,
			detail: fmt.Sprintf(garbageLine, "2.incr.aof"), view: manifestView(t, oldManifest), want: "salvage-aof",
			notApplicable: []string{"rebuild-manifest", "repair-aof"}},
		{name: "manifest deleted, Redis started empty (aof-manifest-rebuilt)", kind: StartedEmpty,
			view: manifestView(t, freshManifest, "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.base.rdb",
				"appendonly.aof.2.incr.aof", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"),
			want: "rebuild-manifest", notApplicable: []string{"salvage-aof"}},
		{name: "data dir wiped, Redis started empty", kind: StartedEmpty,
			view: manifestView(t, freshManifest, "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"),
			want: "repair-aof", notApplicable: []string{"salvage-aof", "rebuild-manifest"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, inc := untouchable(c.kind, c.detail)
			inc.aofView = c.view
			e.opts.Strategy = c.force
			chosen, rep, err := planUntouched(t, e, inc)
			if err != nil {
				t.Fatalf("plan: %v (estimates %+v)", err, rep.Estimates)
			}
			if chosen.Name() != c.want {
				t.Errorf("chose %s, want %s (estimates %+v)", chosen.Name(), c.want, rep.Estimates)
			}
			for _, name := range c.notApplicable {
				if est := rep.Estimates[name]; est.Applicable {
					t.Errorf("%s applies: %+v", name, est)
				}
			}
		})
	}
}

// The base file refused: no AOF strategy applies, and none reads the node
// to find out (the refusal names the file).
func TestEstimateBaseFileRefused(t *testing.T) {
	e, inc := untouchable(RefusesStart, fmt.Sprintf(garbageLine, "2.base.aof"))
	_, rep, err := planUntouched(t, e, inc)
	if err == nil {
		t.Fatal("a strategy applies to a refused base file without a backup")
	}
	for _, name := range []string{"salvage-aof", "rebuild-manifest", "repair-aof"} {
		if est := rep.Estimates[name]; est.Applicable {
			t.Errorf("%s applies: %+v", name, est)
		}
	}
	if inc.aofView != nil {
		t.Error("the node's manifest was read although the refusal decided")
	}
}

// fixed is a strategy with a given estimate, standing in for one whose
// figure needs a backup catalog.
type fixed struct {
	name string
	est  Estimate
}

func (f fixed) Name() string { return f.name }
func (f fixed) Estimate(context.Context, Env, *Incident) (Estimate, error) {
	return f.est, nil
}
func (f fixed) Execute(context.Context, Env, *Incident, *Timeline) error {
	return errors.New("not executed in this test")
}

// The forecasts keep the choice the proven figures gave before Estimates
// became cheap, whatever the newest verified backup loses: salvage over
// the cut and the backup for a damaged incr file, the rebuilt manifest
// over the node's own files and the backup after an empty start.
func TestAOFForecastsKeepTheChoice(t *testing.T) {
	for _, backup := range []int64{-1, 0, 1, 2, 1100} {
		restore := Estimate{Applicable: backup >= 0, LostKeys: backup, Duration: 2 * time.Second}
		pick := func(inc *Incident, ests ...fixed) string {
			e := &Engine{strategies: append(append([]Strategy(nil), fixedStrategies(ests)...), fixed{"restore-in-place", restore})}
			s, err := e.plan(context.Background(), inc, &Report{Estimates: map[string]Estimate{}}, "")
			if err != nil {
				t.Fatal(err)
			}
			return s.Name()
		}
		_, refused := untouchable(RefusesStart, fmt.Sprintf(garbageLine, "3.incr.aof"))
		view := manifestView(t, oldManifest)
		got := pick(refused,
			fixed{"salvage-aof", salvageEstimate(refused, backup)},
			fixed{"repair-aof", repairEstimate(refused, view, func() int64 { return backup })})
		if got != "salvage-aof" {
			t.Errorf("backup loss %d: damaged incr file → %s, want salvage-aof", backup, got)
		}
		if got := pick(refused, fixed{"repair-aof", repairEstimate(refused, view, func() int64 { return backup })}); backup >= 0 && got != "repair-aof" {
			// Without salvage the cut goes first; its Execute compares
			// the proven cut with the backup (worseThanBackup).
			t.Errorf("backup loss %d: without salvage → %s, want repair-aof", backup, got)
		}
		_, empty := untouchable(StartedEmpty, "")
		lost := manifestView(t, freshManifest, "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof")
		got = pick(empty,
			fixed{"rebuild-manifest", manifestEstimate(empty, lost)},
			fixed{"repair-aof", repairEstimate(empty, nil, func() int64 { return backup })})
		if got != "rebuild-manifest" {
			t.Errorf("backup loss %d: manifest lost → %s, want rebuild-manifest", backup, got)
		}
	}
}

func fixedStrategies(f []fixed) []Strategy {
	out := make([]Strategy, len(f))
	for i := range f {
		out[i] = f[i]
	}
	return out
}

// A proof that fails in Execute hands the incident back (errReplan) before
// anything on the node changes: the node and deployment of untouchable
// panic on any Docker call, so reaching them fails the test.
func TestAOFProofFailureHandsBack(t *testing.T) {
	intact := writeAOFDir(t, true, resp("SET", "b", "2"))
	badBase := writeAOFDir(t, true, resp("SET", "b", "2"))
	if err := os.WriteFile(filepath.Join(badBase, "appendonly.aof.1.base.aof"), []byte("*2\r\n$3\r\nSET\r\ngarbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		strategy Strategy
		src      string
		span     string
	}{
		{SalvageAOF{}, intact, "salvage copy"},          // nothing damaged to skip
		{RebuildManifest{}, intact, "rebuild manifest"}, // its own manifest lists every file
		{RepairAOF{}, badBase, "repair copy"},           // a cut of the last incr file cannot fix the base
	}
	for _, c := range cases {
		t.Run(c.strategy.Name(), func(t *testing.T) {
			e, inc := untouchable(RefusesStart, fmt.Sprintf(garbageLine, "1.incr.aof"))
			inc.aofSrc = c.src // the host copy already made: no Docker call
			tl := &Timeline{}
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Execute reached the node or the deployment after a failed proof: %v", r)
					}
				}()
				err = c.strategy.Execute(context.Background(), e, inc, tl)
			}()
			if !errors.Is(err, errReplan) {
				t.Fatalf("Execute = %v, want an error wrapping errReplan", err)
			}
			var names []string
			for _, s := range tl.Spans() {
				names = append(names, s.Name)
			}
			if got, want := strings.Join(names, ","), "copy AOF,"+c.span; got != want {
				t.Errorf("spans %s, want %s", got, want)
			}
		})
	}
}

func TestRefusedAOFFile(t *testing.T) {
	for detail, want := range map[string]string{
		fmt.Sprintf(garbageLine, "3.incr.aof"): "appendonly.aof.3.incr.aof",
		"# Unexpected end of file reading the append only file appendonly.aof.7.incr.aof. You can: 1) Make a backup": "appendonly.aof.7.incr.aof",
		"# Unrecoverable error reading the append only file appendonly.aof.2.base.aof: Input/output error":           "appendonly.aof.2.base.aof",
		"# Wrong RDB checksum expected: (1) got (2). Aborting now.":                                                  "",
	} {
		if got := refusedAOFFile(&Incident{Kind: RefusesStart, Detail: detail}); got != want {
			t.Errorf("refusedAOFFile(%q) = %q, want %q", detail, got, want)
		}
	}
}

// TestSalvageAOFExecuteDocker runs the proof Estimate no longer makes: on a
// real node whose last incr file has 8 bytes of garbage over a command,
// the Estimates read nothing heavy, and SalvageAOF's Execute copies the
// AOF out, salvages it, proves it with a scratch load and installs it,
// losing only the overwritten command.
func TestSalvageAOFExecuteDocker(t *testing.T) {
	ctx := t.Context()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistAOF, AppendFsync: "always"})
	n := dep.Nodes()[0]
	const keys = 200
	c := n.Client()
	for i := range keys {
		if err := c.Set(ctx, fmt.Sprintf("k%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	if err := n.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	text, err := n.ReadFile(ctx, aofManifestPath(n))
	if err != nil {
		t.Fatal(err)
	}
	m, err := aof.ParseManifest(text)
	if err != nil {
		t.Fatal(err)
	}
	incr := m.Incr()
	last := incr[len(incr)-1].Name
	path := aofDirPath(n) + "/" + last
	data, err := n.ReadFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	off := strings.Index(string(data[len(data)/2:]), "*3\r\n") + len(data)/2
	copy(data[off:], "@@@@@@@@")
	if err := n.WriteFile(ctx, path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &Engine{dep: dep.Engine(), logger: quiet, verified: map[string]bool{}}
	inc := &Incident{Kind: RefusesStart, AOFBroken: true, Failed: n, PreFaultKeys: keys,
		Detail: fmt.Sprintf(garbageLine, strings.TrimPrefix(last, "appendonly.aof."))}
	defer inc.release()
	est, err := SalvageAOF{}.Estimate(ctx, e, inc)
	if err != nil || !est.Applicable || est.LostKeys != 1 {
		t.Fatalf("Estimate = %+v, %v; want applicable, 1 key lost", est, err)
	}
	// The cut applies: Redis refused the last incr file, as the node's
	// manifest (read from the stopped node) lists it.
	if est, err := (RepairAOF{}).Estimate(ctx, e, inc); err != nil || !est.Applicable {
		t.Fatalf("repair-aof Estimate = %+v, %v; want applicable", est, err)
	}
	if inc.aofView == nil || inc.aofView.manifest == nil {
		t.Fatalf("repair-aof's Estimate did not read the manifest: %+v", inc.aofView)
	}
	if inc.aofSrc != "" {
		t.Fatal("Estimate copied the node's AOF")
	}
	tl := &Timeline{}
	if err := (SalvageAOF{}).Execute(ctx, e, inc, tl); err != nil {
		t.Fatalf("Execute: %v (spans %+v)", err, tl.Spans())
	}
	// The server, which refused its files, is stopped beside the proof;
	// nothing on the node changes before the scratch load has proven the
	// salvage.
	spans := map[string]Span{}
	for _, s := range tl.Spans() {
		spans[s.Name] = s
		t.Logf("%s (%s): %s", s.Name, s.Duration().Round(time.Millisecond), s.Detail)
	}
	for _, name := range []string{"copy AOF", "salvage copy", "scratch load", "stop node", "quarantine", "load data"} {
		if _, ok := spans[name]; !ok {
			t.Errorf("no span %q", name)
		}
	}
	if q, proof := spans["quarantine"], spans["scratch load"]; q.Start.Before(proof.End) {
		t.Errorf("quarantine began %s before the scratch load ended", proof.End.Sub(q.Start))
	}
	if q, stop := spans["quarantine"], spans["stop node"]; q.Start.Before(stop.End) {
		t.Errorf("quarantine began before the stop ended")
	}
	got, err := dbSize(ctx, n)
	if err != nil || got != keys-1 {
		t.Errorf("DBSIZE after salvage = %d, %v; want %d", got, err, keys-1)
	}
	if len(e.salvaged) != 1 || e.salvaged[0].Method != "aof-resync" {
		t.Errorf("salvage evidence %+v", e.salvaged)
	}
}

// TestRebuildManifestDocker: a real node restarted without its manifest
// starts empty under a fresh one. RebuildManifest's Estimate sees the old
// files by name (a manifest read and an ls, no copy) and its Execute
// proves and installs the rebuilt directory: every key is back, the ones
// written since the empty start included.
func TestRebuildManifestDocker(t *testing.T) {
	ctx := t.Context()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistAOF, AppendFsync: "always"})
	n := dep.Nodes()[0]
	c := n.Client()
	defer c.Close()
	set := func(from, to int) {
		for i := from; i < to; i++ {
			if err := c.Set(ctx, fmt.Sprintf("k%d", i), "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	set(0, 100)
	// A rewrite moves the old lineage past the seqs a fresh start reuses.
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		info, err := n.Info(ctx, "persistence")
		if err == nil && info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0" && info["aof_last_bgrewrite_status"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rewrite did not finish: %v %v", info, err)
		}
	}
	set(100, 150)
	if err := n.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Shell(ctx, "rm "+aofManifestPath(n)); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatal(err)
	}
	set(150, 160) // written after the empty start
	now, err := dbSize(ctx, n)
	if err != nil || now != 10 {
		t.Fatalf("DBSIZE after the empty start = %d, %v; want 10", now, err)
	}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &Engine{dep: dep.Engine(), logger: quiet, verified: map[string]bool{}}
	inc := &Incident{Kind: StartedEmpty, Failed: n, PreFaultKeys: 150, KeysNow: now}
	defer inc.release()
	est, err := RebuildManifest{}.Estimate(ctx, e, inc)
	if err != nil || !est.Applicable || est.LostKeys != 0 {
		t.Fatalf("Estimate = %+v, %v; want applicable, nothing lost", est, err)
	}
	t.Logf("estimate: %s", est.Why)
	if inc.aofSrc != "" {
		t.Fatal("Estimate copied the node's AOF")
	}
	tl := &Timeline{}
	if err := (RebuildManifest{}).Execute(ctx, e, inc, tl); err != nil {
		t.Fatalf("Execute: %v (spans %+v)", err, tl.Spans())
	}
	spans := map[string]Span{}
	for _, s := range tl.Spans() {
		spans[s.Name] = s
		t.Logf("%s (%s): %s", s.Name, s.Duration().Round(time.Millisecond), s.Detail)
	}
	// The server served (empty): its writes were paused before the copy,
	// so no write it acked can land after the copy was taken.
	pause, ok := spans["pause writes"]
	if !ok || pause.Err != "" {
		t.Errorf("no pause of the serving server's writes: %+v", pause)
	} else if cp := spans["copy AOF"]; cp.Start.Before(pause.End) {
		t.Errorf("the AOF copy began before the writes were paused")
	}
	if got, err := dbSize(ctx, n); err != nil || got != 160 {
		t.Errorf("DBSIZE after the rebuild = %d, %v; want 160", got, err)
	}
}
