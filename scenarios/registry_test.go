package scenarios

import "testing"

// Every scenario has a finite loss bound and an RTO bound and compiles to a
// plan that validates against its own topology.
func TestEveryScenarioIsBounded(t *testing.T) {
	for _, sc := range All() {
		if err := sc.withDefaults().Validate(); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
		if sc.Expect.RTOMax >= sc.withDefaults().RTOTimeout {
			t.Errorf("%s: RTO bound %s is not below the %s timeout", sc.Name, sc.Expect.RTOMax, sc.withDefaults().RTOTimeout)
		}
	}
}
