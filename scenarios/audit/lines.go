package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

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
	// clock is what the audit reads of measurement.json: the run's
	// instants and when the engine dated its first detection. It ignores
	// the live path's figures (t_ready among them: the audit derives its
	// own from probe.jsonl).
	clock struct {
		T0            time.Time `json:"t0"`
		MeasuredUntil time.Time `json:"measured_until"`
		Recoveries    []struct {
			DetectedAt time.Time `json:"detected_at"`
		} `json:"recoveries"`
	}
	watchLine struct {
		At     time.Time `json:"at"`
		Node   string    `json:"node"`
		Kind   string    `json:"kind"`
		Detail string    `json:"detail"`
	}
)

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

func checkWatch(l watchLine) error {
	if l.At.IsZero() {
		return errors.New("watch line without at")
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
