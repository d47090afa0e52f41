package workload

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// TestStandalone runs the workload, final read and prober against one real
// standalone Redis and drives it into each error the classifier must get right.
func TestStandalone(t *testing.T) {
	dep := startDeployment(t, harness.Topology{
		Kind: harness.KindStandalone, Persistence: harness.PersistRDB,
		ExtraConf: []string{"enable-protected-configs yes"}, // CONFIG SET dir for MISCONF
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node := dep.Primary()
	admin := node.Client()
	defer admin.Close()
	prof := Profile{Clients: 2, Rate: 400, ValueSize: 32}
	fast := harness.ClientOptions{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}

	var misconfLedger *Ledger
	t.Run("MISCONF is fail", func(t *testing.T) {
		if code, out, err := node.Exec(ctx, "sh", "-c", "dd if=/dev/zero of=/small/fill bs=1M count=16 2>&1; true"); err != nil || code != 0 {
			t.Fatalf("fill /small: %d %v %s", code, err, out)
		}
		if err := admin.ConfigSet(ctx, "dir", harness.SmallDiskDir).Err(); err != nil {
			t.Fatalf("config set dir: %v", err)
		}
		_ = admin.BgSave(ctx).Err()
		err := waitFor(ctx, "bgsave error", func() error {
			info, err := node.Info(ctx, "persistence")
			if err != nil {
				return err
			}
			if info["rdb_bgsave_in_progress"] != "0" || info["rdb_last_bgsave_status"] != "err" {
				return fmt.Errorf("bgsave status %q", info["rdb_last_bgsave_status"])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		misconfLedger = runFor(ctx, t, dep, fast, Profile{Clients: 2, Rate: 200, KeyPrefix: "misconf"}, 300*time.Millisecond)
		c, k := misconfLedger.Counts(), kinds(misconfLedger.Ops())
		t.Logf("MISCONF phase: %+v %v", c, k)
		if c.Total == 0 || k["fail/MISCONF"] != c.Total {
			t.Errorf("every op must be fail/MISCONF, got %v", k)
		}
		// Heal: free the disk, save where there is room.
		_, _, _ = node.Exec(ctx, "rm", "-f", "/small/fill")
		if err := admin.ConfigSet(ctx, "dir", harness.DataDir).Err(); err != nil {
			t.Fatalf("config set dir back: %v", err)
		}
		if err := admin.Save(ctx).Err(); err != nil {
			t.Fatalf("save after heal: %v", err)
		}
	})

	t.Run("READONLY and NOREPLICAS are fail", func(t *testing.T) {
		if err := admin.Do(ctx, "REPLICAOF", "127.0.0.1", "1").Err(); err != nil {
			t.Fatalf("replicaof: %v", err)
		}
		ro := runFor(ctx, t, dep, fast, Profile{Clients: 1, Rate: 100, KeyPrefix: "ro"}, 200*time.Millisecond)
		if err := admin.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
			t.Fatalf("replicaof no one: %v", err)
		}
		if err := admin.ConfigSet(ctx, "min-replicas-to-write", "1").Err(); err != nil {
			t.Fatalf("config set min-replicas-to-write: %v", err)
		}
		nr := runFor(ctx, t, dep, fast, Profile{Clients: 1, Rate: 100, KeyPrefix: "norepl"}, 200*time.Millisecond)
		if err := admin.ConfigSet(ctx, "min-replicas-to-write", "0").Err(); err != nil {
			t.Fatalf("config set min-replicas-to-write: %v", err)
		}
		kr, kn := kinds(ro.Ops()), kinds(nr.Ops())
		t.Logf("READONLY phase %v, NOREPLICAS phase %v", kr, kn)
		if kr["fail/READONLY"] == 0 || kr["fail/READONLY"] != ro.Counts().Total {
			t.Errorf("want only fail/READONLY, got %v", kr)
		}
		if kn["fail/NOREPLICAS"] == 0 || kn["fail/NOREPLICAS"] != nr.Counts().Total {
			t.Errorf("want only fail/NOREPLICAS, got %v", kn)
		}
	})

	t.Run("final read finds lost and recovered keys", func(t *testing.T) {
		l := runFor(ctx, t, dep, harness.ClientOptions{}, prof, 300*time.Millisecond)
		ops := l.Ops()
		if c := l.Counts(); c.OK < 20 || c.OK != c.Total {
			t.Fatalf("healthy run: %+v %v", c, kinds(ops))
		}
		deleted, changed := ops[3], ops[7]
		if err := admin.Del(ctx, deleted.Key).Err(); err != nil {
			t.Fatal(err)
		}
		if err := admin.Set(ctx, changed.Key, "someone-else|x", 0).Err(); err != nil {
			t.Fatal(err)
		}
		client := dep.Client(harness.ClientOptions{})
		defer client.Close()
		c, err := l.FinalRead(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("check: %+v", c)
		if c.Lost != 2 || c.LostMissing != 1 || c.LostWrongValue != 1 || c.OK != len(ops)-2 || len(c.LostKeys) != 2 {
			t.Errorf("want 2 lost (1 missing, 1 wrong value), got %+v", c)
		}
		if c.LostKeys[0].Key != deleted.Key || !c.LostKeys[0].Missing || c.LostKeys[1].Got != "someone-else" {
			t.Errorf("lost keys %+v", c.LostKeys)
		}
		if !c.OldestLost.Equal(deleted.Complete) || c.LossWindow(deleted.Complete.Add(time.Second)) != time.Second {
			t.Errorf("oldest lost %s, want %s", c.OldestLost, deleted.Complete)
		}
		// A failed (MISCONF) op whose key shows up anyway is recovered.
		if misconfLedger == nil || len(misconfLedger.Ops()) == 0 {
			t.Fatal("needs the MISCONF ledger")
		}
		failed := misconfLedger.Ops()[0]
		if err := admin.Set(ctx, failed.Key, failed.Tag, 0).Err(); err != nil {
			t.Fatal(err)
		}
		mc, err := misconfLedger.FinalRead(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		if mc.Recovered != 1 || mc.RecoveredFromFail != 1 || mc.NotApplied != mc.Keys-1 || mc.Lost != 0 {
			t.Errorf("MISCONF ledger check %+v, want 1 recovered from fail", mc)
		}
	})

	t.Run("pause gives unknown ops that are later recovered, and the prober sees the outage", func(t *testing.T) {
		client := dep.Client(fast)
		defer client.Close()
		keys, err := ProbeKeys(ctx, client, nil)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := StartProber(ctx, client, keys, 20*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Stop()
		r, err := Start(ctx, client, prof)
		if err != nil {
			t.Fatal(err)
		}
		waitAcked(t, r.Ledger(), 100, 20*time.Second) // CheckTraffic below
		t0 := time.Now()
		if err := node.Pause(ctx); err != nil {
			r.Stop()
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		tUnpause := time.Now()
		if err := node.Unpause(ctx); err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		ready, err := pr.WaitReady(wctx, t0, 300*time.Millisecond)
		wcancel()
		l := r.Stop()
		pr.Stop()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pause 1s: RTO %s (t_ready − unpause = %s), ops %+v %v",
			ready.Sub(t0).Round(time.Millisecond), ready.Sub(tUnpause).Round(time.Millisecond), l.Counts(), kinds(l.Ops()))
		// No write can be acknowledged before the node is unpaused.
		if !ready.After(tUnpause) {
			t.Errorf("t_ready %s is before the node could answer (unpause %s)", ready, tUnpause)
		}
		failed := 0
		for _, tk := range pr.Ticks() {
			if !tk.OK && !tk.At.Before(t0) {
				failed++
			}
		}
		if failed == 0 {
			t.Error("no probe tick failed during a 1s pause")
		}
		var buf bytes.Buffer
		if err := WriteTicksJSONL(&buf, pr.Ticks()); err != nil {
			t.Fatal(err)
		}
		back, err := ReadTicksJSONL(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if r2, ok := ReadyAfter(back, t0); !ok || !r2.Equal(ready) {
			t.Errorf("t_ready from the saved ticks = %s %v, want %s", r2, ok, ready)
		}
		c := l.Counts()
		if c.Unknown == 0 {
			t.Fatalf("a 1s pause with 200ms timeouts must leave unknown ops: %v", kinds(l.Ops()))
		}
		chk, err := l.FinalRead(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("check after pause: %+v", chk)
		if chk.Lost != 0 || chk.RecoveredFromFail != 0 {
			t.Errorf("pausing loses nothing: %+v", chk)
		}
		// The timed-out SETs sat in the socket buffer and ran on unpause.
		if chk.Recovered == 0 {
			t.Errorf("unknown ops (%d) were applied after the unpause; want recovered > 0", c.Unknown)
		}
	})

	t.Run("SIGKILL: dial errors are fail, writes since the last save are lost", func(t *testing.T) {
		if err := admin.Save(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		client := dep.Client(fast)
		defer client.Close()
		r, err := Start(ctx, client, prof)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if err := node.Kill(ctx, "SIGKILL"); err != nil {
			r.Stop()
			t.Fatal(err)
		}
		t0 := time.Now()
		time.Sleep(time.Second)
		l := r.Stop()
		if err := node.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := node.WaitPing(ctx); err != nil {
			t.Fatal(err)
		}
		after := 0
		for _, op := range l.Ops() {
			if op.Invoke.After(t0) {
				after++
				if op.Outcome == OK {
					t.Errorf("op invoked after the kill was acked: %+v", op)
				}
			}
		}
		k := kinds(l.Ops())
		t.Logf("kill phase: %+v %v", l.Counts(), k)
		if after == 0 || k["fail/dial"] == 0 {
			t.Errorf("ops after the kill must fail to dial, got %v", k)
		}
		if err := l.CheckTraffic(t0, 100); err != nil {
			t.Errorf("traffic before kill: %v", err)
		}
		c2 := dep.Client(harness.ClientOptions{})
		defer c2.Close()
		chk, err := l.FinalRead(ctx, c2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("check after kill: lost %d (missing %d), window %s, recovered %d, not applied %d",
			chk.Lost, chk.LostMissing, chk.LossWindow(t0).Round(time.Millisecond), chk.Recovered, chk.NotApplied)
		if chk.Lost != l.AckedBefore(t0.Add(time.Hour)) || chk.LostMissing != chk.Lost {
			t.Errorf("every acked write since the last SAVE is lost: lost %d, acked %d", chk.Lost, l.Counts().OK)
		}
		var firstAck time.Time
		for _, op := range l.Ops() {
			if op.Outcome == OK && (firstAck.IsZero() || op.Complete.Before(firstAck)) {
				firstAck = op.Complete
			}
		}
		if w := chk.LossWindow(t0); w != t0.Sub(firstAck) || w <= 0 {
			t.Errorf("loss window %s, want t0 − first ack = %s", w, t0.Sub(firstAck))
		}
	})
}
