package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Netem adds latency (delay) or packet loss (loss) to the target nodes'
// outgoing traffic with `tc qdisc ... netem`. Where the kernel has no
// sch_netem, loss falls back to nftables (drop a random share of the
// packets in and out, `numgen random`); delay has no such fallback and
// Inject returns ErrUnsupported.
type Netem struct {
	base
	name string // "delay" or "loss"
}

// Name implements Fault.
func (f *Netem) Name() string { return f.name }

// DefaultDelay is the delay fault's latency when Params.Delay is zero.
const DefaultDelay = 100 * time.Millisecond

// DefaultLossPercent is the loss fault's loss when Params.LossPercent is zero.
const DefaultLossPercent = 30.0

// qdiscArgs renders the netem arguments.
func (f *Netem) qdiscArgs() string {
	if f.name == "loss" {
		p := f.params.LossPercent
		if p == 0 {
			p = DefaultLossPercent
		}
		return "loss " + strconv.FormatFloat(p, 'f', -1, 64) + "%"
	}
	d := f.params.Delay
	if d == 0 {
		d = DefaultDelay
	}
	return "delay " + strconv.FormatInt(d.Microseconds(), 10) + "us"
}

// Inject installs the netem qdisc on every target. The onset is marked just
// before the first tc call (on a kernel without sch_netem that call fails
// harmlessly and the nftables fallback follows one exec later, so t0 is early
// by at most that exec: it never under-measures).
func (f *Netem) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	if err := requireNetworked(nodes); err != nil {
		return err
	}
	for _, n := range nodes {
		dev, _ := netDevice(n)
		onset.Mark()
		out, err := n.Shell(ctx, "tc qdisc replace dev "+dev+" root netem "+f.qdiscArgs())
		if err == nil {
			continue
		}
		if !strings.Contains(out, "qdisc kind is unknown") {
			return fmt.Errorf("add netem qdisc on %s: %w", n.Name(), err)
		}
		if f.name != "loss" {
			return fmt.Errorf("add netem qdisc on %s: %w: the kernel lacks sch_netem (CONFIG_NET_SCH_NETEM)", n.Name(), ErrUnsupported)
		}
		if err := dropRandom(ctx, n, f.lossPercent(), onset); err != nil {
			return err
		}
	}
	return nil
}

func (f *Netem) lossPercent() float64 {
	if f.params.LossPercent == 0 {
		return DefaultLossPercent
	}
	return f.params.LossPercent
}

// nftTable is the nftables table the loss fallback owns.
const nftTable = "redisdrill_loss"

// dropRandom drops pct % of the node's packets in both directions with
// nftables (needs the nft binary in the image and nf_tables in the kernel).
// It marks onset just before the nft script runs.
func dropRandom(ctx context.Context, n deploy.Node, pct float64, onset *Onset) error {
	cond := fmt.Sprintf("numgen random mod 10000 '<' %d ", int(pct*100)) // 0..9999
	if pct >= 100 {
		cond = ""
	}
	script := fmt.Sprintf(`set -e
command -v nft >/dev/null || { echo "no nft binary in the image"; exit 3; }
nft add table inet %[1]s
nft add chain inet %[1]s in '{ type filter hook input priority 0; policy accept; }'
nft add chain inet %[1]s out '{ type filter hook output priority 0; policy accept; }'
nft add rule inet %[1]s in %[2]sdrop
nft add rule inet %[1]s out %[2]sdrop`, nftTable, cond)
	onset.Mark()
	if out, err := n.Shell(ctx, script); err != nil {
		if strings.Contains(out, "no nft binary") {
			return fmt.Errorf("add packet loss on %s: %w: the kernel lacks sch_netem and the image has no nft", n.Name(), ErrUnsupported)
		}
		return fmt.Errorf("add packet loss on %s: %w", n.Name(), err)
	}
	return nil
}

// Heal deletes the netem qdisc where one is installed; a node the recovery
// engine fenced (killed) is left down for it to readmit.
func (f *Netem) Heal(ctx context.Context, _ deploy.Deployment) error {
	return healAll(ctx, f.resolved(), leftToEngine(func(ctx context.Context, n deploy.Node) error {
		dev, err := netDevice(n)
		if err != nil {
			return nil // nothing was installed on it
		}
		if _, err := n.Shell(ctx, "if command -v nft >/dev/null && nft list table inet "+nftTable+" >/dev/null 2>&1; then nft delete table inet "+nftTable+"; fi"); err != nil {
			return fmt.Errorf("delete packet loss on %s: %w", n.Name(), err)
		}
		out, err := n.Shell(ctx, "tc qdisc show dev "+dev)
		if err != nil {
			return fmt.Errorf("show qdisc of %s: %w", n.Name(), err)
		}
		if !strings.Contains(out, "netem") {
			return nil
		}
		if _, err := n.Shell(ctx, "tc qdisc del dev "+dev+" root"); err != nil {
			return fmt.Errorf("delete netem qdisc on %s: %w", n.Name(), err)
		}
		return nil
	}))
}
