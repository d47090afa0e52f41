package plan

import (
	"context"
	"fmt"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Run carries out the plan on the drill session (see session.Run).
func Run(ctx context.Context, env session.Env, p Plan) (*session.Outcome, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("run plan: %w", err)
	}
	sp, err := p.Session()
	if err != nil {
		return nil, fmt.Errorf("run plan: %w", err)
	}
	return session.Run(ctx, env, sp)
}
