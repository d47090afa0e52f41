package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/explore"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// exploreOptions are the flags of explore.
type exploreOptions struct {
	cfg          explore.Config
	faults       string
	detect       detectFlag
	shrinkBudget time.Duration
	out          string
	savePlan     string
	dryRun       bool
	output       *outputFlag
}

func newExploreCmd(a *app) *cobra.Command {
	var o exploreOptions
	cmd := &cobra.Command{
		Use:   "explore --seed N --duration D [--faults LIST] [--topology PxR] [--recovery engine|native] [--detect auto|probe] [--durability strict|relaxed] [--allow-loss D] [--shrink-budget D] [--out DIR]",
		Short: "Run a seeded random fault schedule, check the invariants, shrink a failure to a minimal replay",
		Long: "explore draws a fault schedule from --seed (kinds from --faults, role-aware targets, durations,\n" +
			"gaps, overlaps), writes it to DIR/schedule.json (the same seed and flags give the same bytes),\n" +
			"runs it as one long drill and checks the invariants: no acked write lost (except after a restored\n" +
			"backup's point, or within --allow-loss of a fault's onset), never two write-accepting primaries\n" +
			"for one slot, convergence within a bound after every heal, every restored backup verifies.\n" +
			"When one breaks it shrinks the schedule — every candidate re-run for real — within\n" +
			"--shrink-budget and writes DIR/minimal.json; DIR/explore.json and explore.html report it all.\n" +
			"--durability strict (appendfsync always + WAIT 1) or relaxed (everysec, no WAIT) sets up the\n" +
			"deployment, not the invariant. --faults takes catalog names and the groups partition and\n" +
			"corruption. Exit 1 when an invariant broke, 0 when every invariant held.",
		Example: `  redisdrill explore --seed 7 --duration 2m --faults kill,pause,partition --out out/explore
  redisdrill explore --seed 3 --duration 40s --durability relaxed --recovery native --shrink-budget 3m
  redisdrill explore --seed 7 --duration 10m --faults kill,partition,corruption,flushall --allow-loss 2s
  redisdrill explore --seed 7 --duration 2m --dry-run -o json
  redisdrill explore replay out/explore/minimal.json --save-plan regression.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.check(); err != nil {
				return err
			}
			o.cfg.Faults = splitList(o.faults)
			o.cfg.Detect = o.detect.mode
			return a.explore(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&o.cfg.Seed, "seed", 1, "seed the schedule is drawn from")
	f.DurationVar(&o.cfg.Duration, "duration", explore.DefaultDuration, "how long the fault phase lasts: gaps, faults and an allowance for each recovery are fitted into it")
	f.StringVar(&o.faults, "faults", strings.Join(explore.DefaultFaults(), ","), "fault kinds to draw from: fault names of the catalog (an unknown name lists them all) and the groups partition, corruption")
	f.StringVar(&o.cfg.Topology, "topology", explore.DefaultTopology, "deployment: PxR (cluster), 1+R (primary and replicas) or standalone")
	f.DurationVar(&o.cfg.NodeTimeout, "node-timeout", explore.DefaultNodeTimeout, "cluster-node-timeout of a cluster")
	f.StringVar(&o.cfg.Recovery, "recovery", explore.RecoveryEngine, "engine (redisdrill's engine recovers what it sees) or native (Redis recovers by itself)")
	addDetectFlag(f, &o.detect)
	f.BoolVar(&o.cfg.Archive, "archive", false, "run a streaming archiver beside every primary and have the engine restore from it (see docs/archive.md)")
	f.StringVar(&o.cfg.Durability, "durability", explore.DurabilityStrict, "strict (appendfsync always + WAIT 1) or relaxed (appendfsync everysec, no WAIT)")
	f.DurationVar(&o.cfg.AllowLoss, "allow-loss", 0, "tolerate acked writes lost within this window of a fault's onset")
	f.DurationVar(&o.cfg.ConvergeBound, "converge-bound", explore.DefaultConvergeBound, "how long after a heal the deployment may take to converge")
	f.DurationVar(&o.shrinkBudget, "shrink-budget", explore.DefaultShrinkBudget, "time budget of the shrinking (0 skips it)")
	f.StringVar(&o.out, "out", filepath.Join("out", "explore"), "directory for schedule.json, minimal.json, explore.json, explore.html and the runs' evidence")
	f.StringVar(&o.savePlan, "save-plan", "", "also write the schedule (the minimal one after a shrink) as a game-day plan YAML that 'redisdrill plan run' accepts")
	f.BoolVar(&o.dryRun, "dry-run", false, "only draw the schedule and write schedule.json; start nothing")
	o.output = addOutputFlag(cmd, formatText, formatJSON)
	cmd.AddCommand(newExploreReplayCmd(a))
	return cmd
}

func newExploreReplayCmd(a *app) *cobra.Command {
	var out, savePlan string
	var output *outputFlag
	cmd := &cobra.Command{
		Use:   "replay FILE.json [--out DIR] [--save-plan FILE.yaml]",
		Short: "Run a schedule file (schedule.json or minimal.json) again; exit 1 if an invariant breaks again",
		Example: `  redisdrill explore replay out/explore/minimal.json
  redisdrill explore replay out/explore/minimal.json --out out/replay --save-plan regression.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := output.check(); err != nil {
				return err
			}
			s, err := explore.LoadSchedule(args[0])
			if err != nil {
				return err
			}
			if err := savePlanFile(savePlan, s); err != nil {
				return err
			}
			o := exploreOptions{out: out, output: output}
			return a.runExplore(cmd.Context(), o, func(ctx context.Context, eo explore.Options) (*explore.Report, error) {
				return explore.Replay(ctx, args[0], eo)
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", filepath.Join("out", "explore-replay"), "directory for explore.json, explore.html and the run's evidence")
	cmd.Flags().StringVar(&savePlan, "save-plan", "", "also write the schedule as a game-day plan YAML that 'redisdrill plan run' accepts")
	output = addOutputFlag(cmd, formatText, formatJSON)
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// savePlanFile writes the schedule as a plan YAML when path is set.
func savePlanFile(path string, s explore.Schedule) error {
	if path == "" {
		return nil
	}
	b, err := s.PlanYAML(fmt.Sprintf("explore-seed-%d", s.Seed))
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := reports.WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

func (a *app) explore(ctx context.Context, o exploreOptions) error {
	s, err := explore.Generate(o.cfg)
	if err != nil {
		return err
	}
	if o.dryRun {
		b, err := s.Encode()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
		if err := reports.WriteFileAtomic(filepath.Join(o.out, explore.FileSchedule), b); err != nil {
			return fmt.Errorf("write schedule: %w", err)
		}
		if err := savePlanFile(o.savePlan, s); err != nil {
			return err
		}
		if o.output.format == formatJSON {
			return writeJSON(a.stdout, s)
		}
		a.printf("explore: seed %d, %d fault event(s) over %s — %s\n", s.Seed, len(s.Events), s.Length(), filepath.Join(o.out, explore.FileSchedule))
		for _, e := range s.Events {
			a.printf("  %s %-20s %-16s gap %-6s duration %-6s%s\n", e.ID, e.Fault, e.Target, e.Gap.D(), e.Duration.D(), map[bool]string{true: " (overlaps)"}[e.Overlap])
		}
		return nil
	}
	budget := o.shrinkBudget
	if budget == 0 {
		budget = -1
	}
	cfg := o.cfg
	return a.runExplore(ctx, o, func(ctx context.Context, eo explore.Options) (*explore.Report, error) {
		eo.ShrinkBudget = budget
		rep, err := explore.Explore(ctx, cfg, eo)
		if rep != nil && err == nil {
			saved := rep.Schedule
			if rep.Minimal != nil {
				saved = *rep.Minimal
			}
			if serr := savePlanFile(o.savePlan, saved); serr != nil {
				return rep, serr
			}
		}
		return rep, err
	})
}

// runExplore connects to Docker, runs fn with the output folder and the
// progress going to stdout (stderr with -o json), prints the outcome and
// maps it to the exit code: 1 when an invariant broke.
func (a *app) runExplore(ctx context.Context, o exploreOptions, fn func(context.Context, explore.Options) (*explore.Report, error)) error {
	d, imgs, err := a.dockerImages(ctx, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	progress := a.stdout
	if o.output.format == formatJSON {
		progress = a.stderr
	}
	eo := explore.Options{
		Env:      session.Env{Docker: d, Image: imgs[0].Ref, Server: imgs[0].Server, Logger: a.logger, Seed: o.cfg.Seed},
		Out:      o.out,
		Progress: func(line string) { fmt.Fprintln(progress, line) },
	}
	rep, err := fn(ctx, eo)
	if rep == nil {
		return err
	}
	if o.output.format == formatJSON {
		if jerr := writeJSON(a.stdout, rep); jerr != nil {
			return jerr
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("explore: %w", context.Canceled)
		}
		return err
	}
	if o.output.format != formatJSON {
		a.printf("\nreports: %s\n", strings.Join(prefixAll(o.out, rep.Files), " "))
	}
	if rep.Broke() {
		b := rep.Breaks[0]
		msg := fmt.Sprintf("%s: invariant %s broken: %s", rep.Mode, b.Invariant, b.Detail)
		if rep.Minimal != nil {
			msg += fmt.Sprintf("; minimal schedule (%d fault event(s)) in %s", len(rep.Minimal.Events), filepath.Join(o.out, explore.FileMinimal))
		}
		return failed(errors.New(msg))
	}
	return nil
}

func prefixAll(dir string, files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Join(dir, f)
	}
	return out
}
