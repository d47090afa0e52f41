package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redisdrill/redisdrill/harness/process"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// runProcessSetup times cfg.Runs starts of every topology on the
// local-processes provider (Start's call to ready), one at a time, into
// res; a failed start is a sample with its error. Pooling does not apply:
// a process node starts in milliseconds.
func runProcessSetup(ctx context.Context, res *SetupResult, binary string, cfg SetupConfig, logger, quiet *slog.Logger) error {
	res.Config.Pooled = false
	for _, name := range cfg.Topologies {
		topo, _ := rediskit.ParseTopologyName(name)
		cell := SetupCell{Topology: topo.ShortName(), Nodes: topo.NodeCount()}
		for i := range cfg.Runs {
			s, info, err := startProcessOnce(ctx, topo, binary, quiet)
			if err != nil && ctx.Err() != nil {
				res.Cells = append(res.Cells, cell.summarized())
				return fmt.Errorf("run setup bench: %w", ctx.Err())
			}
			if info.binary != "" {
				cell.Server, cell.ServerVersion, cell.Image = info.product+"-process", info.version, info.binary
			}
			cell.Samples = append(cell.Samples, s)
			logSample(logger, cell, s, i+1, cfg.Runs)
		}
		res.Cells = append(res.Cells, cell.summarized())
	}
	return nil
}

// processInfo names what a process start ran.
type processInfo struct{ binary, product, version string }

// startProcessOnce starts one deployment of processes, terminates it and
// returns its sample (Start's call to ready); the error is also in the
// sample.
func startProcessOnce(ctx context.Context, topo rediskit.Topology, binary string, logger *slog.Logger) (SetupSample, processInfo, error) {
	start := time.Now()
	dep, err := process.Start(ctx, topo, process.StartOptions{Binary: binary, Logger: logger})
	ready := time.Since(start)
	var info processInfo
	if dep != nil {
		info.binary = dep.Binary()
		info.product, info.version = dep.Server()
		if terr := dep.Terminate(context.WithoutCancel(ctx)); terr != nil {
			err = errors.Join(err, terr)
		}
	}
	if err != nil {
		return SetupSample{Error: err.Error()}, info, err
	}
	return SetupSample{ReadyMS: millis(ready), FormedMS: millis(dep.FormedIn)}, info, nil
}
