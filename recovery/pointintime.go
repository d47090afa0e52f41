package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// PointInTime rolls a primary back to a chosen second: with
// aof-timestamp-enabled, the last incr AOF is cut at the first #TS
// annotation after the target (what redis-check-aof --truncate-to-timestamp
// does, on a copy), the originals are quarantined and the node restarts on
// the cut files. Redis's own tool only cuts the last file, so the target must
// lie after the last AOF rewrite. It runs only when asked for (Options
// Strategy "point-in-time" with PointInTimeBefore), because it throws away
// acknowledged writes on purpose.
type PointInTime struct{}

// Name implements Strategy.
func (PointInTime) Name() string { return "point-in-time" }

// Estimate implements Strategy.
func (PointInTime) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	e := env
	if e.Options().Strategy != "point-in-time" || e.Options().PointInTimeBefore <= 0 {
		return Estimate{Why: "only when asked for, with a target time"}, nil
	}
	if !e.Deployment().Topology().AOFTimestamps {
		return Estimate{Why: "needs aof-timestamp-enabled"}, nil
	}
	if inc.Failed == nil {
		return Estimate{Why: "no node to roll back"}, nil
	}
	return Estimate{Applicable: true, Why: fmt.Sprintf("cut the AOF at t0 − %s", e.Options().PointInTimeBefore), LostKeys: -1, Duration: time.Second}, nil
}

// Execute implements Strategy.
func (PointInTime) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	e := env
	target := e.faultTime().Add(-e.Options().PointInTimeBefore)
	return rewriteAOF(ctx, env, inc, tl, func(dir string) (string, error) { return truncateLastIncr(dir, target.Unix()) })
}

// truncateLastIncr cuts the last incr file of an appendonlydir at the given
// second.
func truncateLastIncr(dir string, unixSecond int64) (string, error) {
	entries, _, err := aofEntries(dir)
	if err != nil {
		return "", err
	}
	last := entries[len(entries)-1]
	if last.Type != aof.TypeIncr {
		return "", fmt.Errorf("truncate to timestamp: no incr file after the base")
	}
	p := filepath.Join(dir, last.Name)
	data, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", last.Name, err)
	}
	cut, rep, err := aof.TruncateToTimestamp(data, unixSecond)
	if err != nil {
		return "", fmt.Errorf("truncate %s: %w", last.Name, err)
	}
	if err := os.WriteFile(p, cut, 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", last.Name, err)
	}
	return fmt.Sprintf("%s: kept %d commands, cut %d (%d bytes) after %s", last.Name, rep.CommandsKept, rep.CommandsCut, rep.Cut,
		time.Unix(unixSecond, 0).UTC().Format(time.TimeOnly)), nil
}
