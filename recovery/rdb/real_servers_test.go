package rdb

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// realRunID is the run id (label redisdrill.run) of this package's Docker
// tests.
func realRunID(name string) string { return "rdbhelper-" + name + "-" + harness.NewRunID() }

// logWriter sends a logger's lines to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// atLeast reports whether version ("8.0.2") is major.minor or newer.
func atLeast(version string, major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(version, "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// featuresOf returns what product at version supports beyond Redis 7.0.
func featuresOf(product, version string) features {
	switch product {
	case "redis":
		return features{fieldTTL: atLeast(version, 7, 4), vectorSet: atLeast(version, 8, 0)}
	case "valkey":
		return features{fieldTTL: atLeast(version, 9, 0)}
	}
	return features{}
}

// TestRealDumpServers has every server redisdrill runs write a dump of
// every data type it has (hashes with field TTLs, vector sets, streams with
// consumer groups, functions, keys with TTLs, two databases) and checks
// that Verify walks it fully with the key counts DBSIZE gives, that the
// version is the one the Loaders table says the server writes, and that
// the server's own check-rdb accepts the file. A missing image is built
// (harness.EnsureServerImage), so with CI=true a server is never skipped.
func TestRealDumpServers(t *testing.T) {
	d := testenv.RequireDocker(t)
	for _, srv := range harness.Servers() {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			logger := slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
			img, err := harness.EnsureServerImage(ctx, d, srv, logger)
			if err != nil {
				t.Fatalf("image of %s: %v", srv.Name, err)
			}
			if img.Built {
				t.Logf("built %s (%s) in %s", img.Ref, img.Version, img.Duration.Round(time.Second))
			}
			topo := deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistRDB}
			dep, err := harness.Start(ctx, d, topo, harness.StartOptions{Image: img.Ref, RunID: realRunID(srv.Name), Logger: logger})
			defer func() {
				if dep != nil {
					_ = dep.Terminate(context.Background())
				}
			}()
			if err != nil {
				t.Fatalf("start %s: %v", srv.Name, err)
			}
			checkRealDump(ctx, t, srv, dep.Primary())
		})
	}
}

func checkRealDump(ctx context.Context, t *testing.T, srv harness.Server, n *harness.Node) {
	product, version := n.ServerVersion()
	if product != srv.Product || version == "" {
		t.Fatalf("INFO server: product %q version %q, want product %q", product, version, srv.Product)
	}
	loader, ok := LookupLoader(product, version)
	if !ok {
		t.Fatalf("%s %s is not in the Loaders table", product, version)
	}
	f := featuresOf(product, version)
	c := n.Client()
	defer c.Close()
	wantKeys, wantExp, err := populateAllTypes(ctx, c, f)
	if err != nil {
		t.Fatal(err)
	}
	// DBSIZE of each db is the reference count.
	for db := range wantKeys {
		cdb := redis.NewClient(&redis.Options{Addr: c.Options().Addr, Dialer: c.Options().Dialer, DB: db})
		size, err := cdb.DBSize(ctx).Result()
		_ = cdb.Close()
		if err != nil || size != wantKeys[db] {
			t.Fatalf("db%d: dbsize %d (%v), populated %d", db, size, err, wantKeys[db])
		}
	}
	info, _ := saveAndVerify(ctx, t, c, n)
	t.Logf("%s %s: %d bytes, %s%d, %d keys, types %v, aux %v", product, version, info.Size, info.Magic, info.Version, info.Keys, info.valueTypes, info.Aux)
	wantMagic := MagicRedis
	if loader.Writes > RDBForeignVersionMax {
		wantMagic = MagicValkey
	}
	if info.Version != loader.Writes || info.Magic != wantMagic || !loader.Accepts(info.Version) {
		t.Errorf("version %s%d, the Loaders table says %s %s writes %s%d", info.Magic, info.Version, product, loader.Series, wantMagic, loader.Writes)
	}
	if info.Structure != StructureFull || info.Functions != 1 || info.ChecksumDisabled || info.Trailing != 0 {
		t.Errorf("structure %s, functions %d, checksum disabled %v, trailing %d", info.Structure, info.Functions, info.ChecksumDisabled, info.Trailing)
	}
	for db, k := range wantKeys {
		if got := info.DBs[uint64(db)]; got.Keys != k || got.Expires != wantExp[db] {
			t.Errorf("db%d: got %+v, want keys %d expires %d", db, got, k, wantExp[db])
		}
	}
	if p, v := info.ServerVersion(); p != product || v != version {
		t.Errorf("aux server version %q %q, INFO says %q %q", p, v, product, version)
	}
	// The encodings the populated keys must have been saved with.
	wantTypes := []byte{typeString, typeListQuicklist2, typeSet, typeSetIntset,
		typeZSet2, typeZSetListpack, typeHash, typeHashListpack}
	if product == "redis" && !atLeast(version, 7, 2) {
		wantTypes = append(wantTypes, typeStream2) // RDB 10
	} else {
		wantTypes = append(wantTypes, typeStream3, typeSetListpack) // RDB 11+
	}
	switch {
	case f.fieldTTL && product == "redis":
		wantTypes = append(wantTypes, typeRedisHashListpackEx, typeRedisHashMetadata)
	case f.fieldTTL && product == "valkey":
		wantTypes = append(wantTypes, typeValkeyHash2)
	}
	if f.vectorSet {
		wantTypes = append(wantTypes, typeModule2)
	}
	for _, typ := range wantTypes {
		if info.valueTypes[typ] == 0 {
			t.Errorf("no key of RDB type %d in the dump (types %v)", typ, info.valueTypes)
		}
	}
	// The server's own checker agrees the file is good.
	check := strings.TrimSuffix(srv.Binary, "-server") + "-check-rdb"
	code, out, err := n.Exec(ctx, check, n.DataDir()+"/"+rediskit.RDBFileName)
	if err != nil || code != 0 {
		t.Errorf("%s rejected the dump: %d %v %s", check, code, err, out)
	}
}
