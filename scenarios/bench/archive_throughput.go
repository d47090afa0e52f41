package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// throughput runs every variant Repeat times without then with the
// archiver (A B A B ...) on one standalone server. Only a server that
// cannot start, or a cancelled ctx, is an error; a run that fails is kept
// with its error.
func (b *archiveRunner) throughput(ctx context.Context) error {
	dep, err := b.start(ctx, archiveThroughputTopology)
	if err != nil {
		return err
	}
	defer b.terminate(ctx, dep)
	if err := b.primeBacklog(ctx, dep); err != nil {
		return err
	}
	for _, v := range throughputVariants() {
		p := v.profile
		cell := ThroughputCell{Variant: v.name, Clients: p.Clients, Rate: p.Rate, ValueSize: p.ValueSize, History: p.History}
		for i := 0; i < b.cfg.Repeat; i++ {
			for _, withArchiver := range []bool{false, true} {
				run, err := b.throughputRun(ctx, dep, p, withArchiver)
				if err != nil {
					run.Error = err.Error()
				}
				cell.Runs = append(cell.Runs, run)
				if ctx.Err() != nil {
					b.res.Throughput = append(b.res.Throughput, cell)
					return fmt.Errorf("run %s: %w", v.name, ctx.Err())
				}
				b.logRun(v.name, i, run)
			}
		}
		b.res.Throughput = append(b.res.Throughput, cell)
	}
	return nil
}

// logRun logs one throughput run.
func (b *archiveRunner) logRun(variant string, i int, run ThroughputRun) {
	attrs := []any{"variant", variant, "archiver", run.Archiver, "run", fmt.Sprintf("%d/%d", i+1, b.cfg.Repeat),
		"ops_per_sec", fmt.Sprintf("%.0f", Ratio(float64(run.OK), run.WindowMS/1000))}
	if run.Lag != nil {
		attrs = append(attrs, "lag_p99_ms", run.Lag.P99MS, "lag_bytes", run.Lag.Bytes)
	}
	if run.Error != "" {
		b.logger.Warn("throughput run failed", append(attrs, "err", run.Error)...)
		return
	}
	b.logger.Info("throughput run", attrs...)
}

// primeBacklog has one archiver connect and leave before the first run:
// the server allocates its replication backlog for its first replica and
// keeps it (repl-backlog-ttl), so every run feeds it, with the archiver
// or without.
func (b *archiveRunner) primeBacklog(ctx context.Context, dep *harness.Deployment) error {
	dir, err := os.MkdirTemp(b.env.WorkDir, "prime-archive-")
	if err != nil {
		return fmt.Errorf("create archive dir: %w", err)
	}
	defer os.RemoveAll(dir)
	arc, err := b.startArchiver(ctx, dep, dep.Primary(), dir)
	if err != nil {
		return err
	}
	if err := arc.Close(); err != nil {
		return fmt.Errorf("close archiver: %w", err)
	}
	return nil
}

// startArchiver starts a streaming archiver following n into dir; it
// returns once the archive's base is durable.
func (b *archiveRunner) startArchiver(ctx context.Context, dep *harness.Deployment, n *harness.Node, dir string) (*archive.Archiver, error) {
	arc, err := archive.Start(ctx, archive.Options{
		Addr: n.Addr(), Dir: dir, Logger: b.quiet,
		Node: backup.NodeOptions{Dial: dep.Dialer().DialContext, Password: dep.Topology.Password},
	})
	if err != nil {
		return nil, fmt.Errorf("start archiver: %w", err)
	}
	return arc, nil
}

// throughputRun resets the server, starts an archiver following it when
// withArchiver is set, drives the workload for the warm-up and the window
// and counts the ops completed in the window. The archiver's Stats are
// read as the workload stops.
func (b *archiveRunner) throughputRun(ctx context.Context, dep *harness.Deployment, p workload.Profile, withArchiver bool) (ThroughputRun, error) {
	run := ThroughputRun{Archiver: withArchiver}
	n := dep.Primary()
	if err := resetServer(ctx, dep, n); err != nil {
		return run, err
	}
	var arc *archive.Archiver
	if withArchiver {
		dir, err := os.MkdirTemp(b.env.WorkDir, "throughput-archive-")
		if err != nil {
			return run, fmt.Errorf("create archive dir: %w", err)
		}
		defer os.RemoveAll(dir)
		if arc, err = b.startArchiver(ctx, dep, n, dir); err != nil {
			return run, err
		}
		defer arc.Close()
	}
	client := dep.Client(harness.ClientOptions{})
	defer client.Close()
	begin := time.Now()
	w, err := workload.Start(ctx, client, p)
	if err != nil {
		return run, fmt.Errorf("start workload: %w", err)
	}
	from := begin.Add(b.cfg.WarmUp)
	to := from.Add(b.cfg.Duration)
	slept := harness.Sleep(ctx, time.Until(to))
	ledger := w.Stop()
	if arc != nil {
		run.Lag = lagOf(arc.Stats())
		if err := arc.Close(); err != nil {
			return run, fmt.Errorf("close archiver: %w", err)
		}
	}
	if slept != nil {
		return run, fmt.Errorf("run workload: %w", slept)
	}
	run.OK, run.NotOK = countWindow(ledger.Ops(), w.History(), from, to)
	run.WindowMS = ms(to.Sub(from))
	if run.OK == 0 {
		return run, fmt.Errorf("run workload: no op acked in the window")
	}
	return run, nil
}

// resetServer empties the server and, when it writes an AOF, rewrites it
// and waits for the rewrite: every run starts with no data and a small
// AOF, so no run inherits an automatic rewrite from the one before.
func resetServer(ctx context.Context, dep *harness.Deployment, n *harness.Node) error {
	if err := do(ctx, n, "FLUSHALL"); err != nil {
		return err
	}
	if !dep.Topology.WritesAOF() {
		return nil
	}
	c := n.Client()
	defer c.Close()
	if err := c.BgRewriteAOF(ctx).Err(); err != nil && !strings.Contains(err.Error(), "already in progress") {
		return fmt.Errorf("rewrite AOF of %s: %w", n.Name(), err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := poll(wctx, func() (bool, error) {
		info, err := n.Info(wctx, "persistence")
		if err != nil {
			return false, err
		}
		return info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0", nil
	})
	if err != nil {
		return fmt.Errorf("rewrite AOF of %s: %w", n.Name(), err)
	}
	return nil
}

// countWindow counts the ops (writes and history ops, not the final
// reads) that completed in [from, to): acked, and failed or unknown.
func countWindow(ops []workload.Op, hist []history.Op, from, to time.Time) (ok, notOK int64) {
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, op := range ops {
		if !in(op.Complete) {
			continue
		}
		if op.Outcome == workload.OK {
			ok++
		} else {
			notOK++
		}
	}
	for _, op := range hist {
		if op.Final || !in(op.Complete) {
			continue
		}
		if op.Outcome == history.OutcomeOK {
			ok++
		} else {
			notOK++
		}
	}
	return ok, notOK
}

// lagOf is the lag part of an archiver's Stats.
func lagOf(st archive.Stats) *ArchiveLag {
	return &ArchiveLag{
		P50MS: st.LagP50MS, P99MS: st.LagP99MS, MaxMS: st.LagMaxMS, Samples: st.LagSamples, Bytes: st.LagBytes,
		DurableOffset: st.DurableOffset, PrimaryOffset: st.PrimaryOffset, Reconnects: st.Reconnects, Gaps: st.Gaps,
		LastError: st.LastError,
	}
}
