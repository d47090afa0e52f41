package session

import (
	"slices"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
)

// Live is what a run shows while it goes on, for a metrics endpoint or a
// dashboard: the scenario running, its traffic, and each recovery as it
// ends. One Live may follow many runs in turn (Env.Live); it is safe for
// concurrent use, and a nil *Live ignores every update.
type Live struct {
	mu         sync.Mutex
	scenario   string
	traffic    *Traffic
	recoveries []LiveRecovery
	finished   map[string]LiveResult
}

// LiveRecovery is one recovery, reported when the deployment takes writes
// again after it.
type LiveRecovery struct {
	Scenario string
	Strategy string
	// Ready is t0 → the first instant every shard took writes again (the
	// recover step's view; the final RTO is computed at the end of the run).
	Ready time.Duration
	// Spans sums the engine's span durations by name.
	Spans map[string]time.Duration
}

// LiveResult is a finished scenario's headline.
type LiveResult struct {
	RTO       time.Duration
	AckedLost int64
	Pass      bool
}

// LiveSnapshot is a consistent copy of what Live knows.
type LiveSnapshot struct {
	// Scenario is the run in progress ("" between runs).
	Scenario string
	// Ops counts the workload's ops by outcome so far.
	Ops workload.Counts
	// Latency holds quantiles (0.5, 0.9, 0.99) of acknowledged ops'
	// latency (complete − invoke).
	Latency map[float64]time.Duration
	// Shards says, per shard, whether the last probe round wrote to it.
	Shards     []bool
	Recoveries []LiveRecovery
	Finished   map[string]LiveResult
}

func (l *Live) start(scenario string, t *Traffic) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.scenario, l.traffic = scenario, t
}

func (l *Live) recovered(rep *recovery.Report, ready time.Duration) {
	if l == nil {
		return
	}
	r := LiveRecovery{Ready: ready, Spans: map[string]time.Duration{}}
	if rep != nil {
		r.Strategy = rep.Strategy
		for _, sp := range rep.Spans {
			r.Spans[sp.Name] += sp.Duration()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r.Scenario = l.scenario
	l.recoveries = append(l.recoveries, r)
}

func (l *Live) finish(scenario string, res LiveResult) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.finished == nil {
		l.finished = map[string]LiveResult{}
	}
	l.finished[scenario] = res
	if l.scenario == scenario {
		l.scenario, l.traffic = "", nil
	}
}

// Snapshot returns what Live knows now.
func (l *Live) Snapshot() LiveSnapshot {
	if l == nil {
		return LiveSnapshot{}
	}
	l.mu.Lock()
	s := LiveSnapshot{Scenario: l.scenario, Recoveries: slices.Clone(l.recoveries), Finished: map[string]LiveResult{}}
	for k, v := range l.finished {
		s.Finished[k] = v
	}
	t := l.traffic
	l.mu.Unlock()
	if t == nil {
		return s
	}
	if t.Workload != nil {
		var ok []time.Duration
		for _, op := range t.Workload.Ledger().Ops() {
			if op.Outcome == workload.OK {
				ok = append(ok, op.Latency())
			}
			s.Ops.Total++
			switch op.Outcome {
			case workload.OK:
				s.Ops.OK++
			case workload.Fail:
				s.Ops.Fail++
			default:
				s.Ops.Unknown++
			}
		}
		if len(ok) > 0 {
			slices.Sort(ok)
			s.Latency = map[float64]time.Duration{}
			for _, q := range []float64{0.5, 0.9, 0.99} {
				s.Latency[q] = ok[min(len(ok)-1, int(q*float64(len(ok))))]
			}
		}
	}
	if t.Prober != nil {
		if ticks := t.Prober.Ticks(); len(ticks) > 0 {
			s.Shards = slices.Clone(ticks[len(ticks)-1].Shards)
		}
	}
	return s
}
