// Package explore finds failures nobody wrote a scenario for: from a seed
// it draws a schedule of faults (kinds from the fault catalog, role-aware
// targets, durations, gaps and overlaps), runs the whole schedule as one
// long plan on the one drill session (scenarios/session), checks the
// invariants on the run's evidence (no acked write lost, never two
// write-accepting primaries for one slot, convergence after every heal
// within a bound, every backup the engine relied on verifies), and when an
// invariant breaks, shrinks the schedule by re-running smaller candidates
// for real until the smallest one that still breaks the same invariant is
// left.
//
// The same seed and configuration always give the same schedule, byte for
// byte (Schedule.Encode); a schedule file is everything a replay needs.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases.
package explore
