package harness

import (
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// primaryAlias is the address clients of a non-cluster deployment dial; the
// dialer resolves it to whichever node is the primary now.
const primaryAlias = "primary.redisdrill.invalid:6379"

// ClientOptions tune host clients. Zero values take the defaults.
type ClientOptions struct {
	DialTimeout  time.Duration // default 500ms
	ReadTimeout  time.Duration // default 1s
	WriteTimeout time.Duration // default 1s
	MaxRetries   int           // default -1 (no retries: the ledger must see every outcome)
	PoolSize     int           // default 16
}

// WithDefaults fills the zero fields with their defaults.
func (o ClientOptions) WithDefaults() ClientOptions {
	if o.DialTimeout == 0 {
		o.DialTimeout = 500 * time.Millisecond
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = time.Second
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = -1
	}
	if o.PoolSize == 0 {
		o.PoolSize = 16
	}
	return o
}

// Client returns a host client for the deployment: a ClusterClient for a
// cluster, a failover client that asks the Sentinels for the primary for
// KindSentinel, otherwise a client that always dials the current primary.
func (dep *Deployment) Client(opts ClientOptions) redis.UniversalClient {
	switch dep.Topology.Kind {
	case KindSentinel:
		return redis.NewFailoverClient(dep.FailoverOptions(opts))
	case KindCluster:
		cc := redis.NewClusterClient(dep.ClusterOptions(opts))
		RefreshSlotsOnNetError(cc)
		return cc
	}
	return redis.NewClient(dep.PrimaryOptions(opts))
}

// ClusterOptions returns options for a cluster client of a KindCluster
// deployment: every node's address, the password and the dialer that
// reaches the nodes from the host.
func (dep *Deployment) ClusterOptions(opts ClientOptions) *redis.ClusterOptions {
	o := opts.WithDefaults()
	var addrs []string
	for _, n := range dep.Nodes() {
		addrs = append(addrs, n.Addr())
	}
	return &redis.ClusterOptions{
		Addrs: addrs, Password: dep.Topology.Password, Dialer: dep.dialer.DialContext,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		MaxRetries: o.MaxRetries, MaxRedirects: 3, PoolSize: o.PoolSize, DialerRetries: 1,
		ContextTimeoutEnabled: true,
	}
}

// PrimaryOptions returns options for a client of a standalone or replicated
// deployment that always dials the node that is the primary now (the dialer
// resolves the address to it).
func (dep *Deployment) PrimaryOptions(opts ClientOptions) *redis.Options {
	o := opts.WithDefaults()
	dep.dialer.setResolver(func(addr string) string {
		if addr == primaryAlias {
			return net.JoinHostPort(dep.Primary().IP(), strconv.Itoa(RedisPort))
		}
		return addr
	})
	return &redis.Options{
		Addr: primaryAlias, Password: dep.Topology.Password, Dialer: dep.dialer.DialContext,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		MaxRetries: o.MaxRetries, PoolSize: o.PoolSize, ContextTimeoutEnabled: true, DialerRetries: 1,
	}
}
