// Package bench measures how fast redisdrill brings a Redis Cluster back
// (every recovery strategy) beside Redis's own mechanisms (failover, replica
// full sync) and beside the floors a restore cannot beat on the same files:
// container start, raw RDB / AOF load and the copy into the container. It
// also compares backup speed with `redis-cli --rdb`. Results are kept with
// every raw sample (bench.json) and drawn as a self-contained bench.html.
// RunSetup times something else: how long a deployment takes from
// harness.Start to ready, per server and topology.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package bench
