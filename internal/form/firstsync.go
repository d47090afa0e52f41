package form

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Bounds of the wait for a new replica's first sync during forming.
const (
	firstSyncTimeout  = 30 * time.Second
	firstSyncInterval = 10 * time.Millisecond
)

// socketLoad makes a fresh replica load its first sync straight from the
// socket (repl-diskless-load on-empty-db) and returns a function that,
// once the sync is done, puts the node's own setting back. Valkey 9 loads
// a disk-based sync through a background thread whose end its main thread
// only notices on the next replicationCron, up to a second later; a replica
// with an empty dataset loses nothing by reading the socket. When the
// setting cannot be read or changed (a server without it), forming goes on
// as it was and restore does nothing.
func socketLoad(ctx context.Context, c *redis.Client) (restore func(context.Context) error) {
	noop := func(context.Context) error { return nil }
	old, err := c.ConfigGet(ctx, "repl-diskless-load").Result()
	prev, ok := old["repl-diskless-load"]
	if err != nil || !ok || prev == "on-empty-db" || prev == "swapdb" {
		return noop
	}
	if err := c.ConfigSet(ctx, "repl-diskless-load", "on-empty-db").Err(); err != nil {
		return noop
	}
	return func(ctx context.Context) error {
		if err := waitFirstSync(ctx, c); err != nil {
			return err
		}
		if err := c.ConfigSet(ctx, "repl-diskless-load", prev).Err(); err != nil {
			return fmt.Errorf("restore repl-diskless-load: %w", err)
		}
		return nil
	}
}

// waitFirstSync waits until the replica behind c reports
// master_link_status:up.
func waitFirstSync(ctx context.Context, c *redis.Client) error {
	deadline := time.Now().Add(firstSyncTimeout)
	for {
		text, err := c.Info(ctx, "replication").Result()
		if err == nil && rediskit.ParseInfo(text)["master_link_status"] == "up" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for first sync: not synced within %s (last error: %v)", firstSyncTimeout, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for first sync: %w", ctx.Err())
		case <-time.After(firstSyncInterval):
		}
	}
}
