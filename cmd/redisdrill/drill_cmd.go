package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// drillOptions are the flags of drill.
type drillOptions struct {
	names      []string
	label      string
	out        string
	thresholds string
	seed       int64
	keep       bool
	detect     detectFlag
	// metricsAddr serves Prometheus metrics of the live run when set.
	metricsAddr string
}

func newDrillCmd(a *app) *cobra.Command {
	var o drillOptions
	cmd := &cobra.Command{
		Use:   "drill [--scenario NAME ...] [--label EXPR] [--out DIR] [--thresholds FILE] [--seed N] [--keep] [--detect auto|probe]",
		Short: "Run scenarios one after another and write reports",
		Example: `  redisdrill drill --scenario primary-kill-engine
  redisdrill drill --label "recovery && !slow" --out out/nightly --thresholds thresholds.yaml
  redisdrill drill --scenario smoke-primary-kill-native --keep --detect probe`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.drill(cmd.Context(), o, cmd.CalledAs())
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.names, "scenario", nil, "scenario to run (repeatable; default: all)")
	f.StringVar(&o.label, "label", "", "label expression, e.g. \"recovery && !slow\"")
	addMetricsFlag(f, &o.metricsAddr)
	_ = cmd.RegisterFlagCompletionFunc("scenario", completeScenarios)
	_ = cmd.RegisterFlagCompletionFunc("label", completeLabels)
	f.StringVar(&o.out, "out", filepath.Join("out", "drill"), "directory for reports and artifacts")
	f.StringVar(&o.thresholds, "thresholds", "", "thresholds YAML file (overrides the scenarios' own limits)")
	f.Int64Var(&o.seed, "seed", 1, "seed of the value padding, the one random choice of a run (keys, targets and timing are deterministic; run ids and the key nonce stay fresh so runs never share keys); reported for reproduction")
	f.BoolVar(&o.keep, "keep", false, "keep the last scenario's deployment running")
	addDetectFlag(f, &o.detect)
	return cmd
}

func (a *app) drill(ctx context.Context, o drillOptions, _ string) error {
	list, err := scenarios.Select(o.names, o.label)
	if err != nil {
		return err
	}
	var cfg *reports.ThresholdConfig
	if o.thresholds != "" {
		c, err := reports.LoadThresholds(o.thresholds)
		if err != nil {
			return err
		}
		cfg = &c
	}
	d, err := a.docker(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	img, err := harness.EnsureImage(ctx, d, a.logger)
	if err != nil {
		return fmt.Errorf("ensure image: %w", err)
	}
	live := &session.Live{}
	stopMetrics, err := a.serveMetrics(o.metricsAddr, live)
	if err != nil {
		return err
	}
	defer stopMetrics()
	run := newRun()
	var kept *harness.Deployment
	for i, sc := range list {
		last := i == len(list)-1
		a.printf("[%d/%d] %s: starting (%s, fault %s, recovery %s)\n", i+1, len(list), sc.Name, sc.Topology.String(), sc.Fault, sc.Recovery)
		env := session.Env{Docker: d, Image: img.Ref, Logger: a.logger, OutDir: o.out, Keep: o.keep && last, Seed: o.seed, Thresholds: cfg, DetectMode: o.detect.mode, Live: live}
		spin := startSpinner(a.stderr, sc.Name)
		out, err := scenarios.Run(ctx, env, sc)
		spin.stop()
		if out == nil {
			return err
		}
		run.Scenarios = append(run.Scenarios, out.Result)
		kept = out.Deployment
		a.printf("[%d/%d] %s: %s\n", i+1, len(list), sc.Name, resultLine(out.Result))
		if ctx.Err() != nil {
			// Ctrl-C: keep the evidence of what finished, mark the
			// interrupted scenario, exit 130.
			if ferr := a.finish(run, o.out, nil); ferr != nil && !isFailed(ferr) {
				return ferr
			}
			return fmt.Errorf("drill %s: %w", sc.Name, context.Canceled)
		}
	}
	return a.finish(run, o.out, kept)
}
