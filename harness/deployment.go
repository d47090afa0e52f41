package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// StartOptions tune how a deployment starts.
type StartOptions struct {
	RunID string // label value; generated when empty
	// Image is the image reference; when empty, Server's image (built when
	// missing), else EnsureImage's.
	Image string
	// Server picks a named server when Image is empty.
	Server Server
	Logger *slog.Logger // progress; slog.Default() when nil
	// Pool, when set, is asked first for a deployment of the same image
	// and topology started ahead of time (see Pool); with RunID set, the
	// pool's deployment is torn down instead and never used.
	Pool *Pool
}

// Deployment is a running Redis topology: its private network, its nodes and
// the clients that reach them from the host.
type Deployment struct {
	RunID    string
	Topology Topology
	Image    string
	// Server is the server the image runs (from its labels; CustomServer
	// running redis-server for an image without them) and ServerVersion
	// its version as the image records it ("" when unknown).
	Server        Server
	ServerVersion string
	// FormedIn is the time from the first container create to ready.
	FormedIn time.Duration
	// Setup has the milestones of Start, from its call.
	Setup SetupTimes

	docker  *Docker
	logger  *slog.Logger
	network *testcontainers.DockerNetwork
	subnet  pinnedSubnet // where the machines' addresses are pinned (netpin.go)
	dialer  *Dialer

	mu      sync.Mutex
	nodes   []*Node // by Index
	next    int     // Index of the next node created
	primary *Node
	// sentinels are a KindSentinel deployment's Sentinels (Sentinels),
	// by Index; not nodes of the topology.
	sentinels []*Node
	retired   map[string]bool // nodes taken out of the topology (kept until cleanup)
	spares    map[string]bool // warm spares (also retired until enlisted)
}

// NewRunID returns a short unique run id.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("0102-150405") + "-" + hex.EncodeToString(b[:])
}

// Start creates the network and nodes of topo, forms the topology and waits
// until it is ready. Nodes are created, started and formed concurrently
// (launch); Setup has the milestones. On error the partial deployment is
// returned too, so the caller can always Terminate it (register cleanup
// before checking err).
func Start(ctx context.Context, d *Docker, topo Topology, opts StartOptions) (*Deployment, error) {
	clock := &setupClock{t0: time.Now()}
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := CheckReaper(ctx, d); err != nil {
		return nil, err
	}
	if opts.Image == "" {
		ensure := func() (ImageInfo, error) { return EnsureImage(ctx, d, opts.Logger) }
		if opts.Server.Name != "" {
			ensure = func() (ImageInfo, error) { return EnsureServerImage(ctx, d, opts.Server, opts.Logger) }
		}
		info, err := ensure()
		if err != nil {
			return nil, err
		}
		opts.Image = info.Ref
	}
	labels, present, err := imageLabels(ctx, d, opts.Image)
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, fmt.Errorf("find image %q: %w", opts.Image, ErrImageNotFound)
	}
	if opts.Pool != nil {
		// A start with a run id of its own cannot use the pooled
		// deployment: take tears it down, so it does not idle through the
		// measurement.
		want := &Spec{Topology: topo, Image: opts.Image}
		if opts.RunID != "" {
			want = nil
		}
		if h, ok := opts.Pool.take(ctx, want); ok {
			dep, err := h.dep.adopt(ctx, clock, topo, opts.Logger, h.ready)
			if err == nil || ctx.Err() != nil {
				return dep, err
			}
			opts.Logger.Warn("deployment started ahead of time is not ready; starting a new one", "err", err)
			if terr := dep.Terminate(context.WithoutCancel(ctx)); terr != nil {
				return dep, fmt.Errorf("%w; %w", err, terr)
			}
		}
	}
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	srv, version := serverFromLabels(labels)
	dep := &Deployment{
		RunID: opts.RunID, Topology: topo, Image: opts.Image, Server: srv, ServerVersion: version,
		docker: d, logger: opts.Logger.With("run", opts.RunID),
		dialer: newDialer("127.0.0.1"), retired: map[string]bool{}, spares: map[string]bool{},
	}
	clock.mark(atImage)
	defer func() { dep.Setup = clock.times() }()
	if err := ctx.Err(); err != nil {
		return dep, fmt.Errorf("create network: %w", err)
	}
	// Like a node's, the network's create runs to its end once asked for,
	// so a cancelled Start never leaves a network its cleanup did not see.
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	net, subnet, err := d.createRunNetwork(nctx, d.labels(opts.RunID, nil))
	cancel()
	if err != nil {
		return dep, err
	}
	dep.network, dep.subnet = net, subnet
	clock.mark(atNetwork)
	start := time.Now()
	if err := dep.launch(ctx, clock); err != nil {
		return dep, err
	}
	if err := dep.waitReady(ctx, DefaultReadyTimeout, startReadyInterval); err != nil {
		return dep, err
	}
	clock.mark(atReady)
	dep.FormedIn = time.Since(start)
	dep.logger.Info("deployment ready", "topology", topo.String(), "nodes", topo.NodeCount(), "ready_in", dep.FormedIn.Round(time.Millisecond),
		"since_start", time.Since(clock.t0).Round(time.Millisecond))
	return dep, nil
}

// adopt makes a deployment the pool started the caller's: it logs to
// logger, takes topo (equal to its own) and is checked ready again. Setup
// then has Image and Ready from the caller's clock, and Pooled with the
// pooled start's own ready time.
func (dep *Deployment) adopt(ctx context.Context, clock *setupClock, topo Topology, logger *slog.Logger, pooledReady time.Duration) (*Deployment, error) {
	dep.logger = logger.With("run", dep.RunID)
	dep.Topology = topo
	clock.mark(atImage)
	defer func() {
		dep.Setup = clock.times()
		dep.Setup.Pooled, dep.Setup.PoolStart = true, pooledReady
	}()
	if err := dep.waitReady(ctx, DefaultReadyTimeout, startReadyInterval); err != nil {
		return dep, fmt.Errorf("adopt pooled deployment %s: %w", dep.RunID, err)
	}
	clock.mark(atReady)
	dep.logger.Info("deployment ready (started ahead of time)", "topology", topo.String(), "nodes", topo.NodeCount(),
		"since_call", time.Since(clock.t0).Round(time.Millisecond), "pooled_start", ms(pooledReady))
	return dep, nil
}

// Network returns the name of the deployment's Docker network.
func (dep *Deployment) Network() string { return dep.network.Name }

// Docker returns the engine connection the deployment uses.
func (dep *Deployment) Docker() *Docker { return dep.docker }

// Dialer returns the dialer host clients must use to reach nodes.
func (dep *Deployment) Dialer() *Dialer { return dep.dialer }

// Nodes returns every node that is part of the topology (not retired).
func (dep *Deployment) Nodes() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	out := make([]*Node, 0, len(dep.nodes))
	for _, n := range dep.nodes {
		if !dep.retired[n.Name()] {
			out = append(out, n)
		}
	}
	return out
}

// AllNodes returns every node ever created in the run, retired ones included.
func (dep *Deployment) AllNodes() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return append([]*Node(nil), dep.nodes...)
}

// Retire takes a node out of the topology. Its container and volume stay
// until the deployment is terminated, so nothing is lost before the
// replacement is verified.
func (dep *Deployment) Retire(n *Node) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.retired[n.Name()] = true
}

// IsMember reports whether n is part of the topology (created by the run
// and not retired).
func (dep *Deployment) IsMember(n *Node) bool {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, m := range dep.nodes {
		if m == n {
			return !dep.retired[n.Name()]
		}
	}
	return false
}

// NodeByName returns the node with the given container name.
func (dep *Deployment) NodeByName(name string) (*Node, bool) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, n := range dep.nodes {
		if n.Name() == name {
			return n, true
		}
	}
	return nil, false
}

// AddNode creates and starts one more node (volume + container) on the
// deployment's network, with the topology's configuration. It does not join
// it to anything.
func (dep *Deployment) AddNode(ctx context.Context) (*Node, error) {
	return dep.addNode(ctx, true, false)
}

// AddSpare starts a warm spare: a running, empty node with the topology's
// configuration that is not part of the topology (not in Nodes) until
// Enlist. A spare that has been up for a while skips the start-up cost —
// and Redis Cluster's 2 s writable delay after start — when it replaces a
// lost node.
func (dep *Deployment) AddSpare(ctx context.Context) (*Node, error) {
	return dep.addNode(ctx, true, true)
}

// Enlist makes a spare (or a retired node) part of the topology again.
func (dep *Deployment) Enlist(n *Node) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	delete(dep.retired, n.Name())
	delete(dep.spares, n.Name())
}

// Spares returns the warm spares waiting to be enlisted.
func (dep *Deployment) Spares() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	var out []*Node
	for _, n := range dep.nodes {
		if dep.spares[n.Name()] {
			out = append(out, n)
		}
	}
	return out
}

// CreateNode creates one more node without starting it, so files (e.g. a
// backup to load) can be put into its data dir first; Start it afterwards.
func (dep *Deployment) CreateNode(ctx context.Context) (*Node, error) {
	return dep.addNode(ctx, false, false)
}
