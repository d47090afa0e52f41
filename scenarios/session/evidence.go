package session

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/reports"
)

// DirBackups is the catalog folder inside a run's evidence folder.
const DirBackups = reports.DirBackups

// Evidence is everything a run saw, on one clock: what the checker judges
// and what the evidence folder holds. Times are wall-clock (no monotonic
// reading), so figures re-derive exactly from the saved files.
type Evidence struct {
	Plan    string    `json:"plan"`
	Labels  []string  `json:"labels,omitempty"`
	Started time.Time `json:"started"`
	// T0 is the instant the first fault's first destructive action began.
	T0 time.Time `json:"t0"`
	// TReady is the first instant from which a write to every shard
	// succeeded (zero when never); Ready says whether it was seen.
	TReady time.Time `json:"t_ready,omitzero"`
	Ready  bool      `json:"ready"`
	// MeasuredUntil ends the RTO measurement — the next fault's onset, or
	// the end of the settle — and probe ticks done after it do not count:
	// t_ready is the first instant from which every probe round until then
	// succeeded on every shard.
	MeasuredUntil time.Time      `json:"measured_until,omitzero"`
	RTO           reports.Millis `json:"rto_ms"`
	// FirstFailure is the earliest failed write (its invoke) or failed
	// probe tick (its at) of the fault's outage: from the done of the last
	// probe round that succeeded on every shard before t0 (from the start
	// when none did); ClientOutage = TReady − FirstFailure.
	FirstFailure time.Time      `json:"first_failure,omitzero"`
	ClientOutage reports.Millis `json:"client_outage_ms"`
	// FailedBeforeFault counts writes invoked before t0 that did not
	// succeed: a disturbance before the fault (or a late t0).
	FailedBeforeFault int `json:"failed_before_fault"`
	// Detect is the engine's detection instant of the first recovery.
	Detect reports.Millis `json:"detect_ms"`
	// DetectMode is the engine's detection mode, auto or probe (empty when
	// Redis recovers by itself).
	DetectMode       detect.Mode `json:"detect_mode,omitempty"`
	Acked            int         `json:"acked"`
	AckedBeforeFault int         `json:"acked_before_fault"`
	// FinalRead is the final read's classification; FinalReadDone says it
	// ran. It does not run when the deployment never became ready after
	// heal (NotReadyAfterHeal) — such a run is invalid.
	FinalRead         workload.Check `json:"final_read"`
	FinalReadDone     bool           `json:"final_read_done"`
	FinalReadError    string         `json:"final_read_error,omitempty"`
	NotReadyAfterHeal string         `json:"not_ready_after_heal,omitempty"`

	Faults     []fault.Record     `json:"faults"`
	Steps      []StepRecord       `json:"steps,omitempty"`
	Recoveries []*recovery.Report `json:"recoveries,omitempty"`
	// Fences is every fence the engine set, with what became of each node.
	Fences []recovery.Fence `json:"fences,omitempty"`
	// Watch is the split-brain watcher's record: how many polls, and every
	// confirmed violation (watch.jsonl holds every view change too).
	Watch Watch `json:"watch"`
	// Readmit lists fenced nodes that could not be readmitted safely.
	Readmit []string `json:"readmit,omitempty"`
	// Archives is what each streaming archiver did (EngineSpec.Archive).
	Archives []ArchiveRecord `json:"archives,omitempty"`
	// Catalog is every backup in the run's catalog, verified after the run.
	Catalog         []CatalogEntry `json:"catalog,omitempty"`
	CorruptedBackup string         `json:"corrupted_backup,omitempty"`
	// CorruptedSegment is the archive segment damaged on purpose.
	CorruptedSegment *CorruptedSegment `json:"corrupted_segment,omitempty"`
	// PrimariesBefore/After name each shard's primary before the first
	// fault and after the run (native failover shows as a change).
	PrimariesBefore []string `json:"primaries_before,omitempty"`
	PrimariesAfter  []string `json:"primaries_after,omitempty"`

	Thresholds  reports.Thresholds `json:"thresholds"`
	Interrupted bool               `json:"interrupted,omitempty"`
	Error       string             `json:"error,omitempty"`
	// Audit lists where the independent re-computation disagreed with
	// these figures (empty when it agreed).
	Audit []string `json:"audit,omitempty"`

	// History is every op on the keys the clients share (history.jsonl),
	// the final reads last; HistoryCheck is what the checker found in it
	// (nil when the workload made no history ops).
	History      []history.Op    `json:"-"`
	HistoryCheck *history.Result `json:"history,omitempty"`

	Ledger *workload.Ledger `json:"-"`
	Ticks  []workload.Tick  `json:"-"`
	// PointInTimeTarget is the roll-back target of point-in-time.
	PointInTimeBefore time.Duration `json:"point_in_time_before,omitempty"`
}

// CatalogEntry is one backup of the run's catalog and whether it verifies.
type CatalogEntry struct {
	ID       string      `json:"id"`
	Kind     backup.Kind `json:"kind"`
	Node     string      `json:"node,omitempty"`
	Shard    *int        `json:"shard,omitempty"`
	Parent   string      `json:"parent,omitempty"`
	Time     time.Time   `json:"time"`
	Verified bool        `json:"verified"`
	Problems []string    `json:"problems,omitempty"`
	// Note is the backup's own note (an archive point's says what it
	// holds and where it stopped).
	Note string `json:"note,omitempty"`
	// ReplOffset is the replication offset the backup holds everything up
	// to (an archive point's cut; -1 or 0 when unknown).
	ReplOffset int64 `json:"repl_offset,omitempty"`
}

// derive computes the figures from the raw pieces (ledger, ticks, clock).
func (ev *Evidence) derive() {
	var counted []workload.Tick
	for _, t := range ev.Ticks {
		if !t.Done.IsZero() && !t.Done.After(ev.MeasuredUntil) {
			counted = append(counted, t)
		}
	}
	ev.TReady = time.Time{}
	if !ev.T0.IsZero() {
		if t, ok := workload.ReadyAfter(counted, ev.T0); ok {
			ev.TReady = t.Round(0)
		}
	}
	ev.Ready = !ev.TReady.IsZero()
	if ev.Ready && !ev.T0.IsZero() {
		ev.RTO = reports.Millis(ev.TReady.Sub(ev.T0))
	}
	if ev.Ledger != nil {
		ev.Acked = ev.Ledger.Counts().OK
		if !ev.T0.IsZero() {
			ev.AckedBeforeFault = ev.Ledger.AckedBefore(ev.T0)
		}
	}
	// The outage the fault caused begins after the last probe round that
	// succeeded on every shard before t0: a failure before that round
	// (a slow first write while the clients connect, say) was a separate
	// disturbance, counted in FailedBeforeFault but not in the outage.
	since := outageSince(counted, ev.T0)
	if ev.Ledger != nil {
		for _, op := range ev.Ledger.Ops() {
			if op.Outcome == workload.OK {
				continue
			}
			if !ev.T0.IsZero() && op.Invoke.Before(ev.T0) {
				ev.FailedBeforeFault++
			}
			if op.Invoke.Before(since) {
				continue
			}
			if ev.FirstFailure.IsZero() || op.Invoke.Before(ev.FirstFailure) {
				ev.FirstFailure = op.Invoke
			}
		}
	}
	for _, t := range counted {
		// Only ticks that finished within the measurement count (one still
		// in flight when the prober stopped is not a failure).
		if !t.OK && !t.At.Before(since) && (ev.FirstFailure.IsZero() || t.At.Before(ev.FirstFailure)) {
			ev.FirstFailure = t.At
		}
	}
	ev.FirstFailure = ev.FirstFailure.Round(0)
	if ev.Ready && !ev.FirstFailure.IsZero() && ev.FirstFailure.Before(ev.TReady) {
		ev.ClientOutage = reports.Millis(ev.TReady.Sub(ev.FirstFailure))
	}
	if len(ev.Recoveries) > 0 && !ev.Recoveries[0].DetectedAt.IsZero() && !ev.T0.IsZero() {
		ev.Detect = reports.Millis(ev.Recoveries[0].DetectedAt.Sub(ev.T0))
	}
}

// restored is the catalog entry of the backup the first recovery says it
// restored (ok false when it restored none).
func (ev *Evidence) restored() (CatalogEntry, bool) {
	if len(ev.Recoveries) == 0 || ev.Recoveries[0].BackupID == "" {
		return CatalogEntry{}, false
	}
	for _, e := range ev.Catalog {
		if e.ID == ev.Recoveries[0].BackupID {
			return e, true
		}
	}
	return CatalogEntry{ID: ev.Recoveries[0].BackupID}, true
}

// newestVerified is the newest backup that verifies with the same kind and
// scope (shard, or node, or the whole cluster) as e.
func (ev *Evidence) newestVerified(e CatalogEntry) (CatalogEntry, bool) {
	var best CatalogEntry
	found := false
	for _, c := range ev.Catalog {
		if !c.Verified || c.Kind != e.Kind || !sameScope(c, e) {
			continue
		}
		if !found || c.Time.After(best.Time) {
			best, found = c, true
		}
	}
	return best, found
}

func sameScope(a, b CatalogEntry) bool {
	switch {
	case a.Kind == backup.KindCluster:
		return true
	case a.Shard != nil && b.Shard != nil:
		return *a.Shard == *b.Shard
	default:
		return a.Node == b.Node
	}
}

// catalogState lists and verifies every backup of the catalog.
func catalogState(cat *backup.Catalog) []CatalogEntry {
	list, err := cat.List()
	if err != nil {
		return nil
	}
	out := make([]CatalogEntry, 0, len(list))
	for _, m := range list {
		e := CatalogEntry{ID: m.ID, Kind: m.Kind, Node: m.Node, Shard: m.Shard, Parent: m.Parent, Time: m.Time, Note: m.Note, ReplOffset: m.ReplOffset}
		rep, err := cat.Verify(m.ID)
		switch {
		case err != nil:
			e.Problems = []string{err.Error()}
		default:
			e.Verified, e.Problems = rep.OK, rep.Problems
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// corruptNewestBackup flips one byte in the middle of the RDB of the newest
// live-RDB backup of shard in the catalog and returns its id: drills use it
// to show that a backup failing verification is skipped for an older one.
func corruptNewestBackup(cat *backup.Catalog, shard int) (string, error) {
	list, err := cat.List()
	if err != nil {
		return "", fmt.Errorf("list backups: %w", err)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Time.After(list[j].Time) })
	for _, m := range list {
		if m.Kind != backup.KindLiveRDB || m.Shard == nil || *m.Shard != shard {
			continue
		}
		p := filepath.Join(cat.Path(m.ID), backup.RDBFileName)
		data, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read backup rdb: %w", err)
		}
		if len(data) < 16 {
			return "", fmt.Errorf("corrupt backup %s: rdb of %d bytes is too small", m.ID, len(data))
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", fmt.Errorf("corrupt backup %s: %w", m.ID, err)
		}
		return m.ID, nil
	}
	return "", fmt.Errorf("corrupt newest backup: no live-rdb backup of shard %d in %s", shard, cat.Dir())
}

// outageSince is where the fault's client-visible outage may begin: the
// done of the last counted probe round before t0 that succeeded on every
// shard (zero when none did, or t0 is unknown).
func outageSince(counted []workload.Tick, t0 time.Time) time.Time {
	var since time.Time
	if t0.IsZero() {
		return since
	}
	for _, t := range counted {
		if t.OK && t.Done.Before(t0) && t.Done.After(since) {
			since = t.Done
		}
	}
	return since
}
