package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
)

// applyAndHeal applies the named fault and registers its heal as cleanup
// before the Inject error is checked.
func applyAndHeal(t *testing.T, ctx context.Context, dep *harness.Deployment, name string, p Params) (*Injection, error) {
	t.Helper()
	f, err := New(name, p)
	if err != nil {
		t.Fatal(err)
	}
	inj, err := Apply(ctx, dep.Engine(), f)
	if inj == nil {
		t.Fatalf("apply %s: no injection (%v)", name, err)
	}
	t.Cleanup(func() {
		if err := inj.Heal(context.Background()); err != nil {
			t.Errorf("heal %s: %v", name, err)
		}
	})
	return inj, err
}

// pingWatch pings a node from the host in a loop and remembers when the
// first PING failed: the node stopped answering at or before that instant.
type pingWatch struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	lastOK   time.Time
	firstBad time.Time
	badErr   error
}

// watchPing starts pinging n every 5 ms until the first failure or stop.
// Its client times out after 200 ms (n.Client waits 2 s), so a frozen or
// cut-off node is seen within 200 ms.
func watchPing(ctx context.Context, t *testing.T, dep *harness.Deployment, n *harness.Node) *pingWatch {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: n.Addr(), Dialer: dep.Dialer().DialContext, ContextTimeoutEnabled: true,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond,
		MaxRetries: -1, PoolSize: 1,
	})
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		t.Fatalf("node %s does not answer before the fault: %v", n.Name(), err)
	}
	wctx, cancel := context.WithCancel(ctx)
	w := &pingWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer c.Close()
		// A refused or reset PING marks the node down at once; a timed-out
		// one only when the next PING times out too: one PING alone can
		// time out on a loaded host (a CI machine running three test
		// packages on two cores did, 0.5 s before any fault acted) while a
		// frozen or cut-off node fails every one.
		var failedAt time.Time
		for wctx.Err() == nil {
			pctx, pcancel := context.WithTimeout(wctx, 200*time.Millisecond)
			err := c.Ping(pctx).Err()
			pcancel()
			now := time.Now()
			if wctx.Err() != nil {
				return
			}
			w.mu.Lock()
			if err != nil {
				if failedAt.IsZero() && isTimeout(err) {
					failedAt = now
					w.mu.Unlock()
					continue
				}
				if failedAt.IsZero() {
					failedAt = now
				}
				w.firstBad, w.badErr = failedAt, err
				w.mu.Unlock()
				return
			}
			failedAt = time.Time{}
			w.lastOK = now
			w.mu.Unlock()
			select {
			case <-wctx.Done():
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(w.stop)
	return w
}

// stop ends the watch and waits for its goroutine.
func (w *pingWatch) stop() {
	w.cancel()
	<-w.done
}

// down waits (bounded by d) for the first failed PING and returns its time.
// firstServerExit returns the first exit of n's server since since, as its
// service manager logs it.
func firstServerExit(ctx context.Context, n *harness.Node, since time.Time) (time.Time, bool) {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	for ev := range n.ServerEvents(sctx, since) {
		if !ev.Start {
			return ev.Time, true
		}
	}
	return time.Time{}, false
}

// isTimeout reports whether a PING failed by running out of time (rather
// than being refused or reset).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func (w *pingWatch) down(d time.Duration) (time.Time, error) {
	select {
	case <-w.done:
	case <-time.After(d):
		w.stop()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.firstBad.IsZero() {
		return time.Time{}, fmt.Errorf("node kept answering PING (last at %v)", w.lastOK)
	}
	return w.firstBad, nil
}

// containerState inspects n's container through the Docker API.
func containerState(ctx context.Context, t *testing.T, dep *harness.Deployment, n *harness.Node) (started, finished time.Time) {
	t.Helper()
	res, err := dep.Docker().API().ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil || res.Container.State == nil {
		t.Fatalf("inspect %s: %v", n.Name(), err)
	}
	st := res.Container.State
	started, err = time.Parse(time.RFC3339Nano, st.StartedAt)
	if err != nil {
		t.Fatalf("parse StartedAt %q: %v", st.StartedAt, err)
	}
	finished, err = time.Parse(time.RFC3339Nano, st.FinishedAt)
	if err != nil {
		t.Fatalf("parse FinishedAt %q: %v", st.FinishedAt, err)
	}
	return started, finished
}

// containerEvents returns the Docker events of n's container in [since, until].
func containerEvents(ctx context.Context, t *testing.T, dep *harness.Deployment, n *harness.Node, since, until time.Time) []events.Message {
	t.Helper()
	ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	stamp := func(tm time.Time) string { return fmt.Sprintf("%d.%09d", tm.Unix(), tm.Nanosecond()) }
	res := dep.Docker().API().Events(ectx, client.EventsListOptions{
		Since:   stamp(since),
		Until:   stamp(until),
		Filters: client.Filters{}.Add("type", string(events.ContainerEventType)).Add("container", n.ID()),
	})
	var out []events.Message
	for {
		select {
		case m := <-res.Messages:
			out = append(out, m)
		case err := <-res.Err:
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("read docker events of %s: %v", n.Name(), err)
			}
			return out
		}
	}
}

// firstEvent returns the time of the first event with one of the actions at
// or after from.
func firstEvent(msgs []events.Message, from time.Time, actions ...events.Action) (time.Time, bool) {
	for _, m := range msgs {
		tm := time.Unix(0, m.TimeNano)
		if tm.Before(from) {
			continue
		}
		for _, a := range actions {
			if m.Action == a {
				return tm, true
			}
		}
	}
	return time.Time{}, false
}

// writeKeys writes n keys so the node has data to save and lose.
func writeKeys(ctx context.Context, t *testing.T, n *harness.Node, count int) {
	t.Helper()
	c := n.Client()
	defer c.Close()
	for i := 0; i < count; i++ {
		if err := c.Set(ctx, fmt.Sprintf("k%d", i), strings.Repeat("v", 64), 0).Err(); err != nil {
			t.Fatalf("write key %d: %v", i, err)
		}
	}
}

// TestKillOnsetPrecedesOutage checks that t0 of kill is stamped before the
// SIGKILL: no later than the container's FinishedAt and the first failed
// PING, and before Inject returned (after waiting for the exit).
func TestKillOnsetPrecedesOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, harness.Topology{Kind: harness.KindStandalone, Persistence: harness.PersistNone})
	n := dep.Primary()
	w := watchPing(ctx, t, dep, n)
	before := time.Now()
	inj, err := applyAndHeal(t, ctx, dep, "kill", Params{})
	if err != nil {
		t.Fatal(err)
	}
	down, err := w.down(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, finished := containerState(ctx, t, dep, n)
	t.Logf("kill: Applied-Start %v, FinishedAt-Start %v, first failed PING-Start %v",
		inj.Applied.Sub(inj.Start), finished.Sub(inj.Start), down.Sub(inj.Start))
	if inj.Start.Before(before) || !inj.Start.Before(inj.Applied) {
		t.Fatalf("want before %v <= Start %v < Applied %v", before, inj.Start, inj.Applied)
	}
	if inj.Start.After(finished) {
		t.Errorf("Start %v is after the container's FinishedAt %v", inj.Start, finished)
	}
	if inj.Applied.Before(finished) {
		t.Errorf("Applied %v before FinishedAt %v: Inject must wait for the exit", inj.Applied, finished)
	}
	if inj.Start.After(down) {
		t.Errorf("Start %v is after the first failed PING %v", inj.Start, down)
	}
	if rec := inj.Record(); !rec.Start.Equal(inj.Start) || !rec.Applied.Equal(inj.Applied) {
		t.Errorf("record start/applied = %v/%v", rec.Start, rec.Applied)
	}
}

// TestCorruptionCrashesUnderRunningMachine: rdb-bitflip damages dump.rdb
// under the running server, then crashes the server; the machine never
// stops (no container event), the onset precedes the first failed PING, the
// supervisor's restart meets the damage (Redis refuses the file)
// and the fault step is short (printed: issue 21 wants <= 0.5 s quiet).
func TestCorruptionCrashesUnderRunningMachine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, harness.Topology{Kind: harness.KindStandalone, Persistence: harness.PersistRDB})
	n := dep.Primary()
	if !n.Supervised() {
		t.Fatalf("%s is not supervised", n.Name())
	}
	writeKeys(ctx, t, n, 200)
	w := watchPing(ctx, t, dep, n)
	before := time.Now()
	inj, err := applyAndHeal(t, ctx, dep, "rdb-bitflip", Params{})
	if err != nil {
		t.Fatal(err)
	}
	down, err := w.down(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rdb-bitflip: fault step (Applied-Start) %v, first failed PING-Start %v, changes %d",
		inj.Applied.Sub(inj.Start), down.Sub(inj.Start), len(inj.Record().Changes))
	if inj.Start.Before(before) || !inj.Start.Before(inj.Applied) {
		t.Fatalf("want before %v <= Start %v < Applied %v", before, inj.Start, inj.Applied)
	}
	if inj.Start.After(down) {
		t.Errorf("Start %v is after the first failed PING %v", inj.Start, down)
	}
	if len(inj.Record().Changes) == 0 {
		t.Error("rdb-bitflip recorded no change")
	}
	msgs := containerEvents(ctx, t, dep, n, before.Add(-time.Second), inj.Applied.Add(time.Second))
	if at, ok := firstEvent(msgs, before, events.ActionKill, events.ActionDie, events.ActionStop); ok {
		t.Errorf("the machine stopped at %v: a corruption must crash only the server", at)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		logs, err := n.Logs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		after := logs[strings.Index(logs, harness.LogServerExit+" code=-1 signal=9")+1:]
		if strings.Contains(logs, harness.LogServerExit+" code=-1 signal=9") && (strings.Contains(after, "Wrong RDB checksum") || strings.Contains(after, "Internal error in RDB reading")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SIGKILL exit followed by a refused restart in the log:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEveryFaultMarksOnset applies each fault that fits a replicated
// deployment (RDB + AOF, disk-full enabled) and checks it marked its onset
// between the call and Inject's return, and — for faults that make the node
// stop answering the host — no later than the first failed PING. The
// cluster-only nodes-conf faults are covered by the scenarios suite.
func TestEveryFaultMarksOnset(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, harness.Topology{
		Kind: harness.KindReplicated, Replicas: 1, Persistence: harness.PersistBoth, AppendFsync: "always",
		ExtraConf: []string{DiskFullConf},
	})
	primary := Target{Role: RolePrimary}
	cases := []struct {
		name    string
		p       Params
		silence bool // the node stops answering the host
	}{
		{"kill", Params{Target: primary}, true},
		{"machine-crash", Params{Target: primary}, true},
		{"crash", Params{Target: primary}, true},
		{"stop", Params{Target: primary}, true},
		{"restart", Params{Target: primary}, true},
		{"pause", Params{Target: primary}, true},
		{"partition-node", Params{Target: primary}, true},
		{"partition-minority", Params{Target: primary}, false},
		{"delay", Params{Target: primary, Delay: 20 * time.Millisecond}, false},
		{"loss", Params{Target: primary, LossPercent: 100}, true},
		{"disk-full", Params{Target: primary}, false},
		{"rdb-bitflip", Params{Target: primary}, true},
		{"rdb-bit", Params{Target: primary}, true},
		{"rdb-truncate", Params{Target: primary}, true},
		{"aof-truncate-tail", Params{Target: primary}, true},
		{"aof-garbage-middle", Params{Target: primary}, true},
		{"aof-manifest-corrupt", Params{Target: primary}, true},
		{"aof-manifest-delete", Params{Target: primary}, true},
		{"wipe-data-dir", Params{Target: primary}, true},
		{"wipe-data-keep-identity", Params{Target: primary}, true},
		{"flushall", Params{Target: primary}, false},
	}
	// Cluster-only faults: their scenarios (nodes-conf-garbage,
	// archive-pitr-cluster-rollback) run them on a cluster.
	covered := map[string]bool{"nodes-conf-garbage": true, "nodes-conf-delete": true, "flushall-machine-loss": true}
	for _, c := range cases {
		covered[c.name] = true
	}
	for _, name := range Names() {
		if !covered[name] {
			t.Errorf("fault %s is not in this test's table", name)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := dep.Primary()
			writeKeys(ctx, t, n, 50)
			w := watchPing(ctx, t, dep, n)
			before := time.Now()
			inj, err := applyAndHeal(t, ctx, dep, c.name, c.p)
			if errors.Is(err, ErrUnsupported) {
				t.Skipf("not supported here: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if inj.Start.Before(before) || inj.Start.After(inj.Applied) {
				t.Fatalf("want before %v <= Start %v <= Applied %v", before, inj.Start, inj.Applied)
			}
			if c.silence {
				down, err := w.down(5 * time.Second)
				if err != nil {
					// A server crashed under a running machine and restarted
					// by its supervisor at once (no freeze before it, no file
					// it refuses) can leave no PING failing: its exit, as the
					// supervisor logs it, is then the outage.
					exit, ok := firstServerExit(ctx, n, before)
					if !ok {
						t.Fatal(err)
					}
					down = exit
				}
				if inj.Start.After(down) {
					t.Errorf("Start %v is after the first failed PING %v", inj.Start, down)
				}
				t.Logf("Applied-Start %v, first failed PING-Start %v", inj.Applied.Sub(inj.Start), down.Sub(inj.Start))
			} else {
				w.stop()
				t.Logf("Applied-Start %v", inj.Applied.Sub(inj.Start))
			}
			// Heal now (cleanup would only run at the end of the subtest
			// anyway), so the next case starts from a healthy primary.
			if err := inj.Heal(ctx); err != nil {
				t.Fatalf("heal: %v", err)
			}
			if err := n.WaitPing(ctx); err != nil {
				t.Fatalf("node after heal: %v", err)
			}
		})
	}
}
