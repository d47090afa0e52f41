package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// pollInterval is how often background-save state is polled.
const pollInterval = 20 * time.Millisecond

// persistenceInfo reads INFO persistence.
func persistenceInfo(ctx context.Context, c *redis.Client) (map[string]string, error) {
	text, err := c.Info(ctx, "persistence").Result()
	if err != nil {
		return nil, fmt.Errorf("read info persistence: %w", err)
	}
	return rediskit.ParseInfo(text), nil
}

// waitNoBGSave waits until no RDB or AOF background job runs.
func waitNoBGSave(ctx context.Context, c *redis.Client) error {
	for {
		info, err := persistenceInfo(ctx, c)
		if err != nil {
			return err
		}
		if info["rdb_bgsave_in_progress"] == "0" && info["aof_rewrite_in_progress"] == "0" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for background save: %w", ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// bgsave runs one BGSAVE to completion and returns rdb_last_bgsave_status
// ("ok" or "err").
func bgsave(ctx context.Context, c *redis.Client) (string, error) {
	if err := waitNoBGSave(ctx, c); err != nil {
		return "", err
	}
	if err := c.BgSave(ctx).Err(); err != nil && !strings.Contains(err.Error(), "already in progress") {
		return "", fmt.Errorf("start bgsave: %w", err)
	}
	if err := waitNoBGSave(ctx, c); err != nil {
		return "", err
	}
	info, err := persistenceInfo(ctx, c)
	if err != nil {
		return "", err
	}
	return info["rdb_last_bgsave_status"], nil
}
