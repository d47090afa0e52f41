package harness

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Bounds of the wait for an exec to be marked finished after its output
// ended: the engine marks it asynchronously.
const (
	execPollFirst = 5 * time.Millisecond
	execPollMax   = 100 * time.Millisecond
)

// execIn runs cmd in container id and returns its exit code and its
// stdout followed by its stderr. It reads the output to its end before it
// asks for the exit code: an exec not yet started inspects like one that
// exited 0.
func execIn(ctx context.Context, d *Docker, id string, cmd []string) (int, string, error) {
	created, err := d.api.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return 0, "", fmt.Errorf("create exec: %w", err)
	}
	att, err := d.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return 0, "", fmt.Errorf("attach exec: %w", err)
	}
	defer att.Close()
	var stdout, stderr bytes.Buffer
	drained := make(chan error, 1) // buffered: the copy may end after ctx does
	go func() {
		_, err := stdcopy.StdCopy(&stdout, &stderr, att.Reader)
		drained <- err
	}()
	select {
	case err := <-drained:
		if err != nil {
			return 0, "", fmt.Errorf("read exec output: %w", err)
		}
	case <-ctx.Done():
		return 0, "", ctx.Err()
	}
	out := stdout.String() + stderr.String()
	wait := execPollFirst
	for {
		res, err := d.api.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
		if err != nil {
			return 0, "", fmt.Errorf("inspect exec: %w", err)
		}
		if !res.Running {
			return res.ExitCode, out, nil
		}
		select {
		case <-ctx.Done():
			return 0, "", ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, execPollMax)
	}
}
