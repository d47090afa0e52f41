package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// RepairAOF repairs the failed node's append-only files on a copy — cutting
// the last incr file at its first bad byte, as redis-check-aof --fix does,
// and rebuilding a lost or broken manifest from the files present — and,
// when the engine chose it, uses the result only when it keeps at least as
// much as the newest verified backup. Its Estimate reads the refusal and
// the manifest only (see aofplan.go); Execute repairs and checks the copy
// before anything changes. The original files are quarantined, never
// changed.
type RepairAOF struct{}

// Name implements Strategy.
func (RepairAOF) Name() string { return "repair-aof" }

// Estimate implements Strategy. A node that started empty loaded its own
// files: repairing them gives back what it serves now. A node that
// refused its AOF is cut in the last incr file, so the strategy applies
// only when the file Redis refused, if named, is that one. Where the bad
// byte lies is known only once the copy is cut: the forecast is the
// newest verified backup's loss (Execute hands the incident back when the
// cut keeps less), unknown without a backup.
func (RepairAOF) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if why := aofRepairable(env, inc); why != "" {
		return Estimate{Why: why}, nil
	}
	var v *aofView
	if f := refusedAOFFile(inc); f != "" && !isBaseFile(f) {
		v = inc.aofFacts(ctx, false)
	}
	return repairEstimate(inc, v, func() int64 { return backupLoss(env, inc) }), nil
}

// repairEstimate is RepairAOF's forecast from the incident and, when Redis
// named the file it refused, the node's manifest (v); backup returns the
// newest verified backup's loss (-1 none).
func repairEstimate(inc *Incident, v *aofView, backup func() int64) Estimate {
	if inc.Kind == StartedEmpty {
		return Estimate{Applicable: true, Why: fmt.Sprintf("repair a copy of the node's own AOF, which holds what it serves now (%d keys)", inc.KeysNow),
			LostKeys: lossVersus(inc.PreFaultKeys, inc.KeysNow), Duration: time.Second}
	}
	f := refusedAOFFile(inc)
	what := "the last incr file"
	switch last, known := v.lastIncr(); {
	case isBaseFile(f):
		return Estimate{Why: "Redis refused the base file " + f + ": a cut applies to the last incr file only"}
	case f != "" && known && f != last:
		return Estimate{Why: "Redis refused " + f + ", not the last incr file (" + last + "): a cut there would drop every file after it"}
	case f != "":
		what = f
	}
	return Estimate{Applicable: true,
		Why:      "cut a copy of " + what + " at its first bad byte, keeping every command before it (forecast: no better than the newest verified backup until the copy is cut)",
		LostKeys: backup(), Duration: time.Second}
}

// Execute implements Strategy: the spans "copy AOF" and "repair copy" cut
// and check a copy (a failure hands the incident back with nothing
// changed), then the node's appendonlydir is replaced by it.
func (s RepairAOF) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	src, err := copyAOF(ctx, inc, tl, s.Name())
	if err != nil {
		return err
	}
	var plan *aofRepair
	defer func() {
		if plan != nil {
			os.RemoveAll(plan.work)
		}
	}()
	err = tl.Do("repair copy", func() (string, error) {
		var err error
		plan, err = planAOFRepair(src)
		if err != nil {
			return "", err
		}
		if err := worseThanBackup(env, inc, s.Name(), plan.keys); err != nil {
			return "", err
		}
		return plan.summary, nil
	})
	if err != nil {
		return notProven(s.Name(), err)
	}
	return reloadInPlace(ctx, env, inc, tl, dataFiles, payload{lay: func(dir string) (string, error) {
		return "repaired " + rediskit.AOFDirName, copyAll(plan.out, dir)
	}})
}

// aofRepair is a repaired copy of a node's appendonlydir, ready to load.
type aofRepair struct {
	work    string // temp root (removed by the caller)
	out     string // folder holding the repaired appendonlydir, to copy into /data
	keys    int64  // keys the repaired files will hold (estimate)
	summary string
}

var aofFileName = regexp.MustCompile(`^appendonly\.aof\.(\d+)\.(base\.rdb|base\.aof|incr\.aof)$`)

// planAOFRepair repairs a copy of the host copy src of the failed node's
// appendonlydir and checks that Redis would load it. The plan it returns,
// even with an error, is the caller's to remove.
func planAOFRepair(src string) (*aofRepair, error) {
	work, err := os.MkdirTemp("", "redisdrill-aof-")
	if err != nil {
		return nil, fmt.Errorf("create repair dir: %w", err)
	}
	p := &aofRepair{work: work, out: filepath.Join(work, "out")}
	dst := filepath.Join(p.out, rediskit.AOFDirName)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return p, fmt.Errorf("create repair dir: %w", err)
	}
	entries, rebuilt, err := aofEntries(src)
	if err != nil {
		return p, err
	}
	note := ""
	if rebuilt {
		note = "manifest rebuilt from files; "
	}
	last := len(entries) - 1
	for i, en := range entries {
		from, to := filepath.Join(src, en.Name), filepath.Join(dst, en.Name)
		if i == last && en.Type == aof.TypeIncr {
			rep, err := aof.Repair(from, to)
			if err != nil {
				return p, fmt.Errorf("repair %s: %w", en.Name, err)
			}
			if rep.Cut > 0 {
				note += fmt.Sprintf("cut %d bytes of %s at offset %d (%s), kept %d commands; ", rep.Cut, en.Name, rep.ProblemAt, rep.Problem, rep.CommandsKept)
			}
			continue
		}
		if err := copyFile(from, to); err != nil {
			return p, err
		}
	}
	m := aof.Manifest{Entries: entries}
	if err := os.WriteFile(filepath.Join(dst, "appendonly.aof.manifest"), m.Format(), 0o644); err != nil {
		return p, fmt.Errorf("write repaired manifest: %w", err)
	}
	rep, err := aof.CheckDir(dst)
	if err != nil {
		return p, fmt.Errorf("check repaired AOF: %w", err)
	}
	for _, f := range rep.Files {
		if !f.Loads {
			return p, fmt.Errorf("check repaired AOF: %s would not load: %s", f.Entry.Name, f.Reason)
		}
		p.keys += f.Check.PreambleKeys + int64(f.Check.Commands)
	}
	p.summary = fmt.Sprintf("%s~%d keys after repair", note, p.keys)
	return p, nil
}

// aofEntries returns the manifest entries of an appendonlydir: the
// manifest's own when it parses and matches the files, else rebuilt from
// the file names (newest base, then its incr files in sequence order).
func aofEntries(dir string) ([]aof.ManifestEntry, bool, error) {
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, fmt.Errorf("list AOF dir: %w", err)
	}
	present := map[string]int64{}
	var manifest []byte
	for _, f := range files {
		info, err := f.Info()
		if err != nil {
			continue
		}
		present[f.Name()] = info.Size()
		if filepath.Ext(f.Name()) == ".manifest" {
			manifest, _ = os.ReadFile(filepath.Join(dir, f.Name()))
		}
	}
	if manifest != nil {
		if m, err := aof.ParseManifest(manifest); err == nil && m.Validate(present) == nil {
			return m.LoadOrder(), false, nil
		}
	}
	var bases, incrs []aof.ManifestEntry
	for name := range present {
		mm := aofFileName.FindStringSubmatch(name)
		if mm == nil {
			continue
		}
		seq, _ := strconv.ParseInt(mm[1], 10, 64)
		if mm[2] == "incr.aof" {
			incrs = append(incrs, aof.ManifestEntry{Name: name, Seq: seq, Type: aof.TypeIncr})
		} else {
			bases = append(bases, aof.ManifestEntry{Name: name, Seq: seq, Type: aof.TypeBase})
		}
	}
	if len(bases) == 0 && len(incrs) == 0 {
		return nil, true, fmt.Errorf("rebuild AOF manifest: no AOF files in %s", dir)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i].Seq > bases[j].Seq })
	sort.Slice(incrs, func(i, j int) bool { return incrs[i].Seq < incrs[j].Seq })
	var out []aof.ManifestEntry
	if len(bases) > 0 {
		out = append(out, bases[0])
	}
	out = append(out, incrs...)
	return out, true, nil
}
