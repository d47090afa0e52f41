package fault

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// DiskFullConf is the redis.conf line disk-full needs: Redis 7 refuses
// CONFIG SET dir unless protected configs are enabled. Add it to
// Topology.ExtraConf.
const DiskFullConf = "enable-protected-configs yes"

// DefaultLeaveBytes is the free space disk-full leaves by default: none.
// A cluster node writes nodes.conf into the small disk before it is
// filled; tmpfs allocates whole pages, so the file can still be rewritten
// in place within its page.
const DefaultLeaveBytes = 0

// fillerName is the file that fills the small disk.
const fillerName = ".redisdrill-filler"

// DiskFull points the target's dir at the small tmpfs (a node's SmallDiskDir)
// and fills it, so the next BGSAVE fails with ENOSPC; with RDB save points
// configured Redis then refuses writes with -MISCONF (reads still work).
// Inject returns once a BGSAVE has failed. Heal removes the filler, points
// dir back and runs a BGSAVE that succeeds, so writes are accepted again.
type DiskFull struct {
	base
	dirMu sync.Mutex
	dirs  map[string]string // node name -> dir before Inject
}

// Name implements Fault.
func (*DiskFull) Name() string { return "disk-full" }

// Inject fills the small disk of every target. The onset is marked after the
// read-only steps (CONFIG GET dir, waiting out a running background save),
// just before the first CONFIG SET dir: the first change to the node.
func (f *DiskFull) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	leave := f.params.LeaveBytes
	cluster := dep.Topology().Kind == rediskit.KindCluster
	for _, n := range nodes {
		if err := f.injectNode(ctx, n, leave, cluster, onset); err != nil {
			return err
		}
	}
	return nil
}

func (f *DiskFull) injectNode(ctx context.Context, n deploy.Node, leave int64, cluster bool, onset *Onset) error {
	sd, ok := n.(smallDisker)
	if !ok {
		return fmt.Errorf("fill disk of %s: no small disk mounted: %w", n.Name(), ErrUnsupported)
	}
	small := sd.SmallDiskDir()
	c := n.Client()
	defer c.Close()
	cur, err := c.ConfigGet(ctx, "dir").Result()
	if err != nil {
		return fmt.Errorf("read dir of %s: %w", n.Name(), err)
	}
	old := cur["dir"]
	if old == "" || old == small {
		old = n.DataDir()
	}
	f.dirMu.Lock()
	if f.dirs == nil {
		f.dirs = map[string]string{}
	}
	f.dirs[n.Name()] = old
	f.dirMu.Unlock()
	if err := waitNoBGSave(ctx, c); err != nil {
		return err
	}
	onset.Mark()
	if err := c.ConfigSet(ctx, "dir", small).Err(); err != nil {
		if strings.Contains(err.Error(), "protected") {
			return fmt.Errorf("set dir of %s: %w (add %q to Topology.ExtraConf)", n.Name(), err, DiskFullConf)
		}
		return fmt.Errorf("set dir of %s: %w", n.Name(), err)
	}
	if cluster {
		// Write nodes.conf into the small disk now, while there is room.
		if err := c.Do(ctx, "CLUSTER", "SAVECONFIG").Err(); err != nil {
			return fmt.Errorf("save cluster config of %s: %w", n.Name(), err)
		}
	}
	script := fmt.Sprintf(`set -e; f=%[1]s/%[2]s; rm -f $f
a=$(df -B1 --output=avail %[1]s | tail -n1); n=$(( (a - %[3]d) / 4096 ))
if [ $n -gt 0 ]; then dd if=/dev/zero of=$f bs=4096 count=$n 2>/dev/null; fi
df -B1 --output=avail %[1]s | tail -n1`, small, fillerName, leave)
	out, err := n.Shell(ctx, script)
	if err != nil {
		return fmt.Errorf("fill %s on %s: %w", small, n.Name(), err)
	}
	left := strings.TrimSpace(out)
	status, err := bgsave(ctx, c)
	if err != nil {
		return err
	}
	if status == "ok" {
		return fmt.Errorf("fill disk of %s: BGSAVE still succeeds with %s bytes left (the dataset is smaller than that; write more data or lower LeaveBytes)", n.Name(), left)
	}
	return nil
}

// Heal removes the filler, restores dir and runs a successful BGSAVE.
func (f *DiskFull) Heal(ctx context.Context, dep deploy.Deployment) error {
	cluster := dep.Topology().Kind == rediskit.KindCluster
	return healAll(ctx, f.resolved(), func(ctx context.Context, n deploy.Node) error {
		sd, ok := n.(smallDisker)
		if !ok {
			return nil // never filled
		}
		small := sd.SmallDiskDir()
		running, err := n.Running(ctx)
		if err != nil || !running {
			return err // a stopped node lost its tmpfs: nothing to heal
		}
		if _, err := n.Shell(ctx, "rm -f "+small+"/"+fillerName); err != nil {
			return fmt.Errorf("remove filler on %s: %w", n.Name(), err)
		}
		f.dirMu.Lock()
		old := f.dirs[n.Name()]
		f.dirMu.Unlock()
		if old == "" {
			old = n.DataDir()
		}
		c := n.Client()
		defer c.Close()
		if err := c.ConfigSet(ctx, "dir", old).Err(); err != nil {
			return fmt.Errorf("restore dir of %s: %w", n.Name(), err)
		}
		if cluster {
			if err := c.Do(ctx, "CLUSTER", "SAVECONFIG").Err(); err != nil {
				return fmt.Errorf("save cluster config of %s: %w", n.Name(), err)
			}
		}
		if _, err := n.Shell(ctx, "rm -f "+small+"/*"); err != nil {
			return fmt.Errorf("clean %s on %s: %w", small, n.Name(), err)
		}
		status, err := bgsave(ctx, c)
		if err != nil {
			return err
		}
		if status != "ok" {
			return fmt.Errorf("heal disk of %s: BGSAVE still fails after freeing space", n.Name())
		}
		return nil
	})
}
