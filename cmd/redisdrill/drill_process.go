package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// checkProvider rejects a --provider that is unknown, and flags that mean
// nothing on the process provider.
func (o drillOptions) checkProvider() error {
	switch o.provider {
	case session.ProviderDocker:
		if o.binary != "" {
			return errors.New("drill: --binary is for --provider process (Docker nodes run their image's server)")
		}
		return nil
	case session.ProviderProcess:
	default:
		return fmt.Errorf("drill: unknown --provider %q (want docker or process)", o.provider)
	}
	if o.serverChosen {
		return errors.New("drill: --server and --matrix pick images; with --provider process use --binary")
	}
	if o.keep {
		return errors.New("drill: --keep is not supported with --provider process (its servers end with redisdrill)")
	}
	return nil
}

// drillProcesses runs the selected scenarios on the local-processes
// provider: no Docker, no image, no pool. A scenario named on the command
// line that cannot run there is an error; one selected by label or by
// default is skipped and listed.
func (a *app) drillProcesses(ctx context.Context, o drillOptions, list []scenarios.Scenario, cfg *reports.ThresholdConfig) error {
	var runnable []scenarios.Scenario
	for _, sc := range list {
		why := sc.NotOnProcesses()
		if why == "" {
			runnable = append(runnable, sc)
			continue
		}
		if len(o.names) > 0 {
			return fmt.Errorf("drill: scenario %s cannot run on the process provider: %s", sc.Name, why)
		}
		a.printf("skip %s on processes: %s\n", sc.Name, why)
	}
	if len(runnable) == 0 {
		return errors.New("drill: no selected scenario can run on the process provider")
	}
	live := &session.Live{}
	stopMetrics, err := a.serveMetrics(o.metricsAddr, live)
	if err != nil {
		return err
	}
	defer stopMetrics()
	run := newRun()
	for i, sc := range runnable {
		a.printf("[%d/%d] %s on processes: starting (%s, fault %s, recovery %s)\n", i+1, len(runnable), sc.Name, sc.Topology.String(), sc.Fault, sc.Recovery)
		env := session.Env{Provider: session.ProviderProcess, Binary: o.binary, Logger: a.logger, OutDir: o.out,
			Seed: o.seed, Thresholds: cfg, DetectMode: o.detect.mode, Live: live}
		spin := startSpinner(a.stderr, sc.Name)
		out, err := scenarios.Run(ctx, env, sc)
		spin.stop()
		if out == nil {
			return err
		}
		run.Scenarios = append(run.Scenarios, out.Result)
		a.printf("[%d/%d] %s on processes: %s\n", i+1, len(runnable), sc.Name, resultLine(out.Result))
		if ctx.Err() != nil {
			if ferr := a.finish(run, o.out, nil); ferr != nil && !isFailed(ferr) {
				return ferr
			}
			return fmt.Errorf("drill %s: %w", sc.Name, context.Canceled)
		}
	}
	return a.finish(run, o.out, nil)
}
