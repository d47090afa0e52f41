package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// Netem adds latency (delay) or packet loss (loss) to the target nodes'
// outgoing traffic with `tc qdisc ... netem`. It needs a kernel with
// sch_netem; without it Inject returns ErrUnsupported.
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

// Inject installs the netem qdisc on every target.
func (f *Netem) Inject(ctx context.Context, dep *harness.Deployment) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		out, err := n.Shell(ctx, "tc qdisc replace dev "+netDevice+" root netem "+f.qdiscArgs())
		if err != nil {
			if strings.Contains(out, "qdisc kind is unknown") {
				return fmt.Errorf("add netem qdisc on %s: %w: the kernel has no sch_netem (CONFIG_NET_SCH_NETEM)", n.Name, ErrUnsupported)
			}
			return fmt.Errorf("add netem qdisc on %s: %w", n.Name, err)
		}
	}
	return nil
}

// Heal deletes the netem qdisc where one is installed.
func (f *Netem) Heal(ctx context.Context, _ *harness.Deployment) error {
	return healAll(ctx, f.resolved(), func(ctx context.Context, n *harness.Node) error {
		out, err := n.Shell(ctx, "tc qdisc show dev "+netDevice)
		if err != nil {
			return fmt.Errorf("show qdisc of %s: %w", n.Name, err)
		}
		if !strings.Contains(out, "netem") {
			return nil
		}
		if _, err := n.Shell(ctx, "tc qdisc del dev "+netDevice+" root"); err != nil {
			return fmt.Errorf("delete netem qdisc on %s: %w", n.Name, err)
		}
		return nil
	})
}
