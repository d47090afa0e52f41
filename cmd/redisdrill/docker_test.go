package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/reports"
)

// docker connects for one test: skips without Docker or with -short, fails
// instead when CI=true (testenv.RequireDocker).
func docker(t *testing.T) *harness.Docker {
	t.Helper()
	return testenv.RequireDocker(t)
}

func start(t *testing.T, topo harness.Topology) *harness.Deployment {
	t.Helper()
	return testenv.StartDeployment(context.Background(), t, topo)
}

func writeKeys(t *testing.T, dep *harness.Deployment, n int) {
	t.Helper()
	ctx := context.Background()
	c := dep.Client(harness.ClientOptions{MaxRetries: 3})
	defer c.Close()
	for i := range n {
		if err := c.Set(ctx, fmt.Sprintf("k:%d", i), "v", 0).Err(); err != nil {
			t.Fatalf("set: %v", err)
		}
	}
}

// TestStandaloneBackupPasswords: wrong password → exit 2 "authentication
// failed" without the password; right password → a verified backup; a
// corrupted file in the catalog → backup check exit 1 naming the backup.
func TestStandaloneBackupPasswords(t *testing.T) {
	const secret, wrong = "Sup3r-Secret-pw", "Wr0ng-Guess-pw"
	topo := harness.Topology{Kind: harness.KindStandalone, Primaries: 1, Persistence: harness.PersistRDB, Password: secret}
	dep := start(t, topo)
	writeKeys(t, dep, 500)
	addr := dep.Primary().Addr()
	dest := t.TempDir()
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"backup", "--addr", addr, "--dest", dest}, {"verify", "--addr", addr}} {
		r := runCLI(t, []string{envPassword + "=" + wrong}, args...)
		if r.code != exitUsage {
			t.Fatalf("%v with wrong password: want exit 2\n%s", args, r)
		}
		oneErrorLine(t, r, "authentication failed")
		if strings.Contains(r.stdout+r.stderr, wrong) || strings.Contains(r.stdout+r.stderr, secret) {
			t.Fatalf("a password leaked into the output\n%s", r)
		}
	}
	r := runCLI(t, nil, "verify", "--addr", addr)
	if r.code != exitUsage || !strings.Contains(r.stderr, "authentication failed") {
		t.Fatalf("no password: want exit 2 authentication failed\n%s", r)
	}

	r = runCLI(t, nil, "backup", "--addr", addr, "--password-file", pwFile, "--dest", dest)
	if r.code != 0 {
		t.Fatalf("backup: want exit 0\n%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("password leaked\n%s", r)
	}
	r = runCLI(t, []string{envPassword + "=" + secret}, "verify", "--addr", addr)
	if r.code != 0 {
		t.Fatalf("verify: want exit 0\n%s", r)
	}
	r = runCLI(t, nil, "backup", "check", dest)
	if r.code != 0 {
		t.Fatalf("backup check of a good catalog: want exit 0\n%s", r)
	}
	cat, err := backup.Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cat.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("catalog: %v, %d backups", err, len(list))
	}
	if list[0].Keys != 500 {
		t.Errorf("backup has %d keys, want 500", list[0].Keys)
	}
	rdbPath := filepath.Join(cat.Path(list[0].ID), backup.RDBFileName)
	b, err := os.ReadFile(rdbPath)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xFF
	if err := os.WriteFile(rdbPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "backup", "check", dest)
	if r.code != exitFailed || !strings.Contains(r.stdout, "FAIL "+list[0].ID) {
		t.Fatalf("corrupted catalog: want exit 1 naming %s\n%s", list[0].ID, r)
	}
	oneErrorLine(t, r, list[0].ID)
}

// TestClusterBackupAndVerify reaches a real cluster by container IP only.
func TestClusterBackupAndVerify(t *testing.T) {
	dep := start(t, rediskit.DefaultCluster())
	writeKeys(t, dep, 1000)
	addr := dep.Nodes()[0].Addr()
	r := runCLI(t, nil, "verify", "--cluster", "--addr", addr)
	if r.code != 0 || !strings.Contains(r.stdout, "split-brain") || !strings.Contains(r.stdout, "replication-link") {
		t.Fatalf("verify cluster: want exit 0 with every check\n%s", r)
	}
	dest := t.TempDir()
	r = runCLI(t, nil, "backup", "--cluster", "--addr", addr, "--dest", dest)
	if r.code != 0 {
		t.Fatalf("backup cluster: want exit 0\n%s", r)
	}
	cat, err := backup.Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cat.List()
	if err != nil {
		t.Fatal(err)
	}
	var parents, keys int64
	for _, m := range list {
		if m.Kind == backup.KindCluster {
			parents++
			keys = m.Keys
			if len(m.Children) != 3 {
				t.Errorf("cluster backup has %d shard backups, want 3", len(m.Children))
			}
		}
	}
	if parents != 1 || keys != 1000 {
		t.Fatalf("want one cluster backup holding 1000 keys, got %d backups with %d keys", parents, keys)
	}
	r = runCLI(t, nil, "backup", "check", dest)
	if r.code != 0 {
		t.Fatalf("backup check: want exit 0\n%s", r)
	}
	// A killed primary must make verify fail (exit 1), not pass.
	if err := dep.Nodes()[0].Kill(context.Background(), "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "verify", "--cluster", "--addr", dep.Nodes()[1].Addr())
	if r.code != exitFailed || !strings.Contains(r.stdout, "FAIL reachable") {
		t.Fatalf("verify after a kill: want exit 1 with a failed reachable check\n%s", r)
	}
}

func TestDrillPrimaryKillEngine(t *testing.T) {
	docker(t)
	out := t.TempDir()
	r, seen := runScraped(t, "drill", "--scenario", "primary-kill-engine", "--out", out, "--metrics-addr", "127.0.0.1:0")
	if r.code != 0 {
		t.Fatalf("drill: want exit 0\n%s", r)
	}
	// The Prometheus endpoint served the live run: traffic and shard
	// availability while it ran, the recovery's spans as it ended.
	for _, name := range []string{
		`redisdrill_scenario_running{scenario="primary-kill-engine"} 1`,
		`redisdrill_ops_total{outcome="ok",scenario="primary-kill-engine"}`,
		`redisdrill_op_latency_seconds{quantile="0.99",scenario="primary-kill-engine"}`,
		`redisdrill_shard_available{scenario="primary-kill-engine",shard="0"} 1`,
		`redisdrill_shard_available{scenario="primary-kill-engine",shard="0"} 0`,
		`redisdrill_recovery_ready_seconds{recovery="1",scenario="primary-kill-engine",strategy="promote-replica"}`,
		`redisdrill_engine_span_seconds{recovery="1",scenario="primary-kill-engine",span="promote"}`,
	} {
		if !seen(name) {
			t.Errorf("metrics: never scraped %s", name)
		}
	}
	for _, f := range []string{reports.FileJSON, reports.FileJUnit, reports.FileMarkdown, reports.FileHTML} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("report %s missing or empty: %v", f, err)
		}
	}
	run, err := reports.ReadRun(filepath.Join(out, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Scenarios) != 1 || run.Scenarios[0].Verdict.Status != reports.StatusPass {
		t.Fatalf("report: %+v", run.Scenarios)
	}
	s := run.Scenarios[0]
	fmt.Printf("drill primary-kill-engine: RTO %s, detect %s, acked lost %d of %d\n", s.RTO, s.Detect, s.Loss.Lost, s.Loss.Acked)
	if !strings.Contains(r.stdout, "ACKED LOST") || !strings.Contains(r.stdout, "[1/1] primary-kill-engine") {
		t.Errorf("summary table or progress lines missing\n%s", r)
	}
	// The evidence is where docs/concepts.md says, and audit re-derives it.
	dir := filepath.Join(out, "primary-kill-engine")
	for _, f := range []string{reports.FileLedger, reports.FileProbe, reports.FileFinalRead, reports.FileMeasurement} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("evidence %s: %v", f, err)
		}
	}
	if r := runCLI(t, nil, "audit", out); r.code != 0 || !strings.Contains(r.stdout, "agrees") {
		t.Fatalf("audit: want exit 0\n%s", r)
	}
	// Tamper with one observation: an acked SET now reads as lost.
	hideAckedSet(t, dir)
	if r := runCLI(t, nil, "audit", out); r.code != exitFailed || !strings.Contains(r.stdout, "DISAGREES") {
		t.Fatalf("audit of tampered evidence: want exit 1\n%s", r)
	}
}

// TestDrillInterruptKeepsEvidence interrupts a two-scenario drill once the
// second scenario's deployment is up: the finished scenario's report is
// written, the second is marked interrupted, the exit code is 130, and no
// container, network or volume of the run is left.
func TestDrillInterruptKeepsEvidence(t *testing.T) {
	d := docker(t)
	out := t.TempDir()
	cmd := exec.Command(binPath, "drill", "--scenario", "primary-kill-engine", "--scenario", "smoke-primary-kill-native", "--out", out)
	runID, wait := startUntil(t, cmd, "[2/2]")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := wait(2 * time.Minute)
	if code != exitInterrupted {
		t.Errorf("interrupted drill: exit %d, want %d", code, exitInterrupted)
	}
	run, err := reports.ReadRun(filepath.Join(out, reports.FileJSON))
	if err != nil {
		t.Fatalf("no report after Ctrl-C: %v", err)
	}
	if len(run.Scenarios) != 2 || run.Scenarios[0].Verdict.Status != reports.StatusPass || run.Scenarios[1].Verdict.Status != reports.StatusInterrupted {
		t.Errorf("report after Ctrl-C: %+v", run.Scenarios)
	}
	assertNothingLeft(t, d, runID)
}

// TestDrillSecondInterruptExitsAtOnce sends SIGINT twice: the drill exits
// within the bounded cleanup and leaves nothing behind.
func TestDrillSecondInterruptExitsAtOnce(t *testing.T) {
	d := docker(t)
	cmd := exec.Command(binPath, "drill", "--scenario", "smoke-primary-kill-native", "--out", t.TempDir())
	runID, wait := startUntil(t, cmd, "[1/1]")
	_ = cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(100 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	if code := wait(time.Minute); code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	t.Logf("exited %s after the second Ctrl-C", time.Since(start).Round(time.Millisecond))
	assertNothingLeft(t, d, runID)
}

// startUntil starts cmd and reads its stderr until a "deployment ready"
// line with a run id appears after stdout showed marker; it returns the
// run id and a function waiting (bounded) for the exit code.
func startUntil(t *testing.T, cmd *exec.Cmd, marker string) (string, func(time.Duration) int) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), marker) {
				once = true
				close(seen)
			}
		}
		if !once {
			close(seen)
		}
	}()
	lines := make(chan string, 1<<16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	runRe := regexp.MustCompile(`run=(\S+)`)
	var runID string
	var tail []string
	after := false
	for runID == "" {
		select {
		case <-seen:
			after = true
			seen = nil
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("never saw \"deployment ready\" with a run id after %q:\n%s", marker, strings.Join(tail, "\n"))
			}
			tail = append(tail, line)
			if m := runRe.FindStringSubmatch(line); after && m != nil && strings.Contains(line, "deployment ready") {
				runID = m[1]
			}
		}
	}
	time.Sleep(500 * time.Millisecond)
	go func() {
		for range lines {
		}
	}()
	return runID, func(limit time.Duration) int {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(limit):
			_ = cmd.Process.Kill()
			t.Fatalf("did not exit within %s of SIGINT", limit)
		}
		return cmd.ProcessState.ExitCode()
	}
}

// assertNothingLeft fails when any container, network or volume of the run
// is left (and removes them).
func assertNothingLeft(t *testing.T, d *harness.Docker, runID string) {
	t.Helper()
	ctx := context.Background()
	if cs, vs, ns := testenv.Leftovers(ctx, t, d, harness.LabelRun+"="+runID); cs+vs+ns != 0 {
		_, _ = harness.Prune(ctx, d, runID)
		t.Fatalf("run %s left %d containers, %d networks, %d volumes", runID, cs, ns, vs)
	}
}

// runScraped runs the binary with args (which must include --metrics-addr
// with port 0), scrapes the endpoint it prints every 50 ms while it runs,
// and returns its result and a function that reports whether a scraped
// line ever started with a prefix.
func runScraped(t *testing.T, args ...string) (result, func(prefix string) bool) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var stderr strings.Builder
	lines := map[string]bool{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			stderr.WriteString(line + "\n")
			mu.Unlock()
			url, ok := strings.CutPrefix(line, "metrics: ")
			if !ok {
				continue
			}
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					case <-time.After(50 * time.Millisecond):
					}
					resp, err := http.Get(url)
					if err != nil {
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					mu.Lock()
					for _, l := range strings.Split(string(body), "\n") {
						lines[l] = true
					}
					mu.Unlock()
				}
			})
		}
	})
	err = cmd.Wait()
	close(done)
	wg.Wait()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return r, func(prefix string) bool {
		mu.Lock()
		defer mu.Unlock()
		for l := range lines {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		return false
	}
}

// hideAckedSet rewrites the final-read line of one acked plain SET in the
// evidence folder dir as missing, so the audit must count one more lost
// write. It picks a SET (not an expiring SETPX, whose absence is right, nor
// a shared counter or list) so the tamper always changes the figures.
func hideAckedSet(t *testing.T, dir string) {
	t.Helper()
	ledger, err := os.ReadFile(filepath.Join(dir, reports.FileLedger))
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, line := range strings.Split(strings.TrimSpace(string(ledger)), "\n") {
		var op struct{ Key, Outcome, Type string }
		if err := json.Unmarshal([]byte(line), &op); err != nil {
			t.Fatalf("ledger line %q: %v", line, err)
		}
		if op.Outcome == "ok" && (op.Type == "" || op.Type == "set") {
			key = op.Key
			break
		}
	}
	if key == "" {
		t.Fatal("ledger holds no acked SET to tamper with")
	}
	fr := filepath.Join(dir, reports.FileFinalRead)
	data, err := os.ReadFile(fr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	hidden := false
	for i, line := range lines {
		var o struct{ Key, Field string }
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("final-read line %q: %v", line, err)
		}
		if o.Key == key && o.Field == "" {
			lines[i] = fmt.Sprintf("{\"key\":%q,\"missing\":true}", key)
			hidden = true
		}
	}
	if !hidden {
		t.Fatalf("final read has no line for acked key %q", key)
	}
	if err := os.WriteFile(fr, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
