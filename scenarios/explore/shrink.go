package explore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Shrink bounds.
const (
	minDuration = time.Second
	// minGapShrink is the gap below which moving a fault earlier is not
	// worth a run.
	minGapShrink = 500 * time.Millisecond
	// minOverhead is the least a run takes beyond its schedule (start,
	// warm-up, settle, final read, teardown).
	minOverhead = 10 * time.Second
)

// ShrinkStep is one candidate the shrinker ran.
type ShrinkStep struct {
	N          int      `json:"n"`
	Change     string   `json:"change"`
	Events     int      `json:"events"`
	Length     Duration `json:"length"`
	Reproduced bool     `json:"reproduced"`
	Took       Duration `json:"took"`
	Dir        string   `json:"dir,omitempty"`
	Error      string   `json:"error,omitempty"`
	// Breaks are the invariants the candidate broke.
	Breaks []string `json:"breaks,omitempty"`
}

// candidate is a smaller schedule and what was changed to get it.
type candidate struct {
	change string
	s      Schedule
}

// shrinker re-runs smaller schedules for real until none still breaks the
// invariant or the budget is spent.
type shrinker struct {
	env      session.Env
	logger   *slog.Logger
	progress func(string)
	inv      string
	deadline time.Time
	overhead time.Duration
	steps    []ShrinkStep
}

// Shrink cuts s down to the smallest schedule that still breaks the
// invariant first broke (the original run's attempt), within budget. It
// returns the smallest schedule found (s itself when nothing smaller
// reproduced) with its attempt and every step it tried.
func Shrink(ctx context.Context, env session.Env, s Schedule, first *Attempt, budget time.Duration, progress func(string)) (Schedule, *Attempt, []ShrinkStep) {
	if len(first.Breaks) == 0 {
		return s, first, nil
	}
	sh := &shrinker{
		env: env, logger: env.Logger, progress: progress, inv: first.Breaks[0].Invariant,
		deadline: time.Now().Add(budget), overhead: max(first.Took.D()-s.Length(), minOverhead),
	}
	if sh.logger == nil {
		sh.logger = slog.Default()
	}
	best, bestAttempt := s, first
	// failed holds the changes that did not reproduce on the current set of
	// events: retrying them after another change of timing is not worth a
	// run; a change of the event set clears it.
	failed := map[string]bool{}
	for ctx.Err() == nil {
		progressed := false
		for _, c := range candidates(best, bestAttempt, sh.inv) {
			if ctx.Err() != nil {
				break
			}
			if failed[c.change] {
				continue
			}
			if est := sh.overhead + c.s.Length(); time.Now().Add(est).After(sh.deadline) {
				sh.say(fmt.Sprintf("skip (%s): needs about %s, budget left %s", c.change, est.Round(time.Second), time.Until(sh.deadline).Round(time.Second)))
				continue
			}
			a, ok := sh.try(ctx, c)
			if !ok {
				failed[c.change] = true
				continue
			}
			if len(c.s.Events) != len(best.Events) {
				clear(failed)
			}
			best, bestAttempt, progressed = c.s, a, true
			break
		}
		if !progressed {
			break
		}
	}
	ended := "done"
	if ctx.Err() != nil {
		ended = "interrupted; smallest schedule that broke so far"
	}
	sh.say(fmt.Sprintf("%s: %d event(s) over %s after %d candidate(s)", ended, len(best.Events), best.Length(), len(sh.steps)))
	return best, bestAttempt, sh.steps
}

func (sh *shrinker) say(line string) {
	if sh.progress != nil {
		sh.logger.Debug("shrink", "progress", line)
		sh.progress("shrink: " + line)
		return
	}
	sh.logger.Info("shrink", "progress", line)
}

// try runs one candidate for real; ok when it broke the same invariant on
// two runs in a row: timing decides whether a fault at the edge of
// node-timeout breaks anything, and a minimal schedule that broke once by
// luck would not replay.
func (sh *shrinker) try(ctx context.Context, c candidate) (*Attempt, bool) {
	a, ok := sh.tryOnce(ctx, c, "")
	if ok {
		a, ok = sh.tryOnce(ctx, c, " again")
	}
	return a, ok
}

func (sh *shrinker) tryOnce(ctx context.Context, c candidate, again string) (*Attempt, bool) {
	n := len(sh.steps) + 1
	name := fmt.Sprintf("shrink-%02d", n)
	sh.say(fmt.Sprintf("candidate %d (%s%s): %d event(s) over %s", n, c.change, again, len(c.s.Events), c.s.Length()))
	step := ShrinkStep{N: n, Change: c.change + again, Events: len(c.s.Events), Length: Duration(c.s.Length())}
	start := time.Now()
	a, err := runSchedule(ctx, sh.env, c.s, name)
	step.Took = Duration(time.Since(start).Round(time.Millisecond))
	ok := false
	switch {
	case err != nil:
		step.Error = err.Error()
	case a.Error != "":
		step.Error, step.Dir = a.Error, a.Dir
	default:
		step.Dir = a.Dir
		for _, b := range a.Breaks {
			step.Breaks = append(step.Breaks, b.Invariant)
		}
		ok = a.Broke(sh.inv)
	}
	step.Reproduced = ok
	sh.steps = append(sh.steps, step)
	verdict := "does not break " + sh.inv
	switch {
	case ctx.Err() != nil:
		verdict = "interrupted before it could tell"
	case ok:
		verdict = "still breaks " + sh.inv
	}
	if step.Error != "" && ctx.Err() == nil {
		verdict += " (" + step.Error + ")"
	}
	sh.say(fmt.Sprintf("candidate %d %s in %s", n, verdict, step.Took.D()))
	return a, ok
}

// candidates lists smaller schedules, most promising first: only the
// event the break is blamed on; each other event dropped; every duration
// halved; every gap halved.
func candidates(s Schedule, a *Attempt, inv string) []candidate {
	var out []candidate
	blamed := ""
	for _, b := range a.Breaks {
		if b.Invariant == inv {
			blamed = b.Event
			break
		}
	}
	if len(s.Events) > 1 {
		for i, e := range s.Events {
			if e.ID == blamed {
				out = append(out, candidate{"keep only " + e.ID, keep(s, i)})
			}
		}
		for i := len(s.Events) - 1; i >= 0; i-- {
			if s.Events[i].ID != blamed {
				out = append(out, candidate{"drop " + s.Events[i].ID, drop(s, i)})
			}
		}
	}
	if c, ok := shorten(s, 2); ok {
		out = append(out, candidate{"halve durations", c})
	}
	if c, ok := shorten(s, 4); ok {
		out = append(out, candidate{"cut durations by a quarter", c})
	}
	if c, ok := earlier(s); ok {
		out = append(out, candidate{"halve gaps (move faults earlier)", c})
	}
	return out
}

func cloneEvents(s Schedule) Schedule {
	s.Events = append([]Event(nil), s.Events...)
	return s
}

// keep is s with only event i, as its own burst.
func keep(s Schedule, i int) Schedule {
	e := s.Events[i]
	e.Overlap = false
	s.Events = []Event{e}
	return s
}

// drop is s without event i; an event that overlapped it starts its own
// burst.
func drop(s Schedule, i int) Schedule {
	s = cloneEvents(s)
	s.Events = append(s.Events[:i], s.Events[i+1:]...)
	if i < len(s.Events) && s.Events[i].Overlap {
		s.Events[i].Overlap = false
	}
	if len(s.Events) > 0 {
		s.Events[0].Overlap = false
	}
	return s
}

// shorten cuts every duration above minDuration by 1/div (ok false when
// none is above it).
func shorten(s Schedule, div time.Duration) (Schedule, bool) {
	s = cloneEvents(s)
	changed := false
	for i := range s.Events {
		d := s.Events[i].Duration.D()
		if d > minDuration {
			s.Events[i].Duration = Duration(max(minDuration, (d - d/div).Round(100*time.Millisecond)))
			changed = true
		}
	}
	return s, changed
}

// earlier halves every gap above minGapShrink (ok false when none is).
func earlier(s Schedule) (Schedule, bool) {
	s = cloneEvents(s)
	changed := false
	for i := range s.Events {
		g := s.Events[i].Gap.D()
		if g > minGapShrink {
			s.Events[i].Gap = Duration((g / 2).Round(100 * time.Millisecond))
			changed = true
		}
	}
	return s, changed
}
