package recovery

import (
	"context"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// loadFunc loads a shard's data into a running, empty, slotless member.
type loadFunc func(ctx context.Context, n deploy.Node) (string, error)

// blankStart is the outcome of starting a node on demand.
type blankStart struct {
	node deploy.Node
	err  error
}

// replaceShard rebuilds a lost shard on a running node: the warm spare when
// one waits, else a node started empty on demand (startBlank), started
// while the backup is fetched. Either way the data goes in without a
// restart (load), the new AOF incr file is opened before the node takes
// slots, the dead nodes are fenced and forgotten, the node adopts the
// orphaned slots, then its files are made durable and it gets a replica. A
// spare whose load fails is killed and forgotten too, and the restore goes
// on with a node started on demand.
func (e *Engine) replaceShard(ctx context.Context, inc *Incident, tl *Timeline, fetch func() (string, error), load loadFunc) error {
	dep := e.dep
	dead := append([]deploy.Node{inc.Failed}, inc.Replicas...)
	fresh := e.takeSpare()
	var blank chan blankStart
	if fresh == nil {
		blank = make(chan blankStart, 1)
		go func() { blank <- e.startBlankSpan(ctx, tl, dead) }()
	}
	if err := tl.Do("fetch backup", fetch); err != nil {
		if blank != nil {
			if b := <-blank; b.node != nil {
				dropNode(ctx, dep, b.node, dead)
			}
		}
		return err
	}
	forget := dead
	var spareID string
	if fresh != nil {
		err := tl.Do("load data", func() (string, error) { return load(ctx, fresh) })
		if err != nil {
			e.logger.Warn("warm spare could not load the backup; starting a node on demand", "spare", fresh.Name(), "err", err)
			if id, ierr := fresh.RedisID(ctx); ierr == nil {
				spareID = id
			}
			_ = fresh.Kill(context.WithoutCancel(ctx), "SIGKILL")
			dep.Retire(fresh)
			forget = append(append([]deploy.Node(nil), dead...), fresh)
			blank = make(chan blankStart, 1)
			blank <- e.startBlankSpan(ctx, tl, forget)
		}
	}
	if blank != nil {
		b := <-blank
		if b.err != nil {
			return b.err
		}
		fresh = b.node
		if err := tl.Do("load data", func() (string, error) { return load(ctx, fresh) }); err != nil {
			return err
		}
	}
	dep.Enlist(fresh)
	if err := tl.Do("start persist", func() (string, error) { return startPersist(ctx, fresh, dep.Topology()) }); err != nil {
		return err
	}
	if err := e.fenceNodes(ctx, inc, tl, dead, true); err != nil {
		return err
	}
	err := tl.Do("rejoin", func() (string, error) {
		known := e.knownIDs(dead)
		if spareID != "" {
			known = append(known, spareID)
		}
		return adoptSlots(ctx, dep, fresh, forget, known, inc.Slots, e.waitingSpares())
	})
	if err != nil {
		return err
	}
	for _, n := range dead {
		dep.Retire(n)
	}
	if err := tl.Do("persist", func() (string, error) { return waitPersisted(ctx, fresh, dep.Topology()) }); err != nil {
		return err
	}
	return tl.Do("re-replicate", func() (string, error) { return addReplica(ctx, e.replicaMachine, fresh) })
}

// startBlankSpan starts a node on demand as the timeline's "start
// container" span.
func (e *Engine) startBlankSpan(ctx context.Context, tl *Timeline, dead []deploy.Node) blankStart {
	var b blankStart
	b.err = tl.Do("start container", func() (string, error) {
		n, what, err := startBlank(ctx, e.dep, dead)
		b.node = n
		return what, err
	})
	return b
}

// dropNode takes a slotless node started for a restore that did not go on
// out again: the live nodes forget it, its container is killed and it
// leaves the topology.
func dropNode(ctx context.Context, dep deploy.Deployment, n deploy.Node, dead []deploy.Node) {
	ctx = context.WithoutCancel(ctx)
	if id, err := n.RedisID(ctx); err == nil {
		for _, m := range liveOthers(ctx, dep, dead, n) {
			_ = command(ctx, m, "CLUSTER", "FORGET", id)
		}
	}
	_ = n.Kill(ctx, "SIGKILL")
	dep.Retire(n)
}
