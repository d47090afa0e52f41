package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// Figures are a run's figures recomputed from its evidence folder.
type Figures struct {
	T0, TReady time.Time
	Ready      bool
	RTO        time.Duration // TReady − T0 (0 when not ready)

	Acked            int // ops with outcome ok
	AckedBeforeFault int // ok ops whose complete < T0

	// Lost counts acked ops whose key is missing (LostMissing) or holds
	// another tag (LostWrongValue) at the final read.
	Lost, LostMissing, LostWrongValue int
	// Recovered counts fail/unknown ops whose key holds any value.
	Recovered int
	// CounterBackwards counts acked INCRs whose counter reads below their
	// reply (also in Lost); ExpiredReturned counts keys written with a TTL
	// that were read back after they must have expired (not in Lost).
	CounterBackwards, ExpiredReturned int

	OldestLost time.Time // complete time of the oldest lost acked op (zero if none)
	LostKeys   []string  // every lost key, sorted
	// LostWrites lists every lost acked write, oldest acknowledgement
	// first (nil when none was lost).
	LostWrites []LostWrite

	// FirstFailure is the earliest invoke of a fail/unknown op or at of a
	// counted probe tick that failed, from the done of the last counted
	// tick before T0 that succeeded (zero if none).
	FirstFailure time.Time
	// ClientOutage is TReady − FirstFailure (0 when no failure or not
	// ready; negative when the first failure came after TReady).
	ClientOutage time.Duration

	// Detected reports whether measurement.json dates a detection by the
	// engine (its first recovery's detected_at); Detect is that instant
	// − T0, clamped at 0.
	Detected bool
	Detect   time.Duration

	// Violations counts the write-safety violations the split-brain
	// watcher recorded (watch.jsonl lines with a kind); -1 when the run has
	// no watch.jsonl (evidence from before the watcher). ViolationTexts
	// says each as "kind at HH:MM:SS.mmm: detail".
	Violations     int
	ViolationTexts []string
}

// LostWrite is one acknowledged write the final read did not find.
type LostWrite struct {
	Key, Field string
	Acked      time.Time // the op's complete time
}

// Recompute reads the evidence folder dir and recomputes its figures.
func Recompute(dir string) (Figures, error) {
	var f Figures
	clk, err := readClock(filepath.Join(dir, reports.FileMeasurement))
	if err != nil {
		return f, err
	}
	ops, err := readLines(filepath.Join(dir, reports.FileLedger), "ledger", checkOp)
	if err != nil {
		return f, err
	}
	ticks, err := readLines(filepath.Join(dir, reports.FileProbe), "probe", checkTick)
	if err != nil {
		return f, err
	}
	obs, err := readLines(filepath.Join(dir, reports.FileFinalRead), "final read", checkObservation)
	if err != nil {
		return f, err
	}
	found := make(map[string]observation, len(obs))
	for i, o := range obs {
		id := o.Key + "\x00" + o.Field
		if _, dup := found[id]; dup {
			return f, fmt.Errorf("read final read: line %d: key %q field %q observed twice", i+1, o.Key, o.Field)
		}
		found[id] = o
	}

	f.T0 = clk.T0
	counted := countedTicks(ticks, clk.MeasuredUntil)
	f.TReady, f.Ready = readyAt(counted, clk.T0)
	if f.Ready {
		f.RTO = f.TReady.Sub(f.T0)
	}
	if len(clk.Recoveries) > 0 && !clk.Recoveries[0].DetectedAt.IsZero() {
		f.Detected, f.Detect = true, max(clk.Recoveries[0].DetectedAt.Sub(f.T0), 0)
	}

	since := outageSince(counted, f.T0)
	for _, op := range ops {
		if op.Outcome != "ok" && !op.Invoke.Before(since) {
			f.FirstFailure = earliest(f.FirstFailure, op.Invoke)
		}
		o, ok := found[op.Key+"\x00"+memberOf(op)]
		if !ok {
			return f, fmt.Errorf("final read has no line for key %q field %q of the ledger: evidence incomplete", op.Key, memberOf(op))
		}
		f.count(op, o)
	}
	f.sortLost()

	for _, t := range counted {
		if !t.OK && !t.At.Before(since) {
			f.FirstFailure = earliest(f.FirstFailure, t.At)
		}
	}
	if f.Ready && !f.FirstFailure.IsZero() {
		f.ClientOutage = f.TReady.Sub(f.FirstFailure)
	}
	return f, f.readWatch(filepath.Join(dir, reports.FileWatch))
}

// count adds one ledger op, read back as o, to the figures.
func (f *Figures) count(op ledgerOp, o observation) {
	switch op.Type {
	case "incr":
		// An acked INCR that returned n is kept when the counter reads
		// at least n; one not acked cannot be judged alone.
		if op.Outcome != "ok" {
			return
		}
		f.ack(op)
		if !o.Missing && o.Counter >= op.Counter {
			return
		}
		f.CounterBackwards++
		f.lose(op, o.Missing)
		return
	case "setpx":
		ttl := time.Duration(op.TTLMS) * time.Millisecond
		if op.Outcome == "ok" && o.ReadStart.After(op.Complete.Add(ttl)) {
			// Read after it must have expired: present is a key come
			// back, missing is right; neither is a write.
			if !o.Missing && o.Tag == op.Tag {
				f.ExpiredReturned++
			}
			f.ack(op)
			return
		}
		if !o.ReadDone.Before(op.Invoke.Add(ttl)) && (o.Missing || o.Tag != op.Tag) {
			// It may have expired while it was read: not a loss.
			if op.Outcome == "ok" {
				f.ack(op)
			}
			return
		}
	}
	if op.Outcome != "ok" {
		if !o.Missing {
			f.Recovered++
		}
		return
	}
	f.ack(op)
	if o.Missing || o.Tag != op.Tag {
		f.lose(op, o.Missing)
	}
}

func (f *Figures) ack(op ledgerOp) {
	f.Acked++
	if op.Complete.Before(f.T0) {
		f.AckedBeforeFault++
	}
}

func (f *Figures) lose(op ledgerOp, missing bool) {
	if missing {
		f.LostMissing++
	} else {
		f.LostWrongValue++
	}
	f.Lost++
	f.OldestLost = earliest(f.OldestLost, op.Complete)
	f.LostWrites = append(f.LostWrites, LostWrite{Key: op.Key, Field: memberOf(op), Acked: op.Complete})
}

// sortLost orders LostWrites oldest first and fills LostKeys.
func (f *Figures) sortLost() {
	sort.SliceStable(f.LostWrites, func(i, j int) bool { return f.LostWrites[i].Acked.Before(f.LostWrites[j].Acked) })
	seen := map[string]bool{}
	for _, w := range f.LostWrites {
		if !seen[w.Key] {
			seen[w.Key] = true
			f.LostKeys = append(f.LostKeys, w.Key)
		}
	}
	sort.Strings(f.LostKeys)
}

// readWatch counts the violations of watch.jsonl at path; Violations
// stays -1 when the run has no such file.
func (f *Figures) readWatch(path string) error {
	f.Violations = -1
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	lines, err := readLines(path, "watch", checkWatch)
	if err != nil {
		return err
	}
	f.Violations = 0
	for _, l := range lines {
		if l.Kind != "" {
			f.Violations++
			f.ViolationTexts = append(f.ViolationTexts, fmt.Sprintf("%s at %s: %s", l.Kind, l.At.Format("15:04:05.000"), l.Detail))
		}
	}
	return nil
}

// memberOf is what names op inside its key in the final read: the hash
// field of an HSET, the tag of an RPUSH or XADD, nothing for a whole key.
func memberOf(op ledgerOp) string {
	switch op.Type {
	case "hset":
		return op.Field
	case "rpush", "xadd":
		return op.Tag
	}
	return ""
}
