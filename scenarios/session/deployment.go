package session

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/process"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Providers a run can start its deployment with.
const (
	// ProviderDocker runs each node as a container (package harness).
	ProviderDocker = "docker"
	// ProviderProcess runs each node as a supervised server process on
	// this host (package harness/process): no Docker at all.
	ProviderProcess = "process"
)

// Deployment is a started deployment as a run drives it, whatever
// provider started it.
type Deployment interface {
	// Engine is the deployment as the engine, the faults, the backups and
	// the checks see it.
	Engine() deploy.Deployment
	// Client returns a client of the whole deployment: cluster-aware, or
	// one that always reaches the current primary.
	Client(opts harness.ClientOptions) redis.UniversalClient
	// WaitReadyWithin waits until the topology serves again, at most d.
	WaitReadyWithin(ctx context.Context, d time.Duration) error
	// Terminate removes everything the deployment started.
	Terminate(ctx context.Context) error
	// Describe names what runs: the image (or binary) and the server.
	Describe() (image, server, version string)
	// Extra are machines outside the topology whose logs are evidence
	// too (a Sentinel deployment's Sentinels).
	Extra() []deploy.Node
	// Docker is the Docker deployment, nil on another provider.
	Docker() *harness.Deployment
}

// dockerDeployment is a Deployment of the Docker provider.
type dockerDeployment struct{ dep *harness.Deployment }

func (d dockerDeployment) Engine() deploy.Deployment { return d.dep.Engine() }
func (d dockerDeployment) Client(o harness.ClientOptions) redis.UniversalClient {
	return d.dep.Client(o)
}
func (d dockerDeployment) WaitReadyWithin(ctx context.Context, t time.Duration) error {
	return d.dep.WaitReadyWithin(ctx, t)
}
func (d dockerDeployment) Terminate(ctx context.Context) error { return d.dep.Terminate(ctx) }
func (d dockerDeployment) Describe() (string, string, string) {
	return d.dep.Image, d.dep.Server.Name, d.dep.ServerVersion
}
func (d dockerDeployment) Extra() []deploy.Node        { return harness.EngineNodes(d.dep.Sentinels()) }
func (d dockerDeployment) Docker() *harness.Deployment { return d.dep }

// processDeployment is a Deployment of the local-processes provider.
type processDeployment struct{ dep *process.Deployment }

func (p processDeployment) Engine() deploy.Deployment { return p.dep }
func (p processDeployment) Client(o harness.ClientOptions) redis.UniversalClient {
	return clientOf(p.dep, o)
}
func (p processDeployment) WaitReadyWithin(ctx context.Context, t time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	return p.dep.WaitReady(ctx)
}
func (p processDeployment) Terminate(ctx context.Context) error { return p.dep.Terminate(ctx) }
func (p processDeployment) Describe() (string, string, string) {
	product, version := p.dep.Server()
	return p.dep.Binary(), product + "-process", version
}
func (p processDeployment) Extra() []deploy.Node        { return nil }
func (p processDeployment) Docker() *harness.Deployment { return nil }

// clientOf is a client of any provider's deployment reached directly (no
// address mapping): a cluster client over its nodes, otherwise a client
// whose every connection goes to the primary of the moment.
func clientOf(dep deploy.Deployment, o harness.ClientOptions) redis.UniversalClient {
	o = o.WithDefaults()
	topo := dep.Topology()
	if topo.Kind == rediskit.KindCluster {
		var addrs []string
		for _, n := range dep.Nodes() {
			addrs = append(addrs, n.Addr())
		}
		cc := redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: addrs, Password: topo.Password, Dialer: dep.Dial,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			MaxRetries: o.MaxRetries, MaxRedirects: 3, PoolSize: o.PoolSize, DialerRetries: 1,
			ContextTimeoutEnabled: true,
		})
		harness.RefreshSlotsOnNetError(cc)
		return cc
	}
	return redis.NewClient(&redis.Options{
		Addr: "primary", Password: topo.Password,
		Dialer: func(ctx context.Context, network, _ string) (net.Conn, error) {
			p := dep.Primary()
			if p == nil {
				return nil, errNoPrimary
			}
			return dep.Dial(ctx, network, p.Addr())
		},
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		MaxRetries: o.MaxRetries, PoolSize: o.PoolSize, ContextTimeoutEnabled: true, DialerRetries: 1,
	})
}

// errNoPrimary is a dial with no primary to reach.
var errNoPrimary = errors.New("dial primary: the deployment has no primary")
