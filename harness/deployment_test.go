package harness

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// TestStandaloneThroughPublishedPorts starts a real node, then forces the
// dialer to reach it through its published host port (what happens where
// container IPs are not routable: Docker Desktop, remote daemons), and
// checks that Terminate leaves nothing labelled with the run id.
func TestStandaloneThroughPublishedPorts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := requireDocker(t, ctx)
	dep, err := Start(ctx, d, Topology{Kind: KindStandalone, Persistence: PersistNone}, StartOptions{Logger: slog.Default()})
	defer func() {
		if terr := dep.Terminate(ctx); terr != nil {
			t.Errorf("terminate: %v", terr)
		}
		f := client.Filters{}.Add("label", LabelRun+"="+dep.RunID)
		cs, _ := d.API().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		vs, _ := d.API().VolumeList(ctx, client.VolumeListOptions{Filters: f})
		ns, _ := d.API().NetworkList(ctx, client.NetworkListOptions{Filters: f})
		if len(cs.Items)+len(vs.Items)+len(ns.Items) != 0 {
			t.Errorf("left behind: %d containers, %d volumes, %d networks", len(cs.Items), len(vs.Items), len(ns.Items))
		}
	}()
	if err != nil {
		t.Fatal(err)
	}
	n := dep.Primary()
	if n.HostPort() == 0 {
		t.Fatal("no published port")
	}
	dep.dialer.mu.Lock()
	dep.dialer.remap = true
	dep.dialer.mu.Unlock()
	conn, err := dep.dialer.DialContext(ctx, "tcp", n.Addr())
	if err != nil {
		t.Fatalf("dial through published port: %v", err)
	}
	if got := conn.RemoteAddr().String(); got == n.Addr() {
		t.Errorf("dialled the container address %s, not the published port", got)
	}
	_ = conn.Close()
	c := dep.Client(ClientOptions{})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET through the remapping client: %v", err)
	}
}
