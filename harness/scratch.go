package harness

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// scratchDir is where ScratchKeys puts the files it loads.
const scratchDir = "/scratch"

// ScratchKeys loads a data dir prepared on the host (hostDir holds
// dump.rdb, or an appendonlydir when aof is true) into a throwaway
// server of the deployment's image — no network, no cluster mode, nothing
// of any node touched — and returns the key count it reports once loaded.
// A server that refuses the files is an error carrying its last log line.
func (dep *Deployment) ScratchKeys(ctx context.Context, hostDir string, aof bool) (int64, error) {
	return dep.scratch(ctx, hostDir, aof, "")
}

// scratch runs a scratch server container over hostDir and returns the key
// count it loaded; with rdbOut set the server also saves what it loaded
// and that RDB is written to rdbOut on the host.
func (dep *Deployment) scratch(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	script := scratchScript(dep.Server, scratchDir, aof)
	if rdbOut != "" {
		script = scratchSaveScript(dep.Server, scratchDir, aof)
	}
	api := dep.docker.api
	created, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:      dep.Image,
			Entrypoint: []string{"sh", "-c"},
			Cmd:        []string{script},
			Labels:     dep.docker.labels(dep.RunID, map[string]string{"redisdrill.role": "scratch"}),
		},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		return 0, fmt.Errorf("create scratch server: %w", err)
	}
	defer func() {
		_, _ = api.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	if err := copyTree(ctx, api, created.ID, hostDir, scratchDir); err != nil {
		return 0, err
	}
	wait := api.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := api.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return 0, fmt.Errorf("start scratch server: %w", err)
	}
	var code int64
	select {
	case res := <-wait.Result:
		code = res.StatusCode
	case err := <-wait.Error:
		return 0, fmt.Errorf("wait for scratch server: %w", err)
	}
	logs, err := api.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return 0, fmt.Errorf("read scratch server output: %w", err)
	}
	defer logs.Close()
	out, _ := demuxLogs(logs)
	keys, err := scratchResult(int(code), out)
	if err != nil || rdbOut == "" {
		return keys, err
	}
	box := &Node{name: "scratch", id: created.ID, docker: dep.docker}
	return keys, box.copyRDBOut(ctx, scratchDir, rdbOut)
}

// ScratchKeys on a node loads a data dir prepared on the host (as
// Deployment.ScratchKeys does) into a second, throwaway server process
// inside the node's running machine: on loopback port 6399, from a
// temporary folder outside the data dir, never saving. It spares the
// container start a scratch machine costs; the node's own server (down,
// being repaired) and files are not touched.
func (n *Node) ScratchKeys(ctx context.Context, hostDir string, aof bool) (int64, error) {
	return n.scratch(ctx, hostDir, aof, "")
}

// scratch runs a scratch server process in the node's machine over a copy
// of hostDir (see Deployment.scratch for rdbOut).
func (n *Node) scratch(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	srv := Server{Binary: "redis-server", CLI: "redis-cli"}
	if n.server.Binary != "" {
		srv = n.server
	}
	dir := fmt.Sprintf("/tmp/redisdrill-scratch-%d", time.Now().UnixNano())
	if err := copyTree(ctx, n.docker.api, n.ID(), hostDir, dir); err != nil {
		return 0, err
	}
	cleanup := func() {
		_, _, _ = execIn(context.WithoutCancel(ctx), n.docker, n.ID(), []string{"rm", "-rf", dir})
	}
	// Without an RDB to copy out, the script removes the copy itself on
	// every exit: no second exec on the proof's path.
	script := scratchSelfCleaning(scratchScript(srv, dir, aof), dir)
	if rdbOut != "" {
		script = scratchSaveScript(srv, dir, aof)
		defer cleanup()
	}
	code, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", script})
	if err != nil {
		if rdbOut == "" {
			cleanup()
		}
		return 0, fmt.Errorf("load files in a scratch server on %s: %w", n.Name(), err)
	}
	keys, err := scratchResult(code, out)
	if err != nil || rdbOut == "" {
		return keys, err
	}
	return keys, n.copyRDBOut(ctx, dir, rdbOut)
}

// scratchSelfCleaning runs a scratch script in a subshell, then kills its
// server if it still runs and removes dir, keeping the script's exit code.
func scratchSelfCleaning(script, dir string) string {
	return fmt.Sprintf("(\n%s\n); rc=$?; p=$(cat %s/scratch.pid 2>/dev/null); [ -n \"$p\" ] && kill -9 \"$p\" 2>/dev/null; rm -rf %s; exit $rc", script, dir, dir)
}

// scratchScript starts a scratch server of srv on loopback port 6399 over
// dir and prints "keys=N" once it answers DBSIZE (it loads before it
// answers), then shuts it down without saving.
func scratchScript(srv Server, dir string, aof bool) string {
	if srv.Binary == "" {
		srv = Server{Name: CustomServer, Product: "redis", Binary: "redis-server", CLI: "redis-cli"}
	}
	persist := "--appendonly no --dbfilename " + RDBFileName
	if aof {
		persist = "--appendonly yes --appenddirname " + AOFDirName
	}
	return fmt.Sprintf(`%s --port 6399 --bind 127.0.0.1 --dir %s --save '' %s --daemonize yes --pidfile %s/scratch.pid --logfile %s/scratch.log --aof-load-truncated no || exit 3
for i in $(seq 1 3000); do
  n=$(%s -p 6399 dbsize 2>/dev/null) && case "$n" in ''|*[!0-9]*) ;; *) echo "keys=$n"; %s -p 6399 shutdown nosave >/dev/null 2>&1; exit 0;; esac
  if [ $i -gt 25 ] && ! kill -0 "$(cat %s/scratch.pid 2>/dev/null)" 2>/dev/null; then tail -n 3 %s/scratch.log; exit 4; fi
  sleep 0.02
done
tail -n 3 %s/scratch.log; exit 5`,
		srv.Binary, dir, persist, dir, dir, srv.CLI, srv.CLI, dir, dir, dir)
}

// scratchResult reads the key count out of a scratch script's output.
func scratchResult(code int, out string) (int64, error) {
	if code != 0 {
		return 0, fmt.Errorf("load files in a scratch server: exit %d: %s", code, lastLine(out))
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "keys="); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("load files in a scratch server: no key count in %q", lastLine(out))
}

// copyTree copies a host folder into a (created, not started) container:
// the folder's content lands in dir, created by the copy.
func copyTree(ctx context.Context, api *client.Client, id, hostDir, dir string) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarDirectoryUnder(hostDir, strings.TrimPrefix(dir, "/"), pw)) }()
	if _, err := api.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: pr}); err != nil {
		_ = pr.CloseWithError(err)
		return fmt.Errorf("copy %s into the scratch server: %w", hostDir, err)
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
