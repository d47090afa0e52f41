// Package audit recomputes a run's headline figures (RTO, acked writes,
// data loss, client-visible outage) from the raw files of its evidence
// folder: the ledger, the probe ticks, the final-read observations and the
// t0 / measured_until instants of measurement.json.
//
// It deliberately shares no code with the live path: every figure must be
// re-derivable from the evidence files by a small function that shares no
// code with the path that computed it live. It imports neither
// harness/workload nor scenarios, recovery or harness: it has its own
// minimal structs for the JSON lines, parses them with encoding/json, and
// writes the t_ready rule and the loss rule again from their documented
// definitions. A bug in the live path's readers, its tag parsing or its
// ready rule therefore cannot hide in both places at once; when Compare
// reports a mismatch, one of the two is wrong.
// The only import from this module is reports, for the evidence file names.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package audit

import (
	"bufio"
	"encoding/json"
	"errors"
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

	// FirstFailure is the earliest invoke of a fail/unknown op or at of a
	// counted probe tick that failed, from the done of the last counted
	// tick before T0 that succeeded (zero if none).
	FirstFailure time.Time
	// ClientOutage is TReady − FirstFailure (0 when no failure or not
	// ready; negative when the first failure came after TReady).
	ClientOutage time.Duration

	// Violations counts the write-safety violations the split-brain
	// watcher recorded (watch.jsonl lines with a kind); -1 when the run has
	// no watch.jsonl (evidence from before the watcher).
	Violations int
}

// The evidence lines, as much of them as the audit needs.
type (
	ledgerOp struct {
		Key      string    `json:"key"`
		Tag      string    `json:"tag"`
		Invoke   time.Time `json:"invoke"`
		Complete time.Time `json:"complete"`
		Outcome  string    `json:"outcome"`
		Type     string    `json:"type"`
		Field    string    `json:"field"`
		Counter  int64     `json:"counter"`
		TTLMS    int64     `json:"ttl_ms"`
	}
	probeTick struct {
		Seq  int64     `json:"seq"`
		At   time.Time `json:"at"`
		Done time.Time `json:"done"`
		OK   bool      `json:"ok"`
	}
	observation struct {
		Key       string    `json:"key"`
		Tag       string    `json:"tag"`
		Missing   bool      `json:"missing"`
		Field     string    `json:"field"`
		Counter   int64     `json:"counter"`
		ReadStart time.Time `json:"read_start"`
		ReadDone  time.Time `json:"read_done"`
	}
	clock struct {
		T0            time.Time `json:"t0"`
		MeasuredUntil time.Time `json:"measured_until"`
	}
	watchLine struct {
		At   time.Time `json:"at"`
		Node string    `json:"node"`
		Kind string    `json:"kind"`
	}
)

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

	// The fault's outage begins after the last all-shard probe success
	// before t0 (README, "Client-visible outage").
	var since time.Time
	for _, t := range counted {
		if t.OK && t.Done.Before(f.T0) && t.Done.After(since) {
			since = t.Done
		}
	}
	lostKeys := map[string]bool{}
	for _, op := range ops {
		if op.Outcome != "ok" && !op.Invoke.Before(since) {
			f.FirstFailure = earliest(f.FirstFailure, op.Invoke)
		}
		o, ok := found[op.Key+"\x00"+memberOf(op)]
		if !ok {
			return f, fmt.Errorf("final read has no line for key %q field %q of the ledger: evidence incomplete", op.Key, memberOf(op))
		}
		if op.Type == "incr" {
			// An acked INCR that returned n is kept when the counter reads
			// at least n; one not acked cannot be judged alone.
			if op.Outcome != "ok" {
				continue
			}
			f.Acked++
			if op.Complete.Before(f.T0) {
				f.AckedBeforeFault++
			}
			if !o.Missing && o.Counter >= op.Counter {
				continue
			}
			f.CounterBackwards++
			if o.Missing {
				f.LostMissing++
			} else {
				f.LostWrongValue++
			}
			f.Lost++
			lostKeys[op.Key] = true
			f.OldestLost = earliest(f.OldestLost, op.Complete)
			continue
		}
		if op.Type == "setpx" {
			ttl := time.Duration(op.TTLMS) * time.Millisecond
			if op.Outcome == "ok" && o.ReadStart.After(op.Complete.Add(ttl)) {
				// Read after it must have expired: present is a key come
				// back, missing is right; neither is a write.
				if !o.Missing && o.Tag == op.Tag {
					f.ExpiredReturned++
				}
				if op.Outcome == "ok" {
					f.Acked++
					if op.Complete.Before(f.T0) {
						f.AckedBeforeFault++
					}
				}
				continue
			}
			if !o.ReadDone.Before(op.Invoke.Add(ttl)) && (o.Missing || o.Tag != op.Tag) {
				// It may have expired while it was read: not a loss.
				if op.Outcome == "ok" {
					f.Acked++
					if op.Complete.Before(f.T0) {
						f.AckedBeforeFault++
					}
				}
				continue
			}
		}
		if op.Outcome != "ok" {
			if !o.Missing {
				f.Recovered++
			}
			continue
		}
		f.Acked++
		if op.Complete.Before(f.T0) {
			f.AckedBeforeFault++
		}
		switch {
		case o.Missing:
			f.LostMissing++
		case o.Tag != op.Tag:
			f.LostWrongValue++
		default:
			continue
		}
		f.Lost++
		lostKeys[op.Key] = true
		f.OldestLost = earliest(f.OldestLost, op.Complete)
	}
	for k := range lostKeys {
		f.LostKeys = append(f.LostKeys, k)
	}
	sort.Strings(f.LostKeys)

	for _, t := range counted {
		if !t.OK && !t.At.Before(since) {
			f.FirstFailure = earliest(f.FirstFailure, t.At)
		}
	}
	if f.Ready && !f.FirstFailure.IsZero() {
		f.ClientOutage = f.TReady.Sub(f.FirstFailure)
	}
	f.Violations = -1
	watchPath := filepath.Join(dir, reports.FileWatch)
	if _, err := os.Stat(watchPath); err == nil {
		lines, err := readLines(watchPath, "watch", checkWatch)
		if err != nil {
			return f, err
		}
		f.Violations = 0
		for _, l := range lines {
			if l.Kind != "" {
				f.Violations++
			}
		}
	}
	return f, nil
}

func checkWatch(l watchLine) error {
	if l.At.IsZero() {
		return errors.New("watch line without at")
	}
	return nil
}

// countedTicks keeps the ticks that finished by measuredUntil, ordered by seq.
func countedTicks(ticks []probeTick, measuredUntil time.Time) []probeTick {
	var out []probeTick
	for _, t := range ticks {
		if !t.Done.IsZero() && !t.Done.After(measuredUntil) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// readyAt applies the t_ready rule: among the ticks from the first one sent
// at or after t0, ready is the done of the tick following the last failure
// (or of that first tick when none failed); never ready when no tick was
// sent after t0 or the last tick failed.
func readyAt(ticks []probeTick, t0 time.Time) (time.Time, bool) {
	if len(ticks) == 0 || !ticks[len(ticks)-1].OK {
		return time.Time{}, false
	}
	from := -1
	for i, t := range ticks {
		if !t.At.Before(t0) {
			from = i
			break
		}
	}
	if from < 0 {
		return time.Time{}, false
	}
	lastFail := -1
	for i := from; i < len(ticks); i++ {
		if !ticks[i].OK {
			lastFail = i
		}
	}
	if lastFail < 0 {
		return ticks[from].Done, true
	}
	return ticks[lastFail+1].Done, true // exists: the last tick is ok
}

func earliest(cur, t time.Time) time.Time {
	if cur.IsZero() || t.Before(cur) {
		return t
	}
	return cur
}

func readClock(path string) (clock, error) {
	var c clock
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read measurement: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("read measurement: %s: %w", path, err)
	}
	switch {
	case c.T0.IsZero():
		return c, fmt.Errorf("read measurement: %s: no t0", path)
	case c.MeasuredUntil.IsZero():
		return c, fmt.Errorf("read measurement: %s: no measured_until", path)
	}
	return c, nil
}

func checkOp(op ledgerOp) error {
	if op.Key == "" {
		return errors.New("op has no key")
	}
	switch op.Outcome {
	case "ok", "fail", "unknown":
	default:
		return fmt.Errorf("op %q has outcome %q", op.Key, op.Outcome)
	}
	if op.Invoke.IsZero() {
		return fmt.Errorf("op %q has no invoke time", op.Key)
	}
	if op.Outcome == "ok" && op.Complete.IsZero() {
		return fmt.Errorf("acked op %q has no complete time", op.Key)
	}
	return nil
}

func checkTick(t probeTick) error {
	if t.At.IsZero() {
		return fmt.Errorf("tick %d has no time", t.Seq)
	}
	return nil
}

func checkObservation(o observation) error {
	if o.Key == "" {
		return errors.New("observation has no key")
	}
	if o.Missing && o.Tag != "" {
		return fmt.Errorf("key %q is missing but has tag %q", o.Key, o.Tag)
	}
	return nil
}

// readLines parses one JSON object per line of path (blank lines skipped).
// Errors read "read <what>: line N: ...".
func readLines[T any](path, what string, check func(T) error) ([]T, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var out []T
	n := 0
	for sc.Scan() {
		n++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var it T
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("read %s: line %d: %w", what, n, err)
		}
		if err := check(it); err != nil {
			return nil, fmt.Errorf("read %s: line %d: %w", what, n, err)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: line %d: %w", what, n+1, err)
	}
	return out, nil
}

// CompareSafety reports a disagreement between the write-safety violations
// a report lists and those in watch.jsonl (nil when they agree or the run
// has no watch file).
func (f Figures) CompareSafety(reported int) []string {
	if f.Violations < 0 || f.Violations == reported {
		return nil
	}
	return []string{fmt.Sprintf("write-safety violations: reported %d, watch.jsonl has %d", reported, f.Violations)}
}

// Compare lists every reported figure that disagrees with the recomputed
// one (nil when all agree). Reported RTOs are whole milliseconds, so both
// RTOs are truncated to the millisecond before comparing; RTO is compared
// only when both sides say the run became ready.
func (f Figures) Compare(rto time.Duration, ready bool, acked, ackedBeforeFault, lost int) []string {
	var out []string
	if ready != f.Ready {
		out = append(out, fmt.Sprintf("ready: reported %t, recomputed %t", ready, f.Ready))
	} else if ready {
		got, want := rto.Truncate(time.Millisecond), f.RTO.Truncate(time.Millisecond)
		if got != want {
			out = append(out, fmt.Sprintf("rto: reported %v, recomputed %v", got, want))
		}
	}
	ints := []struct {
		name      string
		rep, have int
	}{
		{"acked", acked, f.Acked},
		{"acked before fault", ackedBeforeFault, f.AckedBeforeFault},
		{"lost", lost, f.Lost},
	}
	for _, c := range ints {
		if c.rep != c.have {
			out = append(out, fmt.Sprintf("%s: reported %d, recomputed %d", c.name, c.rep, c.have))
		}
	}
	return out
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
