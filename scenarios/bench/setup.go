package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// SetupFormatVersion is the version of the setup result's JSON.
const SetupFormatVersion = 1

// SetupConfig is what one setup bench measures: how long harness.Start
// takes, from its call to a ready deployment, per server and topology.
type SetupConfig struct {
	// Topologies are short topology names (rediskit.ParseTopologyName):
	// "3x1", "3x0", "1+2", "standalone".
	Topologies []string `json:"topologies"`
	// Runs is how many deployments each server and topology starts.
	Runs int `json:"runs"`
	// Pooled also times Runs starts through a harness.Pool, as a suite of
	// drills makes them: the pool starts the next deployment while the
	// previous one is torn down, then Start takes it.
	Pooled bool `json:"pooled"`
}

// DefaultSetupConfig is what `redisdrill bench setup` runs without flags.
func DefaultSetupConfig() SetupConfig {
	return SetupConfig{Topologies: []string{"3x1", "3x0", "1+2", "standalone"}, Runs: 5, Pooled: true}
}

// Validate reports a config that cannot run.
func (c SetupConfig) Validate() error {
	if len(c.Topologies) == 0 {
		return errors.New("validate setup bench config: no topology")
	}
	for _, name := range c.Topologies {
		if _, err := rediskit.ParseTopologyName(name); err != nil {
			return fmt.Errorf("validate setup bench config: %w", err)
		}
	}
	if c.Runs < 1 || c.Runs > 100 {
		return fmt.Errorf("validate setup bench config: runs %d out of range [1, 100]", c.Runs)
	}
	return nil
}

// ParseTopologies splits a comma-separated list of short topology names,
// dropping repeats; order is kept.
func ParseTopologies(list string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(list, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		t, err := rediskit.ParseTopologyName(part)
		if err != nil {
			return nil, err
		}
		if name := t.ShortName(); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("parse topologies: empty list %q", list)
	}
	return out, nil
}

// SetupEnv is what a setup bench needs from its surroundings.
type SetupEnv struct {
	// Process starts local server processes (package harness/process)
	// instead of containers, with Binary (empty: from PATH); Docker and
	// Images are then unused.
	Process bool
	Binary  string
	Docker  *harness.Docker
	// Images are the servers' images to start, in order.
	Images []harness.ImageInfo
	Logger *slog.Logger
}

// SetupResult is every start a setup bench made, by server and topology.
type SetupResult struct {
	Version  int         `json:"version"`
	Started  time.Time   `json:"started"`
	Finished time.Time   `json:"finished"`
	Config   SetupConfig `json:"config"`
	Machine  Machine     `json:"machine"`
	Cells    []SetupCell `json:"cells"`
}

// SetupCell is one server and topology: its starts and their summary.
type SetupCell struct {
	Server        string `json:"server"`
	ServerVersion string `json:"server_version,omitempty"`
	Image         string `json:"image"`
	Topology      string `json:"topology"`
	Nodes         int    `json:"nodes"`
	// ReadyMS summarizes Start→Ready of the starts that succeeded.
	ReadyMS Summary       `json:"ready_ms"`
	Errors  int           `json:"errors,omitempty"`
	Samples []SetupSample `json:"samples"`
	// PooledReadyMS summarizes Start→Ready of the starts a pool had begun
	// while the previous deployment was torn down (SetupConfig.Pooled);
	// their samples are in PooledSamples.
	PooledReadyMS Summary       `json:"pooled_ready_ms"`
	PooledErrors  int           `json:"pooled_errors,omitempty"`
	PooledSamples []SetupSample `json:"pooled_samples,omitempty"`
}

// SetupSample is one start: its milestones in ms from the Start call
// (harness.SetupTimes), or the error that stopped it.
type SetupSample struct {
	ReadyMS      float64 `json:"ready_ms"`
	ImageMS      float64 `json:"image_ms"`
	NetworkMS    float64 `json:"network_ms"`
	ContainersMS float64 `json:"containers_ms"`
	ListeningMS  float64 `json:"listening_ms"`
	FormedMS     float64 `json:"formed_ms"`
	// PoolStartMS is, for a pooled sample, how long the pool's own start
	// of the deployment took (ahead of the Start call).
	PoolStartMS float64 `json:"pool_start_ms,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// RunSetup starts and terminates Runs deployments of every topology on
// every image, one at a time, and returns the result. A start that fails
// is kept as a sample with its error and the run goes on; only a cancelled
// ctx or a bad config stops it (the partial result is returned with the
// error).
func RunSetup(ctx context.Context, env SetupEnv, cfg SetupConfig) (*SetupResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Docker == nil && !env.Process {
		return nil, errors.New("run setup bench: no docker connection")
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.Default()
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if logger.Enabled(ctx, slog.LevelDebug) {
		quiet = logger
	}
	res := &SetupResult{Version: SetupFormatVersion, Started: time.Now().UTC(), Config: cfg, Machine: machine("")}
	defer func() { res.Finished = time.Now().UTC() }()
	if env.Process {
		return res, runProcessSetup(ctx, res, env.Binary, cfg, logger, quiet)
	}
	for _, img := range env.Images {
		for _, name := range cfg.Topologies {
			topo, _ := rediskit.ParseTopologyName(name)
			cell := SetupCell{Server: img.Server.Name, ServerVersion: img.Version, Image: img.Ref, Topology: topo.ShortName(), Nodes: topo.NodeCount()}
			for i := range cfg.Runs {
				s, err := startOnce(ctx, env.Docker, topo, img.Ref, quiet)
				if err != nil && ctx.Err() != nil {
					res.Cells = append(res.Cells, cell.summarized())
					return res, fmt.Errorf("run setup bench: %w", ctx.Err())
				}
				cell.Samples = append(cell.Samples, s)
				logSample(logger, cell, s, i+1, cfg.Runs)
			}
			if cfg.Pooled {
				cell.PooledSamples = pooledStarts(ctx, env.Docker, topo, img.Ref, cfg.Runs, quiet)
				if ctx.Err() != nil {
					res.Cells = append(res.Cells, cell.summarized())
					return res, fmt.Errorf("run setup bench: %w", ctx.Err())
				}
				logPooled(logger, cell)
			}
			res.Cells = append(res.Cells, cell.summarized())
		}
	}
	return res, nil
}

// pooledStarts times runs starts of topo through a pool the way a suite of
// drills makes them: the pool starts deployment i+1 as deployment i is torn
// down, then Start takes it. The first deployment (started cold) is not a
// sample.
func pooledStarts(ctx context.Context, d *harness.Docker, topo harness.Topology, image string, runs int, logger *slog.Logger) []SetupSample {
	pool := harness.NewPool(ctx, d, logger)
	defer pool.Close()
	spec := harness.Spec{Topology: topo, Image: image}
	prev, err := harness.Start(ctx, d, topo, harness.StartOptions{Image: image, Logger: logger})
	var out []SetupSample
	for range runs {
		pool.Prepare(spec)
		if terr := prev.Terminate(context.WithoutCancel(ctx)); terr != nil {
			err = errors.Join(err, terr)
		}
		if err != nil && ctx.Err() == nil { // the previous start failed: say so once
			out = append(out, SetupSample{Error: err.Error()})
		}
		if ctx.Err() != nil {
			return out
		}
		prev, err = harness.Start(ctx, d, topo, harness.StartOptions{Image: image, Logger: logger, Pool: pool})
		if err == nil {
			s := sampleOf(prev.Setup)
			s.PoolStartMS = millis(prev.Setup.PoolStart)
			out = append(out, s)
		}
	}
	if terr := prev.Terminate(context.WithoutCancel(ctx)); terr != nil {
		err = errors.Join(err, terr)
	}
	if err != nil && ctx.Err() == nil {
		out = append(out, SetupSample{Error: err.Error()})
	}
	return out
}

// logPooled logs the pooled samples' median.
func logPooled(logger *slog.Logger, c SetupCell) {
	sum, _ := summarizeReady(c.PooledSamples)
	logger.Info("setup through the pool", "server", c.Server, "topology", c.Topology, "starts", sum.N,
		"median", time.Duration(sum.Median*float64(time.Millisecond)).Round(time.Millisecond))
}

// startOnce starts one deployment, terminates it and returns its sample;
// the error is also in the sample.
func startOnce(ctx context.Context, d *harness.Docker, topo harness.Topology, image string, logger *slog.Logger) (SetupSample, error) {
	dep, err := harness.Start(ctx, d, topo, harness.StartOptions{Image: image, Logger: logger})
	if terr := dep.Terminate(ctx); terr != nil {
		err = errors.Join(err, terr)
	}
	if err != nil {
		return SetupSample{Error: err.Error()}, err
	}
	return sampleOf(dep.Setup), nil
}

// sampleOf is the sample of one start's milestones.
func sampleOf(t harness.SetupTimes) SetupSample {
	return SetupSample{ReadyMS: millis(t.Ready), ImageMS: millis(t.Image), NetworkMS: millis(t.Network),
		ContainersMS: millis(t.Containers), ListeningMS: millis(t.Listening), FormedMS: millis(t.Formed)}
}

// millis is d in (fractional) milliseconds.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summarized returns the cell with ReadyMS, PooledReadyMS and the error
// counts computed from its samples.
func (c SetupCell) summarized() SetupCell {
	c.ReadyMS, c.Errors = summarizeReady(c.Samples)
	c.PooledReadyMS, c.PooledErrors = summarizeReady(c.PooledSamples)
	return c
}

// summarizeReady summarizes the ready times of the samples that succeeded
// and counts those that failed.
func summarizeReady(samples []SetupSample) (Summary, int) {
	var ready []float64
	failed := 0
	for _, s := range samples {
		if s.Error != "" {
			failed++
			continue
		}
		ready = append(ready, s.ReadyMS)
	}
	return Summarize(ready), failed
}

// Recompute sets every cell's summaries from its samples (a saved result
// is shown from its raw samples, not from the summaries it carries).
func (r *SetupResult) Recompute() {
	for i := range r.Cells {
		r.Cells[i] = r.Cells[i].summarized()
	}
}

// logSample logs sample run of runs of the cell.
func logSample(logger *slog.Logger, cell SetupCell, s SetupSample, run, runs int) {
	attrs := []any{"server", cell.Server, "topology", cell.Topology, "run", fmt.Sprintf("%d/%d", run, runs),
		"ready", time.Duration(s.ReadyMS * float64(time.Millisecond)).Round(time.Millisecond)}
	if s.Error != "" {
		logger.Warn("setup sample failed", append(attrs, "err", s.Error)...)
		return
	}
	logger.Info("setup sample", attrs...)
}
