package harness

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
)

// reloadOnNetError makes a ClusterClient refresh its slot map when a command
// fails at the network level (dial refused, timeout, reset). go-redis reloads
// on MOVED and READONLY only; a client talking to a dead primary would keep
// dialling it until the periodic reload. Refreshing on connection errors is
// what adaptive-refresh clients (Lettuce, redis-py) do, and it is applied the
// same way to every run, native failover included, so comparisons stay fair.
// RefreshSlotsOnNetError adds that behaviour to a ClusterClient built
// outside Deployment.Client (e.g. a workload's own clone of it).
func RefreshSlotsOnNetError(cc *redis.ClusterClient) { cc.AddHook(reloadOnNetError{client: cc}) }

type reloadOnNetError struct {
	client *redis.ClusterClient
}

// DialHook refreshes the slot map when a dial fails.
func (h reloadOnNetError) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil {
			h.client.ReloadState(ctx)
		}
		return conn, err
	}
}

// ProcessHook refreshes the slot map after a network-level error.
func (h reloadOnNetError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if isNetError(err) {
			h.client.ReloadState(ctx)
		}
		return err
	}
}

// ProcessPipelineHook refreshes the slot map after a network-level error.
func (h reloadOnNetError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if isNetError(err) {
			h.client.ReloadState(ctx)
		}
		return err
	}
}

func isNetError(err error) bool {
	if err == nil {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		// CLUSTERDOWN / TRYAGAIN also mean the map may be stale.
		msg := rerr.Error()
		return len(msg) >= 11 && (msg[:11] == "CLUSTERDOWN" || msg[:8] == "TRYAGAIN")
	}
	var nerr net.Error
	return errors.As(err, &nerr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, net.ErrClosed) || err.Error() == "EOF"
}
