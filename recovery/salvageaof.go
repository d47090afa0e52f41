package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// SalvageAOF brings back a node that refused a damaged AOF while keeping
// every intact command: each incr file is rebuilt by skipping the damaged
// bytes and resynchronising on the next complete, valid command
// (aof.Salvage), where redis-check-aof --fix cuts everything after the
// first bad byte. It applies only when every parse is complete and the key
// count the kept commands predict is the count a scratch server of the
// same image loads from the salvaged files; the originals go to
// quarantine.
type SalvageAOF struct{}

// Name implements Strategy.
func (SalvageAOF) Name() string { return "salvage-aof" }

// Estimate implements Strategy.
func (SalvageAOF) Estimate(ctx context.Context, inc *Incident) (Estimate, error) {
	if why := aofRepairable(inc); why != "" {
		return Estimate{Why: why}, nil
	}
	if inc.Kind != RefusesStart {
		return Estimate{Why: "the node did not refuse its AOF"}, nil
	}
	p, err := planSalvage(ctx, inc)
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	inc.keepAOFPlan("salvage-aof", p)
	return Estimate{Applicable: true, Why: p.summary, LostKeys: lossVersus(inc.PreFaultKeys, p.keys), Duration: time.Second}, nil
}

// Execute implements Strategy.
func (SalvageAOF) Execute(ctx context.Context, inc *Incident, tl *Timeline) error {
	return installAOFPlan(ctx, inc, tl, "salvage-aof", "salvage copy", planSalvage)
}

// aofRepairable says why no AOF repair of the failed node applies ("" when
// one may).
func aofRepairable(inc *Incident) string {
	topo := inc.env.dep.Topology
	switch {
	case !topo.WritesAOF() || inc.Failed == nil:
		return "the node does not load an AOF"
	case !(inc.Kind == RefusesStart && inc.AOFBroken || inc.Kind == StartedEmpty):
		return "no broken AOF"
	case inc.Collapsed:
		// Its AOF began after the wipe: repairing it would keep the newest
		// writes and lose every write the backup holds.
		return "the node's AOF began after its data was wiped"
	}
	return ""
}

// aofPlan is a repaired copy of a node's appendonlydir, checked by a
// scratch server, ready to install.
type aofPlan struct {
	files    map[string][]byte // name → content, manifest included
	keys     int64             // keys the scratch server loaded (= predicted)
	summary  string
	salvages []Salvage
}

// planSalvage copies the node's appendonlydir out, salvages every damaged
// incr file and proves the result with a scratch load.
func planSalvage(ctx context.Context, inc *Incident) (*aofPlan, error) {
	return planAOFDir(ctx, inc, func(src string) ([]aof.ManifestEntry, map[string][]byte, []Salvage, error) {
		entries, _, err := aofEntries(src)
		if err != nil {
			return nil, nil, nil, err
		}
		out := map[string][]byte{}
		var salvages []Salvage
		for _, en := range entries {
			data, err := os.ReadFile(filepath.Join(src, en.Name))
			if err != nil {
				return nil, nil, nil, fmt.Errorf("read %s: %w", en.Name, err)
			}
			if en.Type != aof.TypeIncr {
				out[en.Name] = data
				continue
			}
			fixed, rep, err := aof.Salvage(data)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("salvage %s: %w", en.Name, err)
			}
			if !rep.Complete {
				return nil, nil, nil, fmt.Errorf("salvage %s: the parse after the damage is incomplete (damage runs to the end): truncation or a backup decides", en.Name)
			}
			out[en.Name] = fixed
			if len(rep.Damaged) == 0 && len(rep.Dropped) == 0 {
				continue
			}
			s := Salvage{Method: "aof-resync", File: harness.AOFDirName + "/" + en.Name,
				Kept: int64(rep.CommandsKept), Dropped: int64(rep.CommandsDropped), Unit: "commands",
				SHA256Before: rep.SHA256Before, SHA256After: rep.SHA256After}
			for _, r := range append(append([]aof.Range(nil), rep.Damaged...), rep.Dropped...) {
				s.Damaged = append(s.Damaged, ByteRange{Offset: r.Offset, Length: r.Length})
			}
			s.Detail = fmt.Sprintf("skipped %d damaged byte range(s), resynchronised on the next valid command; %d transaction(s) dropped whole", len(rep.Damaged), rep.TransactionsDropped)
			if len(rep.Notes) > 0 {
				s.Detail += "; " + strings.Join(rep.Notes, "; ")
			}
			salvages = append(salvages, s)
		}
		if len(salvages) == 0 {
			return nil, nil, nil, fmt.Errorf("salvage: no damaged range in the incr files to skip")
		}
		return entries, out, salvages, nil
	})
}

// planAOFDir takes the incident's copy of the node's appendonlydir, lets build
// decide the files of the repaired dir, predicts their key count from the
// commands, and checks it against a scratch server's load of them.
func planAOFDir(ctx context.Context, inc *Incident, build func(src string) ([]aof.ManifestEntry, map[string][]byte, []Salvage, error)) (*aofPlan, error) {
	e := inc.env
	work, err := os.MkdirTemp("", "redisdrill-aof-")
	if err != nil {
		return nil, fmt.Errorf("create repair dir: %w", err)
	}
	defer os.RemoveAll(work)
	src, err := inc.aofSource(ctx)
	if err != nil {
		return nil, err
	}
	entries, files, salvages, err := build(src)
	if err != nil {
		return nil, err
	}
	files["appendonly.aof.manifest"] = aof.Manifest{Entries: entries}.Format()
	ordered := make([][]byte, 0, len(entries))
	for _, en := range entries {
		ordered = append(ordered, files[en.Name])
	}
	pred, err := aof.PredictKeys(time.Now(), ordered...)
	if err != nil {
		return nil, fmt.Errorf("predict the repaired AOF's key count (without it the repair is not proven): %w", err)
	}
	dir := filepath.Join(work, "out")
	if err := writeRepairedDir(filepath.Join(dir, harness.AOFDirName), files); err != nil {
		return nil, err
	}
	loaded, err := e.dep.ScratchKeys(ctx, dir, true)
	if err != nil {
		return nil, fmt.Errorf("scratch-load the repaired AOF: %w", err)
	}
	if loaded != pred.Keys {
		return nil, fmt.Errorf("scratch server loaded %d keys from the repaired AOF, its commands predict %d: not installed", loaded, pred.Keys)
	}
	return &aofPlan{files: files, keys: loaded, salvages: salvages,
		summary: fmt.Sprintf("%d keys (a scratch server loaded exactly the %d the kept commands predict)", loaded, pred.Keys)}, nil
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

// installAOFPlan replaces the failed node's appendonlydir with a checked
// plan (the one its Estimate made, else a fresh one): the replicas are
// held, the node stopped, its files quarantined, the plan copied in.
func installAOFPlan(ctx context.Context, inc *Incident, tl *Timeline, strategy, span string, plan func(context.Context, *Incident) (*aofPlan, error)) error {
	n := inc.Failed
	p := inc.aofPlans[strategy]
	err := tl.Do(span, func() (string, error) {
		if p != nil {
			return p.summary + " (checked when estimated)", nil
		}
		var err error
		p, err = plan(ctx, inc)
		if err != nil {
			return "", err
		}
		return p.summary, nil
	})
	if err != nil {
		return err
	}
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

// keepAOFPlan remembers the plan a strategy's Estimate checked, for its
// Execute.
func (i *Incident) keepAOFPlan(strategy string, p *aofPlan) {
	if i.aofPlans == nil {
		i.aofPlans = map[string]*aofPlan{}
	}
	i.aofPlans[strategy] = p
}
