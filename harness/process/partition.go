package process

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// A process node's network faults are nftables rules on this host, in a
// table of the node's own (named after its address), on the input hook:
// every packet on lo passes it, so dropping the node's address there cuts
// it off peers and the host alike, and established connections hang as
// on a cut cable. Needs root (CAP_NET_ADMIN) and nft.

// Isolate cuts the node off every peer and the host: all packets from or
// to its address are dropped. Reconnect lifts it.
func (n *Node) Isolate(ctx context.Context) error {
	return n.nft(ctx, fmt.Sprintf("add rule inet %[1]s in ip saddr %[2]s drop\nadd rule inet %[1]s in ip daddr %[2]s drop\n", n.nftTable(), n.ip))
}

// Blackhole drops every packet between the node and each of ips (both
// directions), leaving its other traffic alone. Reconnect lifts it.
func (n *Node) Blackhole(ctx context.Context, ips []string) error {
	var b strings.Builder
	for _, ip := range ips {
		fmt.Fprintf(&b, "add rule inet %[1]s in ip saddr %[2]s ip daddr %[3]s drop\n", n.nftTable(), n.ip, ip)
		fmt.Fprintf(&b, "add rule inet %[1]s in ip saddr %[3]s ip daddr %[2]s drop\n", n.nftTable(), n.ip, ip)
	}
	return n.nft(ctx, b.String())
}

// Reconnect removes every network fault of the node (its table).
func (n *Node) Reconnect(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "nft", "delete", "table", "inet", n.nftTable()).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "No such file or directory") {
		return fmt.Errorf("reconnect %s: nft: %w: %s", n.name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// nft applies rules in the node's table, creating the table and its
// input chain first (one nft run, atomic).
func (n *Node) nft(ctx context.Context, rules string) error {
	t := n.nftTable()
	script := fmt.Sprintf("add table inet %[1]s\nadd chain inet %[1]s in { type filter hook input priority -10 ; }\n", t) + rules
	cmd := exec.CommandContext(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cut %s off the network: nft: %w: %s", n.name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// nftTable names the node's nftables table after its address.
func (n *Node) nftTable() string { return "redisdrill_" + strings.ReplaceAll(n.ip, ".", "_") }
