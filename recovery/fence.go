package recovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Fencing: before the engine gives a shard's slots or its primary role to
// another node, it makes sure the old owner can no longer take writes for
// them. Detection never asks Docker in probe mode, but fencing is an action,
// like a STONITH agent's: it uses the deployment's control plane (Docker)
// where it can, and Redis itself where the node still answers.

// Fence methods, in the order the engine tries them.
const (
	// FenceAlreadyDown: the container is not running; Docker keeps it down
	// until someone starts it, and a restarted cluster node is held by
	// Redis's own writable delay until it learns the newer epoch.
	FenceAlreadyDown = "already-down"
	// FencePauseWrites: the node answers (e.g. it restarted empty): CLIENT
	// PAUSE … WRITE holds every write it gets, unacked, until it has turned
	// replica of the new owner (then CLIENT UNPAUSE) — the way Redis's own
	// manual failover holds the old primary.
	FencePauseWrites = "client-pause-write"
	// FenceKill: the node is silent (frozen, cut off, hung) but its machine
	// runs: the machine is crashed through its provider (SIGKILL to the
	// container, or to the process and its supervisor). It comes back only
	// when the engine readmits it (Engine.Readmit), as a replica.
	FenceKill = "machine-kill"
	// FenceEpochOnly: neither the provider nor the node answers; only Redis's
	// epochs (and node-timeout on the old primary's side) protect the slots.
	FenceEpochOnly = "epoch-only"
)

// pauseWritesFor is how long CLIENT PAUSE WRITE holds an old primary at
// most; the engine releases it as soon as the node has turned replica.
const pauseWritesFor = 30 * time.Second

// Fence records how one old owner was fenced and what became of it.
type Fence struct {
	Node   string    `json:"node"`
	Addr   string    `json:"addr"`
	Method string    `json:"method"`
	At     time.Time `json:"at"`
	Detail string    `json:"detail,omitempty"`
	// Returned is when the node came back and was seen as a replica (or
	// without slots); zero while it is down or stays out.
	Returned time.Time `json:"returned,omitzero"`
	// Lifted is when the engine ended the fence to restore the node itself
	// as its shard's owner (the takeover it guarded never happened); from
	// then on the node's writes are legitimate.
	Lifted time.Time `json:"lifted,omitzero"`
	// Outcome says what became of the node: "replica of X", "stays out
	// (retired)", "killed again: …", "lifted: …".
	Outcome string `json:"outcome,omitempty"`
}

// fenceNodes fences every node in old and records each fence in the
// engine and the timeline. A kill marks the incident's primary as known
// dead, so a takeover can no longer split the brain. With retire (the
// nodes are being replaced and forgotten, so none will ever learn it lost
// its slots) a node that still answers is killed too, not paused.
func (e *Engine) fenceNodes(ctx context.Context, inc *Incident, tl *Timeline, old []deploy.Node, retire bool) error {
	return tl.Do("fence", func() (string, error) {
		var detail string
		var errs []error
		for _, n := range old {
			f, err := fenceNode(ctx, n, e.silent(n), retire)
			e.mu.Lock()
			e.fences = append(e.fences, f)
			e.mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if n == inc.Failed && (f.Method == FenceKill || f.Method == FenceAlreadyDown || f.Method == FenceServiceStop) {
				inc.PrimaryKnownDead = true
			}
			if detail != "" {
				detail += ", "
			}
			detail += n.Name() + " " + f.Method
		}
		return detail, errors.Join(errs...)
	})
}

// fenceNode fences one node: already down, pause its writes when it
// answers (unless it is being retired), else kill its container. A node the
// probes see silent is not pinged again (a frozen or cut-off node would cost
// the ping's timeout).
func fenceNode(ctx context.Context, n deploy.Node, silent, retire bool) (Fence, error) {
	f := Fence{Node: n.Name(), Addr: n.Addr(), At: time.Now()}
	running, paused, err := n.State(ctx)
	if err != nil {
		if pingQuick(ctx, n) {
			return pauseWrites(ctx, n, f)
		}
		f.Method, f.Detail = FenceEpochOnly, fmt.Sprintf("no control plane (%v) and the node is silent", err)
		return f, nil
	}
	if !running && !paused {
		if downForGood(ctx, n) {
			f.Method, f.Detail = FenceAlreadyDown, "server down and not restarting"
			return f, nil
		}
		// Down now, but its supervisor will start it again: a crash is not
		// a fence, so the machine is killed below.
	}
	if running && !silent && !retire && pingQuick(ctx, n) {
		if pf, err := pauseWrites(ctx, n, f); err == nil {
			return pf, nil
		}
	}
	if sf, ok := n.(deploy.ServerFencer); ok && !retire {
		// The machine stays up: readmitting it is a server start, not a
		// boot (a boot inside the measured window cost pause-long-fenced
		// its bound under load).
		f.Method, f.At = FenceServiceStop, time.Now()
		err := sf.FenceServer(ctx)
		if err == nil {
			f.Detail = "SIGKILL to the server, kept down by its service manager; the machine stays up"
			if paused {
				f.Detail = "SIGKILL to the frozen server (delivered at thaw, before it runs again), kept down by its service manager; the machine stays up"
			}
			return f, nil
		}
		f.Detail = "server fence failed (" + err.Error() + "): "
	}
	f.Method = FenceKill
	f.At = time.Now()
	if err := n.Kill(ctx, "SIGKILL"); err != nil {
		return f, fmt.Errorf("fence %s: %w", n.Name(), err)
	}
	f.Detail += "SIGKILL"
	if paused {
		f.Detail += " while frozen"
	}
	return f, waitDown(ctx, n)
}

// fencedSince reports whether n was fenced since fence index from.
func (e *Engine) fencedSince(from int, n deploy.Node) bool {
	if n == nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.fences[min(from, len(e.fences)):] {
		if f.Node == n.Name() {
			return true
		}
	}
	return false
}

// downForGood reports whether n's server is down and stays down: its
// machine is down, or its supervisor keeps it down (an unsupervised node
// is down for good once its container stopped).
func downForGood(ctx context.Context, n deploy.Node) bool {
	if up, err := n.MachineRunning(ctx); err == nil && !up {
		return true
	}
	_, exited, err := n.Exited(ctx)
	return err == nil && exited
}

func pauseWrites(ctx context.Context, n deploy.Node, f Fence) (Fence, error) {
	f.Method, f.At = FencePauseWrites, time.Now()
	ms := strconv.FormatInt(pauseWritesFor.Milliseconds(), 10)
	if err := command(ctx, n, "CLIENT", "PAUSE", ms, "WRITE"); err != nil {
		return f, fmt.Errorf("fence %s: %w", n.Name(), err)
	}
	f.Detail = "CLIENT PAUSE " + ms + " WRITE"
	return f, nil
}

// waitDown waits (bounded) until n's container has exited.
func waitDown(ctx context.Context, n deploy.Node) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		running, paused, err := n.State(wctx)
		if err == nil && !running && !paused {
			return nil
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("wait for fenced %s to stop: %w", n.Name(), wctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// releasePausedWrites ends the write pause of every node fenced with
// CLIENT PAUSE once it has turned replica (or holds no slots); a node that
// does not within 5 s is killed instead, so it can never ack a write for
// slots it lost.
func (e *Engine) releasePausedWrites(ctx context.Context, tl *Timeline) error {
	e.mu.Lock()
	var idx []int
	for i, f := range e.fences {
		if f.Method == FencePauseWrites && f.Outcome == "" {
			idx = append(idx, i)
		}
	}
	e.mu.Unlock()
	if len(idx) == 0 {
		return nil
	}
	return tl.Do("release fence", func() (string, error) {
		var detail string
		var errs []error
		for _, i := range idx {
			e.mu.Lock()
			f := e.fences[i]
			e.mu.Unlock()
			n, ok := e.dep.NodeByName(f.Node)
			if !ok {
				continue
			}
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			outcome, err := waitStepsDown(wctx, e.dep, n)
			cancel()
			if err == nil {
				err = command(ctx, n, "CLIENT", "UNPAUSE")
				f.Returned, f.Outcome = time.Now(), outcome
			} else {
				f.Outcome = "killed: " + err.Error()
				if kerr := n.Kill(ctx, "SIGKILL"); kerr != nil {
					err = errors.Join(err, kerr)
				} else {
					f.Method, f.At = FenceKill, time.Now()
					err = nil
				}
			}
			e.mu.Lock()
			e.fences[i] = f
			e.mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("release fence on %s: %w", n.Name(), err))
			}
			detail += n.Name() + ": " + f.Outcome + " "
		}
		return detail, errors.Join(errs...)
	})
}

// waitStepsDown waits until n no longer acts as a primary with slots: in a
// cluster it is a replica or owns no slot in its own view; in a replicated
// deployment the engine points it at the new primary itself.
func waitStepsDown(ctx context.Context, dep deploy.Deployment, n deploy.Node) (string, error) {
	if dep.Topology().Kind != rediskit.KindCluster {
		p := dep.Primary()
		if p == nil || p == n {
			return "", errors.New("no new primary to follow")
		}
		if err := command(ctx, n, "REPLICAOF", p.IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
			return "", err
		}
		return "replica of " + p.Name(), nil
	}
	for {
		view, err := n.ClusterNodes(ctx)
		if err == nil {
			for _, cn := range view {
				if !cn.Has("myself") {
					continue
				}
				if !cn.IsPrimary() {
					return "replica of " + shortNodeID(cn.MasterID), nil
				}
				if len(cn.Slots) == 0 {
					return "primary without slots", nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s still claims its slots: %w", n.Name(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func shortNodeID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Fences returns every fence the engine set, with what became of each node.
func (e *Engine) Fences() []Fence {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Fence(nil), e.fences...)
}

// Readmit brings back every node the engine fenced by killing it, once its
// fault has healed: a node still in the topology is started and must turn
// replica of its shard's new primary (or own no slot) within 10 s, else it
// is killed again and Readmit fails; a retired node (replaced by a fresh
// one) stays out.
//
// It always waits for a recovery in progress to finish first, even when
// no fence is pending yet: a fault's heal can race the engine's fence of
// the same node (heal at 2 s, the probe's kill a few ms later), and
// returning early there left the node down until some later heal.
func (e *Engine) Readmit(ctx context.Context) error {
	e.recovering.Lock()
	defer e.recovering.Unlock()
	idx := e.pendingKills()
	var errs []error
	for _, i := range idx {
		e.mu.Lock()
		f := e.fences[i]
		e.mu.Unlock()
		f, err := e.readmit(ctx, f)
		e.mu.Lock()
		e.fences[i] = f
		e.mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pendingKills returns the indexes of kill fences not yet resolved.
func (e *Engine) pendingKills() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var idx []int
	for i, f := range e.fences {
		if (f.Method == FenceKill || f.Method == FenceServiceStop) && f.Outcome == "" {
			idx = append(idx, i)
		}
	}
	return idx
}

func (e *Engine) readmit(ctx context.Context, f Fence) (Fence, error) {
	n, ok := e.dep.NodeByName(f.Node)
	if !ok {
		f.Outcome = "stays out (unknown node)"
		return f, nil
	}
	if !e.dep.IsMember(n) {
		f.Outcome = "stays out (retired)"
		return f, nil
	}
	if paused, err := n.Paused(ctx); err == nil && paused && f.Method == FenceServiceStop {
		// Still frozen (no heal thawed it): the server fence took the
		// server (its kill lands at the thaw), so the freeze guards
		// nothing any more; a machine kill thawed it too.
		if err := n.Unpause(ctx); err != nil {
			return f, fmt.Errorf("readmit %s: %w", n.Name(), err)
		}
	}
	if err := n.Start(ctx); err != nil {
		return f, fmt.Errorf("readmit %s: %w", n.Name(), err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := n.WaitPing(wctx); err != nil {
		return f, fmt.Errorf("readmit %s: %w", n.Name(), err)
	}
	outcome, err := waitStepsDown(wctx, e.dep, n)
	if err != nil {
		f.Outcome = "killed again: " + err.Error()
		if kerr := n.Kill(ctx, "SIGKILL"); kerr != nil {
			err = errors.Join(err, kerr)
		}
		return f, fmt.Errorf("readmit %s: %w", n.Name(), err)
	}
	f.Returned, f.Outcome = time.Now(), outcome
	e.logger.Info("fenced node readmitted", "node", n.Name(), "as", outcome)
	return f, nil
}

// takesOver reports whether a strategy hands the failed node's slots to
// another node (the failed node must then come back as a replica); every
// other strategy restores the failed node itself in place.
func takesOver(strategy string) bool {
	switch strategy {
	case "promote-replica", "replace-node", "replace-from-aof":
		return true
	}
	return false
}

// liftFences closes the kill (and already-down) fences set on failed since fence index from,
// with why as their outcome, when the recovery chose to restore that very
// node in place after all: the takeover the fence guarded never happened
// (seen under load: promote-replica fenced an emptied primary, found its
// replica had full-synced the empty dataset, and restore-in-place brought
// the fenced node back as the owner). Readmit then leaves the node alone,
// and the split-brain watcher stops holding its writes against the engine
// from the moment the fence is lifted.
func (e *Engine) liftFences(from int, failed deploy.Node, why string) {
	if failed == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := from; i < len(e.fences); i++ {
		f := &e.fences[i]
		if f.Node == failed.Name() && (f.Method == FenceKill || f.Method == FenceAlreadyDown || f.Method == FenceServiceStop) && f.Outcome == "" {
			f.Lifted, f.Outcome = time.Now(), "lifted: "+why
			e.logger.Info("fence lifted", "node", f.Node, "why", why)
		}
	}
}
