package rdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// features are the data types beyond Redis 7.0's a server has.
type features struct {
	// fieldTTL: hash field expiration (HEXPIRE; Redis 7.4+, Valkey 9.0+).
	fieldTTL bool
	// vectorSet: the vectorset module (VADD; Redis 8.0+).
	vectorSet bool
}

// populateAllTypes writes keys of every type and encoding Redis 7.0 has (and
// those of f), in db 0 and db 1, and returns how many keys it wrote per db.
func populateAllTypes(ctx context.Context, c *redis.Client, f features) (map[int]int64, map[int]int64, error) {
	keys := map[int]int64{}
	expires := map[int]int64{}
	p := c.Pipeline()
	p.Set(ctx, "str:int", 12345, 0)
	p.Set(ctx, "str:neg", -70000, 0)
	p.Set(ctx, "str:short", "hello", 0)
	p.Set(ctx, "str:lzf", strings.Repeat("compressible-", 200), 0)
	p.Set(ctx, "str:exp", "soon", time.Hour)
	p.RPush(ctx, "list:small", "a", "b", 3)
	for i := 0; i < 5000; i++ {
		p.RPush(ctx, "list:big", fmt.Sprintf("item-%d-%s", i, strings.Repeat("x", i%50)))
		p.SAdd(ctx, "set:big", fmt.Sprintf("m%d", i))
		p.ZAdd(ctx, "zset:big", redis.Z{Score: float64(i) / 3, Member: fmt.Sprintf("z%d", i)})
		p.HSet(ctx, "hash:big", fmt.Sprintf("f%d", i), i)
	}
	p.SAdd(ctx, "set:intset", 1, 2, 3, 99999)
	p.SAdd(ctx, "set:small", "x", "y")
	p.ZAdd(ctx, "zset:small", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"})
	p.HSet(ctx, "hash:small", "a", "1", "b", "two")
	for i := 0; i < 300; i++ {
		p.XAdd(ctx, &redis.XAddArgs{Stream: "stream", Values: []any{"n", i}})
	}
	p.XGroupCreate(ctx, "stream", "g1", "0")
	p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "c1", Streams: []string{"stream", ">"}, Count: 10})
	p.PExpire(ctx, "hash:small", time.Hour)
	if _, err := p.Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("populate db0: %w", err)
	}
	keys[0], expires[0] = 15, 2
	if f.fieldTTL {
		// A small hash stays a listpack (Redis: HASH_LISTPACK_EX), a big one
		// (over hash-max-listpack-entries, 512 in Redis 8.0) is a hash table
		// (Redis: HASH_METADATA); Valkey saves both as HASH_2.
		p := c.Pipeline()
		p.HSet(ctx, "hash:ttl:small", "a", "1", "b", "two", "c", 3)
		p.Do(ctx, "HEXPIRE", "hash:ttl:small", 3600, "FIELDS", 1, "a")
		for i := 0; i < 2000; i++ {
			p.HSet(ctx, "hash:ttl:big", fmt.Sprintf("f%d", i), i)
		}
		p.Do(ctx, "HEXPIRE", "hash:ttl:big", 7200, "FIELDS", 2, "f1", "f2")
		if _, err := p.Exec(ctx); err != nil {
			return nil, nil, fmt.Errorf("populate hashes with field TTLs: %w", err)
		}
		keys[0] += 2
	}
	if f.vectorSet {
		for i, el := range []string{"a", "b", "c"} {
			if err := c.Do(ctx, "VADD", "vset", "VALUES", 3, 0.1*float64(i+1), 0.2, 0.3, el).Err(); err != nil {
				return nil, nil, fmt.Errorf("populate vector set: %w", err)
			}
		}
		keys[0]++
	}
	if err := c.Do(ctx, "FUNCTION", "LOAD", "#!lua name=drill\nredis.register_function('one', function() return 1 end)").Err(); err != nil {
		return nil, nil, fmt.Errorf("load function: %w", err)
	}
	// db 1 through a dedicated connection.
	c1 := redis.NewClient(&redis.Options{Addr: c.Options().Addr, Dialer: c.Options().Dialer, DB: 1})
	defer c1.Close()
	if err := c1.Set(ctx, "db1:key", "v", time.Hour).Err(); err != nil {
		return nil, nil, fmt.Errorf("populate db1: %w", err)
	}
	if err := c1.Set(ctx, "db1:other", "v", 0).Err(); err != nil {
		return nil, nil, fmt.Errorf("populate db1: %w", err)
	}
	keys[1], expires[1] = 2, 1
	return keys, expires, nil
}

func TestRealDump(t *testing.T) {
	d := testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep, err := harness.Start(ctx, d, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistRDB}, harness.StartOptions{RunID: realRunID("default")})
	defer dep.Terminate(context.Background())
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	n := dep.Primary()
	c := n.Client()
	defer c.Close()
	wantKeys, wantExp, err := populateAllTypes(ctx, c, features{})
	if err != nil {
		t.Fatal(err)
	}
	if dbsize := c.DBSize(ctx).Val(); dbsize != wantKeys[0] {
		t.Fatalf("populate: dbsize %d, expected %d", dbsize, wantKeys[0])
	}
	info, data := saveAndVerify(ctx, t, c, n)
	t.Logf("real dump: %d bytes, version %d, %d keys, structure %s, aux %v", info.Size, info.Version, info.Keys, info.Structure, info.Aux)
	if info.Version != 10 || info.Structure != StructureFull || info.Functions != 1 {
		t.Errorf("version %d structure %s functions %d", info.Version, info.Structure, info.Functions)
	}
	for db, k := range wantKeys {
		got := info.DBs[uint64(db)]
		if got.Keys != k || got.Expires != wantExp[db] {
			t.Errorf("db%d: got %+v, want keys %d expires %d", db, got, k, wantExp[db])
		}
	}
	if info.RedisVersion() == "" || info.ChecksumDisabled {
		t.Errorf("aux redis-ver %q, checksum disabled %v", info.RedisVersion(), info.ChecksumDisabled)
	}

	// Corrupted copies: ours and redis-check-rdb must both reject them.
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 0x10
	cut := data[:len(data)*2/3]
	for name, bad := range map[string][]byte{"flipped": flipped, "truncated": cut} {
		_, err := VerifyBytes(bad)
		if err == nil {
			t.Errorf("%s: verify accepted a corrupt file", name)
		}
		if name == "flipped" && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrCorrupt) {
			t.Errorf("flipped: want checksum/corrupt error, got %v", err)
		}
		if name == "truncated" && !errors.Is(err, ErrTruncated) {
			t.Errorf("truncated: want ErrTruncated, got %v", err)
		}
		path := "/tmp/" + name + ".rdb"
		if err := n.WriteFile(ctx, path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, err := n.Exec(ctx, "redis-check-rdb", path)
		if err != nil {
			t.Fatal(err)
		}
		if code == 0 {
			t.Errorf("%s: redis-check-rdb accepted it (reference disagrees with the test data): %s", name, out)
		}
	}
	code, out, err := n.Exec(ctx, "redis-check-rdb", n.DataDir()+"/"+rediskit.RDBFileName)
	if err != nil || code != 0 {
		t.Errorf("redis-check-rdb rejected the good dump: %d %s %v", code, out, err)
	}
}

// saveAndVerify has node n SAVE through c, reads its dump.rdb and verifies
// it; it returns what Verify found and the file.
func saveAndVerify(ctx context.Context, t *testing.T, c *redis.Client, n deploy.Node) (Info, []byte) {
	t.Helper()
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatalf("save: %v", err)
	}
	data, err := n.ReadFile(ctx, n.DataDir()+"/"+rediskit.RDBFileName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := VerifyBytes(data)
	if err != nil {
		t.Fatalf("verify %s dump: %v", n.Name(), err)
	}
	return info, data
}
