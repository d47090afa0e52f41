package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
	"github.com/redisdrill/redisdrill/recovery/remote/remotetest"
)

// streamPerms is the least an ACL user following a standalone server with
// backup stream needs: what needsStream lists, no key or channel pattern.
var streamPerms = []string{"+ping", "+psync", "+replconf", "+info"}

// syncBuffer is a bytes.Buffer that exec's copying goroutine writes while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// streamProc is a running `redisdrill backup stream` process.
type streamProc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
}

// startStream starts the binary as `backup stream args...` with extra
// environment variables; the process is killed at cleanup if still running.
func startStream(t *testing.T, env []string, args ...string) *streamProc {
	t.Helper()
	p := &streamProc{cmd: exec.Command(binPath, append([]string{"backup", "stream"}, args...)...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *streamProc) result() result {
	r := result{stdout: p.stdout.String(), stderr: p.stderr.String(), code: -1}
	select {
	case <-p.done:
		r.code = p.cmd.ProcessState.ExitCode()
	default:
	}
	return r
}

// waitOutput waits up to d for cond to hold on the output so far; the
// process exiting first fails the test.
func (p *streamProc) waitOutput(t *testing.T, d time.Duration, what string, cond func(stdout, stderr string) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond(p.stdout.String(), p.stderr.String()) {
		select {
		case <-p.done:
			t.Fatalf("backup stream exited before %s\n%s", what, p.result())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s\n%s", what, d, p.result())
		}
	}
}

// wait waits up to d for the process to exit and returns its result.
func (p *streamProc) wait(t *testing.T, d time.Duration) result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("backup stream did not exit within %s\n%s", d, p.result())
	}
	return p.result()
}

// scrapeMetric reads the metrics endpoint a process announced on stderr
// ("metrics: http://ADDR/metrics") once, and returns the value of the
// sample whose line starts with series+" ".
func scrapeMetric(t *testing.T, stderr, series string) float64 {
	t.Helper()
	var url string
	for _, l := range strings.Split(stderr, "\n") {
		if u, ok := strings.CutPrefix(l, "metrics: "); ok {
			url = strings.TrimSpace(u)
		}
	}
	if url == "" {
		t.Fatalf("no metrics address on stderr:\n%s", stderr)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", l, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in the scrape:\n%s", series, body)
	return 0
}

// noSecrets fails when any secret shows in the output of r.
func noSecrets(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("a password leaked into the output\n%s", r)
		}
	}
}

// setACLUser (re)defines an ACL user with password pw and exactly perms.
func setACLUser(ctx context.Context, t *testing.T, c *redis.Client, user, pw string, perms ...string) {
	t.Helper()
	args := []any{"ACL", "SETUSER", user, "reset", "on", ">" + pw}
	for _, p := range perms {
		args = append(args, p)
	}
	if err := c.Do(ctx, args...).Err(); err != nil {
		t.Fatalf("ACL SETUSER %s: %v", user, err)
	}
}

// waitReplica runs WAIT 1 on c and fails unless one replica (the archive)
// acknowledged every write so far.
func waitReplica(ctx context.Context, t *testing.T, c *redis.Client, what string) {
	t.Helper()
	if n, err := c.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("%s: WAIT 1 = %d, %v: the archive did not acknowledge", what, n, err)
	}
}

// materialize writes the latest point of an archive as DIR/appendonlydir
// and returns DIR; it must hold the whole archive.
func materialize(t *testing.T, arcDir string) string {
	t.Helper()
	host := t.TempDir()
	pt, err := archive.Materialize(arcDir, time.Time{}, filepath.Join(host, harness.AOFDirName))
	if err != nil {
		t.Fatal(err)
	}
	if pt.Limit != "end" || pt.Base != "base-000001" || pt.Fallback != "" {
		t.Fatalf("materialize %s: %+v, want all of base-000001", arcDir, pt)
	}
	return host
}

// loadAOF starts a throwaway redis-server of the local image over a
// materialized archive (host holds appendonlydir, copied in as its data
// dir's) and returns a client once the server has loaded it.
func loadAOF(t *testing.T, host string) *redis.Client {
	t.Helper()
	d := docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := harness.EnsureImage(ctx, d, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("image: %v", err)
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: harness.ImageRef(),
			Cmd: []string{"redis-server", "--port", "6379", "--protected-mode", "no", "--dir", "/data", "--save", "",
				"--appendonly", "yes", "--appenddirname", harness.AOFDirName, "--aof-load-truncated", "no"},
			Labels:       map[string]string{harness.LabelOwner: d.Owner(), harness.LabelRun: "stream-load-" + harness.NewOwnerID()},
			ExposedPorts: []string{"6379/tcp"},
			Files: []testcontainers.ContainerFile{
				{HostFilePath: filepath.Join(host, harness.AOFDirName), ContainerFilePath: "/data/" + harness.AOFDirName, FileMode: 0o755},
			},
		},
		Started: true,
		Logger:  tclog.TestLogger(t),
	})
	t.Cleanup(func() {
		if c != nil {
			if err := c.Terminate(context.Background()); err != nil {
				t.Errorf("terminate: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatalf("start a server over the materialized archive: %v", err)
	}
	hostName, err := c.Host(ctx)
	if err != nil {
		t.Fatal(err)
	}
	port, err := c.MappedPort(ctx, "6379/tcp")
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(&redis.Options{
		Addr: net.JoinHostPort(hostName, port.Port()), DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
		MaxRetries: -1, Protocol: 2, DisableIdentity: true,
	})
	t.Cleanup(func() { rc.Close() })
	for {
		err := rc.Ping(ctx).Err()
		if err == nil {
			return rc
		}
		if st, serr := c.State(ctx); ctx.Err() != nil || (serr == nil && !st.Running) {
			logs := ""
			if r, lerr := c.Logs(context.Background()); lerr == nil {
				b, _ := io.ReadAll(r)
				logs = string(b)
			}
			t.Fatalf("the server never loaded the materialized archive: %v\n%s", err, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBackupStreamTLSACL follows a TLS-only standalone server as an ACL
// user holding only what needsStream lists. WAIT 1 confirms each round of
// writes is on the archive's disk and /metrics shows the durable offset;
// SIGINT in the middle of more writes exits 0 with a clean check, backup
// check accepts the catalog, and the archive, materialized and loaded in
// a real server, holds every acknowledged write with its value and a
// gap-free prefix of the writes that raced the Ctrl-C. A wrong password
// and a user without +psync fail with one line naming the fix.
func TestBackupStreamTLSACL(t *testing.T) {
	const pw, wrong = "Archiver-Pw-789", "Wr0ng-Guess-pw"
	p := remotetest.NewPKI(t, t.TempDir(), "127.0.0.1", "localhost")
	addr := startTLSRedis(t, p)
	admin := tlsAdmin(t, p, addr)
	ctx := context.Background()
	setACLUser(ctx, t, admin, "archiver", pw, streamPerms...)
	setACLUser(ctx, t, admin, "nopsync", pw, "+ping", "+replconf", "+info")
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	uri := "rediss://archiver@" + addr

	// Refusals: one line, exit 2, no password, nothing left to check.
	refused := t.TempDir()
	r := runCLI(t, []string{envPassword + "=" + wrong}, "backup", "stream", "-u", uri, "--cacert", p.CA, "--dest", refused)
	if r.code != exitUsage {
		t.Fatalf("wrong password: want exit 2\n%s", r)
	}
	oneErrorLine(t, r, `authentication failed for `+addr+` as user "archiver"`)
	noSecrets(t, r, pw, wrong)
	r = runCLI(t, nil, "backup", "stream", "-u", "rediss://nopsync@"+addr, "--cacert", p.CA, "--password-file", pwFile, "--dest", refused, "--for", "1s")
	if r.code != exitUsage {
		t.Fatalf("user without +psync: want exit 2\n%s", r)
	}
	oneErrorLine(t, r, `user "nopsync" may not run 'psync' on `+addr)
	oneErrorLine(t, r, needsStream)
	noSecrets(t, r, pw)
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("user without +psync: want a single stderr line\n%s", r)
	}
	t.Logf("user without +psync: %s", strings.TrimSpace(r.stderr))
	if r := runCLI(t, nil, "backup", "check", refused); r.code != exitUsage || !strings.Contains(r.stderr, "no backups in") {
		t.Errorf("a refused backup stream must leave nothing to check (want exit 2, no backups)\n%s", r)
	}

	// Before the stream: 200 keys, in its base.
	want := map[string]string{}
	set := func(k, v string) {
		t.Helper()
		if err := admin.Set(ctx, k, v, 0).Err(); err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	for i := range 200 {
		set(fmt.Sprintf("pre:%d", i), fmt.Sprintf("p%d", i))
	}

	dest := filepath.Join(t.TempDir(), "backups")
	name := archiveName(addr, -1)
	proc := startStream(t, nil, "-u", uri, "--cacert", p.CA, "--password-file", pwFile, "--dest", dest,
		"--interval", "200ms", "--metrics-addr", "127.0.0.1:0")
	proc.waitOutput(t, 30*time.Second, "following line", func(out, _ string) bool {
		return strings.Contains(out, name+": following "+addr)
	})

	// While it follows: sets, deletes, increments and a transaction, each
	// round acknowledged by the archive (WAIT 1).
	for round := range 6 {
		for i := range 50 {
			n := round*50 + i
			set(fmt.Sprintf("live:%d", n), fmt.Sprintf("v%d", n))
		}
		waitReplica(ctx, t, admin, fmt.Sprintf("round %d", round))
	}
	for i := range 20 {
		k := fmt.Sprintf("pre:%d", i)
		if err := admin.Del(ctx, k).Err(); err != nil {
			t.Fatal(err)
		}
		delete(want, k)
		if err := admin.Incr(ctx, "ctr").Err(); err != nil {
			t.Fatal(err)
		}
	}
	want["ctr"] = "20"
	if _, err := admin.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "tx:a", "A", 0)
		p.Set(ctx, "tx:b", "B", 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want["tx:a"], want["tx:b"] = "A", "B"
	waitReplica(ctx, t, admin, "deletes, increments and a transaction")

	proc.waitOutput(t, 10*time.Second, "progress line", func(out, _ string) bool {
		return strings.Contains(out, name+": connected, durable offset ")
	})
	if v := scrapeMetric(t, proc.stderr.String(), `redisdrill_archive_durable_offset{archive="`+name+`"}`); v <= 0 {
		t.Errorf("metrics: durable offset %v, want > 0", v)
	}
	if v := scrapeMetric(t, proc.stderr.String(), `redisdrill_archive_connected{archive="`+name+`"}`); v != 1 {
		t.Errorf("metrics: connected %v, want 1", v)
	}

	// Ctrl-C while a writer goes on.
	var stop atomic.Bool
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := int64(1); !stop.Load(); i++ {
			if err := admin.Set(ctx, fmt.Sprintf("tail:%d", i), i, 0).Err(); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			written.Store(i)
		}
	})
	time.Sleep(300 * time.Millisecond)
	if err := proc.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r = proc.wait(t, 30*time.Second)
	stop.Store(true)
	wg.Wait()
	t.Logf("after Ctrl-C:\n%s", r)
	if r.code != 0 || !strings.Contains(r.stdout, "ok   "+name+": durable offset ") {
		t.Fatalf("Ctrl-C: want exit 0 and a clean check of %s\n%s", name, r)
	}
	noSecrets(t, r, pw)

	r = runCLI(t, nil, "backup", "check", dest)
	if r.code != 0 || !strings.Contains(r.stdout, "ok   "+backup.StreamDir+"/"+name+" (archive: 1 bases") ||
		!strings.Contains(r.stdout, "1 backups verified") {
		t.Fatalf("backup check after Ctrl-C: want exit 0 and the archive ok\n%s", r)
	}

	// The archive, loaded by a real server: every acknowledged write, and
	// tail:1..tail:k for some k with nothing after it.
	loaded := loadAOF(t, materialize(t, filepath.Join(dest, backup.StreamDir, name)))
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	vals, err := loaded.MGet(ctx, keys...).Result()
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if vals[i] != want[k] {
			t.Errorf("loaded archive: %s = %v, want %q", k, vals[i], want[k])
		}
	}
	n := written.Load()
	tail := make([]string, n)
	for i := range tail {
		tail[i] = fmt.Sprintf("tail:%d", i+1)
	}
	var k int64
	if n > 0 {
		got, err := loaded.MGet(ctx, tail...).Result()
		if err != nil {
			t.Fatal(err)
		}
		for k < n && got[k] != nil {
			if got[k] != strconv.FormatInt(k+1, 10) {
				t.Errorf("loaded archive: tail:%d = %v", k+1, got[k])
			}
			k++
		}
		for i := k; i < n; i++ {
			if got[i] != nil {
				t.Fatalf("loaded archive holds tail:%d but not tail:%d: not a prefix of the stream", i+1, k+1)
			}
		}
	}
	size, err := loaded.DBSize(ctx).Result()
	if err != nil || size != int64(len(want))+k {
		t.Errorf("loaded archive: DBSIZE %d (%v), want %d acknowledged + %d of the tail", size, err, len(want), k)
	}
	t.Logf("loaded archive: %d acknowledged keys, tail:1..%d of %d written while Ctrl-C landed", len(want), k, n)
}

// TestBackupStreamCluster follows every primary of a 3x0 cluster with a
// password, as an ACL user holding only what needsStream lists with
// --cluster (a user without +cluster|nodes gets one line saying so), until
// --for ends: one archive per shard, each acknowledging
// its shard's writes (WAIT 1 on every primary), exit 0, backup check
// accepts the catalog, and each archive loads in a scratch server with its
// shard's key count, the three summing to every key written.
func TestBackupStreamCluster(t *testing.T) {
	const secret, pw = "Cluster-Secret-1", "Archiver-Pw-246"
	dep := start(t, harness.Topology{Kind: harness.KindCluster, Primaries: 3, Replicas: 0, NodeTimeout: 5 * time.Second,
		Persistence: harness.PersistRDB, Password: secret})
	ctx := context.Background()
	nodes := dep.Nodes()
	for _, n := range nodes {
		c := n.Client()
		setACLUser(ctx, t, c, "archiver", pw, slices.Concat(streamPerms, []string{"+cluster|nodes"})...)
		c.Close()
	}
	cc := dep.Client(harness.ClientOptions{MaxRetries: 3})
	defer cc.Close()
	write := func(prefix string, count int) {
		t.Helper()
		for i := range count {
			if err := cc.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), i, 0).Err(); err != nil {
				t.Fatalf("set: %v", err)
			}
		}
	}
	write("pre", 600)

	// Without +cluster|nodes: one line naming what to grant.
	c0 := nodes[0].Client()
	setACLUser(ctx, t, c0, "nocluster", pw, streamPerms...)
	c0.Close()
	r := runCLI(t, []string{envPassword + "=" + pw}, "backup", "stream", "--cluster", "--addr", nodes[0].Addr(), "--user", "nocluster", "--dest", t.TempDir())
	if r.code != exitUsage || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("user without +cluster: want exit 2 with one line\n%s", r)
	}
	oneErrorLine(t, r, `user "nocluster" may not run 'cluster|nodes' on `+nodes[0].Addr())
	oneErrorLine(t, r, needsStream)

	dest := t.TempDir()
	proc := startStream(t, []string{envPassword + "=" + pw}, "--cluster", "--addr", nodes[0].Addr(), "--user", "archiver",
		"--dest", dest, "--for", "5s", "--interval", "500ms")
	proc.waitOutput(t, 30*time.Second, "three following lines", func(out, _ string) bool {
		return strings.Count(out, ": following ") == 3
	})
	write("live", 600)
	for _, n := range nodes {
		c := n.Client()
		waitReplica(ctx, t, c, "primary "+n.Name())
		c.Close()
	}
	r = proc.wait(t, 30*time.Second)
	t.Logf("backup stream --cluster:\n%s", r)
	if r.code != 0 || strings.Count(r.stdout, "ok   shard-") != 3 {
		t.Fatalf("--for 5s: want exit 0 and three clean archives\n%s", r)
	}
	noSecrets(t, r, pw, secret)
	r = runCLI(t, nil, "backup", "check", dest)
	if r.code != 0 || strings.Count(r.stdout, "ok   "+backup.StreamDir+"/shard-") != 3 || !strings.Contains(r.stdout, "3 backups verified") {
		t.Fatalf("backup check: want exit 0 and three archives ok\n%s", r)
	}

	entries, err := os.ReadDir(filepath.Join(dest, backup.StreamDir))
	if err != nil || len(entries) != 3 {
		t.Fatalf("want three archives, got %v (%v)", entries, err)
	}
	var sum int64
	for _, e := range entries {
		dir := filepath.Join(dest, backup.StreamDir, e.Name())
		m, err := archive.ReadMeta(dir)
		if err != nil {
			t.Fatal(err)
		}
		var primary *harness.Node
		for _, n := range nodes {
			if n.Addr() == m.Addr {
				primary = n
			}
		}
		if primary == nil {
			t.Fatalf("archive %s followed %s, no primary of the cluster", e.Name(), m.Addr)
		}
		c := primary.Client()
		dbsize, err := c.DBSize(ctx).Result()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := nodes[0].ScratchKeys(ctx, materialize(t, dir), true)
		if err != nil || got != dbsize || got == 0 {
			t.Errorf("archive %s loaded %d keys (%v), its primary %s holds %d", e.Name(), got, err, m.Addr, dbsize)
		}
		t.Logf("archive %s: %d keys", e.Name(), got)
		sum += got
	}
	if sum != 1200 {
		t.Errorf("the archives hold %d keys in all, want 1200", sum)
	}
}
