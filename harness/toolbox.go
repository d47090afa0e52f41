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
// combined output. On a running node the script runs inside it; on a stopped
// node it runs in a short-lived toolbox container (same image) that mounts
// the node's data volume at the same path, so faults and repairs work on
// stopped nodes without host access to the volume.
func (n *Node) Shell(ctx context.Context, script string) (string, error) {
	running, err := n.Running(ctx)
	if err != nil {
		return "", err
	}
	if running {
		code, out, err := n.Exec(ctx, "sh", "-c", script)
		if err != nil {
			return out, err
		}
		if code != 0 {
			return out, fmt.Errorf("run script on %s: exit %d: %s", n.Name, code, strings.TrimSpace(out))
		}
		return out, nil
	}
	return n.toolbox(ctx, script)
}

func (n *Node) toolbox(ctx context.Context, script string) (string, error) {
	api := n.docker.api
	created, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:      n.image,
			Entrypoint: []string{"sh", "-c"},
			Cmd:        []string{script},
			Labels:     n.docker.labels(n.runID, map[string]string{"redisdrill.role": "toolbox"}),
		},
		HostConfig: &container.HostConfig{
			Mounts:      []mount.Mount{{Type: mount.TypeVolume, Source: n.Volume, Target: DataDir}},
			NetworkMode: "none",
		},
	})
	if err != nil {
		return "", fmt.Errorf("create toolbox for %s: %w", n.Name, err)
	}
	defer func() {
		_, _ = api.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	wait := api.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := api.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return "", fmt.Errorf("start toolbox for %s: %w", n.Name, err)
	}
	var code int64
	select {
	case res := <-wait.Result:
		code = res.StatusCode
	case err := <-wait.Error:
		return "", fmt.Errorf("wait for toolbox of %s: %w", n.Name, err)
	}
	logs, err := api.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", fmt.Errorf("read toolbox logs of %s: %w", n.Name, err)
	}
	defer logs.Close()
	out, _ := demuxLogs(logs)
	if code != 0 {
		return out, fmt.Errorf("run script on stopped %s: exit %d: %s", n.Name, code, strings.TrimSpace(out))
	}
	return out, nil
}
