package reports

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// RTONoise is the RTO change below which Compare never flags a regression:
// readiness is probed at ≤ 50 ms intervals, so smaller moves are noise.
const RTONoise = 50 * time.Millisecond

// Comparison is the result of comparing two runs scenario by scenario.
//
// OnlyOld lists the scenarios of the old (base) run missing from the new
// one: each is a regression, since a run that silently lost a scenario must
// not pass a gate. OnlyNew lists scenarios new in the new run; they are
// reported but never fail. Regressions counts the regressed scenarios in
// Scenarios plus the missing ones.
type Comparison struct {
	MaxRegression float64         `json:"max_regression"`
	Scenarios     []ScenarioDelta `json:"scenarios"`
	OnlyOld       []string        `json:"only_old,omitempty"`
	OnlyNew       []string        `json:"only_new,omitempty"`
	Regressions   int             `json:"regressions"`
	// NewEmpty is set when the new run has no scenarios at all, which
	// always fails the comparison (even against an empty old run).
	NewEmpty bool `json:"new_empty,omitempty"`
}

// Regressed reports whether the new run fails the comparison: a scenario
// regressed or is missing, or the new run has no scenarios.
func (c Comparison) Regressed() bool { return c.Regressions > 0 || c.NewEmpty }

// ScenarioDelta compares one scenario present in both runs. Percentages are
// nil when the old value is zero (no meaningful ratio).
type ScenarioDelta struct {
	Name        string   `json:"name"`
	OldRTO      Millis   `json:"old_rto_ms"`
	NewRTO      Millis   `json:"new_rto_ms"`
	RTODelta    Millis   `json:"rto_delta_ms"`
	RTODeltaPct *float64 `json:"rto_delta_pct,omitempty"`
	OldLost     int64    `json:"old_acked_lost"`
	NewLost     int64    `json:"new_acked_lost"`
	LostDelta   int64    `json:"acked_lost_delta"`
	LostPct     *float64 `json:"acked_lost_delta_pct,omitempty"`
	OldStatus   Status   `json:"old_status"`
	NewStatus   Status   `json:"new_status"`
	Regression  bool     `json:"regression"`
	Reasons     []string `json:"reasons,omitempty"`
}

// Compare compares new against old, matching scenarios by name. A scenario
// regresses when
//   - its new RTO exceeds old × (1+maxRegression) AND the increase is more
//     than RTONoise (50 ms), or it was ready before and is not now;
//   - more acked writes were lost than before (any increase);
//   - its verdict got worse (pass → anything else, or fail/invalid → error).
//
// maxRegression is a fraction (0.1 = 10 %); negative or NaN is taken as 0.
// Scenarios present in only one run are listed in OnlyOld / OnlyNew; each
// one missing from new (OnlyOld) is a regression too, and a new run without
// any scenario sets NewEmpty.
func Compare(old, new Run, maxRegression float64) Comparison {
	if math.IsNaN(maxRegression) || maxRegression < 0 {
		maxRegression = 0
	}
	c := Comparison{MaxRegression: maxRegression, NewEmpty: len(new.Scenarios) == 0}
	// Two matrix runs pair each scenario on the same server; otherwise
	// scenarios pair by name (a run of one server against another's).
	key := func(r Run, s ScenarioResult) string { return s.Name }
	if multiServer(old) && multiServer(new) {
		key = CaseName
	}
	oldBy := map[string]ScenarioResult{}
	for _, s := range old.Scenarios {
		oldBy[key(old, s)] = s
	}
	seen := map[string]bool{}
	for _, n := range new.Scenarios {
		k := key(new, n)
		seen[k] = true
		o, ok := oldBy[k]
		if !ok {
			c.OnlyNew = append(c.OnlyNew, k)
			continue
		}
		d := delta(o, n, maxRegression)
		if d.Regression {
			c.Regressions++
		}
		c.Scenarios = append(c.Scenarios, d)
	}
	for _, o := range old.Scenarios {
		if k := key(old, o); !seen[k] {
			seen[k] = true // list a duplicated name once
			c.OnlyOld = append(c.OnlyOld, k)
			c.Regressions++
		}
	}
	return c
}

// OnServer returns run with only the scenarios that ran on server (a name
// such as "valkey-8.1"), and false when none did.
func OnServer(run Run, server string) (Run, bool) {
	out := run
	out.Scenarios = nil
	for _, s := range run.Scenarios {
		if serverName(s) == server {
			out.Scenarios = append(out.Scenarios, s)
		}
	}
	return out, len(out.Scenarios) > 0
}

// Servers returns the servers a run's scenarios ran on, in order.
func Servers(run Run) []string {
	var out []string
	for _, s := range run.Scenarios {
		if n := serverName(s); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Missing is the number of old scenarios missing from the new run.
func (c Comparison) Missing() int { return len(c.OnlyOld) }

func delta(o, n ScenarioResult, maxRegression float64) ScenarioDelta {
	d := ScenarioDelta{
		Name: n.Name, OldRTO: o.RTO, NewRTO: n.RTO, RTODelta: n.RTO - o.RTO,
		OldLost: o.Loss.Lost, NewLost: n.Loss.Lost, LostDelta: n.Loss.Lost - o.Loss.Lost,
		OldStatus: o.Verdict.Status, NewStatus: n.Verdict.Status,
	}
	if o.RTO > 0 {
		d.RTODeltaPct = ptr(100 * float64(d.RTODelta) / float64(o.RTO))
	}
	if o.Loss.Lost > 0 {
		d.LostPct = ptr(100 * float64(d.LostDelta) / float64(o.Loss.Lost))
	}
	switch {
	case o.Ready && !n.Ready:
		d.Reasons = append(d.Reasons, "was ready after "+o.RTO.String()+", now never ready")
	case o.Ready && n.Ready && d.RTODelta.D() > RTONoise && float64(n.RTO) > float64(o.RTO)*(1+maxRegression):
		d.Reasons = append(d.Reasons, fmt.Sprintf("rto %s → %s (+%s, %s > %.0f%% allowed)", o.RTO, n.RTO, d.RTODelta, pctText(d.RTODeltaPct), 100*maxRegression))
	}
	if d.LostDelta > 0 {
		d.Reasons = append(d.Reasons, fmt.Sprintf("acked lost %d → %d", o.Loss.Lost, n.Loss.Lost))
	}
	if worse(o.Verdict.Status, n.Verdict.Status) {
		d.Reasons = append(d.Reasons, fmt.Sprintf("verdict %s → %s", o.Verdict.Status, n.Verdict.Status))
	}
	d.Regression = len(d.Reasons) > 0
	return d
}

func worse(o, n Status) bool {
	rank := map[Status]int{StatusPass: 0, StatusSkip: 1, StatusInvalid: 1, StatusFail: 1, StatusError: 2, StatusInterrupted: 2}
	ro, okO := rank[o]
	rn, okN := rank[n]
	return okO && okN && rn > ro
}

func pctText(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", *p)
}
