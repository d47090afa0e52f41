package aof

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// TestAgainstRedis produces a real multi-part AOF with timestamps and checks
// our parsing and repairs against redis-check-aof and redis-server itself.
func TestAgainstRedis(t *testing.T) {
	d := testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep, err := harness.Start(ctx, d, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistAOF, AppendFsync: "always", AOFTimestamps: true}, harness.StartOptions{})
	defer dep.Terminate(context.Background())
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	n := dep.Primary()
	c := n.Client()
	defer c.Close()
	// Three batches in three different seconds, then an accidental flush.
	for batch := 0; batch < 3; batch++ {
		for i := 0; i < 50; i++ {
			if err := c.Set(ctx, fmt.Sprintf("k:%d:%d", batch, i), strings.Repeat("v", i), 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		tx := c.TxPipeline()
		tx.Incr(ctx, "counter")
		tx.LPush(ctx, "list", batch)
		if _, err := tx.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
	}
	preFlush := c.DBSize(ctx).Val()
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	host := t.TempDir()
	aofDir := filepath.Join(host, "aof")
	if err := n.CopyDirOut(ctx, n.DataDir()+"/"+rediskit.AOFDirName, aofDir); err != nil {
		t.Fatal(err)
	}
	rep, err := CheckDir(aofDir)
	if err != nil {
		t.Fatalf("check real aof dir: %v", err)
	}
	incr := rep.Manifest.Incr()
	if len(incr) != 1 || len(rep.Files) != 2 || rep.Files[0].Check.PreambleSize == 0 {
		t.Fatalf("unexpected layout: %+v", rep)
	}
	incrName := incr[0].Name
	data, err := os.ReadFile(filepath.Join(aofDir, incrName))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := Commands(data)
	if err != nil {
		t.Fatalf("parse real incr: %v", err)
	}
	var stamps []int64
	for _, cmd := range cmds {
		if len(stamps) == 0 || stamps[len(stamps)-1] != cmd.TS {
			stamps = append(stamps, cmd.TS)
		}
	}
	t.Logf("incr file %s: %d bytes, %d commands, timestamps %v", incrName, len(data), len(cmds), stamps)
	if len(stamps) < 3 || stamps[0] == 0 || cmds[len(cmds)-1].Name() != "FLUSHALL" {
		t.Fatalf("want ≥3 distinct #TS and FLUSHALL last, got %v last %s", stamps, cmds[len(cmds)-1].Name())
	}

	// 1. --fix on garbage in the middle: same resulting length as ours.
	mid := int(cmds[len(cmds)/2].Offset) + 3
	garbled := append(append(append([]byte(nil), data[:mid]...), []byte("\x00garbage\x7f")...), data[mid:]...)
	src := filepath.Join(host, "garbled.aof")
	if err := os.WriteFile(src, garbled, 0o644); err != nil {
		t.Fatal(err)
	}
	ours, err := Repair(src, filepath.Join(host, "fixed.aof"))
	if err != nil {
		t.Fatal(err)
	}
	theirs := redisCheckAOF(ctx, t, n, garbled, "echo y | redis-check-aof --fix /tmp/x.aof")
	if theirs >= int64(len(garbled)) {
		t.Fatalf("redis-check-aof --fix did not cut anything (%d bytes)", theirs)
	}
	if ours.Kept != theirs {
		t.Errorf("--fix kept %d bytes, Repair kept %d (%+v)", theirs, ours.Kept, ours)
	}

	// 2. A truncated tail (a short write): same again.
	short := data[:len(data)-5]
	res, _ := Check(short)
	if theirs := redisCheckAOF(ctx, t, n, short, "echo y | redis-check-aof --fix /tmp/x.aof"); res.ValidUpTo != theirs || !res.Truncated {
		t.Errorf("truncated: --fix kept %d, we keep %d (%+v)", theirs, res.ValidUpTo, res)
	}

	// 3. --truncate-to-timestamp at the first second: same cut.
	cut, trep, err := TruncateToTimestamp(data, stamps[0])
	if err != nil {
		t.Fatal(err)
	}
	if theirs := redisCheckAOF(ctx, t, n, data, fmt.Sprintf("redis-check-aof --truncate-to-timestamp %d /tmp/x.aof", stamps[0])); int64(len(cut)) != theirs {
		t.Errorf("truncate-to-timestamp: redis %d bytes, ours %d (%+v)", theirs, len(cut), trep)
	}

	// 4. CutFlush, then let redis-server load it: the pre-flush keys are back.
	undone, frep, err := CutFlush(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cut flush: %+v", frep)
	if err := n.Stop(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := n.WriteFile(ctx, n.DataDir()+"/"+rediskit.AOFDirName+"/"+incrName, undone, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatalf("redis refused the cut AOF: %v", err)
	}
	c2 := n.Client()
	defer c2.Close()
	if got := c2.DBSize(ctx).Val(); got != preFlush {
		t.Fatalf("after CutFlush redis has %d keys, want %d", got, preFlush)
	}
}

// redisCheckAOF runs a redis-check-aof script on a copy of data inside the
// node and returns the resulting file size.
func redisCheckAOF(ctx context.Context, t *testing.T, n deploy.Node, data []byte, script string) int64 {
	t.Helper()
	if err := n.WriteFile(ctx, "/tmp/x.aof", data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := n.Shell(ctx, script+" >/tmp/x.log 2>&1; stat -c %s /tmp/x.aof")
	if err != nil {
		t.Fatalf("%s: %v %s", script, err, out)
	}
	lines := strings.Fields(out)
	size, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		t.Fatalf("%s: size %q", script, out)
	}
	return size
}
