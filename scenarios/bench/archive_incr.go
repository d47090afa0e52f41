package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// Knobs of the writes after the base.
const (
	// incrBatch is the number of SETs per pipeline of the incr writes.
	incrBatch = 500
	// durableTimeout bounds the wait for the archive to hold every write.
	durableTimeout = 2 * time.Minute
)

// incrKeyName is the name of the i-th key written after the archive's base.
func incrKeyName(i int) string { return "archive:" + strconv.Itoa(i) }

// shardKeys returns the first count keys incrKeyName(0, 1, ...) whose
// slot is in slots.
func shardKeys(slots [][2]int, count int) []string {
	var out []string
	for i := 0; len(out) < count; i++ {
		k := incrKeyName(i)
		s := workload.Slot(k)
		for _, r := range slots {
			if s >= r[0] && s <= r[1] {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// writeIncr pipelines SETs of keys to n.
func writeIncr(ctx context.Context, n *harness.Node, keys []string, valueSize int) error {
	c := n.Client()
	defer c.Close()
	pool := valuePool(valueSize)
	for off := 0; off < len(keys); off += incrBatch {
		p := c.Pipeline()
		for i := off; i < min(off+incrBatch, len(keys)); i++ {
			p.Set(ctx, keys[i], value(pool, i, valueSize), 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			return fmt.Errorf("write incr keys to %s: %w", n.Name(), err)
		}
	}
	return nil
}

// waitDurable waits until the archive holds everything n has streamed so
// far (its durable offset reached the primary's master_repl_offset).
func waitDurable(ctx context.Context, n *harness.Node, arc *archive.Archiver) error {
	info, err := n.Info(ctx, "replication")
	if err != nil {
		return fmt.Errorf("wait for the archive: %w", err)
	}
	want, err := strconv.ParseInt(info["master_repl_offset"], 10, 64)
	if err != nil {
		return fmt.Errorf("wait for the archive: master_repl_offset %q of %s: %w", info["master_repl_offset"], n.Name(), err)
	}
	wctx, cancel := context.WithTimeout(ctx, durableTimeout)
	defer cancel()
	if err := poll(wctx, func() (bool, error) { return arc.Stats().DurableOffset >= want, nil }); err != nil {
		st := arc.Stats()
		return fmt.Errorf("wait for the archive: durable offset %d of %d (last error %q): %w", st.DurableOffset, want, st.LastError, err)
	}
	return nil
}
