package fault

import (
	"context"
	"fmt"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Faults act on any provider's deployment through the engine's seam
// (package deploy), plus what only faults do to a machine. A provider's
// node offers these by implementing the interfaces below; a fault whose
// capability a node lacks returns ErrUnsupported.

// freezer is a node whose whole machine can be frozen (SIGSTOP to every
// process) and whose server alone can be frozen (Freeze).
type freezer interface {
	Pause(ctx context.Context) error
	Freeze(ctx context.Context) error
}

// crasher is a node whose server process can be killed while its machine
// stays up.
type crasher interface {
	Crash(ctx context.Context) error
}

// pauseNode freezes n's machine.
func pauseNode(ctx context.Context, n deploy.Node) error {
	f, ok := n.(freezer)
	if !ok {
		return fmt.Errorf("pause %s: %w", n.Name(), ErrUnsupported)
	}
	return f.Pause(ctx)
}

// freezeNode freezes n's server.
func freezeNode(ctx context.Context, n deploy.Node) error {
	f, ok := n.(freezer)
	if !ok {
		return fmt.Errorf("freeze %s: %w", n.Name(), ErrUnsupported)
	}
	return f.Freeze(ctx)
}

// crashNode kills n's server, its machine staying up.
func crashNode(ctx context.Context, n deploy.Node) error {
	c, ok := n.(crasher)
	if !ok {
		return fmt.Errorf("crash %s: %w", n.Name(), ErrUnsupported)
	}
	return c.Crash(ctx)
}

// containerNet is a node that is a container on a network of its own
// provider: its interface can go down and routes and packet filters can
// be set inside it (partitions, packet loss, delay). Only such nodes get
// network faults: the same commands on a local process would act on the
// host's own network.
type containerNet interface {
	// NetDevice is the container's interface on the run network.
	NetDevice() string
}

// netDevice returns n's interface on the run network, or ErrUnsupported
// when n is not a container on a network of its own.
func netDevice(n deploy.Node) (string, error) {
	c, ok := n.(containerNet)
	if !ok {
		return "", fmt.Errorf("network fault on %s: not a container on its own network: %w", n.Name(), ErrUnsupported)
	}
	return c.NetDevice(), nil
}

// requireNetworked returns ErrUnsupported unless every node is a
// container on a network of its own (see containerNet).
func requireNetworked(nodes []deploy.Node) error {
	for _, n := range nodes {
		if _, err := netDevice(n); err != nil {
			return err
		}
	}
	return nil
}

// smallDisker is a node with a size-limited file system mounted for the
// disk-full fault.
type smallDisker interface {
	// SmallDiskDir is where the small file system is mounted.
	SmallDiskDir() string
}

// isolator is a node whose provider cuts it off the network itself (a
// local process: packet filter rules on the host for its address).
type isolator interface {
	// Isolate drops all its traffic; Blackhole only that with ips;
	// Reconnect lifts both.
	Isolate(ctx context.Context) error
	Blackhole(ctx context.Context, ips []string) error
	Reconnect(ctx context.Context) error
}

// isolators returns nodes as isolators when every one is.
func isolators(nodes []deploy.Node) ([]isolator, bool) {
	out := make([]isolator, 0, len(nodes))
	for _, n := range nodes {
		i, ok := n.(isolator)
		if !ok {
			return nil, false
		}
		out = append(out, i)
	}
	return out, true
}

// NeedsContainer says why the fault called name can only act on a node
// that is a container of its own ("" when any provider's node will do):
// network faults change the node's own interface, routes and packet
// filters, the disk-full fault fills a small disk mounted in it.
func NeedsContainer(name string) string {
	switch name {
	case "partition-minority", "delay", "loss":
		return "fault " + name + " needs a container network of its own"
	case "disk-full":
		return "fault disk-full needs a small disk mounted in the node"
	}
	return ""
}
