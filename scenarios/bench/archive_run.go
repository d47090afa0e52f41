package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
)

// archiveRunner carries out one archive bench run.
type archiveRunner struct {
	cfg    ArchiveConfig
	env    Env
	logger *slog.Logger
	// quiet is handed to the harness and the archivers: their info logs
	// would drown the progress lines.
	quiet *slog.Logger
	res   *ArchiveResult
}

// RunArchive measures, in this order: the workload's throughput without
// and with a streaming archiver (each variant, Repeat interleaved pairs, on
// a standalone server), then at each dataset size the restore from an
// archive beside the restore from a snapshot and the raw-load floor (on a
// fresh 3x0 cluster, shard 0 archived). It returns the result with its summaries and
// targets filled in. A run or sample that fails is kept with its error and
// the bench goes on; only a cancelled ctx or a bad config stops it (the
// partial result is returned with the error).
func RunArchive(ctx context.Context, env Env, cfg ArchiveConfig) (*ArchiveResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Docker == nil {
		return nil, fmt.Errorf("run archive bench: no docker connection")
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if env.WorkDir == "" {
		dir, err := os.MkdirTemp("", "redisdrill-archive-bench-")
		if err != nil {
			return nil, fmt.Errorf("create work dir: %w", err)
		}
		defer os.RemoveAll(dir)
		env.WorkDir = dir
	}
	if env.Image == "" {
		info, err := harness.EnsureImage(ctx, env.Docker, logger)
		if err != nil {
			return nil, fmt.Errorf("run archive bench: %w", err)
		}
		env.Image = info.Ref
	}
	b := &archiveRunner{
		cfg: cfg, env: env, logger: logger,
		quiet: slog.New(slog.NewTextHandler(io.Discard, nil)),
		res: &ArchiveResult{
			Version: ArchiveFormatVersion, Started: time.Now().UTC(), Build: reports.ReadBuildInfo(),
			Machine: machine(env.Image), Config: cfg,
			ThroughputTopology: archiveThroughputTopology, RestoreTopology: archiveRestoreTopology,
		},
	}
	if logger.Enabled(ctx, slog.LevelDebug) {
		b.quiet = logger
	}
	err := b.run(ctx)
	b.res.Finished = time.Now().UTC()
	b.res.Summarize()
	return b.res, err
}

// run measures the throughput, then the restores at each size.
func (b *archiveRunner) run(ctx context.Context) error {
	if err := b.throughput(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("measure throughput: %w", ctx.Err())
		}
		b.res.ThroughputError = err.Error()
		b.logger.Warn("throughput not measured", "err", err)
	}
	for _, keys := range b.cfg.Keys {
		start := time.Now()
		cell := b.restoreCell(ctx, keys)
		b.res.Restores = append(b.res.Restores, cell)
		if ctx.Err() != nil {
			return fmt.Errorf("measure restores at %d keys: %w", keys, ctx.Err())
		}
		if cell.Error != "" {
			b.logger.Warn("restores not measured", "keys", keys, "err", cell.Error)
			continue
		}
		b.logger.Info("restores measured", "keys", keys, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// start starts a deployment of a named topology.
func (b *archiveRunner) start(ctx context.Context, name string) (*harness.Deployment, error) {
	topo, err := archiveTopology(name)
	if err != nil {
		return nil, err
	}
	dep, err := harness.Start(ctx, b.env.Docker, topo, harness.StartOptions{Image: b.env.Image, Logger: b.quiet})
	if err != nil {
		b.terminate(ctx, dep)
		return nil, fmt.Errorf("start %s deployment: %w", name, err)
	}
	noteServer(&b.res.Machine, dep)
	return dep, nil
}

// terminate removes a deployment (nil: nothing), logging a failure.
func (b *archiveRunner) terminate(ctx context.Context, dep *harness.Deployment) {
	if err := dep.Terminate(context.WithoutCancel(ctx)); err != nil {
		b.logger.Warn("terminate archive bench deployment", "err", err)
	}
}

// noteServer records the server a deployment runs in m, once.
func noteServer(m *Machine, dep *harness.Deployment) {
	if m.RedisVersion == "" && len(dep.Nodes()) > 0 {
		m.RedisVersion = dep.Nodes()[0].RedisVersion()
		_, m.ServerVersion = dep.Nodes()[0].ServerVersion()
		m.Server = dep.Server.Name
	}
	if m.Image == "" {
		m.Image = dep.Image
	}
}
