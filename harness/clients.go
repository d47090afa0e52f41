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
	o := opts.WithDefaults()
	if dep.Topology.Kind == KindSentinel {
		return dep.sentinelClient(o)
	}
	if dep.Topology.Kind == KindCluster {
		var addrs []string
		for _, n := range dep.Nodes() {
			addrs = append(addrs, n.Addr())
		}
		cc := redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: addrs, Password: dep.Topology.Password, Dialer: dep.dialer.DialContext,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			MaxRetries: o.MaxRetries, MaxRedirects: 3, PoolSize: o.PoolSize, DialerRetries: 1,
			ContextTimeoutEnabled: true,
		})
		RefreshSlotsOnNetError(cc)
		return cc
	}
	dep.dialer.setResolver(func(addr string) string {
		if addr == primaryAlias {
			return net.JoinHostPort(dep.Primary().IP(), strconv.Itoa(RedisPort))
		}
		return addr
	})
	return redis.NewClient(&redis.Options{
		Addr: primaryAlias, Password: dep.Topology.Password, Dialer: dep.dialer.DialContext,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		MaxRetries: o.MaxRetries, PoolSize: o.PoolSize, ContextTimeoutEnabled: true, DialerRetries: 1,
	})
}
