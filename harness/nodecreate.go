package harness

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// createTimeout bounds the creation of one volume, container or network.
const createTimeout = 2 * time.Minute

func (dep *Deployment) addNode(ctx context.Context, start, spare bool) (*Node, error) {
	n, err := dep.createNode(ctx, dep.reserve(1), spare)
	if err != nil || !start {
		return n, err
	}
	return n, n.Start(ctx)
}

// reserve returns the first of count consecutive node indexes.
func (dep *Deployment) reserve(count int) int {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	first := dep.next
	dep.next += count
	return first
}

// createNode creates the volume and the (stopped) container of node idx,
// with the topology's configuration in ConfPath, and records the node.
//
// It talks to the engine directly rather than through testcontainers-go,
// whose every container costs a new client and a network list, an image
// inspect and a network lookup besides the create: under load that doubled
// the time a node took to come up. The container carries what
// testcontainers-go would have put on it (its generic labels, so a Ryuk
// reaper that is enabled reaps it with the session's network) besides the
// run, owner and node labels everything is cleaned up by.
//
// Once asked for, a create runs to its end even when ctx ends (within
// createTimeout): a request given up on may still create its container
// after the caller's cleanup has looked for it.
func (dep *Deployment) createNode(ctx context.Context, idx int, spare bool) (*Node, error) {
	n, err := dep.createMachine(ctx, fmt.Sprintf("rd-%s-n%d", dep.RunID, idx), idx, dep.subnet.node(idx), dep.Server.Binary, renderConf(dep.Topology))
	if err != nil {
		return nil, err
	}
	dep.register(n, spare)
	return n, nil
}

// createMachine creates the volume and the (stopped) container of a node
// called name whose machine runs binary on conf (written to ConfPath at
// its first boot), and returns the node without recording it: createNode's
// Redis servers and the Sentinels share it. A valid addr is the machine's
// address on the run's network for its whole life (netpin.go); otherwise
// Docker gives it one at each boot.
func (dep *Deployment) createMachine(ctx context.Context, name string, idx int, addr netip.Addr, binary, conf string) (*Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	labels := dep.docker.labels(dep.RunID, map[string]string{"redisdrill.node": name})
	vol := name + "-data"
	if _, err := dep.docker.api.VolumeCreate(ctx, client.VolumeCreateOptions{Name: vol, Labels: labels}); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", vol, err)
	}
	for k, v := range testcontainers.GenericLabels() {
		labels[k] = v
	}
	port, err := network.ParsePort(fmt.Sprintf("%d/tcp", RedisPort))
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	endpoint := &network.EndpointSettings{NetworkID: dep.network.ID, Aliases: []string{name}}
	if addr.IsValid() {
		endpoint.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: addr}
	}
	res, err := dep.docker.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: name,
		Config: &container.Config{
			Image: dep.Image, Cmd: nodeCmd(binary), Labels: labels,
			Env:          nodeEnv(conf, dep.Server.Supervisor, dep.Topology.Restart),
			ExposedPorts: network.PortSet{port: {}},
		},
		HostConfig: &container.HostConfig{
			NetworkMode:  container.NetworkMode(dep.network.Name),
			PortBindings: network.PortMap{port: {{}}}, // a free host port, for hosts that cannot route to containers
			CapAdd:       []string{"NET_ADMIN"},
			Tmpfs:        map[string]string{SmallDiskDir: "size=" + SmallDiskSize},
			Mounts:       []mount.Mount{{Type: mount.TypeVolume, Source: vol, Target: DataDir}},
		},
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			dep.network.Name: endpoint,
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	n := &Node{name: name, index: idx, Volume: vol, docker: dep.docker, id: res.ID, network: dep.network.Name,
		image: dep.Image, runID: dep.RunID, password: dep.Topology.Password, dialer: dep.dialer,
		supervisor: dep.Server.Supervisor, policy: dep.Topology.Restart, server: dep.Server, pinned: addr.IsValid()}
	return n, nil
}

// envNodeConf carries a node's configuration into its container; the
// node's first boot writes it to ConfPath (bootScript).
const envNodeConf = "REDISDRILL_CONF"

// register records a created node, in Index order.
func (dep *Deployment) register(n *Node, spare bool) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	at := sort.Search(len(dep.nodes), func(i int) bool { return dep.nodes[i].Index() > n.Index() })
	dep.nodes = slices.Insert(dep.nodes, at, n)
	if spare {
		dep.retired[n.Name()] = true
		dep.spares[n.Name()] = true
	}
}
