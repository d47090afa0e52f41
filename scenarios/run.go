package scenarios

import (
	"context"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Run carries out one scenario on the drill session (see session.Run), as
// it runs on env.Server (ForServer): a scenario the server cannot run is
// reported skipped without starting anything.
func Run(ctx context.Context, env session.Env, sc Scenario) (*session.Outcome, error) {
	return runOnServer(ctx, env, sc)
}
