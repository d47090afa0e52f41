// Package session is the one implementation of a drill run. Scenarios from
// the registry, game-day plans, the rollback bench and library users all
// describe their drill as a Plan and run it here:
//
//	start → warm-up → backup point → inject → recover → ready → heal →
//	settle → final read → evidence → verdict
//
// The engine is armed before a fault that a "recover engine" step follows,
// and acts on what it detects while the fault step is still running; the
// recover step collects its recovery (recovery.Engine.Watch).
//
// One clock: t0 is the instant the first fault's first destructive action
// began (fault.Injection.Start) and RTO = t_ready − t0, t_ready taken from
// the per-shard probe. One checker: Judge turns a run's evidence into its
// verdict, and every caller (Ginkgo spec, CLI drill, plan run, bench) gets
// the verdict from it. One evidence folder per run, with the file names of
// reports/evidence.go, from which scenarios/audit recomputes every figure
// without sharing code with this package.
//
// Detection is reported with its mode (Evidence.DetectMode): an engine
// plan runs in "auto" (Docker events and probes) unless its EngineSpec or
// Env.DetectMode says "probe" (only what a sidecar next to Redis sees;
// Env's mode overrides every plan's). Native runs have no mode.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package session
