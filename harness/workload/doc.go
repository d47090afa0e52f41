// Package workload drives concurrent writers against a Redis deployment and
// records every operation in a Ledger (invoke time, complete time, outcome
// ok / fail / unknown, error text), reads the ledger's keys back at the end of
// a drill to count lost and recovered writes, and probes every shard for
// writability at short intervals to measure RTO (DESIGN.md §3).
package workload
