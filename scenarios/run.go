package scenarios

import (
	"context"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Run carries out one scenario on the drill session (see session.Run).
func Run(ctx context.Context, env session.Env, sc Scenario) (*session.Outcome, error) {
	return session.Run(ctx, env, sc.Plan())
}
