// Package harness runs Redis deployments in Docker containers for
// redisdrill: a Redis Cluster of any shards × replicas, a primary with
// replicas (alone, or watched by Sentinels on nodes of their own), or a
// standalone node, each node a testcontainers-go container on a private
// network with its data dir on a named volume.
//
// Start forms a Topology and waits until it serves (every slot covered,
// replicas synced); a Deployment then knows its nodes by role (Primary,
// Shards, Nodes), reads node files while a node is stopped, adds spares and
// retires nodes. Every container, network and volume is labelled LabelRun
// and LabelOwner, so Prune removes a run's leftovers even after a crash.
// Node images are built locally from Debian packages (EnsureImage), never
// pulled.
//
// The harness reads the process environment (REDISDRILL_*, DOCKER_HOST and
// testcontainers-go's own variables) but never writes it: programs call
// ApplyTestcontainersDefaults at their entry point.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package harness
