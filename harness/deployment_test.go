package harness

import (
	"context"
	"log/slog"
	"testing"
	"time"
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
		if cs, vs, ns := leftovers(t, d, dep.RunID); cs+vs+ns != 0 {
			t.Errorf("left behind: %d containers, %d volumes, %d networks", cs, vs, ns)
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
