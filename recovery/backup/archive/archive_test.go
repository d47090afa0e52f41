package archive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// write is one acknowledged write of the test workload: its keys, when it
// was sent and when WAIT 1 confirmed the archiver had it on disk.
type write struct {
	keys          []string
	before, acked time.Time
}

// TestArchiveStandalone follows one primary (with a password) through a
// disk-based first sync, WAIT, a point-in-time restore, a kill and
// restart, a diskless full resync that is a gap, and corruption.
func TestArchiveStandalone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const pass = "archive-secret"
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistRDB, Password: pass})
	node := dep.Primary()
	c := node.Client()
	defer c.Close()
	c1 := redis.NewClient(&redis.Options{Addr: node.Addr(), Password: pass, Dialer: dep.Dialer().DialContext, DB: 1})
	defer c1.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.ConfigSet(ctx, "repl-diskless-sync", "no").Err())
	for i := 0; i < 100; i++ {
		must(c.Set(ctx, fmt.Sprintf("pre:%d", i), i, 0).Err())
	}
	dir := t.TempDir()
	opts := Options{
		Addr: node.Addr(), Node: backup.NodeOptions{Dial: dep.Dialer().DialContext, Password: pass},
		Dir: dir, SegmentAge: 50 * time.Millisecond, ListeningPort: 7777, Logger: testLogger(t),
	}
	a, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if st := a.Stats(); st.Bases != 1 || !st.Connected || len(st.Replid) != 40 {
		t.Fatalf("after start: %+v", st)
	}
	for _, pw := range []string{"", "wrong"} {
		bad := opts
		bad.Dir, bad.Node.Password = t.TempDir(), pw
		if _, err := Start(ctx, bad); err == nil {
			t.Errorf("start with password %q succeeded", pw)
		}
	}

	// WAIT 1 returns 1 with the archiver as the only replica.
	must(c.Set(ctx, "first", "1", 0).Err())
	if n, err := c.Do(ctx, "WAIT", 1, 2000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v", n, err)
	}
	info, _ := c.Info(ctx, "replication").Result()
	if !strings.Contains(info, "port=7777") {
		t.Errorf("listening port not announced: %s", info)
	}

	// A workload with transactions and writes to db 1, every write WAITed.
	var writes []write
	do := func(i int) {
		w := write{before: time.Now()}
		switch {
		case i%10 == 0:
			_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, fmt.Sprintf("tx:%d:a", i), i, 0)
				p.Set(ctx, fmt.Sprintf("tx:%d:b", i), i, 0)
				return nil
			})
			must(err)
			w.keys = []string{fmt.Sprintf("tx:%d:a", i), fmt.Sprintf("tx:%d:b", i)}
		case i%7 == 0:
			must(c1.Set(ctx, fmt.Sprintf("db1:%d", i), i, 0).Err())
		default:
			must(c.Set(ctx, fmt.Sprintf("seq:%d", i), i, 0).Err())
			w.keys = []string{fmt.Sprintf("seq:%d", i)}
		}
		if n, err := c.Do(ctx, "WAIT", 1, 2000).Int(); err != nil || n != 1 {
			t.Fatalf("write %d: WAIT 1 = %d, %v", i, n, err)
		}
		w.acked = time.Now()
		writes = append(writes, w)
	}
	for i := 0; i < 150; i++ {
		do(i)
	}
	time.Sleep(5 * time.Millisecond)
	until := writes[149].acked.Add(2 * time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	for i := 150; i < 300; i++ {
		do(i)
	}
	st := a.Stats()
	t.Logf("after the workload: %+v", st)
	if st.Segments < 3 || st.PrimaryOffset <= 0 {
		t.Errorf("stats after the workload: %+v", st)
	}

	// Materialize in the middle, while the archiver runs: exactly the
	// writes acknowledged before until.
	host := t.TempDir()
	pt, err := Materialize(dir, until, filepath.Join(host, rediskit.AOFDirName))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("point at %s: %+v", until.Format(time.RFC3339Nano), pt)
	if pt.Limit != "until" || pt.Base != "base-000001" || pt.Time.After(until) {
		t.Errorf("point %+v", pt)
	}
	want := map[string]bool{"first": true}
	for i := 0; i < 100; i++ {
		want[fmt.Sprintf("pre:%d", i)] = true
	}
	for _, w := range writes[:150] {
		for _, k := range w.keys {
			want[k] = true
		}
	}
	got := aofKeys(t, filepath.Join(host, rediskit.AOFDirName))
	if len(got) != len(want) {
		t.Errorf("materialized %d keys, want %d", len(got), len(want))
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("materialized point lacks %s", k)
		}
	}
	n, err := node.ScratchKeys(ctx, host, true)
	if err != nil || n != int64(len(want)) {
		t.Errorf("scratch server loaded %d keys (%v), want %d", n, err, len(want))
	}

	// Kill the archiver mid-segment while a writer goes on, tear the tail,
	// restart: nothing acknowledged is lost, and the stream continues
	// (+CONTINUE, no new base).
	var stop atomic.Bool
	var maxAcked, written atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := int64(1); !stop.Load(); i++ {
			if err := c.Set(ctx, fmt.Sprintf("w:%d", i), i, 0).Err(); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			written.Store(i)
			if n, _ := c.Do(ctx, "WAIT", 1, 20).Int(); n == 1 {
				maxAcked.Store(i)
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	a.crash()
	ackedAtKill := maxAcked.Load()
	base1 := filepath.Join(dir, "base-000001")
	tail := filepath.Join(base1, segmentName(lastSeq(t, base1)))
	appendFile(t, tail, "*3\r\n$3\r\nSET\r\n$2\r\nw:")
	appendFile(t, strings.TrimSuffix(tail, incrSuffix)+indexSuffix, "999999 12")
	if rep, err := Check(dir); err != nil || rep.Bases[0].Tail == nil || rep.Bases[0].Tail.Note == "" {
		t.Errorf("check of the killed archive: %+v %v", rep, err)
	}
	time.Sleep(200 * time.Millisecond)
	a2, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer a2.Close()
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if n, err := c.Do(ctx, "WAIT", 1, 2000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT after restart = %d, %v", n, err)
	}
	if st := a2.Stats(); st.Bases != 1 || st.Gaps != 0 || !st.Connected {
		t.Fatalf("after restart: %+v", st)
	}
	t.Logf("killed with %d writes acknowledged; %d written in all", ackedAtKill, written.Load())
	if ackedAtKill == 0 {
		t.Errorf("no write was acknowledged before the kill")
	}

	// A diskless full resync that is a gap: new replication id on the
	// primary, then the archiver's link killed.
	must(c.ConfigSet(ctx, "repl-diskless-sync", "yes").Err())
	beforeGap := time.Now()
	time.Sleep(2 * time.Millisecond)
	must(c.Do(ctx, "DEBUG", "CHANGE-REPL-ID").Err())
	must(c.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err())
	waitFor(t, ctx, 20*time.Second, "a second base", func() bool {
		st := a2.Stats()
		return st.Bases == 2 && st.Connected
	})
	must(c.Set(ctx, "after-gap", "1", 0).Err())
	if n, err := c.Do(ctx, "WAIT", 1, 2000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT after the gap = %d, %v", n, err)
	}
	if st := a2.Stats(); st.Gaps != 1 || st.Reconnects < 1 {
		t.Errorf("after the gap: %+v", st)
	}
	if err := a2.Close(); err != nil {
		t.Fatal(err)
	}
	dbsize := c.DBSize(ctx).Val()

	rep, err := Check(dir)
	if err != nil || !rep.OK || len(rep.Bases) != 2 || rep.Bases[1].Gap == nil || rep.Bases[0].Tail != nil {
		t.Fatalf("check: %+v %v", rep, err)
	}
	// Before the gap: base 1 with every write of the killed run.
	out := t.TempDir()
	pt, err = Materialize(dir, beforeGap, filepath.Join(out, "aof"))
	if err != nil || pt.Base != "base-000001" || pt.Limit != "end" {
		t.Fatalf("materialize before the gap: %+v %v", pt, err)
	}
	got = aofKeys(t, filepath.Join(out, "aof"))
	for i := int64(1); i <= written.Load(); i++ {
		if _, ok := got[fmt.Sprintf("w:%d", i)]; !ok {
			t.Errorf("w:%d lost (acknowledged before the kill: %v)", i, i <= ackedAtKill)
		}
	}
	// Latest: base 2 (diskless) and its stream.
	host = t.TempDir()
	pt, err = Materialize(dir, time.Time{}, filepath.Join(host, rediskit.AOFDirName))
	if err != nil || pt.Base != "base-000002" || pt.Limit != "end" || pt.Commands == 0 {
		t.Fatalf("materialize latest: %+v %v", pt, err)
	}
	if n, err := node.ScratchKeys(ctx, host, true); err != nil || n != dbsize {
		t.Errorf("latest point loaded %d keys (%v), DBSIZE %d", n, err, dbsize)
	}
	// redis-check-aof accepts it too (#TS annotations included).
	must(node.CopyDirIn(ctx, host, "/tmp"))
	code, outText, err := node.Exec(ctx, "redis-check-aof", "/tmp/"+rediskit.AOFDirName+"/"+aofManifest)
	if err != nil || code != 0 || !strings.Contains(outText, "All AOF files and manifest are valid") {
		t.Errorf("redis-check-aof: exit %d %v: %s", code, err, outText)
	}

	// Corruption: a flipped byte in a sealed segment of base 1 and in the
	// RDB of base 2. Check names both; Materialize falls back to base 1 and
	// stops before the bad segment.
	bad := t.TempDir()
	copyTree(t, dir, bad)
	m, err := ReadMeta(bad)
	if err != nil {
		t.Fatal(err)
	}
	segs := m.Bases[0].Segments
	k := len(segs) / 2
	flipByte(t, filepath.Join(bad, "base-000001", segs[k].File))
	flipByte(t, filepath.Join(bad, "base-000002", baseRDBName))
	rep, err = Check(bad)
	if err != nil || rep.OK || rep.Bases[1].Problem == "" || rep.Bases[0].Segments[k].OK || !rep.Bases[0].Segments[k-1].OK {
		t.Fatalf("check of the corrupt copy: %+v %v", rep, err)
	}
	if len(rep.Problems) != 2 || !strings.HasPrefix(rep.Problems[0], "base-000001/"+segs[k].File+": ") ||
		!strings.HasPrefix(rep.Problems[1], "base-000002: ") || !strings.HasSuffix(rep.Summary(), "2 problems") {
		t.Errorf("problems of the corrupt copy: %q (%s)", rep.Problems, rep.Summary())
	}
	t.Logf("check of the corrupt copy: %s: %q", rep.Summary(), rep.Problems)
	host = t.TempDir()
	pt, err = Materialize(bad, time.Time{}, filepath.Join(host, rediskit.AOFDirName))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("corrupt copy: %+v", pt)
	if pt.Base != "base-000001" || pt.Fallback == "" || pt.Segment != segs[k-1].File || pt.Offset != segs[k-1].EndOffset ||
		!strings.HasPrefix(pt.Limit, "corrupt segment "+segs[k].File) {
		t.Errorf("point of the corrupt copy: %+v", pt)
	}
	want2 := aofKeys(t, filepath.Join(host, rediskit.AOFDirName))
	if n, err := node.ScratchKeys(ctx, host, true); err != nil || n != int64(len(want2)) {
		t.Errorf("corrupt copy loaded %d keys (%v), want %d", n, err, len(want2))
	}
	// A missing segment stops the cut the same way.
	must(os.Remove(filepath.Join(bad, "base-000001", segs[k-1].File)))
	pt, err = Materialize(bad, beforeGap, filepath.Join(t.TempDir(), "aof"))
	if err != nil || pt.Limit != "missing segment "+segs[k-1].File || pt.Segment != segs[k-2].File {
		t.Errorf("missing segment: %+v %v", pt, err)
	}
}

// lastSeq returns the highest incr file sequence number in a base folder.
func lastSeq(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for _, e := range entries {
		if n, ok := segmentSeq(e.Name()); ok && n > last {
			last = n
		}
	}
	return last
}

// appendFile appends s to a file.
func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveFailover follows a primary, fails over to its replica and
// follows the new primary: PSYNC2 continues the stream without a gap.
func TestArchiveFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindReplicated, Replicas: 1, Persistence: rediskit.PersistNone})
	p := dep.Primary()
	var r deploy.Node
	for _, n := range dep.Nodes() {
		if n != p {
			r = n
		}
	}
	pc, rc := p.Client(), r.Client()
	defer pc.Close()
	defer rc.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// No PINGs from the primary in the middle of the switch.
	must(pc.ConfigSet(ctx, "repl-ping-replica-period", "60").Err())
	a, err := Start(ctx, Options{Addr: p.Addr(), Node: backup.NodeOptions{Dial: dep.Dialer().DialContext}, Dir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i := 0; i < 200; i++ {
		must(pc.Set(ctx, fmt.Sprintf("a:%d", i), i, 0).Err())
	}
	if n, err := pc.Do(ctx, "WAIT", 2, 5000).Int(); err != nil || n != 2 {
		t.Fatalf("WAIT 2 = %d, %v", n, err)
	}
	old := a.Stats()
	waitFor(t, ctx, 5*time.Second, "the replica to catch up", func() bool {
		info, _ := r.Info(ctx, "replication")
		return info["master_repl_offset"] == fmt.Sprint(a.Stats().DurableOffset)
	})
	must(rc.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	must(pc.Do(ctx, "REPLICAOF", r.IP(), "6379").Err())
	dep.SetPrimary(harness.AsNode(r))
	a.Follow(r.Addr())
	waitFor(t, ctx, 15*time.Second, "the archiver on the new primary", func() bool {
		st := a.Stats()
		return st.Connected && st.Addr == r.Addr() && st.Replid != old.Replid
	})
	for i := 0; i < 200; i++ {
		must(rc.Set(ctx, fmt.Sprintf("b:%d", i), i, 0).Err())
	}
	waitFor(t, ctx, 10*time.Second, "the archiver to have every write", func() bool {
		info, _ := r.Info(ctx, "replication")
		return info["master_repl_offset"] == fmt.Sprint(a.Stats().DurableOffset)
	})
	st := a.Stats()
	t.Logf("after the failover: %+v", st)
	if st.Bases != 1 || st.Gaps != 0 {
		t.Errorf("failover made a gap: %+v", st)
	}
	must(a.Close())
	rep, err := Check(a.dir)
	if err != nil || !rep.OK || len(rep.Bases) != 1 {
		t.Fatalf("check: %+v %v", rep, err)
	}
	m, _ := ReadMeta(a.dir)
	if len(m.Bases[0].Replids) != 1 || m.Bases[0].Replids[0].Addr != r.Addr() {
		t.Errorf("replid changes: %+v", m.Bases[0].Replids)
	}
	host := t.TempDir()
	pt, err := Materialize(a.dir, time.Time{}, filepath.Join(host, rediskit.AOFDirName))
	if err != nil || pt.Limit != "end" || pt.Offset != st.DurableOffset {
		t.Fatalf("materialize: %+v %v", pt, err)
	}
	if n, err := r.ScratchKeys(ctx, host, true); err != nil || n != 400 {
		t.Errorf("loaded %d keys (%v), want 400", n, err)
	}
}
