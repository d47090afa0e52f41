package session

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/reports"
)

// Env is what a run needs from its surroundings.
type Env struct {
	// Live, when set, is updated while the run goes on (traffic, each
	// recovery as it ends, the result): a metrics endpoint reads it.
	Live *Live
	// Provider starts the deployment: ProviderDocker (the default, with
	// Docker) or ProviderProcess (local server processes, with Binary).
	Provider string
	// Binary is the server executable of ProviderProcess; empty takes
	// redis-server, else valkey-server, from PATH.
	Binary string
	Docker *harness.Docker
	// Image is the Redis image; empty = harness.EnsureImage's.
	Image string
	// Server is the server Image runs (harness.ImageInfo.Server); scenarios
	// apply their per-server rules by it. Zero = the default server.
	Server harness.Server
	Logger *slog.Logger
	// OutDir receives the evidence, in a folder named after the plan
	// (default: a redisdrill folder under the system temp dir).
	OutDir string
	// Keep leaves the deployment running after a run that completed (the
	// caller prints how to reach it and prunes it later).
	Keep bool
	// Seed seeds the workload values (reported for reproduction).
	Seed int64
	// Thresholds, when set, overrides the plan's own limits (see Thresholds).
	Thresholds *reports.ThresholdConfig
	// Progress, when set, receives one line per step as it finishes.
	Progress func(line string)
	// DetectMode, when set, overrides the detection mode of every plan's
	// engine (see EngineSpec.DetectMode); plans without an engine ignore it.
	DetectMode detect.Mode
	// Pool, when set, is where the run first looks for its deployment, one
	// started ahead of time (harness.Pool), and where it starts Next's.
	Pool *harness.Pool
	// Next is the deployment the run after this one will ask for. With
	// Pool, it starts as soon as this run's measurement is over, while this
	// run writes its evidence and tears down. Nil starts nothing ahead.
	Next *harness.Spec

	// applyFault, when set, replaces fault.Apply (tests); watch is the
	// engine's watch armed before the fault, nil when none.
	applyFault func(ctx context.Context, dep deploy.Deployment, f fault.Fault, watch *recovery.Watch) (*fault.Injection, error)
}

// EvidenceDir is the folder a plan's evidence goes to: OutDir/<name>.
func (e Env) EvidenceDir(name string) string {
	base := e.OutDir
	if base == "" {
		base = filepath.Join(os.TempDir(), "redisdrill")
	}
	return filepath.Join(base, name)
}

func (e Env) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}
