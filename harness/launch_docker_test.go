package harness

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/moby/moby/client"
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
		dep, err := Start(ctx, d, DefaultCluster(), StartOptions{Logger: quiet})
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
		f := client.Filters{}.Add("label", LabelRun+"="+dep.RunID)
		bg := context.Background()
		cs, _ := d.API().ContainerList(bg, client.ContainerListOptions{All: true, Filters: f})
		vs, _ := d.API().VolumeList(bg, client.VolumeListOptions{Filters: f})
		ns, _ := d.API().NetworkList(bg, client.NetworkListOptions{Filters: f})
		if len(cs.Items)+len(vs.Items)+len(ns.Items) != 0 {
			t.Errorf("cancelled after %s, left behind: %d containers, %d volumes, %d networks", after, len(cs.Items), len(vs.Items), len(ns.Items))
		}
	}
}
