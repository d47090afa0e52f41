package backup

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// TestStreamingThroughput compares LiveRDB (host, over the Docker network,
// with SHA-256 and full RDB verification on the fly) with redis-cli --rdb run
// inside the node (local, no verification) on 1M keys. It needs
// REDISDRILL_BENCH=1 and fails below 0.9× redis-cli's throughput.
func TestStreamingThroughput(t *testing.T) {
	if os.Getenv("REDISDRILL_BENCH") != "1" {
		t.Skip("set REDISDRILL_BENCH=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistNone})
	n := dep.Primary()
	nc := n.Client()
	defer nc.Close()
	if err := nc.Do(ctx, "DEBUG", "POPULATE", 1000000, "key", 100).Err(); err != nil {
		t.Fatal(err)
	}
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 7
	var cliTimes, ourTimes []time.Duration
	var size int64
	runCli := func() (time.Duration, int64) {
		out, err := n.Shell(ctx, `rm -f /tmp/b.rdb; s=$(date +%s%N); redis-cli --rdb /tmp/b.rdb >/tmp/cli.log 2>&1; e=$(date +%s%N); echo $((e-s)) $(stat -c %s /tmp/b.rdb)`)
		if err != nil {
			t.Fatalf("redis-cli --rdb: %v %s", err, out)
		}
		f := strings.Fields(out)
		ns, err1 := strconv.ParseInt(f[len(f)-2], 10, 64)
		cliSize, err2 := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("redis-cli output %q", out)
		}
		return time.Duration(ns), cliSize
	}
	runOurs := func() (time.Duration, Manifest) {
		start := time.Now()
		m, err := LiveRDB(ctx, n.Addr(), dep.Dialer().DialContext, "", cat, Meta{Node: n.Name()})
		if err != nil {
			t.Fatal(err)
		}
		return time.Since(start), m
	}
	for i := 0; i < rounds; i++ {
		// Alternate who goes first: the machine is shared and noisy.
		var cli, ours time.Duration
		var cliSize int64
		var m Manifest
		if i%2 == 0 {
			cli, cliSize = runCli()
			ours, m = runOurs()
		} else {
			ours, m = runOurs()
			cli, cliSize = runCli()
		}
		if m.Keys != 1000000 || absDiff(m.Size(), cliSize) > 4096 {
			t.Fatalf("backup has %d keys, %d bytes (redis-cli %d bytes)", m.Keys, m.Size(), cliSize)
		}
		size = m.Size()
		cliTimes, ourTimes = append(cliTimes, cli), append(ourTimes, ours)
		t.Logf("round %d: redis-cli %v, LiveRDB %v (stream %d ms, rest is fsync + manifest)", i, cli.Round(time.Millisecond), ours.Round(time.Millisecond), m.DurationMS)
	}
	bestCli, bestOurs := median(cliTimes), median(ourTimes)
	mbps := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	ratio := mbps(bestOurs) / mbps(bestCli)
	msg := fmt.Sprintf("1M keys, %.1f MB, medians of 7: LiveRDB %.0f MB/s (%v), redis-cli --rdb %.0f MB/s (%v), ratio %.2f×",
		float64(size)/1e6, mbps(bestOurs), bestOurs.Round(time.Millisecond), mbps(bestCli), bestCli.Round(time.Millisecond), ratio)
	t.Log(msg)
	fmt.Println(msg)
	if ratio < 0.9 {
		t.Errorf("LiveRDB is below 0.9× redis-cli --rdb")
	}
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
