package recovery

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// classify turns the first failure event into an incident: which shard,
// which node, what is still alive.
func (e *Engine) classify(ctx context.Context, ev detect.Event) (*Incident, error) {
	node, ok := e.dep.NodeByName(ev.Node)
	if !ok {
		return nil, fmt.Errorf("classify failure: unknown node %q", ev.Node)
	}
	e.mu.Lock()
	shards := e.shards
	base := e.baseline
	e.mu.Unlock()
	inc := &Incident{Kind: PrimaryDown, Failed: node, DetectedAt: ev.Time, Detail: ev.String(), PreFaultKeys: -1}
	shard, ok := failedShard(ctx, shards, node, e.nodeAlive)
	if !ok {
		return nil, fmt.Errorf("classify failure: %s was a replica and every primary answers: Redis keeps serving, nothing to recover", node.Name())
	}
	inc.Failed = shard.Primary
	inc.Shard, inc.Slots, inc.FailedID, inc.Replicas = shard.Index, shard.Slots, shard.PrimaryID, shard.Replicas
	node = shard.Primary
	e.mu.Lock()
	if !containsNode(e.failed, node) {
		e.failed = append(e.failed, node)
	}
	e.mu.Unlock()
	for _, sb := range base.Shards {
		if sb.Index == inc.Shard {
			inc.PreFaultKeys = sb.Keys
		}
	}
	if ev.Kind == KindKeyspaceDrop {
		inc.Kind, inc.Detail = AccidentalFlush, ev.Detail
		return inc, nil
	}
	if ev.Kind == detect.KindEmptyRestart {
		inc.Kind = EmptyRestart
	}
	var liveReplicas int
	var fate *primaryFate
	if _, ok := sentinelsOf(e.dep); ok {
		liveReplicas, fate = e.lookAtOnce(ctx, inc.Replicas, node)
	} else {
		for _, r := range inc.Replicas {
			if e.nodeAlive(ctx, r) {
				liveReplicas++
			}
		}
	}
	if liveReplicas > 0 {
		// Fast path and guard: with a live replica, act now — before the
		// failed primary can come back empty and wipe its replicas.
		if fate != nil {
			inc.PrimaryKnownDead = fate.knownDead
		} else {
			inc.PrimaryKnownDead = e.knownDead(ctx, node)
		}
		if inc.Kind == PrimaryDown && e.cameBackEmpty(node) {
			// Held down (see holdCrashedPrimary) after its supervisor had
			// restarted it empty: the probes saw that, the node cannot
			// say it any more.
			inc.Kind = EmptyRestart
			e.checkCollapsed(ctx, inc, 0)
			return inc, nil
		}
		switch {
		case inc.Kind == EmptyRestart:
			e.checkEmptied(ctx, inc)
		case inc.Kind == PrimaryDown && fate.aliveOr(func() bool { return e.nodeAlive(ctx, node) }):
			e.checkEmptied(ctx, inc)
		case inc.Kind == PrimaryDown:
			e.checkFlushedBefore(ctx, inc)
		}
		return inc, nil
	}
	// No replica to fall back on: see what the node does with its own files.
	state, detail, code := e.awaitOutcome(ctx, node)
	inc.PrimaryKnownDead = state == nodeDown || state == nodeRefused
	if code >= 0 {
		// What the failed node did, read with the outcome: the report's
		// observation needs no second look (which a strategy already
		// acting on the node could blur).
		switch state {
		case nodeRefused:
			inc.observed = []string{fmt.Sprintf("refused-start: exit %d: %s", code, detail)}
		case nodeDown:
			inc.observed = []string{fmt.Sprintf("exited: code %d", code)}
		}
	}
	switch state {
	case nodeRefused:
		inc.Kind, inc.Detail = RefusesStart, detail
		inc.IdentityBroken = strings.Contains(detail, "cluster config")
		inc.AOFBroken = strings.Contains(detail, "append only") || strings.Contains(detail, "AOF") || strings.Contains(detail, "manifest")
	case nodeServing:
		keys, _ := dbSize(ctx, node)
		inc.Detail = fmt.Sprintf("%s came back with %d keys (baseline %d)", node.Name(), keys, inc.PreFaultKeys)
		inc.KeysNow = keys
		if inc.PreFaultKeys > 0 && keys*2 < inc.PreFaultKeys {
			inc.Kind = StartedEmpty
		} else {
			inc.Kind = SelfHealed
		}
	default:
		if detail != "" {
			inc.Detail = fmt.Sprintf("%s: %s", inc.Detail, detail)
		}
		inc.Kind = ShardLost
		if e.allDown(ctx) {
			inc.Kind = ClusterLost
		}
	}
	return inc, nil
}

// primaryFate is what lookAtOnce read of a failed primary: whether its
// process is known gone (Engine.knownDead) and whether it answers
// (Engine.nodeAlive).
type primaryFate struct{ knownDead, alive bool }

// aliveOr returns whether the failed primary answers: what lookAtOnce
// read, else what ask says now (f nil: nothing was read ahead).
func (f *primaryFate) aliveOr(ask func() bool) bool {
	if f == nil {
		return ask()
	}
	return f.alive
}

// lookAtOnce asks, all at once, which replicas answer and what became of
// the failed primary (known dead, alive), for a deployment under Sentinel.
// One after another these questions cost a Docker call or two each (an
// inspect and an exec into the machine's service manager), well over a
// second on a loaded host with two replicas, and a question about a
// machine Docker is still killing waits until the kill is done: asked
// together they cost the slowest one, and SENTINEL FAILOVER goes out that
// much sooner. A cluster's classification asks one after another, as it
// always has.
func (e *Engine) lookAtOnce(ctx context.Context, replicas []deploy.Node, failed deploy.Node) (int, *primaryFate) {
	var wg sync.WaitGroup
	var live atomic.Int32
	for _, r := range replicas {
		wg.Go(func() {
			if e.nodeAlive(ctx, r) {
				live.Add(1)
			}
		})
	}
	fate := &primaryFate{}
	wg.Go(func() { fate.knownDead = e.knownDead(ctx, failed) })
	wg.Go(func() { fate.alive = e.nodeAlive(ctx, failed) })
	wg.Wait()
	return int(live.Load()), fate
}

// failedShard returns the shard whose primary failed: the one node was the
// primary of, else (a replica's event came first) the first shard whose
// primary does not answer.
func failedShard(ctx context.Context, shards []deploy.Shard, node deploy.Node, alive func(context.Context, deploy.Node) bool) (deploy.Shard, bool) {
	for _, s := range shards {
		if s.Primary == node {
			return s, true
		}
	}
	for _, s := range shards {
		if s.Primary != nil && !alive(ctx, s.Primary) {
			return s, true
		}
	}
	return deploy.Shard{}, false
}

// allDown reports whether no node of the deployment is alive; the nodes
// are asked in parallel, so a dead cluster costs one ping timeout.
func (e *Engine) allDown(ctx context.Context) bool {
	var wg sync.WaitGroup
	var alive atomic.Bool
	for _, n := range e.dep.Nodes() {
		wg.Go(func() {
			if e.nodeAlive(ctx, n) {
				alive.Store(true)
			}
		})
	}
	wg.Wait()
	return !alive.Load()
}

func pingQuick(ctx context.Context, n deploy.Node) bool { return pingErr(ctx, n) == nil }

// quickTimeout bounds the engine's liveness and key-count probes: a frozen
// or cut-off node must cost no more than this.
const quickTimeout = 300 * time.Millisecond

// quickInfo reads one INFO section from n within quickTimeout.
func quickInfo(ctx context.Context, n deploy.Node, section string) (map[string]string, error) {
	c := n.QuickClient(quickTimeout)
	defer c.Close()
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("read info %s from %s: %w", section, n.Name(), err)
	}
	return rediskit.ParseInfo(text), nil
}

// pingErr sends one PING to n, bounded by quickTimeout.
func pingErr(ctx context.Context, n deploy.Node) error {
	c := n.QuickClient(quickTimeout)
	defer c.Close()
	return c.Ping(ctx).Err()
}

type nodeState int

const (
	nodeDown    nodeState = iota // not running, exited without refusing (killed, stopped)
	nodeRefused                  // redis-server exited refusing its files
	nodeServing                  // answers PING after loading
	nodeSilent                   // probe mode: nothing answered for the detect window (it may be alive: frozen, cut off)
)

// awaitOutcome waits (bounded) for a failed node that is starting to either
// serve or exit, and says which, with the refusal line if it refused. Auto
// mode asks Docker whether the container still runs; probe mode only
// probes (see awaitOutcomeProbe). The exit code is the server's, when its
// service manager said it (else -1).
func (e *Engine) awaitOutcome(ctx context.Context, n deploy.Node) (nodeState, string, int) {
	if e.probeOnly() {
		state, detail := e.awaitOutcomeProbe(ctx, n)
		return state, detail, -1
	}
	if n.Supervised() {
		return awaitSupervised(ctx, n)
	}
	state, detail := awaitContainer(ctx, n)
	return state, detail, -1
}

// awaitContainer is awaitOutcome in auto mode: Docker says whether the
// machine runs and its service manager whether the server does; a running
// node that never answers is down after outcomeTimeout.
func awaitContainer(ctx context.Context, n deploy.Node) (nodeState, string) {
	deadline := time.Now().Add(outcomeTimeout)
	for {
		running, err := n.Running(ctx)
		if err == nil && running && pingQuick(ctx, n) {
			return nodeServing, ""
		}
		if err == nil && !running {
			logs, _ := n.Logs(ctx)
			if line := RefusalLine(lastStart(logs)); line != "" {
				return nodeRefused, line
			}
			return nodeDown, ""
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nodeDown, "no answer"
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitSupervised is awaitContainer for a node whose server a service
// manager runs. A server that is down is not the outcome yet while the
// supervisor is about to start it again (it was killed, and the restart
// policy is always): the outcome is what that start does. An error exit
// with a refusal in the log since the last start is a refusal (whether or
// not the supervisor keeps trying); a server the supervisor keeps down, or
// a machine that is down, is down. The exit code is the server's last one
// when it exited (else -1).
func awaitSupervised(ctx context.Context, n deploy.Node) (nodeState, string, int) {
	deadline := time.Now().Add(outcomeTimeout)
	for {
		up, err := n.MachineRunning(ctx)
		if err == nil && !up {
			return nodeDown, "machine down", -1
		}
		st, err := n.ServerStatus(ctx)
		switch {
		case err != nil:
		case st.Up:
			if pingQuick(ctx, n) {
				return nodeServing, "", -1
			}
		case st.Exited && st.ExitCode > 0:
			logs, _ := n.Logs(ctx)
			if line := RefusalLine(lastStart(logs)); line != "" {
				return nodeRefused, line, st.ExitCode
			}
			if !st.WantUp {
				return nodeDown, fmt.Sprintf("exited with code %d", st.ExitCode), st.ExitCode
			}
		case !st.WantUp:
			return nodeDown, "stopped by its supervisor", -1
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nodeDown, "no answer", -1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastStart returns the part of a node log since redis-server last started.
func lastStart(logs string) string {
	if i := strings.LastIndex(logs, "Redis is starting"); i >= 0 {
		return logs[i:]
	}
	return logs
}

// refusalMarkers are log lines with which redis-server refuses its files.
var refusalMarkers = []string{
	"Bad file format", "Short read", "Wrong RDB checksum", "Unrecoverable error",
	"Bad file format reading the append only file", "corrupted cluster config file",
	"Fatal error loading", "Unexpected EOF", "Internal error in RDB reading",
}

// observeFailed records how the failed node behaved: whether redis-server
// exited refusing its files (with the log line saying why).
func (e *Engine) observeFailed(ctx context.Context, inc *Incident) []string {
	if inc == nil || inc.Failed == nil {
		return nil
	}
	if inc.observed != nil {
		return inc.observed
	}
	if code, ok := e.machineExit(inc.Failed); ok {
		// Docker reported the machine killed (SIGKILL) and its exit: a
		// killed machine refused nothing, so no inspect and no logs (each a
		// Docker round trip, ~0.3 s for a whole cluster on 2 cores, that
		// held the restore back).
		return []string{fmt.Sprintf("exited: code %d", code)}
	}
	code, down, err := inc.Failed.ServerDown(ctx)
	if err != nil || !down {
		return nil
	}
	logs, err := inc.Failed.Logs(ctx)
	if err != nil {
		return nil
	}
	if line := RefusalLine(lastStart(logs)); line != "" {
		return []string{fmt.Sprintf("refused-start: exit %d: %s", code, line)}
	}
	return []string{fmt.Sprintf("exited: code %d", code)}
}

// RefusalLine returns the last log line in which redis-server refused to
// load its files, or "".
func RefusalLine(logs string) string {
	lines := strings.Split(logs, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		for _, m := range refusalMarkers {
			if strings.Contains(lines[i], m) {
				return strings.TrimSpace(lines[i])
			}
		}
	}
	return ""
}

// checkEmptied looks at a failed primary that answers again. Back with
// under half of the shard's baseline keys, it restarted empty; and when no
// live replica still holds the data either (each full-synced the emptied
// primary before the engine acted), the shard collapsed: promotion has
// nothing to save and a restore from the newest verified backup is the way
// back — never success over wiped data.
func (e *Engine) checkEmptied(ctx context.Context, inc *Incident) {
	if inc.PreFaultKeys <= 0 {
		return
	}
	primaryKeys, err := replicaKeys(ctx, inc.Failed)
	if err != nil || primaryKeys*2 >= inc.PreFaultKeys {
		return // not back, or back with its data: a plain primary-down
	}
	inc.Kind = EmptyRestart
	e.checkCollapsed(ctx, inc, primaryKeys)
}

// cameBackEmpty reports whether the probes saw node restart empty since the
// engine was armed.
func (e *Engine) cameBackEmpty(node deploy.Node) bool {
	e.mu.Lock()
	armed := e.armedAt
	e.mu.Unlock()
	for _, ev := range e.det.All() {
		if ev.Kind == detect.KindEmptyRestart && ev.Node == node.Name() && !ev.Time.Before(armed) {
			return true
		}
	}
	return false
}

// checkFlushedBefore marks a down primary's incident an accidental flush
// when every live replica holds less than half the shard's baseline: the
// data went before the primary did (a FLUSHALL they replicated, then the
// machine was lost), and promoting one of them would serve the empty set.
// A flush and a machine loss close together (20 ms on local processes)
// otherwise reach the engine as a plain primary-down: the probes never
// saw the keyspace drop before the node stopped answering.
func (e *Engine) checkFlushedBefore(ctx context.Context, inc *Incident) {
	counts, ok := e.emptiedReplicas(ctx, inc)
	if !ok {
		return
	}
	inc.Kind = AccidentalFlush
	inc.Detail = fmt.Sprintf("%s down and its replicas emptied before it: %s (baseline %d)", inc.Failed.Name(), strings.Join(counts, ", "), inc.PreFaultKeys)
}

// emptiedReplicas reads DBSIZE of every live replica of inc's shard and
// returns "name keys" of each when all of them (at least one) hold less
// than half the shard's baseline; ok is false when a replica holds the
// data, cannot tell, or none answers.
func (e *Engine) emptiedReplicas(ctx context.Context, inc *Incident) (counts []string, ok bool) {
	if inc.PreFaultKeys <= 0 {
		return nil, false
	}
	for _, r := range inc.Replicas {
		if !e.nodeAlive(ctx, r) {
			continue
		}
		keys, err := replicaKeys(ctx, r)
		if err != nil || keys*2 >= inc.PreFaultKeys {
			return nil, false // a replica holds the data (or cannot tell): promotion decides
		}
		counts = append(counts, fmt.Sprintf("%s %d", r.Name(), keys))
	}
	return counts, len(counts) > 0
}

// checkCollapsed marks an emptied primary's shard collapsed when no live
// replica still holds the data either (each full-synced the empty set).
func (e *Engine) checkCollapsed(ctx context.Context, inc *Incident, primaryKeys int64) {
	counts, ok := e.emptiedReplicas(ctx, inc)
	if !ok {
		return
	}
	inc.Kind, inc.KeysNow, inc.Collapsed = StartedEmpty, primaryKeys, true
	inc.Detail = fmt.Sprintf("shard collapsed: primary %s holds %d keys, replicas %s (baseline %d)",
		inc.Failed.Name(), primaryKeys, strings.Join(counts, ", "), inc.PreFaultKeys)
}
