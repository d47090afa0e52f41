package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios/bench"
)

// benchArchiveOptions are the flags of bench archive.
type benchArchiveOptions struct {
	servers   serverFlags
	cfg       bench.ArchiveConfig
	out       string
	from      string
	outputFmt *outputFlag
}

// newBenchArchiveCmd is `redisdrill bench archive`: the streaming
// archiver's cost to the workload, its lag, and restore times from an
// archive beside a snapshot and the raw-load floor.
func newBenchArchiveCmd(a *app) *cobra.Command {
	o := &benchArchiveOptions{cfg: bench.DefaultArchiveConfig(), out: "out/bench-archive"}
	cmd := &cobra.Command{
		Use:   "archive [-o text|markdown|json]",
		Short: "Measure the streaming archiver: workload throughput with it, its lag, restore time from an archive",
		Long: "Throughput: on a standalone server, the drills' workload (rate-limited, 2000 ops/s) and the same clients\n" +
			"flat out, each run --repeat times without then with a streaming archiver following the server\n" +
			"(interleaved), --duration each after a warm-up; ops/s of each run, medians, the ratio (goal >= 0.95x) and\n" +
			"the archiver's lag at the end of each run with it.\n" +
			"Restore: at each --keys, a 3x0 cluster is populated (keys over the cluster, as bench rollback counts them),\n" +
			"an archiver follows shard 0's primary (its base) and --incr SETs of that shard are written after it; then\n" +
			"--repeat times, on shard 0: restore from the archive (materialize + scratch load and save in the\n" +
			"node's machine + verify, as the engine does), restore from a snapshot (scratch load of a live RDB of the\n" +
			"same data) and the raw-load floor of that RDB. Writes archive-bench.json (every raw sample) into --out;\n" +
			"--from prints a saved one, recomputed from its samples.",
		Example: `  redisdrill bench archive
  redisdrill bench archive --keys 100000 --repeat 5 --duration 20s -o markdown
  redisdrill bench archive --from out/bench-archive/archive-bench.json -o markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchArchive(cmd, a, o) },
	}
	o.outputFmt = addOutputFlag(cmd, formatText, formatMarkdown, formatJSON)
	f := cmd.Flags()
	f.IntSliceVar(&o.cfg.Keys, "keys", o.cfg.Keys, "dataset sizes of the restore measurements, comma-separated or repeated")
	f.IntVar(&o.cfg.Repeat, "repeat", o.cfg.Repeat, "runs per throughput arm and samples per restore measurement")
	f.DurationVar(&o.cfg.Duration, "duration", o.cfg.Duration, "measured window of one throughput run, a Go duration (e.g. 10s)")
	f.IntVar(&o.cfg.ValueSize, "value-size", o.cfg.ValueSize, "bytes per populated value")
	f.IntVar(&o.cfg.Incr, "incr", o.cfg.Incr, "SETs written after the archive's base (its incr part)")
	f.StringVar(&o.out, "out", o.out, "output directory for archive-bench.json")
	f.StringVar(&o.from, "from", "", "print a saved archive-bench.json `FILE` (recomputed from its raw samples) instead of running")
	addServerFlags(cmd, &o.servers)
	return cmd
}

func runBenchArchive(cmd *cobra.Command, a *app, o *benchArchiveOptions) error {
	if err := o.outputFmt.check(); err != nil {
		return err
	}
	if o.from != "" {
		res, err := readArchiveResult(o.from)
		if err != nil {
			return err
		}
		return printArchiveResult(a.stdout, o.outputFmt.format, res)
	}
	if err := o.cfg.Validate(); err != nil {
		return err
	}
	if o.out == "" {
		return fmt.Errorf("bench archive: --out must not be empty")
	}
	servers, err := o.servers.chosen(cmd.Flags())
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	d, imgs, err := a.dockerImages(ctx, servers)
	if err != nil {
		return err
	}
	defer d.Close()
	harness.QuietRedisLogs()
	// With -o json stdout holds only results; the rest goes to stderr.
	notes := a.stdout
	if o.outputFmt.format == formatJSON {
		notes = a.stderr
	}
	var runErr error
	failures := 0
	for _, img := range imgs {
		out := o.out
		if len(imgs) > 1 {
			out = filepath.Join(o.out, img.Server.Name)
			fmt.Fprintf(notes, "\n== %s (%s)\n", img.Server.Name, img.Ref)
		}
		res, err := bench.RunArchive(ctx, bench.Env{Docker: d, Image: img.Ref, Logger: a.logger}, o.cfg)
		if res == nil {
			return err
		}
		runErr = errors.Join(runErr, err)
		failures += archiveFailures(res)
		if err := printArchiveResult(a.stdout, o.outputFmt.format, res); err != nil {
			return err
		}
		p, err := bench.WriteArchiveFiles(out, res)
		if err != nil {
			return err
		}
		fmt.Fprintf(notes, "wrote %s\n", p)
		if ctx.Err() != nil {
			break
		}
	}
	if runErr != nil {
		return runErr
	}
	if failures > 0 {
		return failed(fmt.Errorf("%d archive bench runs or samples failed (see the table and archive-bench.json)", failures))
	}
	return nil
}

// readArchiveResult reads a saved archive-bench.json.
func readArchiveResult(path string) (*bench.ArchiveResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open archive bench result: %w", err)
	}
	defer f.Close()
	return bench.ReadArchiveJSON(f)
}

// printArchiveResult prints a result in a -o format.
func printArchiveResult(w io.Writer, format string, res *bench.ArchiveResult) error {
	switch format {
	case formatJSON:
		return bench.WriteArchiveJSON(w, res)
	case formatMarkdown:
		return bench.WriteArchiveMarkdown(w, res)
	}
	return bench.WriteArchiveTable(w, res)
}

// archiveFailures counts what failed in a result: throughput runs (or the
// whole throughput part), restore sizes that could not be set up, and
// restore samples.
func archiveFailures(res *bench.ArchiveResult) int {
	n := 0
	if res.ThroughputError != "" {
		n++
	}
	for _, c := range res.Throughput {
		n += c.Errors
	}
	for _, c := range res.Restores {
		if c.Error != "" {
			n++
		}
		n += c.Errors
	}
	return n
}
