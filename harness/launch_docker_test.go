package harness

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// TestStartCancelledLeavesNothing cancels Start while its nodes are being
// created and started, and checks that Terminate then removes every
// container, volume and network the run made: a create under way when the
// context ends still finishes, so cleanup sees what it made.
func TestStartCancelledLeavesNothing(t *testing.T) {
	d := requireDocker(t, context.Background())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, after := range []time.Duration{150 * time.Millisecond, 600 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), after)
		dep, err := Start(ctx, d, rediskit.DefaultCluster(), StartOptions{Logger: quiet})
		cancel()
		if err == nil {
			t.Logf("started within %s; cancelling nothing", after)
		} else if !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("start cancelled after %s: %v", after, err)
		}
		if dep == nil { // cancelled before anything was created
			continue
		}
		if terr := dep.Terminate(context.Background()); terr != nil {
			t.Errorf("terminate: %v", terr)
		}
		if cs, vs, ns := leftovers(t, d, dep.RunID); cs+vs+ns != 0 {
			t.Errorf("cancelled after %s, left behind: %d containers, %d volumes, %d networks", after, cs, vs, ns)
		}
	}
}

// leftovers counts the containers, volumes and networks the engine still
// holds of run id.
func leftovers(t *testing.T, d *Docker, id string) (containers, volumes, networks int) {
	t.Helper()
	f := client.Filters{}.Add("label", LabelRun+"="+id)
	bg := context.Background()
	cs, err := d.API().ContainerList(bg, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	vs, _ := d.API().VolumeList(bg, client.VolumeListOptions{Filters: f})
	ns, _ := d.API().NetworkList(bg, client.NetworkListOptions{Filters: f})
	return len(cs.Items), len(vs.Items), len(ns.Items)
}

// leftoverCount is leftovers summed.
func leftoverCount(t *testing.T, d *Docker, id string) int {
	t.Helper()
	cs, vs, ns := leftovers(t, d, id)
	return cs + vs + ns
}
