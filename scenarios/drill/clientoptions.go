package drill

import (
	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
)

// libraryRetries is what a client of your own starts with: go-redis's
// default of 3 retries, where redisdrill's own clients never retry (its
// ledger must see every outcome).
const libraryRetries = 3

// ClusterOptions returns options for a cluster client of your own (your
// timeouts, retries and hooks): addresses, password and the dialer that
// reaches the containers from the host are filled in. It is nil unless the
// deployment is a cluster.
func (d *Deployment) ClusterOptions() *redis.ClusterOptions {
	if d == nil || d.dep == nil || d.dep.Topology.Kind != harness.KindCluster {
		return nil
	}
	return d.dep.ClusterOptions(harness.ClientOptions{MaxRetries: libraryRetries})
}

// FailoverOptions returns options for a go-redis failover client of your
// own (redis.NewFailoverClient): the Sentinels' addresses, the master name,
// password and dialer are filled in. It is nil unless the deployment was
// started WithSentinel.
func (d *Deployment) FailoverOptions() *redis.FailoverOptions {
	if d == nil || d.dep == nil || d.dep.Topology.Kind != harness.KindSentinel {
		return nil
	}
	return d.dep.FailoverOptions(harness.ClientOptions{MaxRetries: libraryRetries})
}

// Options returns options for a client of your own on a standalone or
// replicated deployment: it dials whichever node is the primary now (after
// a promotion too). It is nil for a cluster or a Sentinel deployment (use
// ClusterOptions or FailoverOptions).
func (d *Deployment) Options() *redis.Options {
	if d == nil || d.dep == nil {
		return nil
	}
	switch d.dep.Topology.Kind {
	case harness.KindStandalone, harness.KindReplicated:
		return d.dep.PrimaryOptions(harness.ClientOptions{MaxRetries: libraryRetries})
	}
	return nil
}
