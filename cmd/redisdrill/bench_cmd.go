package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios/bench"
)

// newBenchCmd is `redisdrill bench` with its subcommands.
func newBenchCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks of redisdrill against Redis's own mechanisms",
		Example: `  redisdrill bench rollback --keys 100000 --repeat 3
  redisdrill bench show out/bench/bench.json`,
	}
	cmd.AddCommand(newBenchRollbackCmd(a), newBenchShowCmd(a))
	return cmd
}

// benchOptions are the flags of bench rollback.
type benchOptions struct {
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
			"targets, writes bench.json (every raw sample) and bench.html into --out.",
		Example: `  redisdrill bench rollback
  redisdrill bench rollback --keys 100000 --repeat 5 --strategies native-failover,engine-promote
  redisdrill bench rollback --node-timeout 2s --no-floors --out out/bench-fast`,
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
	d, err := a.docker(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	harness.QuietRedisLogs()
	img, err := harness.EnsureImage(ctx, d, a.logger)
	if err != nil {
		return fmt.Errorf("ensure image: %w", err)
	}
	res, runErr := bench.Run(ctx, bench.Env{Docker: d, Image: img.Ref, Logger: a.logger}, cfg)
	if res == nil {
		return runErr
	}
	if err := bench.WriteTable(a.stdout, res); err != nil {
		return err
	}
	paths, err := bench.WriteFiles(o.out, res)
	if err != nil {
		return err
	}
	for _, p := range paths {
		a.printf("wrote %s\n", p)
	}
	if runErr != nil {
		return runErr
	}
	return nil
}
