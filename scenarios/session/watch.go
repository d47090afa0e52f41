package session

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// WatchEvery is how often the split-brain watcher polls every node.
const WatchEvery = 100 * time.Millisecond

// watchTimeout bounds one node's answer in a poll: a frozen or cut-off
// node is silent, which is recorded as unreachable.
const watchTimeout = 300 * time.Millisecond

// NodeView is what the watcher saw of one node at one poll; a line of
// watch.jsonl is written whenever a node's view changes.
type NodeView struct {
	At        time.Time `json:"at"`
	Node      string    `json:"node"`
	ID        string    `json:"id,omitempty"` // the cluster node id that answered
	Reachable bool      `json:"reachable"`
	Role      string    `json:"role,omitempty"` // master or slave
	// Slots are the slots the node claims for itself (its "myself" entry,
	// or every slot for a primary outside a cluster).
	Slots        [][2]int `json:"slots,omitempty"`
	ClusterState string   `json:"cluster_state,omitempty"`
}

// looksWritable reports whether the view is that of a node that would
// take writes for its slots: it answers, acts as primary, claims slots and
// (in a cluster) reports cluster_state ok.
func (v NodeView) looksWritable(cluster bool) bool {
	return v.Reachable && v.Role == "master" && len(v.Slots) > 0 && (!cluster || v.ClusterState == "ok")
}

func (v NodeView) same(o NodeView) bool {
	return v.Reachable == o.Reachable && v.Role == o.Role && v.ClusterState == o.ClusterState && slices.Equal(v.Slots, o.Slots)
}

// Violation is a write-safety breach the watcher confirmed with a real
// write: two primaries that both took a write for one slot, or a node the
// engine fenced that took a write after its fence.
type Violation struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // split-brain or fenced-write
	Slot   int       `json:"slot"`
	Nodes  []string  `json:"nodes"`
	Detail string    `json:"detail"`
}

// watcher polls CLUSTER NODES and CLUSTER INFO (INFO replication outside a
// cluster) on every node the run ever created — retired and fenced ones too
// — every WatchEvery for the whole run. A slot claimed by two nodes that
// both look writable, or a fenced node that looks writable after its fence,
// is confirmed by writing a watch key of that slot straight to each node
// (no redirects): a violation only when the node acknowledges it. The
// confirmation tells a real breach from a view that is a few milliseconds
// stale, or from an old primary whose writes are held by CLIENT PAUSE.
type watcher struct {
	dep     deploy.Deployment
	cluster bool
	fences  func() []recovery.Fence

	mu         sync.Mutex
	last       map[string]NodeView
	changes    []NodeView
	violations []Violation
	polls      int
	keys       map[int]string
	clients    map[string]*redis.Client // by node address (a restart may move a node)
	// replicaAt is when each node was last seen answering as a replica: a
	// fence ends once its node came back as a replica (a later promotion
	// is a failover of its own, which the split-brain check covers).
	replicaAt map[string]time.Time

	cancel context.CancelFunc
	done   chan struct{}
}

// startWatcher starts the watcher; fences (may be nil) returns the engine's
// fences so far.
func startWatcher(ctx context.Context, dep deploy.Deployment, fences func() []recovery.Fence) *watcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{
		dep: dep, cluster: dep.Topology().Kind == harness.KindCluster, fences: fences,
		last: map[string]NodeView{}, keys: map[int]string{}, clients: map[string]*redis.Client{}, replicaAt: map[string]time.Time{},
		cancel: cancel, done: make(chan struct{}),
	}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(WatchEvery)
		defer tick.Stop()
		for {
			w.poll(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// stop ends the watcher and waits for its last poll.
func (w *watcher) stop() {
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for addr, c := range w.clients {
		_ = c.Close()
		delete(w.clients, addr)
	}
}

// client returns the watcher's client of n at its current address.
func (w *watcher) client(n deploy.Node) *redis.Client {
	w.mu.Lock()
	defer w.mu.Unlock()
	addr := n.Addr()
	if c, ok := w.clients[addr]; ok {
		return c
	}
	c := n.QuickClient(watchTimeout)
	w.clients[addr] = c
	return c
}

func (w *watcher) poll(ctx context.Context) {
	nodes := w.dep.AllNodes()
	views := make([]NodeView, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { views[i] = w.view(ctx, n) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	w.dealias(ctx, nodes, views)
	w.mu.Lock()
	w.polls++
	for _, v := range views {
		if v.Reachable && v.Role == "slave" {
			w.replicaAt[v.Node] = v.At
		}
		if old, ok := w.last[v.Node]; !ok || !old.same(v) {
			w.changes = append(w.changes, v)
			w.last[v.Node] = v
		}
	}
	w.mu.Unlock()
	w.confirm(ctx, nodes, views)
}

// dealias drops the views of stopped nodes whose old address was given to
// a node created later: a poll of the stopped node reaches the new one.
// Only nodes that share an address are asked Docker whether they run.
func (w *watcher) dealias(ctx context.Context, nodes []deploy.Node, views []NodeView) {
	byAddr := map[string][]int{}
	for i, n := range nodes {
		byAddr[n.Addr()] = append(byAddr[n.Addr()], i)
	}
	for _, idx := range byAddr {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			running, paused, err := nodes[i].State(ctx)
			if err == nil && !running && !paused {
				views[i] = NodeView{At: views[i].At, Node: nodes[i].Name()}
			}
		}
	}
}

func (w *watcher) view(ctx context.Context, n deploy.Node) NodeView {
	v := NodeView{At: time.Now(), Node: n.Name()}
	pctx, cancel := context.WithTimeout(ctx, watchTimeout)
	defer cancel()
	c := w.client(n)
	if !w.cluster {
		text, err := c.Info(pctx, "replication").Result()
		if err != nil {
			return v
		}
		v.Reachable, v.Role = true, rediskit.ParseInfo(text)["role"]
		if v.Role == "master" {
			v.Slots = [][2]int{{0, harness.TotalSlots - 1}}
		}
		return v
	}
	text, err := c.ClusterNodes(pctx).Result()
	if err != nil {
		return v
	}
	view, err := rediskit.ParseClusterNodes(text)
	if err != nil {
		return v
	}
	v.Reachable = true
	for _, cn := range view {
		if !cn.Has("myself") {
			continue
		}
		v.Role, v.ID = "slave", cn.ID
		if cn.IsPrimary() {
			v.Role, v.Slots = "master", cn.Slots
		}
	}
	if info, err := c.ClusterInfo(pctx).Result(); err == nil {
		v.ClusterState = rediskit.ParseInfo(info)["cluster_state"]
	}
	return v
}

// confirm writes to every node suspected of a breach in this poll.
func (w *watcher) confirm(ctx context.Context, nodes []deploy.Node, views []NodeView) {
	var writable []int
	for i, v := range views {
		if v.looksWritable(w.cluster) {
			writable = append(writable, i)
		}
	}
	for a := 0; a < len(writable); a++ {
		for b := a + 1; b < len(writable); b++ {
			i, j := writable[a], writable[b]
			s, ok := firstSharedSlot(views[i].Slots, views[j].Slots)
			if !ok {
				continue
			}
			if took := w.writeTest(ctx, nodes, []int{i, j}, s); len(took) == 2 {
				w.record(Violation{At: time.Now(), Kind: "split-brain", Slot: s, Nodes: took,
					Detail: fmt.Sprintf("%s both acknowledged a write for slot %d", strings.Join(took, " and "), s)})
			}
		}
	}
	if w.fences == nil {
		return
	}
	for _, f := range w.fences() {
		w.mu.Lock()
		back := w.replicaAt[f.Node].After(f.At)
		w.mu.Unlock()
		if back {
			continue
		}
		for i, v := range views {
			if v.Node != f.Node || !v.looksWritable(w.cluster) || !v.At.After(f.At) {
				continue
			}
			if !f.Lifted.IsZero() && !v.At.Before(f.Lifted) {
				// The engine lifted the fence to restore this node as
				// the owner; the split-brain check still covers it.
				continue
			}
			s := v.Slots[0][0]
			if took := w.writeTest(ctx, nodes, []int{i}, s); len(took) == 1 {
				w.record(Violation{At: time.Now(), Kind: "fenced-write", Slot: s, Nodes: took,
					Detail: fmt.Sprintf("%s, fenced (%s) at %s, acknowledged a write for slot %d", f.Node, f.Method, f.At.Format("15:04:05.000"), s)})
			}
		}
	}
}

// firstSharedSlot returns the lowest slot two claims share.
func firstSharedSlot(a, b [][2]int) (int, bool) {
	best, found := 0, false
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x[0], y[0]), min(x[1], y[1])
			if lo <= hi && (!found || lo < best) {
				best, found = lo, true
			}
		}
	}
	return best, found
}

// writeTest writes the watch key of slot to each node given, without
// following redirects, and returns the names of those that acknowledged.
func (w *watcher) writeTest(ctx context.Context, nodes []deploy.Node, idx []int, slot int) []string {
	key := w.slotKey(slot)
	var mu sync.Mutex
	var took []string
	var wg sync.WaitGroup
	for _, i := range idx {
		n := nodes[i]
		wg.Go(func() {
			c := w.client(n)
			wctx, cancel := context.WithTimeout(ctx, watchTimeout)
			defer cancel()
			if c.Set(wctx, key, n.Name()+"@"+time.Now().Format(time.RFC3339Nano), 0).Err() == nil {
				mu.Lock()
				took = append(took, n.Name())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(took)
	return took
}

// slotKey returns a key of the watcher's own namespace that hashes to slot.
func (w *watcher) slotKey(slot int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k, ok := w.keys[slot]; ok {
		return k
	}
	for i := 0; ; i++ {
		k := "redisdrill:watch:{" + strconv.Itoa(i) + "}"
		s := workload.Slot(k)
		if _, ok := w.keys[s]; !ok {
			w.keys[s] = k
		}
		if s == slot {
			return k
		}
	}
}

func (w *watcher) record(v Violation) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.violations = append(w.violations, v)
}

// Watch is the watcher's record of a run.
type Watch struct {
	Polls      int         `json:"polls"`
	Changes    []NodeView  `json:"-"`
	Violations []Violation `json:"violations,omitempty"`
}

// result returns what the watcher saw (nil watcher: nothing).
func (w *watcher) result() Watch {
	if w == nil {
		return Watch{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return Watch{Polls: w.polls, Changes: append([]NodeView(nil), w.changes...), Violations: append([]Violation(nil), w.violations...)}
}

// WriteJSONL writes every view change, then every violation (lines with a
// "kind"), one JSON object per line.
func (wt Watch) WriteJSONL(out io.Writer) error {
	enc := json.NewEncoder(out)
	for _, v := range wt.Changes {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	for _, v := range wt.Violations {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}
