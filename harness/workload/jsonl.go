package workload

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WriteJSONL writes every op of the ledger to w, one JSON object per line,
// in invoke order.
func (l *Ledger) WriteJSONL(w io.Writer) error {
	return writeJSONL(w, l.Ops())
}

// ReadJSONL reads ops written by WriteJSONL into a new ledger.
func ReadJSONL(r io.Reader) (*Ledger, error) {
	ops, err := readJSONL[Op](r, func(op Op) error {
		if !op.Outcome.Valid() {
			return fmt.Errorf("op %q has outcome %q", op.Key, op.Outcome)
		}
		if op.Key == "" {
			return fmt.Errorf("op of client %d seq %d has no key", op.Client, op.Seq)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	return LedgerFrom(ops), nil
}

// WriteTicksJSONL writes prober ticks to w, one JSON object per line.
func WriteTicksJSONL(w io.Writer, ticks []Tick) error {
	return writeJSONL(w, ticks)
}

// ReadTicksJSONL reads ticks written by WriteTicksJSONL.
func ReadTicksJSONL(r io.Reader) ([]Tick, error) {
	ticks, err := readJSONL[Tick](r, func(t Tick) error {
		if t.At.IsZero() {
			return fmt.Errorf("tick %d has no time", t.Seq)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read ticks: %w", err)
	}
	return ticks, nil
}

// WriteObservationsJSONL writes what the final read found (Check.Observed)
// to w, one JSON object per line.
func WriteObservationsJSONL(w io.Writer, obs []Observation) error {
	return writeJSONL(w, obs)
}

// ReadObservationsJSONL reads observations written by WriteObservationsJSONL.
func ReadObservationsJSONL(r io.Reader) ([]Observation, error) {
	obs, err := readJSONL[Observation](r, func(o Observation) error {
		if o.Key == "" {
			return errors.New("observation has no key")
		}
		if o.Missing && o.Tag != "" {
			return fmt.Errorf("observation of %q is missing but has tag %q", o.Key, o.Tag)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read final read: %w", err)
	}
	return obs, nil
}

func writeJSONL[T any](w io.Writer, items []T) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return fmt.Errorf("write jsonl: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write jsonl: %w", err)
	}
	return nil
}

func readJSONL[T any](r io.Reader, check func(T) error) ([]T, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var out []T
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var it T
		if err := json.Unmarshal(b, &it); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if err := check(it); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scan line %d: %w", line+1, err)
	}
	return out, nil
}
