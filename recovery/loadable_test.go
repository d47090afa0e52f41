package recovery

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// TestRestoreRefusesUnloadableBackup takes a real backup on Redis 8.0 (RDB
// 12) and offers it to restores on Redis 7.0 (loads up to 10) and Valkey 9
// (refuses 12–79): the engine must pass it over with ErrBackupIncompatible
// and say the restore was not attempted; Redis 8.0 itself takes it.
func TestRestoreRefusesUnloadableBackup(t *testing.T) {
	ctx := t.Context()
	d := testenv.RequireDocker(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := harness.LookupServer("redis-8.0")
	if err != nil {
		t.Fatal(err)
	}
	dep, err := harness.Start(ctx, d, deploy.Topology{Kind: rediskit.KindStandalone}, harness.StartOptions{Server: srv, Logger: quiet})
	t.Cleanup(func() {
		if dep != nil {
			_ = dep.Terminate(context.Background())
		}
	})
	if err != nil {
		t.Fatalf("start redis-8.0: %v", err)
	}
	n := dep.Nodes()[0]
	if err := n.Client().Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cat, err := backup.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	m, err := backup.LiveRDB(ctx, n.Addr(), dep.Dialer().DialContext, "", cat, backup.Meta{Node: n.Name(), Role: "primary", Shard: &zero})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if m.RDBVersion != 12 || m.Server != "redis" || m.ServerVersion != dep.ServerVersion {
		t.Fatalf("manifest: rdb %d, server %q %q; want 12 from redis %s", m.RDBVersion, m.Server, m.ServerVersion, dep.ServerVersion)
	}
	target := func(name, version string) *Engine {
		s, err := harness.LookupServer(name)
		if err != nil {
			t.Fatal(err)
		}
		return &Engine{dep: (&harness.Deployment{Server: s, ServerVersion: version}).Engine(), opts: Options{CatalogDir: dir}, logger: quiet}
	}
	for _, tc := range []struct{ server, version, want string }{
		{"redis-7.0", "7.0.15", "redis 7.0.15 loads RDB versions 1–10"},
		{"valkey-9", "9.1.2", "valkey 9.1.2 loads RDB versions 1–80 except 12–79"},
		{"valkey-8.1", "8.1.1", "valkey 8.1.1 loads RDB versions 1–11"},
	} {
		_, _, err := target(tc.server, tc.version).shardBackup(0)
		if !errors.Is(err, ErrBackupIncompatible) {
			t.Errorf("%s: err = %v, want ErrBackupIncompatible", tc.server, err)
			continue
		}
		for _, want := range []string{m.ID, "RDB version 12", "written by redis " + dep.ServerVersion, tc.want, "the restore was not attempted"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error lacks %q: %v", tc.server, want, err)
			}
		}
	}
	got, _, err := target("redis-8.0", dep.ServerVersion).shardBackup(0)
	if err != nil || got.ID != m.ID {
		t.Errorf("redis-8.0 restore: %v, %v; want backup %s", got.ID, err, m.ID)
	}
}
