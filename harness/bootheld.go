package harness

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"path"
	"time"

	"github.com/moby/moby/client"
)

// holdMarker is the file a node machine's boot script looks for: when it
// exists, the script removes it and lays the server's service out down, so
// s6 starts without starting the server.
const holdMarker = "/etc/redisdrill-hold-server"

// BootHeld boots the node's stopped machine with its server held down:
// it writes holdMarker into the stopped container (no toolbox needed: the
// Docker API copies into a stopped container), then starts it. Start then
// only starts the server (s6-svc -u). A machine already up is left as it
// is; an unsupervised node cannot hold its server (it is PID 1).
func (n *Node) BootHeld(ctx context.Context) error {
	if !n.Supervised() {
		return fmt.Errorf("boot %s with its server held down: not supervised (the server is the machine's PID 1)", n.Name())
	}
	up, err := n.MachineRunning(ctx)
	if err != nil || up {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: path.Base(holdMarker), Mode: 0o644, ModTime: time.Now()}); err != nil {
		return fmt.Errorf("boot %s held: %w", n.Name(), err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("boot %s held: %w", n.Name(), err)
	}
	if _, err := n.docker.api.CopyToContainer(ctx, n.ID(), client.CopyToContainerOptions{DestinationPath: path.Dir(holdMarker), Content: &buf}); err != nil {
		return fmt.Errorf("boot %s held: write %s: %w", n.Name(), holdMarker, err)
	}
	return n.Boot(ctx)
}
