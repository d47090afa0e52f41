package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/reports"
)

// ArchiveRecord is what one streaming archiver did in a run: where its
// archive is, how far behind the primary it ran, and whether its archive
// checks clean after the run.
type ArchiveRecord struct {
	Shard int `json:"shard"`
	// Dir is the archive's folder, relative to the evidence folder.
	Dir        string `json:"dir"`
	Addr       string `json:"addr"`
	Durable    int64  `json:"durable_offset"`
	Bases      int    `json:"bases"`
	Segments   int    `json:"segments"`
	Gaps       int    `json:"gaps"`
	Reconnects int    `json:"reconnects"`
	// LagFile is the archiver's lag log (one measurement per line, see
	// reports.ReadArchiveLag), relative to the evidence folder.
	LagFile string `json:"lag_file"`
	// LagP50MS, LagP99MS and LagMaxMS are how long the primary's offset
	// took to become durable in the archive (ms), nearest-rank over
	// LagFile; LagBytes the last lag in bytes.
	LagSamples int     `json:"lag_samples"`
	LagP50MS   float64 `json:"lag_p50_ms"`
	LagP99MS   float64 `json:"lag_p99_ms"`
	LagMaxMS   float64 `json:"lag_max_ms"`
	LagBytes   int64   `json:"lag_bytes"`
	// CheckOK says archive.Check found every base and segment sound;
	// Problems lists what it found otherwise.
	CheckOK   bool     `json:"check_ok"`
	Problems  []string `json:"problems,omitempty"`
	LastError string   `json:"last_error,omitempty"`
}

// lagSuffix names an archive's lag log beside its folder.
const lagSuffix = ".lag"

// readLagFile summarizes a lag log (reports.ReadArchiveLag).
func readLagFile(p string) (reports.ArchiveLag, error) {
	f, err := os.Open(p)
	if err != nil {
		return reports.ArchiveLag{}, fmt.Errorf("read lag log: %w", err)
	}
	defer f.Close()
	return reports.ReadArchiveLag(f)
}

// archivers is one streaming archiver per shard primary.
type archivers struct {
	cancel context.CancelFunc
	shards []int
	addrs  []string // the primary each archiver follows
	dirs   map[int]string
	list   []*archive.Archiver
	lags   []*os.File // each archiver's lag log
	root   string
}

// startArchivers starts a streaming archiver following every shard's
// primary (the primary of a deployment that is not a cluster as shard 0),
// each into the run catalog's stream folder (backups/stream/shard-<k>). They run until stop.
func startArchivers(ctx context.Context, dep deploy.Deployment, evidenceDir string, logger *slog.Logger) (*archivers, error) {
	type target struct {
		shard int
		addr  string
	}
	var targets []target
	if dep.Topology().Kind == harness.KindCluster {
		shards, err := dep.Shards(ctx, dep.Nodes()[0])
		if err != nil {
			return nil, fmt.Errorf("start archivers: %w", err)
		}
		for _, s := range shards {
			if s.Primary == nil {
				return nil, fmt.Errorf("start archivers: shard %d has no known primary", s.Index)
			}
			targets = append(targets, target{s.Index, s.Primary.Addr()})
		}
	} else {
		targets = append(targets, target{0, dep.Primary().Addr()})
	}
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &archivers{cancel: cancel, dirs: map[int]string{}, root: evidenceDir}
	for _, t := range targets {
		dir := filepath.Join(evidenceDir, DirBackups, backup.StreamDir, fmt.Sprintf("shard-%d", t.shard))
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			a.stop()
			return nil, fmt.Errorf("start archiver of shard %d: %w", t.shard, err)
		}
		lag, err := os.Create(dir + lagSuffix)
		if err != nil {
			a.stop()
			return nil, fmt.Errorf("start archiver of shard %d: %w", t.shard, err)
		}
		arc, err := archive.Start(actx, archive.Options{
			Addr: t.addr, Dir: dir, Logger: logger.With("archive", t.shard), LagLog: lag,
			Node: backup.NodeOptions{Dial: dep.Dial, Password: dep.Topology().Password},
		})
		if err != nil {
			lag.Close()
			a.stop()
			return nil, fmt.Errorf("start archiver of shard %d: %w", t.shard, err)
		}
		a.lags = append(a.lags, lag)
		a.list = append(a.list, arc)
		a.shards = append(a.shards, t.shard)
		a.addrs = append(a.addrs, t.addr)
		a.dirs[t.shard] = dir
	}
	return a, nil
}

// refollow points each archiver at its shard's primary as the deployment
// now sees it (after a recovery moved a shard to another node): the
// archiver continues with PSYNC, which gives a new base when the new
// primary has another history.
func (a *archivers) refollow(ctx context.Context, dep deploy.Deployment) {
	if a == nil || dep.Topology().Kind != harness.KindCluster {
		return
	}
	var shards []deploy.Shard
	for _, n := range dep.Nodes() {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		view, err := dep.Shards(cctx, n)
		cancel()
		if err == nil {
			shards = view
			break
		}
	}
	for i, k := range a.shards {
		for _, s := range shards {
			if s.Index == k && s.Primary != nil && s.Primary.Addr() != a.addrs[i] {
				a.addrs[i] = s.Primary.Addr()
				a.list[i].Follow(a.addrs[i])
			}
		}
	}
}

// stop closes every archiver, checks every archive and returns their
// records (nil for a nil a).
func (a *archivers) stop() []ArchiveRecord {
	if a == nil {
		return nil
	}
	var out []ArchiveRecord
	var errs []error
	for i, arc := range a.list {
		errs = append(errs, arc.Close(), a.lags[i].Close())
		st := arc.Stats()
		dir := a.dirs[a.shards[i]]
		rel, _ := filepath.Rel(a.root, dir)
		r := ArchiveRecord{
			Shard: a.shards[i], Dir: filepath.ToSlash(rel), LagFile: filepath.ToSlash(rel) + lagSuffix,
			Addr: st.Addr, Durable: st.DurableOffset,
			Bases: st.Bases, Segments: st.Segments, Gaps: st.Gaps, Reconnects: st.Reconnects,
			LagBytes: st.LagBytes, LastError: st.LastError,
		}
		if lag, err := readLagFile(dir + lagSuffix); err != nil {
			r.Problems = append(r.Problems, err.Error())
		} else {
			r.LagSamples, r.LagP50MS, r.LagP99MS, r.LagMaxMS = lag.Samples, lag.P50MS, lag.P99MS, lag.MaxMS
		}
		rep, err := archive.Check(dir)
		switch {
		case err != nil:
			r.Problems = append(r.Problems, err.Error())
		default:
			r.CheckOK, r.Problems = rep.OK && len(r.Problems) == 0, append(r.Problems, rep.Problems...)
		}
		out = append(out, r)
	}
	a.cancel()
	if err := errors.Join(errs...); err != nil {
		slog.Warn("close archivers", "err", err)
	}
	return out
}
