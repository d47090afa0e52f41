package fault

import (
	"context"
	"fmt"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// FlushAll is the operator error: FLUSHALL sent to the target primaries.
// There is nothing to heal — undoing it is the recovery engine's job — so
// Heal is a no-op.
type FlushAll struct{ base }

// Name implements Fault.
func (*FlushAll) Name() string { return "flushall" }

// Inject sends FLUSHALL to every target. The onset is marked just before the
// first FLUSHALL is sent.
func (f *FlushAll) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		c := n.Client()
		onset.Mark()
		err := c.FlushAll(ctx).Err()
		c.Close()
		if err != nil {
			return fmt.Errorf("flushall on %s: %w", n.Name(), err)
		}
	}
	return nil
}

// Heal implements Fault; an accidental flush cannot be healed by the fault.
func (*FlushAll) Heal(context.Context, deploy.Deployment) error { return nil }
