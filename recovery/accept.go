package recovery

import (
	"context"
	"fmt"
)

// AcceptRedis accepts a node that Redis brought back by itself with (nearly)
// the data it had — e.g. an AOF with a truncated tail, which Redis loads
// after dropping the partial command. The engine only checks it rejoined;
// the loss, if any, is measured by the ledger.
type AcceptRedis struct{}

// Name implements Strategy.
func (AcceptRedis) Name() string { return "accept-redis-recovery" }

// Estimate implements Strategy.
func (AcceptRedis) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if inc.Kind != SelfHealed {
		return Estimate{Why: "Redis did not recover by itself"}, nil
	}
	return Estimate{Applicable: true, Why: inc.Detail, LostKeys: lossVersus(inc.PreFaultKeys, inc.KeysNow)}, nil
}

// Execute implements Strategy.
func (AcceptRedis) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	return tl.Do("rejoin", func() (string, error) {
		msg, err := rejoin(ctx, env.Deployment(), inc.Failed)
		if err != nil {
			return "", fmt.Errorf("accept recovery of %s: %w", inc.Failed.Name(), err)
		}
		return msg, nil
	})
}
