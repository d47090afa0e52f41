package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios/bench"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// newBenchCmd is `redisdrill bench` with its subcommands.
func newBenchCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks of redisdrill against Redis's own mechanisms",
		Example: `  redisdrill bench rollback --keys 100000 --repeat 3
  redisdrill bench setup --matrix redis-7.0,valkey-9 --topology 3x1
  redisdrill bench show out/bench/bench.json`,
	}
	cmd.AddCommand(newBenchRollbackCmd(a), newBenchSetupCmd(a), newBenchShowCmd(a), newBenchArchiveCmd(a))
	return cmd
}

// benchOptions are the flags of bench rollback.
type benchOptions struct {
	servers     serverFlags
	keys        []int
	valueSize   int
	repeat      int
	largeRepeat int
	largeKeys   int
	strategies  string
	nodeTimeout time.Duration
	noFloors    bool
	out         string
	detect      detectFlag
}

func newBenchRollbackCmd(a *app) *cobra.Command {
	def := bench.DefaultConfig()
	o := benchOptions{keys: def.Keys, valueSize: def.ValueSize, repeat: def.Repeat, largeRepeat: def.LargeRepeat,
		largeKeys: def.LargeKeys, nodeTimeout: def.NodeTimeout, out: "out/bench"}
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Measure RTO of every recovery strategy beside native failover, replica resync and raw load floors",
		Long: "Runs each strategy on a fresh 3x1 cluster per sample at each dataset size, measures RTO with the per-shard\n" +
			"write prober (t_ready - t0), acked writes lost, the engine's spans, the floors of a restore (copy +\n" +
			"container start + raw RDB/AOF load) and backup speed against redis-cli --rdb. Prints a table and the\n" +
			"targets, writes bench.json (every raw sample) and bench.html into --out. The sentinel-* strategies run on\n" +
			"a primary with two replicas under three Sentinels (down-after-milliseconds = --node-timeout): Sentinel's\n" +
			"own failover against the engine's failover through SENTINEL FAILOVER, on a crash and on silence.",
		Example: `  redisdrill bench rollback
  redisdrill bench rollback --keys 100000 --repeat 5 --strategies native-failover,engine-promote
  redisdrill bench rollback --node-timeout 2s --no-floors --out out/bench-fast
  redisdrill bench rollback --detect probe --no-floors --keys 100000 --strategies sentinel-failover,sentinel-engine-promote`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchRollback(cmd, a, o) },
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.keys, "keys", o.keys, "dataset sizes (total keys), comma-separated or repeated")
	f.IntVar(&o.valueSize, "value-size", o.valueSize, "bytes per value")
	f.IntVar(&o.repeat, "repeat", o.repeat, "samples per strategy and size")
	f.IntVar(&o.largeRepeat, "large-repeat", o.largeRepeat, "samples per strategy at sizes >= --large-keys (0 = --repeat)")
	f.IntVar(&o.largeKeys, "large-keys", o.largeKeys, "size from which --large-repeat applies")
	f.StringVar(&o.strategies, "strategies", "all", "comma-separated: "+fmt.Sprint(bench.AllStrategies()))
	f.DurationVar(&o.nodeTimeout, "node-timeout", o.nodeTimeout, "cluster-node-timeout, a Go duration (e.g. 5s, 1500ms)")
	f.BoolVar(&o.noFloors, "no-floors", false, "skip the floors and the backup-speed comparison")
	f.StringVar(&o.out, "out", o.out, "output directory for bench.json and bench.html")
	addDetectFlag(f, &o.detect)
	addServerFlags(cmd, &o.servers)
	return cmd
}

func runBenchRollback(cmd *cobra.Command, a *app, o benchOptions) error {
	ctx := cmd.Context()
	strategies, err := bench.ParseStrategies(o.strategies)
	if err != nil {
		return err
	}
	cfg := bench.Config{Keys: o.keys, ValueSize: o.valueSize, Repeat: o.repeat, LargeRepeat: o.largeRepeat, LargeKeys: o.largeKeys,
		Strategies: strategies, NodeTimeout: o.nodeTimeout, Floors: !o.noFloors,
		DetectMode: o.detect.mode}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if o.out == "" {
		return fmt.Errorf("bench rollback: --out must not be empty")
	}
	servers, err := o.servers.chosen(cmd.Flags())
	if err != nil {
		return err
	}
	d, imgs, err := a.dockerImages(ctx, servers)
	if err != nil {
		return err
	}
	defer d.Close()
	harness.QuietRedisLogs()
	var runErr error
	for _, img := range imgs {
		out := o.out
		if len(imgs) > 1 {
			out = filepath.Join(o.out, img.Server.Name)
			a.printf("\n== %s (%s)\n", img.Server.Name, img.Ref)
		}
		res, err := bench.Run(ctx, bench.Env{Docker: d, Image: img.Ref, Logger: a.logger}, cfg)
		if res == nil {
			return err
		}
		runErr = errors.Join(runErr, err)
		if err := bench.WriteTable(a.stdout, res); err != nil {
			return err
		}
		paths, err := bench.WriteFiles(out, res)
		if err != nil {
			return err
		}
		for _, p := range paths {
			a.printf("wrote %s\n", p)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if runErr != nil {
		return runErr
	}
	return nil
}

// benchSetupOptions are the flags of bench setup.
type benchSetupOptions struct {
	servers    serverFlags
	topologies string
	runs       int
	pooled     bool
	// provider is --provider (docker or process), binary --binary and
	// from --from (render a saved result instead of running).
	provider, binary, from string
}

// newBenchSetupCmd is `redisdrill bench setup`: how long a deployment takes
// from harness.Start to ready, per server and topology.
func newBenchSetupCmd(a *app) *cobra.Command {
	def := bench.DefaultSetupConfig()
	o := benchSetupOptions{topologies: strings.Join(def.Topologies, ","), runs: def.Runs, pooled: def.Pooled}
	cmd := &cobra.Command{
		Use:   "setup [-o table|json]",
		Short: "Measure how long a deployment takes to be ready (Start to Ready) per server and topology",
		Long: "Starts --runs deployments of each --topology on each server, one at a time, and times each from the\n" +
			"harness's Start call until every slot is served, cluster_state is ok on every node and every replica\n" +
			"has synced. Prints min, median and max per server and topology, with the medians of the milestones on\n" +
			"the way (containers started, servers answering, topology formed); -o json prints every sample.\n" +
			"With --pooled (the default) it also times as many starts through a pool, the way a suite of drills\n" +
			"starts them: the pool begins the next start while the previous deployment is torn down.\n" +
			"Run it on a quiet host: container start is CPU-bound.",
		Example: `  redisdrill bench setup
  redisdrill bench setup --server valkey-9 --topology 3x1 --runs 10
  redisdrill bench setup --matrix redis-7.0,valkey-9 --topology 3x1,3x0,1+2,standalone -o json > setup.json`,
		Args: cobra.NoArgs,
	}
	out := addOutputFlag(cmd, formatTable, formatJSON)
	f := cmd.Flags()
	f.StringVar(&o.topologies, "topology", o.topologies, "comma-separated `LIST` of topologies: PxR for a cluster (3x1), 1+R for a primary and replicas (1+2), standalone")
	f.IntVar(&o.runs, "runs", o.runs, "deployments started per server and topology")
	f.BoolVar(&o.pooled, "pooled", o.pooled, "also time --runs starts through a pool that begins each start while the previous deployment is torn down, as a suite of drills does (--pooled=false: cold starts only)")
	f.StringVar(&o.provider, "provider", session.ProviderDocker, "what runs the nodes: docker (containers) or process (local server processes; --pooled does not apply)")
	f.StringVar(&o.binary, "binary", "", "server executable for --provider process (default: redis-server, else valkey-server, from PATH)")
	f.StringVar(&o.from, "from", "", "print a saved result (`FILE`, from -o json) instead of running, its summaries recomputed from its samples")
	addServerFlags(cmd, &o.servers)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if o.from != "" {
			return showBenchSetup(a, o.from, out)
		}
		return runBenchSetup(cmd, a, o, out)
	}
	return cmd
}

func runBenchSetup(cmd *cobra.Command, a *app, o benchSetupOptions, out *outputFlag) error {
	ctx := cmd.Context()
	if err := out.check(); err != nil {
		return err
	}
	topologies, err := bench.ParseTopologies(o.topologies)
	if err != nil {
		return fmt.Errorf("invalid --topology: %w", err)
	}
	cfg := bench.SetupConfig{Topologies: topologies, Runs: o.runs, Pooled: o.pooled}
	if err := cfg.Validate(); err != nil {
		return err
	}
	env := bench.SetupEnv{Logger: a.logger}
	switch o.provider {
	case session.ProviderProcess:
		if cmd.Flags().Changed("server") || cmd.Flags().Changed("matrix") {
			return errors.New("bench setup: --server and --matrix pick images; with --provider process use --binary")
		}
		env.Process, env.Binary = true, o.binary
	case session.ProviderDocker:
		if o.binary != "" {
			return errors.New("bench setup: --binary is for --provider process")
		}
		servers, err := o.servers.chosen(cmd.Flags())
		if err != nil {
			return err
		}
		d, imgs, err := a.dockerImages(ctx, servers)
		if err != nil {
			return err
		}
		defer d.Close()
		env.Docker, env.Images = d, imgs
		harness.QuietRedisLogs()
	default:
		return fmt.Errorf("bench setup: unknown --provider %q (want docker or process)", o.provider)
	}
	res, runErr := bench.RunSetup(ctx, env, cfg)
	if res == nil {
		return runErr
	}
	if out.format == formatJSON {
		err = writeJSON(a.stdout, res)
	} else {
		err = bench.WriteSetupTable(a.stdout, res)
	}
	if err != nil || runErr != nil {
		return errors.Join(runErr, err)
	}
	starts, bad := 0, 0
	for _, c := range res.Cells {
		starts += len(c.Samples)
		bad += c.Errors
	}
	if bad > 0 {
		return failed(fmt.Errorf("%d of %d starts failed", bad, starts))
	}
	return nil
}
