package fault

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// replicaSyncTimeout bounds the wait for every replica to show the flush.
const replicaSyncTimeout = 2 * time.Second

// FlushAndLose is an operator error followed by a lost machine: FLUSHALL
// on every target primary, then, once each primary's replicas show the
// empty set, shard 0's primary loses its disk (every file of its data
// dir removed) and its machine (SIGKILL to the container). Afterwards no
// node holds the data in memory or on disk: only a backup taken before the
// flush does. Heal boots the lost machine.
type FlushAndLose struct {
	base
	lost    deploy.Node
	changes []Change
}

// Name implements Fault.
func (*FlushAndLose) Name() string { return "flushall-machine-loss" }

// Changes lists what the last Inject removed.
func (f *FlushAndLose) Changes() []Change { return f.changes }

// Inject flushes every target, waits for the replicas to sync the flush,
// then wipes and kills shard 0's primary. The onset is marked just before
// the first FLUSHALL is sent.
func (f *FlushAndLose) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	shards, err := deploy.LiveShards(ctx, dep)
	if err != nil || len(shards) == 0 || shards[0].Primary == nil {
		return errors.Join(errors.New("flushall-machine-loss: no primary of shard 0"), err)
	}
	lost := shards[0].Primary
	flushed := map[deploy.Node]int64{} // each primary's offset just after its FLUSHALL
	for _, n := range nodes {
		c := n.Client()
		onset.Mark()
		err := c.FlushAll(ctx).Err()
		c.Close()
		if err != nil {
			return fmt.Errorf("flushall on %s: %w", n.Name(), err)
		}
		info, err := n.Info(ctx, "replication")
		if err != nil {
			return fmt.Errorf("read offset of %s: %w", n.Name(), err)
		}
		off, _ := strconv.ParseInt(info["master_repl_offset"], 10, 64)
		flushed[n] = off
	}
	for _, s := range shards {
		off, ok := flushed[s.Primary]
		if !ok {
			continue
		}
		for _, r := range s.Replicas {
			if err := waitOffset(ctx, r, off); err != nil {
				return err
			}
		}
	}
	out, err := lost.Shell(ctx, "cd "+lost.DataDir()+" && find . -mindepth 1 | wc -l && find . -mindepth 1 -delete")
	if err != nil {
		return fmt.Errorf("wipe %s: %w", lost.Name(), err)
	}
	if err := lost.Kill(ctx, "SIGKILL"); err != nil {
		return fmt.Errorf("kill %s: %w", lost.Name(), err)
	}
	if err := waitExited(ctx, lost); err != nil {
		return err
	}
	f.lost = lost
	f.changes = []Change{{Node: lost.Name(), Path: lost.DataDir(), Action: "wipe", Note: strings.TrimSpace(out) + " entries removed, then the machine was killed"}}
	return nil
}

// waitOffset waits until the replica n has processed its primary's
// stream up to offset (the flush), as INFO replication reports it.
func waitOffset(ctx context.Context, n deploy.Node, offset int64) error {
	ctx, cancel := context.WithTimeout(ctx, replicaSyncTimeout)
	defer cancel()
	var got int64
	for {
		if info, err := n.Info(ctx, "replication"); err == nil {
			got, _ = strconv.ParseInt(info["master_repl_offset"], 10, 64)
			if got >= offset {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for replica %s to sync the flush (offset %d of %d): %w", n.Name(), got, offset, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Heal boots the lost machine when it is still part of the deployment.
func (f *FlushAndLose) Heal(ctx context.Context, dep deploy.Deployment) error {
	if f.lost == nil {
		return nil
	}
	return healAll(ctx, members(dep, []deploy.Node{f.lost}), ensureRunning)
}
