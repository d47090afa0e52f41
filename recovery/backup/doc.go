// Package backup makes and keeps Redis backups: a catalog on disk (one
// folder per backup, an atomically written manifest.json, verification
// before use, safe pruning), live RDB backups pulled over the replication
// protocol (what redis-cli --rdb does), data-dir snapshots of harness nodes
// and whole-cluster backups (one RDB per shard plus the topology).
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package backup
