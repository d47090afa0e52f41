package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
)

// cliRDBPath is where redis-cli --rdb writes inside the node container.
const cliRDBPath = "/tmp/redisdrill-bench.rdb"

// floorsAndBackup measures, on shard 0's primary of a fresh populated
// cluster: backup.LiveRDB against redis-cli --rdb run inside the node, then
// the floors of a restore from those files — the copy into a throwaway
// container (the same staging the strategies use) and container start to
// PING with the raw load, for the live RDB and for a data-dir snapshot's AOF.
func (b *runner) floorsAndBackup(ctx context.Context, keys int) error {
	dep, err := b.startCluster(ctx)
	defer func() {
		if terr := dep.Terminate(context.WithoutCancel(ctx)); terr != nil {
			b.logger.Warn("terminate floor cluster", "err", terr)
		}
	}()
	if err != nil {
		return fmt.Errorf("start cluster: %w", err)
	}
	b.noteRedis(dep)
	gen, err := populate(ctx, dep, keys, b.cfg.ValueSize)
	if err != nil {
		return err
	}
	b.res.AddGeneration(keys, ms(gen))
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil {
		return err
	}
	sh := shards[0]
	if sh.Primary == nil {
		return fmt.Errorf("measure floors: shard 0 has no known primary")
	}
	catDir, err := os.MkdirTemp(b.env.WorkDir, "floor-catalog-")
	if err != nil {
		return fmt.Errorf("create catalog dir: %w", err)
	}
	defer os.RemoveAll(catDir)
	cat, err := backup.Open(catDir)
	if err != nil {
		return fmt.Errorf("open catalog: %w", err)
	}
	reps := b.cfg.RepeatFor(keys)
	bk, rdbPath, err := backupSpeed(ctx, dep, sh, cat, keys, reps)
	if err != nil {
		return err
	}
	b.res.Backups = append(b.res.Backups, bk)
	idx := sh.Index
	snap, err := backup.Snapshot(ctx, sh.Primary, cat, backup.Meta{Node: sh.Primary.Name(), NodeID: sh.PrimaryID, Role: "primary", Slots: sh.Slots, Shard: &idx})
	if err != nil {
		return fmt.Errorf("snapshot for the AOF floor: %w", err)
	}
	aofData := filepath.Join(cat.Path(snap.ID), "data")
	rdbFloor := Floor{Keys: keys, Kind: "rdb", Bytes: bk.Bytes}
	aofFloor := Floor{Keys: keys, Kind: "aof", Bytes: dirSize(filepath.Join(aofData, harness.AOFDirName))}
	for i := 0; i < reps; i++ {
		smp, err := rawLoad(ctx, dep, func(n *harness.Node) error {
			_, err := recovery.StageRDB(ctx, n, dep.Topology, rdbPath)
			return err
		})
		if err != nil {
			return fmt.Errorf("measure RDB floor: %w", err)
		}
		rdbFloor.Samples = append(rdbFloor.Samples, smp)
		smp, err = rawLoad(ctx, dep, func(n *harness.Node) error {
			_, err := recovery.StageAOFDir(ctx, n, aofData)
			return err
		})
		if err != nil {
			return fmt.Errorf("measure AOF floor: %w", err)
		}
		aofFloor.Samples = append(aofFloor.Samples, smp)
	}
	b.res.Floors = append(b.res.Floors, rdbFloor, aofFloor)
	return nil
}

// backupSpeed times reps live RDB backups (ours, verified on the fly) and
// reps `redis-cli --rdb` runs inside the node, alternating. It returns the
// path of the last live RDB in the catalog.
func backupSpeed(ctx context.Context, dep *harness.Deployment, sh harness.Shard, cat *backup.Catalog, keys, reps int) (Backup, string, error) {
	n := sh.Primary
	idx := sh.Index
	bk := Backup{Keys: keys}
	var rdbPath string
	for i := 0; i < reps; i++ {
		start := time.Now()
		m, err := backup.LiveRDB(ctx, n.Addr(), dep.Dialer().DialContext, dep.Topology.Password, cat,
			backup.Meta{Node: n.Name(), NodeID: sh.PrimaryID, Role: "primary", Slots: sh.Slots, Shard: &idx})
		if err != nil {
			return bk, "", fmt.Errorf("live RDB backup: %w", err)
		}
		bk.OursMS = append(bk.OursMS, ms(time.Since(start)))
		bk.Bytes = m.Size()
		rdbPath = filepath.Join(cat.Path(m.ID), backup.RDBFileName)
		start = time.Now()
		code, out, err := n.Exec(ctx, dep.Server.CLI, "--rdb", cliRDBPath)
		if err != nil || code != 0 {
			return bk, "", fmt.Errorf("%s --rdb on %s: exit %d: %s: %w", dep.Server.CLI, n.Name(), code, out, err)
		}
		bk.RedisCLIMS = append(bk.RedisCLIMS, ms(time.Since(start)))
		if _, _, err := n.Exec(ctx, "rm", "-f", cliRDBPath); err != nil {
			return bk, "", fmt.Errorf("remove %s: %w", cliRDBPath, err)
		}
	}
	return bk, rdbPath, nil
}

// rawLoad creates a throwaway node, stages files into it (timed: the copy),
// starts it and waits for PING (timed: container start + load), then reads
// the load time redis-server logged and removes the node from the
// deployment (its container goes with the deployment).
func rawLoad(ctx context.Context, dep *harness.Deployment, stage func(*harness.Node) error) (FloorSample, error) {
	var smp FloorSample
	n, err := dep.CreateNode(ctx)
	if n != nil {
		defer func() {
			_ = n.Kill(context.WithoutCancel(ctx), "SIGKILL")
			dep.Retire(n)
		}()
	}
	if err != nil {
		return smp, err
	}
	start := time.Now()
	if err := stage(n); err != nil {
		return smp, err
	}
	smp.CopyMS = ms(time.Since(start))
	start = time.Now()
	if err := n.Start(ctx); err != nil {
		return smp, err
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := n.WaitPing(wctx); err != nil {
		return smp, err
	}
	smp.StartMS = ms(time.Since(start))
	logs, err := n.Logs(ctx)
	if err != nil {
		return smp, err
	}
	secs, ok := LoadSeconds(logs)
	if !ok {
		return smp, fmt.Errorf("read load time of %s: no \"DB loaded from\" line in its log", n.Name())
	}
	smp.LoadMS = secs * 1000
	return smp, nil
}

// loadedRE matches redis-server's load-time log lines, e.g. "DB loaded from
// disk: 0.512 seconds" or "DB loaded from append only file: 0.540 seconds".
var loadedRE = regexp.MustCompile(`DB loaded from (?:disk|append only file): ([0-9.]+) seconds`)

// LoadSeconds returns the longest load time redis-server logged (for an
// AOF, the whole file set rather than its base alone).
func LoadSeconds(log string) (float64, bool) {
	best, found := 0.0, false
	for _, m := range loadedRE.FindAllStringSubmatch(log, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		if !found || v > best {
			best, found = v, true
		}
	}
	return best, found
}

// dirSize sums the sizes of the regular files under dir.
func dirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}
