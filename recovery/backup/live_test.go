package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// TestLiveAndSnapshot shares one primary+replica deployment (password, AOF)
// between live RDB backups from both roles and data-dir snapshots of a live
// and of a stopped node.
func TestLiveAndSnapshot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const pass = "drill-secret"
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindReplicated, Replicas: 1, Persistence: rediskit.PersistAOF, Password: pass})
	primary := dep.Primary()
	var replica deploy.Node
	for _, n := range dep.Nodes() {
		if n != primary {
			replica = n
		}
	}
	c := primary.Client()
	defer c.Close()
	// Not DEBUG POPULATE: it is not replicated.
	for b := 0; b < 20; b++ {
		args := make([]any, 0, 2000)
		for i := 0; i < 1000; i++ {
			args = append(args, fmt.Sprintf("key:%d:%d", b, i), fmt.Sprintf("value-%d-%064d", i, b))
		}
		if err := c.MSet(ctx, args...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Set(ctx, "expiring", "x", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "WAIT", 1, 5000).Err(); err != nil {
		t.Fatal(err)
	}
	dbsize := c.DBSize(ctx).Val()
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dial := dep.Dialer().DialContext

	for _, n := range []deploy.Node{primary, replica} {
		m, err := LiveRDB(ctx, n.Addr(), dial, pass, cat, Meta{Node: n.Name()})
		if err != nil {
			t.Fatalf("live rdb from %s: %v", n.Name(), err)
		}
		if m.Keys != dbsize {
			t.Errorf("live rdb from %s: %d keys, DBSIZE %d", n.Name(), m.Keys, dbsize)
		}
		info, err := rdb.VerifyFile(filepath.Join(cat.Path(m.ID), RDBFileName))
		if err != nil || info.Keys != dbsize || info.Expires != 1 {
			t.Errorf("stored rdb from %s: %+v %v", n.Name(), info, err)
		}
		if rep, err := cat.Verify(m.ID); err != nil || !rep.OK {
			t.Errorf("catalog verify of %s: %+v %v", m.ID, rep, err)
		}
		t.Logf("live rdb %s: %d bytes, %d keys, offset %d, %d ms", m.ID, m.Size(), m.Keys, m.ReplOffset, m.DurationMS)
	}
	if _, err := LiveRDB(ctx, primary.Addr(), dial, "wrong", cat, Meta{Node: "bad"}); err == nil {
		t.Error("live rdb with a wrong password succeeded")
	}
	list, _ := cat.List()
	if len(list) != 2 {
		t.Errorf("failed backup left something listed: %v", ids(list))
	}
	entries, _ := os.ReadDir(cat.Dir())
	for _, e := range entries {
		if e.Name()[0] == '.' {
			t.Errorf("failed backup left %s behind", e.Name())
		}
	}

	// Snapshot of the live primary: BGREWRITEAOF first, then the whole /data.
	snap, err := Snapshot(ctx, primary, cat, Meta{})
	if err != nil {
		t.Fatalf("snapshot primary: %v", err)
	}
	if snap.Keys != dbsize || snap.Role != "primary" || snap.ReplOffset <= 0 {
		t.Errorf("snapshot manifest: keys %d role %s offset %d", snap.Keys, snap.Role, snap.ReplOffset)
	}
	t.Logf("snapshot %s: files %+v", snap.ID, snap.Files)
	// Snapshot of the stopped replica: its files as found.
	if err := replica.Stop(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rsnap, err := Snapshot(ctx, replica, cat, Meta{Role: "replica"})
	if err != nil {
		t.Fatalf("snapshot stopped replica: %v", err)
	}
	if rsnap.Keys+int64(rsnap.AOFCommands) == 0 {
		t.Errorf("stopped replica snapshot has no keys: %+v", rsnap)
	}
	// Corrupt the AOF manifest inside the snapshot: verification must fail
	// and NewestVerified must fall back to the older snapshot.
	mf := filepath.Join(cat.Path(rsnap.ID), dataDirName, rediskit.AOFDirName, "appendonly.aof.manifest")
	if err := os.WriteFile(mf, []byte("file nothing seq 1 type b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := cat.Verify(rsnap.ID); err != nil || rep.OK {
		t.Fatalf("corrupt snapshot verified: %+v %v", rep, err)
	}
	got, err := cat.NewestVerified(func(m Manifest) bool { return m.Kind == KindDataDir })
	if err != nil || got.ID != snap.ID {
		t.Fatalf("NewestVerified(data-dir) = %s %v, want %s", got.ID, err, snap.ID)
	}
}

func TestClusterBackup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, rediskit.DefaultCluster())
	cc := dep.Client(harness.ClientOptions{})
	defer cc.Close()
	for i := 0; i < 3000; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, fromReplica := range []bool{false, true} {
		if fromReplica { // replicas must have every write before we compare
			shards, _ := dep.Shards(ctx, dep.Nodes()[0])
			for _, sh := range shards {
				pc := sh.Primary.Client()
				_ = pc.Do(ctx, "WAIT", 1, 5000).Err()
				_ = pc.Close()
			}
		}
		m, err := ClusterBackupWith(ctx, dep.Engine(), cat, ClusterOptions{FromReplica: fromReplica})
		if err != nil {
			t.Fatalf("cluster backup (replica=%v): %v", fromReplica, err)
		}
		if len(m.Children) != 3 || m.Keys != 3000 || len(m.Topology) != 6 {
			t.Errorf("cluster backup (replica=%v): children %d keys %d topology %d", fromReplica, len(m.Children), m.Keys, len(m.Topology))
		}
		rep, err := cat.Verify(m.ID)
		if err != nil || !rep.OK || len(rep.Children) != 3 {
			t.Errorf("verify cluster backup: %+v %v", rep, err)
		}
		for _, id := range m.Children {
			ch, _ := cat.Get(id)
			want := "primary"
			if fromReplica {
				want = "replica"
			}
			if ch.Role != want || ch.Parent != m.ID || ch.NodeID == "" || ch.Shard == nil {
				t.Errorf("shard backup %s: role %s parent %s node id %q", id, ch.Role, ch.Parent, ch.NodeID)
			}
		}
		t.Logf("cluster backup %s (replica=%v): %d ms, %d keys", m.ID, fromReplica, m.DurationMS, m.Keys)
	}
	// Breaking one shard backup breaks the cluster backup.
	list, _ := cat.List()
	var parent Manifest
	for _, m := range list {
		if m.Kind == KindCluster {
			parent = m
			break
		}
	}
	victim := filepath.Join(cat.Path(parent.Children[1]), RDBFileName)
	if err := os.Truncate(victim, 100); err != nil {
		t.Fatal(err)
	}
	if rep, err := cat.Verify(parent.ID); err != nil || rep.OK {
		t.Fatalf("cluster backup with a truncated shard verified: %+v %v", rep, err)
	}
	got, err := cat.NewestVerified(func(m Manifest) bool { return m.Kind == KindCluster })
	if err != nil || got.ID == parent.ID {
		t.Fatalf("NewestVerified(cluster) = %s %v, must skip %s", got.ID, err, parent.ID)
	}

	// A stopped cluster replica's snapshot takes identity and role from nodes.conf.
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil {
		t.Fatal(err)
	}
	rep := shards[0].Replicas[0]
	wantID, err := rep.RedisID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Stop(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	snap, err := Snapshot(ctx, rep, cat, Meta{})
	if err != nil {
		t.Fatalf("snapshot of stopped replica: %v", err)
	}
	if snap.NodeID != wantID || snap.Role != "replica" {
		t.Errorf("snapshot of stopped replica: node id %q (want %q), role %q", snap.NodeID, wantID, snap.Role)
	}
}
