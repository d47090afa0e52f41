package explore

import (
	"context"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Attempt is one real run of a schedule and what its evidence showed.
type Attempt struct {
	Name    string        `json:"name"`
	Dir     string        `json:"dir"`
	Started time.Time     `json:"started"`
	Took    Duration      `json:"took"`
	Events  int           `json:"events"`
	Length  Duration      `json:"length"`
	Breaks  []Break       `json:"breaks,omitempty"`
	Acked   int           `json:"acked"`
	Lost    int           `json:"lost"`
	Steps   []string      `json:"steps,omitempty"`
	Faults  []FaultWindow `json:"faults,omitempty"`
	// Verdict is the session checker's verdict of the same run, for
	// reference: explore judges by its invariants.
	Verdict reports.Verdict `json:"session_verdict"`
	// Error says why the run proves nothing (it could not be carried out).
	Error string `json:"error,omitempty"`
	// Result is the run's report (not written into explore.json).
	Result *reports.ScenarioResult `json:"-"`
}

// Broke reports whether the attempt broke the invariant named inv (any
// invariant when inv is empty).
func (a *Attempt) Broke(inv string) bool {
	for _, b := range a.Breaks {
		if inv == "" || b.Invariant == inv {
			return true
		}
	}
	return false
}

// runSchedule runs the schedule for real as one session plan named name
// and checks the invariants. The error is set only when nothing ran (the
// schedule does not compile); a run that proves nothing comes back with
// Attempt.Error.
func runSchedule(ctx context.Context, env session.Env, s Schedule, name string) (*Attempt, error) {
	p, err := s.Plan(name)
	if err != nil {
		return nil, err
	}
	env.Seed = s.Seed // the workload's mix and values follow the schedule's seed
	a := &Attempt{Name: name, Dir: env.EvidenceDir(name), Started: time.Now(), Events: len(s.Events), Length: Duration(s.Length())}
	out, err := session.Run(ctx, env, p)
	a.Took = Duration(time.Since(a.Started).Round(time.Millisecond))
	if out == nil {
		return nil, fmt.Errorf("run schedule %s: %w", name, err)
	}
	ev := out.Evidence
	a.Verdict, a.Acked, a.Lost = out.Result.Verdict, ev.Acked, ev.FinalRead.Lost
	res := out.Result
	a.Result = &res
	a.Faults = windows(ev)
	for _, st := range ev.Steps {
		a.Steps = append(a.Steps, st.String())
	}
	if ctx.Err() != nil {
		a.Error = "interrupted"
		return a, ctx.Err()
	}
	a.Breaks, err = Check(ev, s)
	if err != nil {
		a.Error = err.Error()
	}
	return a, nil
}
