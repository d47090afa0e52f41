package process

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/form"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Bounds of a scratch server: how long it may take to load, how often it
// is asked, and how long it may take to exit once told to.
const (
	scratchLoadTimeout = 60 * time.Second
	scratchPoll        = 20 * time.Millisecond
	scratchExitWait    = 5 * time.Second
)

// scratchLog is the scratch server's log, in its temporary folder.
const scratchLog = "scratch.log"

// ScratchKeys loads a data dir prepared on the host (hostDir holds
// dump.rdb, or an appendonlydir when aof is true) into a throwaway server
// of the deployment's binary — on a loopback address of its own, no
// cluster mode, never saving, over a copy of hostDir — and returns the key
// count it reports once loaded. A server that refuses the files is an
// error carrying its last log line.
func (dep *Deployment) ScratchKeys(ctx context.Context, hostDir string, aof bool) (int64, error) {
	return dep.scratch(ctx, hostDir, aof, "")
}

// ScratchRDB loads hostDir as ScratchKeys does, has the server SAVE what
// it loaded and writes that RDB to rdbOut (a new host file). It returns
// the key count the server reported once loaded; the RDB is written only
// when the server loaded the files and saved them.
func (dep *Deployment) ScratchRDB(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	return dep.scratch(ctx, hostDir, aof, rdbOut)
}

// ScratchKeys on a node is Deployment.ScratchKeys: the node's machine is
// this host. The node's own server and files are not touched.
func (n *Node) ScratchKeys(ctx context.Context, hostDir string, aof bool) (int64, error) {
	return n.dep.scratch(ctx, hostDir, aof, "")
}

// ScratchRDB on a node is Deployment.ScratchRDB.
func (n *Node) ScratchRDB(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	return n.dep.scratch(ctx, hostDir, aof, rdbOut)
}

// scratch runs a scratch server over a copy of hostDir and returns the
// key count it loaded; with rdbOut set it also saves what it loaded to
// rdbOut.
func (dep *Deployment) scratch(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	dir, err := os.MkdirTemp(dep.dir, "scratch-")
	if err != nil {
		return 0, fmt.Errorf("load files in a scratch server: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := copyTree(ctx, hostDir, dir); err != nil {
		return 0, fmt.Errorf("copy %s into the scratch server: %w", hostDir, err)
	}
	ip, release, err := dep.addrs.scratch()
	if err != nil {
		return 0, fmt.Errorf("load files in a scratch server: %w", err)
	}
	defer release()
	args := []string{"--port", strconv.Itoa(rediskit.RedisPort), "--bind", ip, "--protected-mode", "no",
		"--dir", dir, "--save", "", "--daemonize", "no", "--logfile", filepath.Join(dir, scratchLog),
		"--aof-load-truncated", "no"}
	if aof {
		args = append(args, "--appendonly", "yes", "--appenddirname", rediskit.AOFDirName)
	} else {
		args = append(args, "--appendonly", "no", "--dbfilename", rediskit.RDBFileName)
	}
	cmd := exec.Command(dep.binary, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start scratch server: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	defer func() {
		select {
		case <-exited:
		case <-time.After(scratchExitWait):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()
	addr := net.JoinHostPort(ip, strconv.Itoa(rediskit.RedisPort))
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: time.Second, MaxRetries: -1, PoolSize: 1})
	defer c.Close()
	keys, err := waitScratchLoaded(ctx, c, exited, cmd, dir, &out)
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return 0, err
	}
	if rdbOut != "" {
		if err := c.Save(ctx).Err(); err != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return 0, fmt.Errorf("load files in a scratch server: save: %w", err)
		}
	}
	_ = c.Do(ctx, "SHUTDOWN", "NOSAVE").Err() // the connection closes as it exits
	if rdbOut == "" {
		return keys, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, rediskit.RDBFileName))
	if err != nil {
		return 0, fmt.Errorf("read the scratch server's rdb: %w", err)
	}
	return keys, form.WriteRDB(rdbOut, data)
}

// waitScratchLoaded asks the scratch server for DBSIZE until it answers
// (it loads before it does), exits, or the load bound passes.
func waitScratchLoaded(ctx context.Context, c *redis.Client, exited <-chan struct{}, cmd *exec.Cmd, dir string, out *bytes.Buffer) (int64, error) {
	deadline := time.Now().Add(scratchLoadTimeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		keys, err := c.DBSize(pctx).Result()
		cancel()
		if err == nil {
			return keys, nil
		}
		select {
		case <-exited:
			code, _ := exitOf(cmd.ProcessState)
			return 0, fmt.Errorf("load files in a scratch server: exit %d: %s", code, scratchLastLine(dir, out))
		case <-ctx.Done():
			return 0, fmt.Errorf("load files in a scratch server: %w", ctx.Err())
		case <-time.After(scratchPoll):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("load files in a scratch server: not loaded within %s (last error: %v): %s",
				scratchLoadTimeout, err, scratchLastLine(dir, out))
		}
	}
}

// scratchLastLine returns the last line the scratch server logged (its
// log file, else its output).
func scratchLastLine(dir string, out *bytes.Buffer) string {
	data, err := os.ReadFile(filepath.Join(dir, scratchLog))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		data = out.Bytes()
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
