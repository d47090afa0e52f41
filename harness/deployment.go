package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
)

// StartOptions tune how a deployment starts.
type StartOptions struct {
	RunID  string       // label value; generated when empty
	Image  string       // image reference; EnsureImage's result when empty
	Logger *slog.Logger // progress; slog.Default() when nil
}

// Deployment is a running Redis topology: its private network, its nodes and
// the clients that reach them from the host.
type Deployment struct {
	RunID    string
	Topology Topology
	Image    string
	// FormedIn is the time from the first container start to ready.
	FormedIn time.Duration

	docker  *Docker
	logger  *slog.Logger
	network *testcontainers.DockerNetwork
	dialer  *Dialer

	mu      sync.Mutex
	nodes   []*Node
	primary *Node
	retired map[string]bool // nodes taken out of the topology (kept until cleanup)
	spares  map[string]bool // warm spares (also retired until enlisted)
}

// NewRunID returns a short unique run id.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("0102-150405") + "-" + hex.EncodeToString(b[:])
}

// Start creates the network and nodes of topo, forms the topology and waits
// until it is ready. On error the partial deployment is returned too, so the
// caller can always Terminate it (register cleanup before checking err).
func Start(ctx context.Context, d *Docker, topo Topology, opts StartOptions) (*Deployment, error) {
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	if opts.Image == "" {
		info, err := EnsureImage(ctx, d, opts.Logger)
		if err != nil {
			return nil, err
		}
		opts.Image = info.Ref
	}
	dep := &Deployment{
		RunID: opts.RunID, Topology: topo, Image: opts.Image,
		docker: d, logger: opts.Logger.With("run", opts.RunID),
		dialer: newDialer("127.0.0.1"), retired: map[string]bool{}, spares: map[string]bool{},
	}
	net, err := tcnetwork.New(ctx, tcnetwork.WithLabels(d.labels(opts.RunID, nil)), tcnetwork.WithDriver("bridge"))
	if err != nil {
		return dep, fmt.Errorf("create network: %w", err)
	}
	dep.network = net
	start := time.Now()
	for i := 0; i < topo.NodeCount(); i++ {
		if _, err := dep.AddNode(ctx); err != nil {
			return dep, err
		}
	}
	if nodes := dep.Nodes(); len(nodes) > 0 {
		dep.dialer.probe(ctx, nodes[0].Addr())
	}
	if err := dep.form(ctx); err != nil {
		return dep, err
	}
	if err := dep.WaitReady(ctx); err != nil {
		return dep, err
	}
	dep.FormedIn = time.Since(start)
	dep.logger.Info("deployment ready", "topology", topo.String(), "nodes", topo.NodeCount(), "ready_in", dep.FormedIn.Round(time.Millisecond))
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
		if !dep.retired[n.Name] {
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
	dep.retired[n.Name] = true
}

// IsMember reports whether n is part of the topology (created by the run
// and not retired).
func (dep *Deployment) IsMember(n *Node) bool {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, m := range dep.nodes {
		if m == n {
			return !dep.retired[n.Name]
		}
	}
	return false
}

// NodeByName returns the node with the given container name.
func (dep *Deployment) NodeByName(name string) (*Node, bool) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, n := range dep.nodes {
		if n.Name == name {
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
	delete(dep.retired, n.Name)
	delete(dep.spares, n.Name)
}

// Spares returns the warm spares waiting to be enlisted.
func (dep *Deployment) Spares() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	var out []*Node
	for _, n := range dep.nodes {
		if dep.spares[n.Name] {
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

func (dep *Deployment) addNode(ctx context.Context, start, spare bool) (*Node, error) {
	dep.mu.Lock()
	idx := len(dep.nodes)
	dep.mu.Unlock()
	name := fmt.Sprintf("rd-%s-n%d", dep.RunID, idx)
	labels := dep.docker.labels(dep.RunID, map[string]string{"redisdrill.node": name})
	vol := name + "-data"
	if _, err := dep.docker.api.VolumeCreate(ctx, client.VolumeCreateOptions{Name: vol, Labels: labels}); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", vol, err)
	}
	conf := renderConf(dep.Topology)
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          dep.Image,
			Name:           name,
			Cmd:            []string{"redis-server", ConfPath},
			Labels:         labels,
			Networks:       []string{dep.network.Name},
			NetworkAliases: map[string][]string{dep.network.Name: {name}},
			ExposedPorts:   []string{fmt.Sprintf("%d/tcp", RedisPort)},
			Files:          []testcontainers.ContainerFile{{Reader: strings.NewReader(conf), ContainerFilePath: ConfPath, FileMode: 0o644}},
			Tmpfs:          map[string]string{SmallDiskDir: "size=" + SmallDiskSize},
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.CapAdd = append(hc.CapAdd, "NET_ADMIN")
				hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeVolume, Source: vol, Target: DataDir})
			},
		},
		Started: start,
		Logger:  tcLogger{dep.logger},
	}
	c, err := testcontainers.GenericContainer(ctx, req)
	var dc *testcontainers.DockerContainer
	if c != nil {
		dc, _ = c.(*testcontainers.DockerContainer)
	}
	if dc != nil {
		n := &Node{Name: name, Index: idx, Volume: vol, docker: dep.docker, container: dc, network: dep.network.Name,
			image: dep.Image, runID: dep.RunID, password: dep.Topology.Password, dialer: dep.dialer}
		dep.mu.Lock()
		dep.nodes = append(dep.nodes, n)
		if spare {
			dep.retired[n.Name] = true
			dep.spares[n.Name] = true
		}
		dep.mu.Unlock()
		if err != nil {
			return n, fmt.Errorf("start node %s: %w", name, err)
		}
		if !start {
			return n, nil
		}
		return n, n.refresh(ctx)
	}
	if err == nil {
		err = fmt.Errorf("unexpected container type %T", c)
	}
	return nil, fmt.Errorf("start node %s: %w", name, err)
}

type tcLogger struct{ l *slog.Logger }

// Printf sends testcontainers-go log lines to slog at debug level.
func (t tcLogger) Printf(format string, v ...any) {
	t.l.Debug(fmt.Sprintf(format, v...), "source", "testcontainers")
}
