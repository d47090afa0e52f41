package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// Cheap decisions. The AOF strategies (salvage-aof, rebuild-manifest,
// repair-aof) decide from what is already known or cheap to read: the
// incident's classification (Redis's refusal line names the file it
// refused), the node's AOF manifest (one small file) and, while the node's
// machine is up, the names in its appendonlydir. Their Estimates copy no
// data dir, start no scratch server and keep nothing heavy in the
// incident. The proof — copy the directory out, repair a copy, load it in
// a scratch server — runs in Execute, for the chosen strategy only, before
// anything on the node changes; a proof that fails hands the incident back
// to the engine (errReplan), which decides again without the strategy.
//
// Where the loss is not known before the proof, an Estimate forecasts
// conservatively and says so in Why: never better than the newest verified
// backup, since Execute hands the incident back when the proven copy keeps
// fewer keys than that backup holds (unless the strategy was asked for by
// name), and the figures keep the order the proofs would give: salvage
// keeps every command a cut at the first bad byte keeps, and more.

// aofView is what an Estimate knows of the failed node's appendonlydir
// without copying it.
type aofView struct {
	// manifest is the node's own manifest, nil when it is missing or does
	// not parse (manifestWhy says which).
	manifest    *aof.Manifest
	manifestWhy string
	// names are the directory's file names, nil when they were not
	// listed: on a machine that is down a listing would stream every file
	// through the Docker API.
	names  []string
	listed bool // the listing was tried
}

// aofManifestPath is the manifest of a node's appendonlydir.
const aofManifestPath = harness.DataDir + "/" + harness.AOFDirName + "/appendonly.aof.manifest"

// aofViewTimeout bounds the node reads of one aofFacts call.
const aofViewTimeout = 2 * time.Second

// aofFacts returns what the AOF strategies' Estimates may read of the
// failed node's appendonlydir, reading it on first use: the manifest
// through the Docker API (which works on a stopped node) and, when list is
// set and the node's machine runs, an ls of the directory. Both are small.
func (i *Incident) aofFacts(ctx context.Context, list bool) *aofView {
	// Estimates run concurrently (Engine.plan): one reads, the others wait.
	i.aofMu.Lock()
	defer i.aofMu.Unlock()
	n := i.Failed
	rctx, cancel := context.WithTimeout(ctx, aofViewTimeout)
	defer cancel()
	v := i.aofView
	if v == nil {
		v = &aofView{}
		data, err := n.ReadFile(rctx, aofManifestPath)
		if err != nil {
			v.manifestWhy = fmt.Sprintf("no manifest read: %v", err)
		} else if m, err := aof.ParseManifest(data); err != nil {
			v.manifestWhy = fmt.Sprintf("the manifest does not parse: %v", err)
		} else {
			v.manifest = &m
		}
		i.aofView = v
	}
	if list && !v.listed {
		v.listed = true
		if up, err := n.MachineRunning(rctx); err == nil && up {
			code, out, err := n.Exec(rctx, "ls", "-1", harness.DataDir+"/"+harness.AOFDirName)
			if err == nil && code == 0 {
				v.names = append([]string{}, strings.Fields(out)...)
			}
		}
	}
	return v
}

// orphans returns the AOF files of the directory its manifest does not
// list (every AOF file when there is no manifest), or nil when the names
// are not known.
func (v *aofView) orphans() []string {
	if v.names == nil {
		return nil
	}
	listed := map[string]bool{}
	if v.manifest != nil {
		for _, en := range v.manifest.Entries {
			listed[en.Name] = true
		}
	}
	out := []string{}
	for _, name := range v.names {
		if aofFileName.MatchString(name) && !listed[name] {
			out = append(out, name)
		}
	}
	return out
}

// lastIncr returns the name of the last incr file the manifest lists ("",
// false when it is not known).
func (v *aofView) lastIncr() (string, bool) {
	if v == nil || v.manifest == nil {
		return "", false
	}
	incr := v.manifest.Incr()
	if len(incr) == 0 {
		return "", true
	}
	return incr[len(incr)-1].Name, true
}

// refusedFileName finds the AOF file Redis names when it refuses one, e.g.
// "Bad file format reading the append only file appendonly.aof.3.incr.aof:
// make a backup ..." (Redis 7: every load error of a base or incr file
// names it).
var refusedFileName = regexp.MustCompile(`[\w.-]+\.[0-9]+\.(?:base\.rdb|base\.aof|incr\.aof)\b`)

// refusedAOFFile returns the AOF file named by the refusal that classified
// the incident, "" when none is named.
func refusedAOFFile(inc *Incident) string {
	if inc.Kind != RefusesStart {
		return ""
	}
	return refusedFileName.FindString(inc.Detail)
}

// isBaseFile reports whether name is an AOF base file.
func isBaseFile(name string) bool { return strings.Contains(name, ".base.") }

// backupLoss is the loss the newest verified backup of the incident's shard
// would cause, -1 when there is none or the pre-fault count is unknown.
// The backup's checksums are verified once per recovery (newestVerified).
func backupLoss(inc *Incident) int64 {
	m, _, err := inc.env.shardBackup(inc.Shard)
	if err != nil {
		return -1
	}
	return lossVersus(inc.PreFaultKeys, m.Keys)
}

// aofLoss is an AOF strategy's forecast before its proof: guess keys lost,
// never more than backup (the newest verified backup's loss, -1 none),
// since Execute hands the incident back when the proven copy keeps less;
// -1 when the pre-fault key count is unknown.
func aofLoss(pre, guess, backup int64) int64 {
	if pre < 0 {
		return -1
	}
	loss := min(guess, pre)
	if backup >= 0 {
		loss = min(loss, backup)
	}
	return loss
}

// errNotProven marks a proof that failed in Execute: the strategy changed
// nothing on the node, so the engine decides again without it.
var errNotProven = fmt.Errorf("not proven, nothing on the node changed: %w", errReplan)

// notProven wraps a failed proof of strategy with errNotProven.
func notProven(strategy string, err error) error {
	return fmt.Errorf("prove %s: %w: %w", strategy, err, errNotProven)
}

// worseThanBackup returns an error when the engine chose strategy itself
// and its proven copy, holding keys, loses more than the newest verified
// backup would: the backup is then the better way back. A strategy asked
// for by name is not compared.
func worseThanBackup(inc *Incident, strategy string, keys int64) error {
	if inc.env.opts.Strategy == strategy {
		return nil
	}
	b := backupLoss(inc)
	if b < 0 {
		return nil
	}
	if lost := lossVersus(inc.PreFaultKeys, keys); lost > b {
		return fmt.Errorf("compare with the newest verified backup: the copy keeps %d keys, losing %d of the %d before the fault; the backup loses %d", keys, lost, inc.PreFaultKeys, b)
	}
	return nil
}

// copyAOF is the first step of an AOF strategy's proof, the span "copy
// AOF": the failed node's appendonlydir copied to the host (once per
// incident: a strategy decided again after another's failed proof reads
// the same copy; the engine's Incident.release removes it).
func copyAOF(ctx context.Context, inc *Incident, tl *Timeline, strategy string) (string, error) {
	var src string
	err := tl.Do("copy AOF", func() (string, error) {
		reused := inc.aofSrc != ""
		var err error
		if src, err = inc.aofSource(ctx); err != nil {
			return "", err
		}
		if reused {
			return "the copy made for an earlier strategy", nil
		}
		return inc.Failed.Name + ":" + harness.DataDir + "/" + harness.AOFDirName, nil
	})
	if err != nil {
		return "", notProven(strategy, err)
	}
	return src, nil
}

// aofPlan is a repaired copy of a node's appendonlydir, checked by a
// scratch server, ready to install.
type aofPlan struct {
	files    map[string][]byte // name → content, manifest included
	keys     int64             // keys the scratch server loaded (= predicted)
	summary  string
	salvages []Salvage
}

// aofBuild decides the files of a repaired appendonlydir from the host copy
// src: the entries of its manifest, every file's content, and the salvage
// evidence to record once it is installed.
type aofBuild func(src string) ([]aof.ManifestEntry, map[string][]byte, []Salvage, error)

// proveAOFDir is the proof of salvage-aof and rebuild-manifest, run by
// Execute before anything on the node changes: copy the appendonlydir out
// ("copy AOF"), let build decide the repaired files and predict their key
// count from the commands (span), and load them in a scratch server of the
// deployment's image ("scratch load"), which must report exactly the
// predicted count — and, when the engine chose the strategy, keep no fewer
// keys than the newest verified backup. Any failure wraps errNotProven.
func proveAOFDir(ctx context.Context, inc *Incident, tl *Timeline, strategy, span string, build aofBuild) (*aofPlan, error) {
	src, err := copyAOF(ctx, inc, tl, strategy)
	if err != nil {
		return nil, err
	}
	var files map[string][]byte
	var salvages []Salvage
	var pred aof.KeyPrediction
	err = tl.Do(span, func() (string, error) {
		var entries []aof.ManifestEntry
		var err error
		entries, files, salvages, err = build(src)
		if err != nil {
			return "", err
		}
		files["appendonly.aof.manifest"] = aof.Manifest{Entries: entries}.Format()
		ordered := make([][]byte, 0, len(entries))
		for _, en := range entries {
			ordered = append(ordered, files[en.Name])
		}
		if pred, err = aof.PredictKeys(time.Now(), ordered...); err != nil {
			return "", fmt.Errorf("predict the repaired AOF's key count (without it the repair is not proven): %w", err)
		}
		var what []string
		for _, s := range salvages {
			what = append(what, s.Detail)
		}
		return fmt.Sprintf("the kept commands predict %d keys; %s", pred.Keys, strings.Join(what, "; ")), nil
	})
	if err != nil {
		return nil, notProven(strategy, err)
	}
	var p *aofPlan
	err = tl.Do("scratch load", func() (string, error) {
		work, err := os.MkdirTemp("", "redisdrill-aof-")
		if err != nil {
			return "", fmt.Errorf("create repair dir: %w", err)
		}
		defer os.RemoveAll(work)
		if err := writeRepairedDir(filepath.Join(work, harness.AOFDirName), files); err != nil {
			return "", err
		}
		loaded, err := scratchKeys(ctx, inc, work)
		if err != nil {
			return "", fmt.Errorf("scratch-load the repaired AOF: %w", err)
		}
		if loaded != pred.Keys {
			return "", fmt.Errorf("scratch server loaded %d keys from the repaired AOF, its commands predict %d: not installed", loaded, pred.Keys)
		}
		if err := worseThanBackup(inc, strategy, loaded); err != nil {
			return "", err
		}
		p = &aofPlan{files: files, keys: loaded, salvages: salvages,
			summary: fmt.Sprintf("%d keys (a scratch server loaded exactly the %d the kept commands predict)", loaded, pred.Keys)}
		return p.summary, nil
	})
	if err != nil {
		return nil, notProven(strategy, err)
	}
	return p, nil
}

// writeRepairedDir writes files into dir (created).
func writeRepairedDir(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create repair dir: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write repaired %s: %w", name, err)
		}
	}
	return nil
}

// installAOFPlan replaces the failed node's appendonlydir with a proven
// plan: the replicas are held, the node stopped, its files quarantined,
// the plan copied in and its salvage evidence recorded.
func installAOFPlan(ctx context.Context, inc *Incident, tl *Timeline, p *aofPlan) error {
	n := inc.Failed
	return reloadInPlace(ctx, inc, tl, dataFiles, func() (string, error) {
		stage, err := os.MkdirTemp("", "redisdrill-stage-")
		if err != nil {
			return "", fmt.Errorf("create staging dir: %w", err)
		}
		defer os.RemoveAll(stage)
		if err := writeRepairedDir(filepath.Join(stage, harness.AOFDirName), p.files); err != nil {
			return "", err
		}
		if err := copyDirInto(ctx, n, stage); err != nil {
			return "", err
		}
		for _, s := range p.salvages {
			inc.env.noteSalvage(s)
		}
		return "repaired " + harness.AOFDirName, nil
	})
}

// scratchKeys proves a repaired data dir with a scratch server: inside the
// failed node's machine when it is up (a second server process, no
// container start), else in a scratch container of the deployment's image.
func scratchKeys(ctx context.Context, inc *Incident, hostDir string) (int64, error) {
	// The node's own server may run (it started empty): the scratch one
	// listens on another port, over another folder.
	if up, err := inc.Failed.MachineRunning(ctx); err == nil && up {
		if paused, err := inc.Failed.Paused(ctx); err == nil && !paused {
			return inc.Failed.ScratchKeys(ctx, hostDir, true)
		}
	}
	return inc.env.dep.ScratchKeys(ctx, hostDir, true)
}
