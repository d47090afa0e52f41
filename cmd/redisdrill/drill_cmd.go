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
	servers     serverFlags
	// shard is --shard i/n: run only shard i of the selection's split.
	shard shardFlag
	// list is --list: print the split, run nothing.
	list bool
	// provider is --provider (docker or process) and binary --binary,
	// the server executable of the process provider.
	provider, binary string
	// serverChosen is true when --server or --matrix was given.
	serverChosen bool
}

func newDrillCmd(a *app) *cobra.Command {
	var o drillOptions
	cmd := &cobra.Command{
		Use:   "drill [--scenario NAME ...] [--label EXPR] [--server NAME | --matrix LIST] [--shard i/n] [--list] [--out DIR] [--thresholds FILE] [--seed N] [--keep] [--detect auto|probe]",
		Short: "Run scenarios one after another and write reports",
		Long: "Run the selected scenarios (default: all) one after another and write report.json, junit.xml,\n" +
			"summary.md and report.html to --out. --server picks the server the deployments run; --matrix runs\n" +
			"every selected scenario on each listed server in turn (evidence under --out/<server>/), and the\n" +
			"reports add a scenario × server grid. --shard i/n runs only shard i of a stable split of the selection\n" +
			"into n shards balanced by each scenario's expected time (one CI job per shard; join the reports with\n" +
			"report merge); --list prints the split and runs nothing (--list --shard all/4: every shard).",
		Example: `  redisdrill drill --scenario primary-kill-engine
  redisdrill drill --label "recovery && !slow" --out out/nightly --thresholds thresholds.yaml
  redisdrill drill --scenario smoke-primary-kill-native --keep --detect probe
  redisdrill drill --scenario primary-kill-engine --server valkey-8.1
  redisdrill drill --label smoke --matrix redis-7.0,redis-8.0,valkey-9
  redisdrill drill --shard 2/4 --out out/shard-2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			servers, err := o.servers.chosen(cmd.Flags())
			if err != nil {
				return err
			}
			o.serverChosen = cmd.Flags().Changed("server") || cmd.Flags().Changed("matrix")
			if err := o.checkProvider(); err != nil {
				return err
			}
			if o.list {
				return a.listShards(o, servers)
			}
			return a.drill(cmd.Context(), o, servers)
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
	addServerFlags(cmd, &o.servers)
	f.Var(&o.shard, "shard", "run only shard `i/n` (1-based) of a stable split of the selected scenarios into n shards balanced by expected time; an empty shard writes an empty report and exits 0")
	f.StringVar(&o.provider, "provider", session.ProviderDocker, "what runs the nodes: docker (containers) or process (supervised server processes on this host, no Docker; scenarios whose fault needs a container are skipped)")
	f.StringVar(&o.binary, "binary", "", "server executable for --provider process (default: redis-server, else valkey-server, from PATH)")
	f.BoolVar(&o.list, "list", false, "print the split (each scenario's shard and estimate, each shard's total; only shard i with --shard i/n, every shard with --shard all/n) and run nothing")
	return cmd
}

func (a *app) drill(ctx context.Context, o drillOptions, servers []harness.Server) error {
	list, err := o.selection(servers)
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
	if len(list) == 0 {
		return a.emptyShard(o)
	}
	if o.provider == session.ProviderProcess {
		return a.drillProcesses(ctx, o, list, cfg)
	}
	d, imgs, err := a.dockerImages(ctx, servers)
	if err != nil {
		return err
	}
	defer d.Close()
	live := &session.Live{}
	stopMetrics, err := a.serveMetrics(o.metricsAddr, live)
	if err != nil {
		return err
	}
	defer stopMetrics()
	// The pool starts each scenario's deployment while the one before it
	// finishes (its final read, evidence and teardown).
	pool := harness.NewPool(ctx, d, a.logger)
	defer pool.Close()
	run := newRun()
	var kept *harness.Deployment
	total, i := len(list)*len(imgs), 0
	for si, img := range imgs {
		outDir, on := o.out, ""
		if len(imgs) > 1 {
			outDir, on = filepath.Join(o.out, img.Server.Name), " on "+img.Server.Name
		}
		for li, sc := range list {
			i++
			last := si == len(imgs)-1 && li == len(list)-1
			a.printf("[%d/%d] %s%s: starting (%s, fault %s, recovery %s)\n", i, total, sc.Name, on, sc.Topology.String(), sc.Fault, sc.Recovery)
			env := session.Env{Docker: d, Image: img.Ref, Server: img.Server, Logger: a.logger, OutDir: outDir, Keep: o.keep && last, Seed: o.seed, Thresholds: cfg, DetectMode: o.detect.mode, Live: live,
				Pool: pool, Next: nextDeployment(list, imgs, si, li)}
			spin := startSpinner(a.stderr, sc.Name+on)
			out, err := scenarios.Run(ctx, env, sc)
			spin.stop()
			if out == nil {
				return err
			}
			run.Scenarios = append(run.Scenarios, out.Result)
			kept = out.Deployment
			a.printf("[%d/%d] %s%s: %s\n", i, total, sc.Name, on, resultLine(out.Result))
			if ctx.Err() != nil {
				// Ctrl-C: keep the evidence of what finished, mark the
				// interrupted scenario, exit 130.
				if ferr := a.finish(run, o.out, nil); ferr != nil && !isFailed(ferr) {
					return ferr
				}
				return fmt.Errorf("drill %s: %w", sc.Name, context.Canceled)
			}
		}
	}
	return a.finish(run, o.out, kept)
}

// nextDeployment is the deployment of the scenario that runs after list[li]
// on imgs[si] (scenarios run server by server, in list order); nil after
// the last, or when the next one is skipped on its server.
func nextDeployment(list []scenarios.Scenario, imgs []harness.ImageInfo, si, li int) *harness.Spec {
	li++
	if li == len(list) {
		si, li = si+1, 0
	}
	if si == len(imgs) {
		return nil
	}
	return list[li].DeploymentOn(imgs[si].Server, imgs[si].Ref)
}
