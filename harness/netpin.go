package harness

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
)

// A run's network pins every machine to one address for its whole life,
// as a host keeps its address across reboots. Docker gives a restarted
// container the lowest free address of a network without a configured
// subnet: six machines booted after a whole-cluster crash came back in
// another order of addresses, so a replica dialled its primary's old
// address (by then another replica's), a node announced itself with no
// address at all (a client then dialled ":6379"), and a rollback had to
// boot its machines in two waves to keep the order. A machine with an
// address of its own needs none of that.
//
// Docker accepts a fixed address only on a network created with a subnet,
// so the subnet is the one Docker picks for the run's network (it avoids
// the host's routes and every other network): the network is created,
// its subnet read, and the network created again on that subnet, with
// Docker's own allocation confined to the upper half (nothing but the
// run's machines joins it; the half keeps a stray container off the
// machines' addresses).
const (
	// firstNodeHost is the host number of node 0 (node i is
	// firstNodeHost+i); Sentinel i's is firstSentinelHost+i.
	firstNodeHost     = 16
	firstSentinelHost = 96
	// pinnedHostsMax is how many hosts the lower half of a subnet must
	// hold for the run's addresses to be pinned (a /24 holds 128).
	pinnedHostsMax = 128
)

// pinnedSubnet is a run network's subnet when its machines' addresses are
// pinned, and the zero value when they are not.
type pinnedSubnet struct {
	prefix netip.Prefix
}

// node returns node idx's pinned address: zero when the subnet is not
// pinned or idx is past the nodes' range (that node gets Docker's).
func (s pinnedSubnet) node(idx int) netip.Addr {
	if idx < 0 || firstNodeHost+idx >= firstSentinelHost {
		return netip.Addr{}
	}
	return s.host(firstNodeHost + idx)
}

// sentinel returns Sentinel idx's pinned address, as node does.
func (s pinnedSubnet) sentinel(idx int) netip.Addr {
	if idx < 0 {
		return netip.Addr{}
	}
	return s.host(firstSentinelHost + idx)
}

// host returns the address host number n of the subnet, or the zero
// address when the subnet is not pinned or n does not fit its lower half.
func (s pinnedSubnet) host(n int) netip.Addr {
	if !s.prefix.IsValid() || n <= 0 || n >= pinnedHostsMax {
		return netip.Addr{}
	}
	return plus(s.prefix.Masked().Addr(), uint32(n))
}

// dynamicHalf is the upper half of a subnet: Docker's own allocations.
func dynamicHalf(p netip.Prefix) netip.Prefix {
	bits := p.Bits() + 1
	return netip.PrefixFrom(plus(p.Masked().Addr(), 1<<(32-bits)), bits)
}

// plus returns the IPv4 address n after a.
func plus(a netip.Addr, n uint32) netip.Addr {
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) + n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// pinnable reports whether p can hold the run's pinned addresses: IPv4,
// at least a /24.
func pinnable(p netip.Prefix) bool {
	return p.IsValid() && p.Addr().Is4() && p.Bits() <= 24
}

// createRunNetwork creates the run's bridge network with labels, on a
// subnet Docker picked and with its machines' addresses pinned (see
// above). Where Docker's subnet cannot hold them (IPv6, smaller than a
// /24) or the second create fails twice (another network took the subnet
// in between), the network is one without pinned addresses, as before.
func (d *Docker) createRunNetwork(ctx context.Context, labels map[string]string) (*testcontainers.DockerNetwork, pinnedSubnet, error) {
	for attempt := 0; ; attempt++ {
		probe, err := tcnetwork.New(ctx, tcnetwork.WithLabels(labels), tcnetwork.WithDriver("bridge"))
		if err != nil {
			return nil, pinnedSubnet{}, fmt.Errorf("create network: %w", err)
		}
		subnet, gateway, err := d.networkSubnet(ctx, probe.ID)
		if err != nil || !pinnable(subnet) || attempt == 2 {
			return probe, pinnedSubnet{}, nil
		}
		if _, err := d.api.NetworkRemove(ctx, probe.ID, client.NetworkRemoveOptions{}); err != nil {
			return probe, pinnedSubnet{}, nil
		}
		ipam := &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet, Gateway: gateway, IPRange: dynamicHalf(subnet)}}}
		pinned, err := tcnetwork.New(ctx, tcnetwork.WithLabels(labels), tcnetwork.WithDriver("bridge"), tcnetwork.WithIPAM(ipam))
		if err == nil {
			return pinned, pinnedSubnet{prefix: subnet}, nil
		}
		if ctx.Err() != nil {
			return nil, pinnedSubnet{}, fmt.Errorf("create network: %w", err)
		}
	}
}

// networkSubnet returns the IPv4 subnet and gateway Docker gave network id.
func (d *Docker) networkSubnet(ctx context.Context, id string) (netip.Prefix, netip.Addr, error) {
	res, err := d.api.NetworkInspect(ctx, id, client.NetworkInspectOptions{})
	if err != nil {
		return netip.Prefix{}, netip.Addr{}, fmt.Errorf("inspect network %s: %w", id, err)
	}
	for _, c := range res.Network.IPAM.Config {
		if c.Subnet.Addr().Is4() {
			return c.Subnet, c.Gateway, nil
		}
	}
	return netip.Prefix{}, netip.Addr{}, fmt.Errorf("inspect network %s: no IPv4 subnet", id)
}
