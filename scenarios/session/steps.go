package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/verify"
)

// StepRecord is what one step did and when.
type StepRecord struct {
	Index  int       `json:"index"`
	ID     string    `json:"id"`
	Action string    `json:"action"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Detail string    `json:"detail,omitempty"`
	Error  string    `json:"error,omitempty"`
	Err    error     `json:"-"`
}

// String renders a step record on one line.
func (s StepRecord) String() string {
	st := "ok"
	if s.Error != "" {
		st = "FAILED: " + s.Error
	}
	d := ""
	if s.Detail != "" {
		d = " (" + s.Detail + ")"
	}
	return fmt.Sprintf("step %d %s [%s] %s in %v%s", s.Index+1, s.Action, s.ID, st, s.End.Sub(s.Start).Round(time.Millisecond), d)
}

// step carries out step i of the plan and returns a short detail. A fault that
// cannot be injected stops the run (the drill could not be carried out);
// any other failed step is recorded and judged.
func (s *session) step(ctx context.Context, i int) (string, error) {
	st := s.plan.Steps[i]
	switch st.Action() {
	case "fault":
		return s.inject(ctx, st, s.engineRecoversNext(i))
	case "wait":
		return "", harness.Sleep(ctx, st.Wait)
	case "recover":
		return s.recover(ctx, st.Recover)
	case "heal":
		return "", s.heal(ctx, st.Heal)
	case "backup":
		return s.backup(ctx)
	case "verify":
		return s.verify(ctx, *st.Verify)
	}
	return "", fmt.Errorf("step %s: no action", st.ID)
}

// injectError marks a fault that could not be injected: the run stops.
type injectError struct{ err error }

func (e *injectError) Error() string { return e.err.Error() }
func (e *injectError) Unwrap() error { return e.err }

// engineRecoversNext reports whether step i is followed by a "recover
// engine" step: the engine is then armed before step i's fault.
func (s *session) engineRecoversNext(i int) bool {
	return s.eng != nil && i+1 < len(s.plan.Steps) && s.plan.Steps[i+1].Action() == "recover" &&
		s.plan.Steps[i+1].Recover == RecoverEngine
}

// inject applies a fault step. With watch, the engine's watch is armed
// before the fault's first action, so it detects and recovers while Apply
// is still running (a stop + corrupt + restart fault takes 0.5–2 s to
// return); the next recover step collects it.
func (s *session) inject(ctx context.Context, st Step, watch bool) (string, error) {
	params := st.Fault.Params
	if params.Target.Role == fault.RoleNode {
		name, err := nodeName(s.dep.Engine(), params.Target.Node)
		if err != nil {
			return "", &injectError{err}
		}
		params.Target.Node = name
	}
	f, err := fault.New(st.Fault.Name, params)
	if err != nil {
		return "", &injectError{err}
	}
	if len(s.order) > 0 && s.ev.MeasuredUntil.IsZero() {
		// The first fault's RTO is measured until the next fault begins.
		s.ev.MeasuredUntil = time.Now()
	}
	if s.eng != nil && len(s.order) > 0 {
		// Arm the engine for this fault (the first was armed by the warm-up).
		if err := s.eng.Refresh(ctx); err != nil {
			return "", fmt.Errorf("refresh engine: %w", err)
		}
	}
	if watch {
		s.pending = s.eng.Watch(ctx)
	}
	inj, err := s.apply(ctx, f)
	if inj != nil {
		s.injections[st.ID] = inj
		s.order = append(s.order, st.ID)
	}
	if err != nil {
		s.pending.Stop()
		s.pending = nil
		return "", &injectError{fmt.Errorf("inject %s: %w", st.Fault.Name, err)}
	}
	detail := strings.Join(inj.Record().Targets, ",")
	if s.pending != nil {
		s.pending.SetOnset(inj.Start)
		if at := s.pending.Detected(); !at.IsZero() && at.Before(inj.Applied) {
			// The engine saw the failure before the fault step returned.
			detail = strings.TrimPrefix(detail+fmt.Sprintf("; engine detected it at +%s, the fault returned at +%s",
				max(at.Sub(inj.Start), 0).Round(time.Millisecond), inj.Applied.Sub(inj.Start).Round(time.Millisecond)), "; ")
		}
	}
	s.logger.Info("fault injected", "fault", st.Fault.Name, "onset", inj.Start.Format("15:04:05.000"),
		"took", inj.Applied.Sub(inj.Start).Round(time.Millisecond))
	if st.Fault.HealAfter > 0 {
		done := make(chan struct{})
		s.heals = append(s.heals, done)
		go func() {
			defer close(done)
			// Counted from when the fault is in full effect, not from its
			// onset: a fault that touches several nodes (a minority
			// partition: one exec per node) takes a while to apply on a
			// loaded host, and a partition meant to outlast node-timeout
			// must not be cut short by it.
			_ = harness.Sleep(ctx, time.Until(inj.Applied.Add(st.Fault.HealAfter)))
			if err := inj.Heal(ctx); err != nil {
				s.logger.Warn("scheduled heal failed", "err", err)
			}
			s.readmitFenced(ctx)
		}()
	}
	return detail, nil
}

// apply injects f (fault.Apply, or the test's Env.applyFault).
func (s *session) apply(ctx context.Context, f fault.Fault) (*fault.Injection, error) {
	if s.env.applyFault != nil {
		return s.env.applyFault(ctx, s.dep.Engine(), f, s.pending)
	}
	return fault.Apply(ctx, s.dep.Engine(), f)
}

// nodeName maps a plan's node name "nK" to the K-th node's container name;
// any other name is taken as a container name.
func nodeName(dep deploy.Deployment, name string) (string, error) {
	k, ok := NodeIndex(name)
	if !ok {
		return name, nil
	}
	for _, n := range dep.AllNodes() {
		if in, ok := n.(interface{ Index() int }); ok && in.Index() == k {
			return n.Name(), nil
		}
	}
	return "", fmt.Errorf("resolve node %s: no such node", name)
}

// lastOnset is the onset of the newest fault: the clock of the next
// recover step.
func (s *session) lastOnset() time.Time {
	return s.injections[s.order[len(s.order)-1]].Start
}

func (s *session) recover(ctx context.Context, how string) (string, error) {
	since := s.lastOnset()
	rctx, cancel := context.WithDeadline(ctx, since.Add(s.plan.RTOTimeout))
	defer cancel()
	var detail string
	var recErr error
	if how == RecoverEngine {
		// Armed before the fault, the engine may be done already; after
		// a step between the fault and this one (a wait), which delays it
		// on purpose, it starts now.
		w := s.pending
		s.pending = nil
		rep, err := s.eng.Collect(rctx, w, since)
		switch {
		case errors.Is(err, recovery.ErrNoFailure) && s.plan.Expect.NoAction:
			detail = "no failure seen: no action"
		default:
			if rep != nil {
				s.out.Recoveries = append(s.out.Recoveries, rep)
				detail = "strategy " + rep.Strategy
			}
			if err != nil {
				recErr = fmt.Errorf("recover: %w", err)
			}
		}
	}
	// The step waits until every shard took writes for ReadyStable; the
	// reported t_ready is computed from every tick at the end of the
	// measurement (see session.collect), so a later relapse counts.
	tReady, err := s.traffic.Prober.WaitReady(rctx, since, ReadyStable)
	if ctx.Err() != nil {
		return detail, ctx.Err()
	}
	if err != nil {
		return detail, errors.Join(recErr, fmt.Errorf("not ready within %s of the fault: %w", s.plan.RTOTimeout, err))
	}
	var rep *recovery.Report
	if n := len(s.out.Recoveries); n > 0 && how == RecoverEngine {
		rep = s.out.Recoveries[n-1]
	}
	s.env.Live.recovered(rep, tReady.Sub(since))
	if detail != "" {
		detail += ", "
	}
	return detail + "ready after " + tReady.Sub(since).Round(time.Millisecond).String(), recErr
}

func (s *session) heal(ctx context.Context, id string) error {
	ids := []string{id}
	if id == "all" {
		ids = s.order
	}
	var errs []error
	for _, i := range ids {
		inj, ok := s.injections[i]
		if !ok {
			errs = append(errs, fmt.Errorf("heal %s: fault was not injected", i))
			continue
		}
		if err := inj.Heal(ctx); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

func (s *session) backup(ctx context.Context) (string, error) {
	m, err := backup.ClusterBackup(ctx, s.dep.Engine(), s.cat)
	if err != nil {
		return "", err
	}
	rep, err := s.cat.Verify(m.ID)
	if err != nil {
		return "", fmt.Errorf("verify backup %s: %w", m.ID, err)
	}
	if !rep.OK {
		return "", fmt.Errorf("backup %s does not verify: %s", m.ID, strings.Join(rep.Problems, "; "))
	}
	s.out.Backups = append(s.out.Backups, m)
	return fmt.Sprintf("%s, %d keys", m.ID, m.Keys), nil
}

func (s *session) verify(ctx context.Context, v VerifyStep) (string, error) {
	if v.AfterHeals {
		for _, done := range s.heals {
			select {
			case <-done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	opts := verify.Options{ExpectReplicas: v.ExpectReplicas}
	within := v.Within
	if within <= 0 {
		within = DefaultVerifyWithin
	}
	deadline := time.Now().Add(within)
	for {
		res := verify.Check(ctx, s.dep.Engine(), nil, opts)
		if res.OK() || !time.Now().Before(deadline) || ctx.Err() != nil {
			s.out.Verifies = append(s.out.Verifies, res)
			if !res.OK() {
				return "", errors.New(strings.ReplaceAll(res.String(), "\n", "; "))
			}
			return fmt.Sprintf("%d checks passed", len(res.Checks)), nil
		}
		if err := harness.Sleep(ctx, 500*time.Millisecond); err != nil {
			return "", err
		}
	}
}

// shardPrimaries names the primary of each shard (by lowest slot) as the
// first node that answers sees it; nil when none answers.
func shardPrimaries(ctx context.Context, dep deploy.Deployment) []string {
	if dep.Topology().Kind != harness.KindCluster {
		if p := dep.Primary(); p != nil {
			return []string{p.Name()}
		}
		return nil
	}
	shards, err := deploy.LiveShards(ctx, dep)
	if err != nil {
		return nil
	}
	out := make([]string, len(shards))
	for i, sh := range shards {
		out[i] = sh.PrimaryID
		if sh.Primary != nil {
			out[i] = sh.Primary.Name()
		}
	}
	return out
}
