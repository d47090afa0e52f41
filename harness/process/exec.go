package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// execWaitDelay bounds the wait for a command's output once it exited
// (a background child may keep its pipes open).
const execWaitDelay = 2 * time.Second

// Exec runs a command on the node's machine — this host — and returns its
// exit code and its output (stdout, then stderr). err is set only when
// the command could not run or ctx ended.
func (n *Node) Exec(ctx context.Context, cmd ...string) (int, string, error) {
	if len(cmd) == 0 {
		return 0, "", fmt.Errorf("exec on %s: empty command", n.Name())
	}
	c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = execWaitDelay
	err := c.Run()
	out := stdout.String() + stderr.String()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, out, nil
	case ctx.Err() != nil:
		return 0, out, fmt.Errorf("exec %q on %s: %w", strings.Join(cmd, " "), n.Name(), ctx.Err())
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), out, nil
	}
	return 0, out, fmt.Errorf("exec %q on %s: %w", strings.Join(cmd, " "), n.Name(), err)
}

// Shell runs a sh script on the node's machine (this host) and returns
// its output; a non-zero exit is an error carrying the output.
func (n *Node) Shell(ctx context.Context, script string) (string, error) {
	code, out, err := n.Exec(ctx, "sh", "-c", script)
	if err != nil {
		return out, err
	}
	if code != 0 {
		return out, fmt.Errorf("run script on %s: exit %d: %s", n.Name(), code, strings.TrimSpace(out))
	}
	return out, nil
}
