package process

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// WatchMachines streams the machine events of the run's nodes as their
// supervisors report them: "start" when a machine boots, "kill" (Detail
// signal=<n>) and "die" (Detail exitCode=<c>, 128+signal after a signal)
// when it crashes, "pause" and "unpause". It returns once subscribed, so
// nothing after the call is missed; since, when not zero, first replays
// the events remembered from that instant on. The events channel closes
// when ctx ends; the error channel never carries anything (the stream
// cannot break).
func (dep *Deployment) WatchMachines(ctx context.Context, since time.Time) (<-chan deploy.MachineEvent, <-chan error) {
	return dep.machines.subscribe(ctx, since, !since.IsZero()), make(chan error)
}
