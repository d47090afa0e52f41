// Package drillmatchers holds Gomega matchers for drill.Result:
//
//	Expect(res).To(drillmatchers.RecoverWithin(2 * time.Second))
//	Expect(res).To(drillmatchers.LoseNoAckedWrites())
//	Expect(res).To(drillmatchers.LoseAtMost(100))
package drillmatchers

import (
	"fmt"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/redisdrill/redisdrill/scenarios/drill"
)

type resultMatcher struct {
	what  string
	check func(r *drill.Result) (bool, string)
	why   string
}

func (m *resultMatcher) Match(actual any) (bool, error) {
	r, ok := actual.(*drill.Result)
	if !ok || r == nil {
		return false, fmt.Errorf("%s: want a non-nil *drill.Result, got %T", m.what, actual)
	}
	ok, why := m.check(r)
	m.why = why
	return ok, nil
}

func (m *resultMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected the recovery to %s, but %s\n\t%v", m.what, m.why, actual)
}

func (m *resultMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected the recovery not to %s, but it did: %s\n\t%v", m.what, m.why, actual)
}

// RecoverWithin succeeds when the recovery's RTO is at most d: the RTO your
// client saw when Result.Measure ran, else the end of the engine's
// verification. A recovery the engine could not verify never matches.
func RecoverWithin(d time.Duration) types.GomegaMatcher {
	return &resultMatcher{what: fmt.Sprintf("recover within %v", d), check: func(r *drill.Result) (bool, string) {
		if !r.Verified {
			return false, "the engine's verification did not pass"
		}
		return r.RTO() <= d, fmt.Sprintf("its RTO was %v", r.RTO().Round(time.Millisecond))
	}}
}

// LoseNoAckedWrites succeeds when Result.Measure ran and found every
// acknowledged write.
func LoseNoAckedWrites() types.GomegaMatcher { return loseAtMost(0, "lose no acknowledged write") }

// LoseAtMost succeeds when Result.Measure ran and at most n acknowledged
// writes were lost.
func LoseAtMost(n int) types.GomegaMatcher {
	return loseAtMost(n, fmt.Sprintf("lose at most %d acknowledged writes", n))
}

func loseAtMost(n int, what string) types.GomegaMatcher {
	return &resultMatcher{what: what, check: func(r *drill.Result) (bool, string) {
		if !r.Measured {
			return false, "Result.Measure was not called, so no loss was measured"
		}
		return r.AckedLost <= n, fmt.Sprintf("%d of %d acknowledged writes were lost (e.g. %v)", r.AckedLost, r.AckedWrites, r.LostKeys)
	}}
}
