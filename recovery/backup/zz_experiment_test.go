package backup

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

func TestZZRawReceive(t *testing.T) {
	if os.Getenv("REDISDRILL_EXP") != "1" {
		t.Skip()
	}
	ctx := context.Background()
	dep := startDeployment(ctx, t, harness.Topology{Kind: harness.KindStandalone, Persistence: harness.PersistNone})
	n := dep.Primary()
	if err := n.Client().Do(ctx, "DEBUG", "POPULATE", 1000000, "key", 100).Err(); err != nil {
		t.Fatal(err)
	}
	cat, _ := Open(t.TempDir())
	for i := 0; i < 4; i++ {
		out, _ := n.Shell(ctx, `s=$(date +%s%N); redis-cli --rdb /tmp/b.rdb >/tmp/cli.log 2>&1; e=$(date +%s%N); echo $(((e-s)/1000000))`)
		start := time.Now()
		c, err := dialRepl(ctx, n.Addr(), nil, "")
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.startSync()
		if err != nil {
			t.Fatal(err)
		}
		nb, err := io.Copy(io.Discard, p)
		c.conn.Close()
		raw := time.Since(start)
		start = time.Now()
		m, err := LiveRDB(ctx, n.Addr(), nil, "", cat, Meta{Node: "x"})
		full := time.Since(start)
		t.Logf("cli %s ms | raw discard %v (%d bytes, %v) | LiveRDB %v stream %d ms", out, raw.Round(time.Millisecond), nb, err, full.Round(time.Millisecond), m.DurationMS)
	}
}
