package recovery

import (
	"context"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// KindKeyspaceDrop is the engine's own event for a primary that answers but
// lost most of its keys without restarting.
const KindKeyspaceDrop detect.Kind = "keyspace-drop"

// watchKeyspace polls each shard primary's DBSIZE every 50 ms and reports a
// drop below half of the baseline (for shards that held ≥ 100 keys).
//
// A drop on a server whose run_id is no longer the one Refresh read is a
// restart that came back without its files, not a flush: a supervisor
// restarts a local process within milliseconds, so this watcher can see the
// empty server before the detector's probe round names the restart. It is
// reported as an empty restart, never as a keyspace drop.
func (e *Engine) watchKeyspace(ctx context.Context, out chan<- detect.Event) {
	e.mu.Lock()
	base := e.baseline
	shards := e.shards
	before := e.runIDs
	e.mu.Unlock()
	want := map[deploy.Node]int64{}
	for _, sb := range base.Shards {
		for _, s := range shards {
			if s.Index == sb.Index && s.Primary != nil && sb.Keys >= 100 {
				want[s.Primary] = sb.Keys
			}
		}
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for n, keys := range want {
			now, runID, err := keysAndRunID(ctx, n)
			if err != nil || now*2 >= keys {
				continue
			}
			ev := detect.Event{Time: time.Now(), Node: n.Name(), Source: detect.SourceProbe, Kind: KindKeyspaceDrop,
				Detail: fmt.Sprintf("DBSIZE %d, baseline %d", now, keys)}
			if was := before[n.Name()]; was != "" && runID != was {
				ev.Kind = detect.KindEmptyRestart
				ev.Detail = fmt.Sprintf("run_id %s -> %s, DBSIZE %d, baseline %d", shortID(was), shortID(runID), now, keys)
			}
			out <- ev
			return
		}
	}
}

// keysAndRunID reads a node's key count and its server's run_id in one
// round trip, bounded by 100 ms.
func keysAndRunID(ctx context.Context, n deploy.Node) (keys int64, runID string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	c := n.Client()
	defer c.Close()
	pipe := c.Pipeline()
	size := pipe.DBSize(ctx)
	info := pipe.Info(ctx, "server")
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, "", fmt.Errorf("read keys of %s: %w", n.Name(), err)
	}
	return size.Val(), rediskit.ParseInfo(info.Val())["run_id"], nil
}

// primaryRunIDs reads the run_id of every shard's primary; a primary that
// does not answer is left out (its drop then reads as a keyspace drop, as
// before run ids were kept).
func primaryRunIDs(ctx context.Context, shards []deploy.Shard) map[string]string {
	ids := map[string]string{}
	for _, s := range shards {
		if s.Primary == nil {
			continue
		}
		if _, id, err := keysAndRunID(ctx, s.Primary); err == nil && id != "" {
			ids[s.Primary.Name()] = id
		}
	}
	return ids
}

// shortID is the first eight characters of a run_id, as logs show it.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
