package process

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// TestRestoreInPlaceOnProcesses: a 3x0 cluster with RDB persistence has
// its backups taken; a byte in the middle of a primary's dump.rdb flips
// and the server crashes (SIGKILL). Its supervisor restarts it at once
// and Redis refuses the damaged file, over and over (restart policy
// always, throttled). The engine restores the node in place from the
// backup — stop through the supervisor, quarantine, copy in, start — and
// every slot is served again with the keys the backup holds; the damaged
// file is kept in quarantine. Probe mode sees the refused connections;
// auto mode also the supervisor's server events.
func TestRestoreInPlaceOnProcesses(t *testing.T) {
	for _, mode := range detect.Modes() {
		t.Run(string(mode), func(t *testing.T) { testRestoreInPlace(t, mode) })
	}
}

func testRestoreInPlace(t *testing.T, mode detect.Mode) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topo := rediskit.Topology{Kind: rediskit.KindCluster, Primaries: 3, Replicas: 0,
		NodeTimeout: 5 * time.Second, Persistence: rediskit.PersistRDB}
	dep := startDeployment(ctx, t, topo)
	const keys = 500
	writeKeys(ctx, t, dep, "backed", keys)
	eng, err := recovery.New(ctx, dep, recovery.Options{Logger: testLogger(t), CatalogDir: t.TempDir(),
		Detect: detect.Options{NoDocker: mode == detect.ModeProbe}})
	if err != nil {
		t.Fatalf("create engine: %v", err)
	}
	defer eng.Close()
	if err := eng.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := eng.TakeBackups(ctx); err != nil {
		t.Fatalf("take backups: %v", err)
	}
	shards, err := dep.Shards(ctx, dep.Members()[0])
	if err != nil || len(shards) != 3 || shards[0].Primary == nil {
		t.Fatalf("shards: %+v, %v", shards, err)
	}
	victim := shards[0].Primary.(*Node)
	rdb := filepath.Join(victim.DataDir(), rediskit.RDBFileName)

	t0 := time.Now()
	if err := flipByte(rdb); err != nil {
		t.Fatal(err)
	}
	if err := victim.Crash(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Recover(ctx, t0)
	took := time.Since(t0)
	if err != nil {
		t.Fatalf("recover: %v (report %+v)", err, rep)
	}
	t.Logf("%s: %s → %s in %s, detected after %s (%s), backup %s, observations %v", mode, rep.Incident, rep.Strategy,
		took.Round(time.Millisecond), rep.DetectedAt.Sub(t0).Round(time.Millisecond), rep.Event, rep.BackupID, rep.Observations)
	for _, s := range rep.Spans {
		t.Logf("  span %-14s %6s %s", s.Name, s.End.Sub(s.Start).Round(time.Millisecond), s.Detail)
	}
	if !strings.HasPrefix(rep.Strategy, "restore") || !rep.Verified || rep.Node != victim.Name() || rep.BackupID == "" {
		t.Fatalf("report: strategy %q, verified %v, node %q, backup %q; want a verified restore of %s",
			rep.Strategy, rep.Verified, rep.Node, rep.BackupID, victim.Name())
	}
	if rep.Incident != "refuses-start" {
		t.Errorf("incident %q, want refuses-start", rep.Incident)
	}
	// The supervisor's restarts met the damage: Redis refused it, and the
	// node's log (server and supervisor lines) says so.
	logs, err := victim.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if line := recovery.RefusalLine(logs); line == "" || !strings.Contains(logs, LogServerExit+" code=1 ") {
		t.Errorf("no refusal in the log of %s:\n%s", victim.Name(), tail(logs, 30))
	}
	checkServing(ctx, t, dep, "backed", keys)
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatalf("ready after the restore: %v", err)
	}
	// The damaged file is kept in quarantine, not deleted.
	quarantined, err := filepath.Glob(filepath.Join(victim.DataDir(), ".redisdrill-quarantine-*", rediskit.RDBFileName))
	if err != nil || len(quarantined) == 0 {
		t.Errorf("no quarantined %s under %s (%v)", rediskit.RDBFileName, victim.DataDir(), err)
	}
}

// flipByte inverts the byte in the middle of the file at p, in place.
func flipByte(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	b := make([]byte, 1)
	off := st.Size() / 2
	if _, err := f.ReadAt(b, off); err != nil {
		return err
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		return err
	}
	return f.Sync()
}
