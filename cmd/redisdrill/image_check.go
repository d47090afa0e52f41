package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios"
)

// checkImage prints one line per requirement of ref and fails (exit 1)
// unless every hard requirement is met. A requirement whose faults a
// registered scenario uses is hard too: `redisdrill drill` runs them all.
func checkImage(ctx context.Context, a *app, ref string) error {
	d, err := a.docker(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	check, err := harness.CheckImage(ctx, d, ref)
	if err != nil {
		return err
	}
	var missing, optional []string
	for _, r := range check.Results {
		drills := drillsUsing(r.Faults)
		hard := r.Hard || len(drills) > 0
		line := r.Name + " ok"
		switch {
		case r.Unchecked:
			line = r.Name + " not checked"
		case !r.OK:
			line = r.Name + " missing: " + r.Without
			if len(drills) > 0 {
				line += "; the drills " + strings.Join(drills, ", ") + " need it"
			}
		}
		if r.Detail != "" {
			line += " (" + r.Detail + ")"
		}
		a.printf("%s\n", line)
		switch {
		case r.OK, r.Unchecked:
		case hard:
			missing = append(missing, r.Name)
		default:
			optional = append(optional, r.Name)
		}
	}
	if !check.Qualifies() && len(missing) == 0 {
		missing = append(missing, "(requirements could not be checked)")
	}
	if len(missing) > 0 {
		return failed(fmt.Errorf("image %s does not qualify to run drills: missing %s", ref, strings.Join(missing, ", ")))
	}
	if len(optional) > 0 {
		a.printf("%s qualifies to run every registered drill; optional %s missing (see above what will not run)\n", ref, strings.Join(optional, ", "))
		return nil
	}
	a.printf("%s qualifies to run drills: every requirement is met\n", ref)
	return nil
}

// drillsUsing names the registered scenarios whose fault is one of faults.
func drillsUsing(faults []string) []string {
	var out []string
	for _, s := range scenarios.All() {
		if slices.Contains(faults, s.Fault) {
			out = append(out, s.Name)
		}
	}
	return out
}
