package fault

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
)

// TestAOFGarbageLandsUnderWritingServer: aof-garbage-middle changes the
// incr AOF in place while a client keeps writing (no freeze), then crashes
// the server. The file must hold the garbage at the recorded offset, keep
// what the server appended after the damage (an in-place write, not a
// replaced file the server no longer writes to), the onset must be the
// crash (after the change was made, within the fault step) and the
// supervisor's restart must meet the damage: Redis refuses the AOF.
func TestAOFGarbageLandsUnderWritingServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, harness.Topology{Kind: harness.KindStandalone, Persistence: harness.PersistAOF, AppendFsync: "always"})
	n := dep.Primary()
	writeKeys(ctx, t, n, 200)
	var acked atomic.Int64
	wctx, stopWriter := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := n.QuickClient(200 * time.Millisecond)
		defer c.Close()
		for i := 0; wctx.Err() == nil; i++ {
			if c.Set(wctx, fmt.Sprintf("w%d", i), "v", 0).Err() == nil {
				acked.Add(1)
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	ackedBefore := acked.Load()
	inj, err := applyAndHeal(t, ctx, dep, "aof-garbage-middle", Params{})
	stopWriter()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if acked.Load() <= ackedBefore {
		t.Fatalf("the writer got no ack during the fault (%d before, %d after): the test proves nothing", ackedBefore, acked.Load())
	}
	changes := inj.Record().Changes
	if len(changes) != 1 {
		t.Fatalf("want one change, got %+v", changes)
	}
	ch := changes[0]
	t.Logf("fault step (Applied-Start) %v; change at offset %d of %d bytes", inj.Applied.Sub(inj.Start), ch.Offset, ch.Size)
	if inj.Start.After(inj.Applied) {
		t.Fatalf("onset %v after Applied %v", inj.Start, inj.Applied)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		logs, err := n.Logs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(logs, harness.LogServerExit+" code=-1 signal=9")
		if i >= 0 && strings.Contains(logs[i:], "Bad file format reading the append only file") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SIGKILL exit followed by a refused AOF in the log:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	data, err := n.ReadFile(ctx, ch.Path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) < ch.Offset+ch.Length {
		t.Fatalf("%s is %d bytes, shorter than the change at %d+%d", ch.Path, len(data), ch.Offset, ch.Length)
	}
	if got := hex.EncodeToString(data[ch.Offset : ch.Offset+ch.Length]); got != ch.After {
		t.Errorf("bytes at %d: %s, the change recorded %s", ch.Offset, got, ch.After)
	}
	if int64(len(data)) < ch.Size {
		t.Errorf("%s shrank from %d to %d bytes: the damage replaced the file", ch.Path, ch.Size, len(data))
	}
	t.Logf("%s: %d bytes when read, %d after the crash", ch.Path, ch.Size, len(data))
}
