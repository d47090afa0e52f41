package drill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Option configures Run.
type Option func(*config)

type config struct {
	topo   harness.Topology
	image  string
	server string
	logger *slog.Logger
}

// WithCluster makes the deployment a Redis Cluster of primaries shards with
// replicas replicas each (the default is 3 × 1).
func WithCluster(primaries, replicas int) Option {
	return func(c *config) {
		c.topo.Kind, c.topo.Primaries, c.topo.Replicas = harness.KindCluster, primaries, replicas
	}
}

// WithReplicated makes the deployment one primary with replicas replicas
// and no cluster.
func WithReplicated(replicas int) Option {
	return func(c *config) {
		c.topo.Kind, c.topo.Primaries, c.topo.Replicas = harness.KindReplicated, 1, replicas
	}
}

// WithSentinel makes the deployment one primary with replicas replicas,
// watched by three Sentinels (each on a node of its own, from the same
// Debian suite as the server) that fail over after the node timeout
// (down-after-milliseconds, default 5 s, as WithNodeTimeout sets it).
// Client is then a failover client that asks the Sentinels for the primary.
func WithSentinel(replicas int) Option {
	return func(c *config) {
		c.topo.Kind, c.topo.Primaries, c.topo.Replicas = harness.KindSentinel, 1, replicas
	}
}

// WithStandalone makes the deployment a single server, no replicas.
func WithStandalone() Option {
	return func(c *config) {
		c.topo.Kind, c.topo.Primaries, c.topo.Replicas = harness.KindStandalone, 1, 0
	}
}

// WithNodeTimeout sets the node timeout (default 5 s): cluster-node-timeout
// on a cluster, the Sentinels' down-after-milliseconds under Sentinel.
func WithNodeTimeout(d time.Duration) Option {
	return func(c *config) { c.topo.NodeTimeout = d }
}

// WithDurableWrites turns on AOF with appendfsync always: an acknowledged
// write survives a killed process (pair it with WAIT 1 in your client for
// a lost primary).
func WithDurableWrites() Option {
	return func(c *config) { c.topo.Persistence, c.topo.AppendFsync = harness.PersistAOF, "always" }
}

// WithTopology replaces the whole topology (see harness.Topology).
func WithTopology(t harness.Topology) Option {
	return func(c *config) { c.topo = t }
}

// WithImage runs the given local image instead of redisdrill's own; it must
// hold redis-server, sh, ip, tc and nft (see `redisdrill image --check`).
func WithImage(ref string) Option {
	return func(c *config) { c.image = ref }
}

// WithServer runs server name ("redis-7.0", "redis-8.0", "valkey-8.0",
// "valkey-8.1", "valkey-9" or an alias), building its image from Debian's
// packages when missing. WithImage, when also given, wins.
func WithServer(name string) Option {
	return func(c *config) { c.server = name }
}

// WithLogger sends the harness's and the engine's progress to logger
// (default: discarded).
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// Deployment is a running Redis deployment started by Run.
type Deployment struct {
	docker *harness.Docker
	dep    *harness.Deployment
	client redis.UniversalClient
	logger *slog.Logger
}

// Run starts a deployment and waits until it serves. On error every
// container it created is removed; the returned handle is then nil, and
// calling Terminate on it is still safe.
func Run(ctx context.Context, opts ...Option) (*Deployment, error) {
	c := config{topo: rediskit.DefaultCluster(), logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&c)
	}
	if err := c.topo.Validate(); err != nil {
		return nil, fmt.Errorf("run deployment: %w", err)
	}
	d, err := harness.NewDocker(ctx)
	if err != nil {
		return nil, fmt.Errorf("run deployment: %w", err)
	}
	if err := harness.CheckReaper(ctx, d); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("run deployment: %w", err)
	}
	image := c.image
	if image == "" {
		ensure := func() (harness.ImageInfo, error) { return harness.EnsureImage(ctx, d, c.logger) }
		if c.server != "" {
			srv, err := harness.LookupServer(c.server)
			if err != nil {
				_ = d.Close()
				return nil, fmt.Errorf("run deployment: %w", err)
			}
			ensure = func() (harness.ImageInfo, error) { return harness.EnsureServerImage(ctx, d, srv, c.logger) }
		}
		info, err := ensure()
		if err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("run deployment: %w", err)
		}
		image = info.Ref
	}
	dep, err := harness.Start(ctx, d, c.topo, harness.StartOptions{Image: image, Logger: c.logger})
	if err != nil {
		terr := dep.Terminate(context.WithoutCancel(ctx))
		_ = d.Close()
		return nil, fmt.Errorf("run deployment: %w", errors.Join(err, terr))
	}
	return &Deployment{docker: d, dep: dep, logger: c.logger, client: dep.Client(harness.ClientOptions{})}, nil
}

// Server returns the server the deployment runs ("valkey-8.1", or
// "custom" for a WithImage image without redisdrill's labels) and its
// version as the image records it.
func (d *Deployment) Server() (name, version string) {
	if d == nil || d.dep == nil {
		return "", ""
	}
	return d.dep.Server.Name, d.dep.ServerVersion
}

// Terminate removes every container, network and volume of the deployment.
// It is safe on a nil handle and when called twice.
func (d *Deployment) Terminate(ctx context.Context) error {
	if d == nil || d.dep == nil {
		return nil
	}
	if d.client != nil {
		_ = d.client.Close()
	}
	err := d.dep.Terminate(ctx)
	_ = d.docker.Close()
	d.dep, d.client = nil, nil
	if err != nil {
		return fmt.Errorf("terminate deployment: %w", err)
	}
	return nil
}

// Addrs returns each node's address as the nodes announce it (container
// ip:port). Reach them from the host through ClusterOptions, FailoverOptions
// or Options, whose dialer maps these addresses to the published ports.
func (d *Deployment) Addrs() []string {
	var out []string
	for _, n := range d.dep.Nodes() {
		out = append(out, n.Addr())
	}
	return out
}

// Client returns the deployment's own ready client: a *redis.ClusterClient
// for a cluster, otherwise a *redis.Client that follows the primary. It is
// closed by Terminate.
func (d *Deployment) Client() redis.UniversalClient { return d.client }

// Harness returns the underlying harness deployment, for what this package
// does not wrap (node files, single nodes, faults by hand).
func (d *Deployment) Harness() *harness.Deployment { return d.dep }
