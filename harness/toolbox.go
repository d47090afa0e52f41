package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
)

// Shell runs a POSIX shell script against the node's files and returns its
// combined output. While the node's machine is up (whether or not its
// server runs) the script runs inside it; on a machine that is down it
// runs in a short-lived toolbox container (same image) that mounts the
// node's data volume at the same path, so faults and repairs work on
// crashed machines without host access to the volume.
func (n *Node) Shell(ctx context.Context, script string) (string, error) {
	up, err := n.MachineRunning(ctx)
	if err != nil {
		return "", err
	}
	if up {
		code, out, err := n.Exec(ctx, "sh", "-c", script)
		if err != nil {
			return out, err
		}
		if code != 0 {
			return out, fmt.Errorf("run script on %s: exit %d: %s", n.Name(), code, strings.TrimSpace(out))
		}
		return out, nil
	}
	return n.toolbox(ctx, script)
}

func (n *Node) toolbox(ctx context.Context, script string) (string, error) {
	mounts := []mount.Mount{{Type: mount.TypeVolume, Source: n.Volume, Target: DataDir}}
	return runToolbox(ctx, n.docker, n.image, n.runID, mounts, script, n.Name())
}

// StoppedMount is where ShellStopped mounts node n's data volume.
func StoppedMount(n *Node) string { return "/volumes/" + n.Name() }

// ShellStopped runs script once, in one short-lived toolbox container of
// the nodes' image that mounts the data volume of every node given at
// StoppedMount(n): one container start for all of them instead of one per
// node (each costs the better part of a CPU-second on a small host). Every
// node's machine must be down and run the same image.
func ShellStopped(ctx context.Context, nodes []*Node, script string) (string, error) {
	if len(nodes) == 0 {
		return "", nil
	}
	first := nodes[0]
	names := make([]string, 0, len(nodes))
	mounts := make([]mount.Mount, 0, len(nodes))
	for _, n := range nodes {
		if n.image != first.image {
			return "", fmt.Errorf("run script on stopped nodes: %s runs %s, %s runs %s", first.Name(), first.image, n.Name(), n.image)
		}
		up, err := n.MachineRunning(ctx)
		if err != nil {
			return "", err
		}
		if up {
			return "", fmt.Errorf("run script on stopped nodes: %s's machine is up", n.Name())
		}
		names = append(names, n.Name())
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: n.Volume, Target: StoppedMount(n)})
	}
	return runToolbox(ctx, first.docker, first.image, first.runID, mounts, script, strings.Join(names, ", "))
}

// runToolbox runs script in a throwaway container of image with mounts and
// no network, and returns its combined output; what names the nodes in
// errors.
func runToolbox(ctx context.Context, d *Docker, image, runID string, mounts []mount.Mount, script, what string) (string, error) {
	api := d.api
	created, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:      image,
			Entrypoint: []string{"sh", "-c"},
			Cmd:        []string{script},
			Labels:     d.labels(runID, map[string]string{"redisdrill.role": "toolbox"}),
		},
		HostConfig: &container.HostConfig{
			Mounts:      mounts,
			NetworkMode: "none",
		},
	})
	if err != nil {
		return "", fmt.Errorf("create toolbox for %s: %w", what, err)
	}
	defer func() {
		_, _ = api.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	wait := api.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := api.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return "", fmt.Errorf("start toolbox for %s: %w", what, err)
	}
	var code int64
	select {
	case res := <-wait.Result:
		code = res.StatusCode
	case err := <-wait.Error:
		return "", fmt.Errorf("wait for toolbox of %s: %w", what, err)
	}
	logs, err := api.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", fmt.Errorf("read toolbox logs of %s: %w", what, err)
	}
	defer logs.Close()
	out, _ := demuxLogs(logs)
	if code != 0 {
		return out, fmt.Errorf("run script on stopped %s: exit %d: %s", what, code, strings.TrimSpace(out))
	}
	return out, nil
}
