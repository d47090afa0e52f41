package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// SalvageAOF brings back a node that refused a damaged AOF while keeping
// every intact command: each incr file is rebuilt by skipping the damaged
// bytes and resynchronising on the next complete, valid command
// (aof.Salvage), where redis-check-aof --fix cuts everything after the
// first bad byte. Its Estimate reads only the incident (see aofplan.go);
// its Execute proves the salvage before anything changes — every parse
// complete, and a scratch server of the same image loading exactly the key
// count the kept commands predict — then installs it; the originals go to
// quarantine.
type SalvageAOF struct{}

// Name implements Strategy.
func (SalvageAOF) Name() string { return "salvage-aof" }

// Estimate implements Strategy. It decides from the incident alone: the
// node refused an AOF whose damaged file, when Redis names it, is an incr
// file. The forecast loss is the one command a damaged range overlaps
// (byte-level damage: a bad sector, a torn or stray write), never more
// than the newest verified backup loses; Execute proves the real figure.
func (SalvageAOF) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if why := salvageable(env, inc); why != "" {
		return Estimate{Why: why}, nil
	}
	return salvageEstimate(inc, backupLoss(env, inc)), nil
}

// salvageable says why SalvageAOF does not apply ("" when it may).
func salvageable(env Env, inc *Incident) string {
	if why := aofRepairable(env, inc); why != "" {
		return why
	}
	if inc.Kind != RefusesStart {
		return "the node did not refuse its AOF"
	}
	if f := refusedAOFFile(inc); isBaseFile(f) {
		return "Redis refused the base file " + f + ": salvage rebuilds incr files only"
	}
	return ""
}

// salvageEstimate is SalvageAOF's forecast, given the newest verified
// backup's loss (-1 none).
func salvageEstimate(inc *Incident, backup int64) Estimate {
	what := "the damaged incr file"
	if f := refusedAOFFile(inc); f != "" {
		what = f
	}
	return Estimate{Applicable: true,
		Why:      "skip the damaged bytes of " + what + " and keep every intact command after them (forecast: the one command the damage overlaps; proven by a scratch load before anything changes)",
		LostKeys: aofLoss(inc.PreFaultKeys, 1, backup), Duration: time.Second}
}

// Execute implements Strategy: the spans "copy AOF", "salvage copy" and
// "scratch load" prove the salvage (a failure hands the incident back
// with no file changed; see proveAndInstall), then the node's
// appendonlydir is replaced.
func (s SalvageAOF) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	return proveAndInstall(ctx, env, inc, tl, s.Name(), "salvage copy", salvageDir)
}

// aofRepairable says why no AOF repair of the failed node applies ("" when
// one may).
func aofRepairable(env Env, inc *Incident) string {
	topo := env.Deployment().Topology()
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

// salvageDir is SalvageAOF's aofBuild: every damaged incr file of the host
// copy src salvaged, the other files as they are.
func salvageDir(src string) ([]aof.ManifestEntry, map[string][]byte, []Salvage, error) {
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
		s := Salvage{Method: "aof-resync", File: rediskit.AOFDirName + "/" + en.Name,
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
}
