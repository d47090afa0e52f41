package explore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// File names in an explore output folder.
const (
	FileSchedule = "schedule.json"
	FileMinimal  = "minimal.json"
	FileReport   = "explore.json"
	FileHTML     = "explore.html"
	// DirRuns holds one session evidence folder per run.
	DirRuns = "runs"
	// maxSaid bounds the breaks reported as progress lines.
	maxSaid = 5
)

// Options say where an exploration writes and how it reports progress.
type Options struct {
	// Env is the session environment (Docker, image, logger, seed);
	// OutDir is replaced by Out/runs.
	Env session.Env
	// Out is the output folder (schedule.json, minimal.json, explore.json,
	// explore.html and runs/).
	Out string
	// ShrinkBudget bounds the shrinking (default DefaultShrinkBudget);
	// negative skips it.
	ShrinkBudget time.Duration
	// Progress receives one line per run, shrink candidate and decision.
	Progress func(line string)
}

func (o Options) say(line string) {
	l := o.Env.Logger
	if l == nil {
		l = slog.Default()
	}
	if o.Progress != nil {
		l.Debug("explore", "progress", line)
		o.Progress(line)
		return
	}
	l.Info("explore", "progress", line)
}

// Report is what explore.json holds.
type Report struct {
	Mode     string   `json:"mode"` // explore or replay
	Schedule Schedule `json:"schedule"`
	Original *Attempt `json:"original"`
	// Breaks are the invariant breaks of the original run.
	Breaks []Break `json:"breaks,omitempty"`
	// Invariant is the invariant the shrink kept (the first break's).
	Invariant string       `json:"invariant,omitempty"`
	Shrink    []ShrinkStep `json:"shrink,omitempty"`
	Minimal   *Schedule    `json:"minimal,omitempty"`
	// MinimalRun is the run of the minimal schedule that broke it.
	MinimalRun *Attempt  `json:"minimal_run,omitempty"`
	Files      []string  `json:"files"`
	Started    time.Time `json:"started"`
	Took       Duration  `json:"took"`
}

// Broke reports whether the original run broke an invariant.
func (r *Report) Broke() bool { return len(r.Breaks) > 0 }

// ErrNothingProved is returned when a run could not show anything (it
// could not be carried out, or had too little traffic before the first
// fault).
var ErrNothingProved = errors.New("the run proves nothing")

// Explore draws the schedule of c, writes it to Out/schedule.json, runs it
// for real and checks the invariants. When one breaks it shrinks the
// schedule within the budget and writes Out/minimal.json. explore.json
// (and explore.html) are written in every case the run finished.
func Explore(ctx context.Context, c Config, o Options) (*Report, error) {
	s, err := Generate(c)
	if err != nil {
		return nil, err
	}
	return run(ctx, "explore", s, o)
}

// Replay runs a schedule file again and checks the invariants; it does
// not shrink. The report's Breaks say whether it broke again.
func Replay(ctx context.Context, path string, o Options) (*Report, error) {
	s, err := LoadSchedule(path)
	if err != nil {
		return nil, err
	}
	o.ShrinkBudget = -1
	return run(ctx, "replay", s, o)
}

func run(ctx context.Context, mode string, s Schedule, o Options) (*Report, error) {
	if o.Out == "" {
		return nil, errors.New("explore: no output folder")
	}
	if o.ShrinkBudget == 0 {
		o.ShrinkBudget = DefaultShrinkBudget
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	o.Env.OutDir = filepath.Join(o.Out, DirRuns)
	rep := &Report{Mode: mode, Schedule: s, Started: time.Now()}
	if err := writeSchedule(filepath.Join(o.Out, FileSchedule), s); err != nil {
		return nil, err
	}
	rep.Files = append(rep.Files, FileSchedule)
	o.say(fmt.Sprintf("%s: seed %d, %d fault event(s) in %d burst(s) over %s (%s recovery, %s durability) — schedule in %s",
		mode, s.Seed, len(s.Events), len(s.Bursts()), s.Length(), s.Recovery, s.Durability, filepath.Join(o.Out, FileSchedule)))
	a, err := runSchedule(ctx, o.Env, s, mode)
	if a == nil {
		return nil, err
	}
	rep.Original, rep.Breaks = a, a.Breaks
	if err != nil {
		// Interrupted: the run's evidence is written; so is the report.
		writeReport(o, rep)
		return rep, fmt.Errorf("%s: %w", mode, err)
	}
	if a.Error != "" {
		writeReport(o, rep)
		return rep, fmt.Errorf("%s: %w: %s (evidence in %s)", mode, ErrNothingProved, a.Error, a.Dir)
	}
	for i, b := range a.Breaks {
		if i == maxSaid {
			o.say(fmt.Sprintf("%s: … and %d more break(s), see %s", mode, len(a.Breaks)-i, FileReport))
			break
		}
		o.say(fmt.Sprintf("%s: invariant %s broken (event %s): %s", mode, b.Invariant, b.Event, b.Detail))
	}
	if len(a.Breaks) == 0 {
		o.say(fmt.Sprintf("%s: every invariant held (%d acked writes, evidence in %s)", mode, a.Acked, a.Dir))
	}
	if rep.Broke() && o.ShrinkBudget > 0 {
		rep.Invariant = a.Breaks[0].Invariant
		o.say(fmt.Sprintf("shrink: keeping %s, budget %s", rep.Invariant, o.ShrinkBudget))
		minimal, minRun, steps := Shrink(ctx, o.Env, s, a, o.ShrinkBudget, o.Progress)
		rep.Shrink, rep.Minimal, rep.MinimalRun = steps, &minimal, minRun
		if err := writeSchedule(filepath.Join(o.Out, FileMinimal), minimal); err != nil {
			return rep, err
		}
		rep.Files = append(rep.Files, FileMinimal)
		o.say(fmt.Sprintf("shrink: minimal schedule has %d fault event(s) over %s — %s", len(minimal.Events), minimal.Length(), filepath.Join(o.Out, FileMinimal)))
	}
	rep.Took = Duration(time.Since(rep.Started).Round(time.Millisecond))
	writeReport(o, rep)
	if ctx.Err() != nil {
		return rep, fmt.Errorf("%s: %w", mode, ctx.Err())
	}
	return rep, nil
}

func writeSchedule(path string, s Schedule) error {
	b, err := s.Encode()
	if err != nil {
		return err
	}
	if err := reports.WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("write schedule: %w", err)
	}
	return nil
}
