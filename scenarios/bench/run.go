package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// runner carries out one bench run.
type runner struct {
	cfg    Config
	env    Env
	logger *slog.Logger
	// quiet is handed to the harness and the engine: their info logs would
	// drown the progress lines.
	quiet *slog.Logger
	res   *Result
	seq   int // trials run, for unique evidence folder names
	// pool starts the next trial's cluster once a trial's measurement is
	// over; every trial's Start looks there first.
	pool *harness.Pool
}

// Run measures every configured strategy at every size and returns the
// result with its summaries and targets filled in. A trial that cannot be
// set up is kept as a sample with its error and the run goes on; only a
// cancelled ctx or bad config stops it (the partial result is returned
// with the error).
func Run(ctx context.Context, env Env, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Docker == nil {
		return nil, fmt.Errorf("run bench: no docker connection")
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if env.WorkDir == "" {
		dir, err := os.MkdirTemp("", "redisdrill-bench-")
		if err != nil {
			return nil, fmt.Errorf("create work dir: %w", err)
		}
		defer os.RemoveAll(dir)
		env.WorkDir = dir
	}
	if env.Image == "" { // resolved once, so the pool can start the next trial's cluster
		info, err := harness.EnsureImage(ctx, env.Docker, logger)
		if err != nil {
			return nil, fmt.Errorf("run bench: %w", err)
		}
		env.Image = info.Ref
	}
	b := &runner{
		cfg: cfg, env: env, logger: logger,
		quiet: slog.New(slog.NewTextHandler(io.Discard, nil)),
		res:   &Result{Version: FormatVersion, Started: time.Now().UTC(), Config: cfg, Machine: machine(env.Image)},
	}
	if logger.Enabled(ctx, slog.LevelDebug) {
		b.quiet = logger
	}
	b.pool = harness.NewPool(ctx, env.Docker, b.quiet)
	defer b.pool.Close()
	err := b.run(ctx)
	b.res.Finished = time.Now().UTC()
	b.res.Summarize()
	return b.res, err
}

func (b *runner) run(ctx context.Context) error {
	for _, keys := range b.cfg.Keys {
		if b.cfg.Floors {
			start := time.Now()
			if err := b.floorsAndBackup(ctx, keys); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("measure floors: %w", ctx.Err())
				}
				b.logger.Warn("floors not measured", "keys", keys, "err", err)
			} else {
				b.logger.Info("floors and backup speed measured", "keys", keys, "took", time.Since(start).Round(time.Millisecond))
			}
		}
		reps := b.cfg.RepeatFor(keys)
		for _, strategy := range b.cfg.Strategies {
			for i := 0; i < reps; i++ {
				start := time.Now()
				s, err := b.trial(ctx, keys, strategy)
				if err != nil {
					if ctx.Err() != nil {
						return fmt.Errorf("run %s at %d keys: %w", strategy, keys, ctx.Err())
					}
					s.Error = err.Error()
				}
				b.res.AddSample(keys, strategy, s)
				attrs := []any{"keys", keys, "strategy", strategy, "sample", fmt.Sprintf("%d/%d", i+1, reps),
					"rto", time.Duration(s.RTOMS * float64(time.Millisecond)).Round(time.Millisecond), "lost", s.Lost,
					"took", time.Since(start).Round(time.Millisecond)}
				if s.Error != "" {
					b.logger.Warn("bench sample failed", append(attrs, "err", s.Error)...)
				} else {
					b.logger.Info("bench sample", attrs...)
				}
			}
		}
	}
	return nil
}

// startCluster starts the 3x1 cluster of a trial, from the pool when it
// holds one.
func (b *runner) startCluster(ctx context.Context) (*harness.Deployment, error) {
	return harness.Start(ctx, b.env.Docker, b.cfg.topology(), harness.StartOptions{Image: b.env.Image, Logger: b.quiet, Pool: b.pool})
}

// noteRedis records the Redis version of a deployment.
func (b *runner) noteRedis(dep *harness.Deployment) {
	if b.res.Machine.RedisVersion == "" && len(dep.Nodes()) > 0 {
		b.res.Machine.RedisVersion = dep.Nodes()[0].RedisVersion()
		_, b.res.Machine.ServerVersion = dep.Nodes()[0].ServerVersion()
		b.res.Machine.Server = dep.Server.Name
	}
	if b.res.Machine.Image == "" {
		b.res.Machine.Image = dep.Image
	}
}

// machine describes this machine.
func machine(image string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Image: image}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			m.CPUModel = strings.TrimSpace(v)
			break
		}
	}
	return m
}
