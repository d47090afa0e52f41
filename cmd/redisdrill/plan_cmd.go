package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios/plan"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

func newPlanCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Game-day plans",
		Example: `  redisdrill plan validate scenarios/plans/gameday.yaml
  redisdrill plan run scenarios/plans/gameday.yaml --out out/gameday`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return fmt.Errorf("plan: missing subcommand (try: redisdrill plan run FILE.yaml, redisdrill plan validate FILE.yaml)")
		},
	}
	cmd.AddCommand(newPlanRunCmd(a), newPlanValidateCmd(a))
	return cmd
}

func newPlanValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "validate FILE.yaml",
		Short:   "Check a game-day plan against its topology without starting anything (exit 2 naming the line when it cannot run)",
		Example: `  redisdrill plan validate scenarios/plans/gameday.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := plan.Load(args[0])
			if err != nil {
				return err
			}
			sp, err := p.Session()
			if err != nil {
				return err
			}
			a.printf("plan %s: valid (%d steps on %s)\n", p.Name, len(p.Steps), sp.Topology.String())
			return nil
		},
	}
}

func newPlanRunCmd(a *app) *cobra.Command {
	var out, metricsAddr string
	var seed int64
	var keep bool
	var det detectFlag
	var srvFlags serverFlags
	cmd := &cobra.Command{
		Use:   "run FILE.yaml [--out DIR] [--detect auto|probe] [--server NAME | --matrix LIST]",
		Short: "Carry out a game-day plan and write reports",
		Example: `  redisdrill plan run scenarios/plans/gameday.yaml
  redisdrill plan run scenarios/plans/gameday.yaml --out out/gameday --seed 42 --keep
  redisdrill plan run scenarios/plans/gameday.yaml --detect probe
  redisdrill plan run scenarios/plans/gameday.yaml --matrix redis-7.0,valkey-8.1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// Load validates the plan against its topology: a plan that
			// cannot run fails here, before any container starts.
			p, err := plan.Load(args[0])
			if err != nil {
				return err
			}
			servers, err := srvFlags.chosen(cmd.Flags())
			if err != nil {
				return err
			}
			d, imgs, err := a.dockerImages(ctx, servers)
			if err != nil {
				return err
			}
			defer d.Close()
			live := &session.Live{}
			stopMetrics, err := a.serveMetrics(metricsAddr, live)
			if err != nil {
				return err
			}
			defer stopMetrics()
			sp, err := p.Session()
			if err != nil {
				return err
			}
			pool := harness.NewPool(ctx, d, a.logger)
			defer pool.Close()
			run := newRun()
			var kept *harness.Deployment
			for i, img := range imgs {
				outDir, on := out, ""
				if len(imgs) > 1 {
					outDir, on = filepath.Join(out, img.Server.Name), " on "+img.Server.Name
				}
				a.printf("plan %s%s: starting (%d steps)\n", p.Name, on, len(p.Steps))
				env := session.Env{
					Live:   live,
					Docker: d, Image: img.Ref, Server: img.Server, Logger: a.logger, OutDir: outDir, Keep: keep && i == len(imgs)-1, Seed: seed,
					Progress:   func(line string) { a.printf("plan %s%s: %s\n", p.Name, on, line) },
					DetectMode: det.mode,
					Pool:       pool,
				}
				if i+1 < len(imgs) {
					env.Next = &harness.Spec{Topology: sp.Topology, Image: imgs[i+1].Ref}
				}
				o, err := plan.Run(ctx, env, p)
				if o == nil {
					return err
				}
				a.printf("plan %s%s: %s\n", p.Name, on, resultLine(o.Result))
				run.Scenarios = append(run.Scenarios, o.Result)
				kept = o.Deployment
				if ctx.Err() != nil {
					if ferr := a.finish(run, out, nil); ferr != nil && !isFailed(ferr) {
						return ferr
					}
					return fmt.Errorf("plan %s: %w", p.Name, context.Canceled)
				}
			}
			return a.finish(run, out, kept)
		},
	}
	cmd.Flags().StringVar(&out, "out", filepath.Join("out", "plan"), "directory for reports and evidence")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the value padding (see drill --seed)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the deployment running")
	addDetectFlag(cmd.Flags(), &det)
	addMetricsFlag(cmd.Flags(), &metricsAddr)
	addServerFlags(cmd, &srvFlags)
	return cmd
}
