package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
)

// drillOptions are the flags of drill.
type drillOptions struct {
	names      []string
	label      string
	out        string
	thresholds string
	seed       int64
	keep       bool
}

func newDrillCmd(a *app) *cobra.Command {
	var o drillOptions
	cmd := &cobra.Command{
		Use:   "drill [--scenario NAME ...] [--label EXPR] [--out DIR] [--thresholds FILE] [--seed N] [--keep]",
		Short: "Run scenarios one after another and write reports",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.drill(cmd.Context(), o, cmd.CalledAs())
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.names, "scenario", nil, "scenario to run (repeatable; default: all)")
	f.StringVar(&o.label, "label", "", "label expression, e.g. \"recovery && !slow\"")
	f.StringVar(&o.out, "out", filepath.Join("out", "drill"), "directory for reports and artifacts")
	f.StringVar(&o.thresholds, "thresholds", "", "thresholds YAML file (overrides the scenarios' own limits)")
	f.Int64Var(&o.seed, "seed", 1, "workload seed (reported for reproduction)")
	f.BoolVar(&o.keep, "keep", false, "keep the last scenario's deployment running")
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
	run := newRun()
	var kept *harness.Deployment
	for i, sc := range list {
		last := i == len(list)-1
		a.printf("[%d/%d] %s: starting (%s, fault %s, recovery %s)\n", i+1, len(list), sc.Name, sc.Topology.String(), sc.Fault, sc.Recovery)
		env := scenarios.Env{Docker: d, Image: img.Ref, Logger: a.logger, OutDir: o.out, Keep: o.keep && last, Seed: o.seed}
		start := time.Now()
		spin := startSpinner(a.stdout, sc.Name)
		out, err := scenarios.Run(ctx, env, sc)
		spin.stop()
		if ctx.Err() != nil {
			return fmt.Errorf("drill %s: %w", sc.Name, context.Canceled)
		}
		var res reports.ScenarioResult
		if err != nil {
			res = errorResult(sc, img.Ref, o.seed, start, err)
		} else {
			res = out.Result
			kept = out.Deployment
		}
		if cfg != nil {
			res = applyThresholds(res, *cfg)
		}
		run.Scenarios = append(run.Scenarios, res)
		a.printf("[%d/%d] %s: %s\n", i+1, len(list), sc.Name, resultLine(res))
	}
	return a.finish(run, o.out, kept)
}

// errorResult is the report of a scenario the drill could not carry out.
func errorResult(sc scenarios.Scenario, image string, seed int64, start time.Time, err error) reports.ScenarioResult {
	res := reports.ScenarioResult{
		Name: sc.Name, Labels: sc.AllLabels(), Description: sc.Description, Topology: sc.Topology.String(),
		Image: image, Seed: seed, Strategy: string(sc.Recovery), T0: start,
		Fault: reports.FaultRecord{Name: sc.Fault}, Duration: reports.Millis(time.Since(start)), Error: err.Error(),
	}
	res.Verdict = reports.Evaluate(res, res.Thresholds)
	return res
}

// applyThresholds sets each limit the file gives, keeping the scenario's
// own limit where the file says nothing, and re-judges the result.
func applyThresholds(res reports.ScenarioResult, cfg reports.ThresholdConfig) reports.ScenarioResult {
	f := cfg.For(res.Name, res.Labels)
	t := res.Thresholds
	if f.RTOMax != nil {
		t.RTOMax = f.RTOMax
	}
	if f.DetectMax != nil {
		t.DetectMax = f.DetectMax
	}
	if f.AckedLostMax != nil {
		t.AckedLostMax = f.AckedLostMax
	}
	if f.MinAckedBeforeFault != nil {
		t.MinAckedBeforeFault = f.MinAckedBeforeFault
	}
	res.Thresholds = t
	res.Verdict = reports.Evaluate(res, t)
	return res
}
