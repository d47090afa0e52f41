package detect

import (
	"context"
	"errors"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// waitGoroutines waits (bounded) until the goroutine count is back to at
// most want, and returns the last count.
func waitGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestDetectPrimaryKillInCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	topo := rediskit.DefaultCluster()
	topo.NodeTimeout = 2 * time.Second
	dep := testenv.StartDeployment(ctx, t, topo)

	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil || len(shards) != 3 || shards[0].Primary == nil || len(shards[0].Replicas) != 1 {
		t.Fatalf("shards: %v %+v", err, shards)
	}
	victim, replica := shards[0].Primary, shards[0].Replicas[0]

	before := runtime.NumGoroutine()
	det, err := Start(ctx, dep.Engine(), Options{})
	if err != nil {
		t.Fatalf("start detector: %v", err)
	}
	defer det.Stop()
	cpu0 := cpuTime(t)
	time.Sleep(2 * time.Second)
	t.Logf("probe cost on a healthy 6-node cluster: %.1f ms CPU per second (test process, 50 ms interval)",
		float64((cpuTime(t)-cpu0).Microseconds())/2000)
	if evs := det.All(); len(evs) != 0 {
		t.Fatalf("healthy cluster produced events: %v", evs)
	}

	tKill := time.Now()
	if err := victim.Kill(ctx, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	// t0 here is when the Docker kill call returned; detect times are
	// measured from it.
	t0 := time.Now()
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	die, err := det.Wait(wctx, Match(tKill, victim.Name(), KindDie))
	if err != nil {
		t.Fatalf("no docker die event for %s within 5s: %v (events %v)", victim.Name(), err, det.All())
	}
	down, err := det.Wait(wctx, Match(tKill, victim.Name(), KindUnreachable))
	if err != nil {
		t.Fatalf("no unreachable probe event for %s within 5s: %v (events %v)", victim.Name(), err, det.All())
	}
	t.Logf("detect time vs t0 (kill call returned after %v): docker die %v (%s), probe unreachable %v",
		t0.Sub(tKill), die.Time.Sub(t0), die.Detail, down.Time.Sub(t0))
	if die.Detail != "exitCode=137" || die.Role != "master" {
		t.Errorf("die event %v: want exitCode=137 of a master", die)
	}
	if st, ok := det.Status(victim.Name()); !ok || st.Reachable || st.Role != "master" || st.Keys != 0 {
		t.Errorf("status of the dead primary: %+v %v", st, ok)
	}

	fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
	defer fcancel()
	rc, err := det.Wait(fctx, Match(t0, replica.Name(), KindRoleChange))
	if err != nil {
		t.Fatalf("no role-change on replica %s: %v (events %v)", replica.Name(), err, det.All())
	}
	if rc.Detail != "slave -> master" {
		t.Errorf("role-change detail %q", rc.Detail)
	}
	t.Logf("replica %s promoted %v after the kill", replica.Name(), rc.Time.Sub(t0))
	if e, ok := det.FirstAfter(t0, KindClusterFail); ok {
		t.Logf("first cluster-fail: %v after the kill on %s", e.Time.Sub(t0), e.Node)
	} else {
		t.Errorf("no cluster-fail observed between kill and failover")
	}
	for _, e := range det.All() {
		t.Log(e)
	}

	det.Stop()
	if _, err := det.Wait(ctx, func(Event) bool { return false }); !errors.Is(err, ErrStopped) {
		t.Errorf("Wait after Stop: %v, want ErrStopped", err)
	}
	if after := waitGoroutines(before); after > before {
		t.Errorf("goroutines leaked: %d before Start, %d after Stop", before, after)
	}
}

func TestDetectEmptyRestartOfPrimary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindReplicated, Primaries: 1, Replicas: 1, Persistence: rediskit.PersistAOF})
	primary := dep.Primary()
	var replica deploy.Node
	for _, n := range dep.Nodes() {
		if n != primary {
			replica = n
		}
	}
	pc := primary.Client()
	defer pc.Close()
	if err := pc.Do(ctx, "DEBUG", "POPULATE", 5000, "key", 100).Err(); err != nil {
		t.Fatalf("populate: %v", err)
	}
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	det, err := Start(ctx, dep.Engine(), Options{})
	if err != nil {
		t.Fatalf("start detector: %v", err)
	}
	defer det.Stop()
	events := det.Events()

	if err := primary.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if out, err := primary.Shell(ctx, "rm -rf /data/* && ls -A /data"); err != nil {
		t.Fatalf("wipe data: %v %s", err, out)
	}
	t0 := time.Now()
	if err := primary.Start(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	empty, err := det.Wait(wctx, Match(t0, primary.Name(), KindEmptyRestart))
	if err != nil {
		t.Fatalf("no empty-restart for %s: %v (events %v)", primary.Name(), err, det.All())
	}
	t.Logf("empty-restart %v after container start: %s", empty.Time.Sub(t0), empty.Detail)

	if st, ok := det.FirstAfter(t0, KindServerStart); ok {
		t.Logf("empty-restart %v after the supervisor started the server", empty.Time.Sub(st.Time))
	}
	// Redis then wipes the replica too (the fault the engine must beat):
	// measure how much head start the detector gave.
	rc := replica.Client()
	defer rc.Close()
	for ctx.Err() == nil {
		if n, err := rc.DBSize(ctx).Result(); err == nil && n == 0 {
			t.Logf("replica emptied by full sync %v after container start (%v after detection)", time.Since(t0), time.Since(empty.Time))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	seen := map[Kind]bool{}
	timeout := time.After(10 * time.Second)
	for !seen[KindEmptyRestart] {
		select {
		case e := <-events:
			seen[e.Kind] = true
		case <-timeout:
			t.Fatalf("Events() did not deliver empty-restart within 10s; got %v", seen)
		}
	}
	// A supervised server stops and starts while its machine stays up: the
	// supervisor's markers say so, where Docker's stop and start events
	// did for an unsupervised one.
	want := []Kind{KindDie, KindServerStart, KindRedisRestart, KindEmptyRestart}
	if !primary.Supervised() {
		want = []Kind{KindStop, KindDie, KindStart, KindRedisRestart, KindEmptyRestart}
	}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("Events() channel never carried %s (all: %v)", k, det.All())
		}
	}
	det.Stop()
	if _, ok := <-events; ok {
		for range events {
		}
	}
}

// cpuTime returns the user+system CPU time of this process.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
