// Package workload drives concurrent writers against a Redis deployment and
// records every operation in a Ledger (invoke time, complete time, outcome
// ok / fail / unknown, error text), reads the ledger's keys back at the end of
// a drill to count lost and recovered writes, and probes every shard for
// writability at intervals of at most MaxProbeInterval to measure RTO.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package workload
