package workload

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// DefaultMinAcked is the number of writes that must be acked before the
// fault (before t0) for a run to be valid: with fewer, the loss and outage
// figures rest on too little traffic to mean anything.
const DefaultMinAcked = 100

// ErrTooLittleTraffic marks a run whose workload acked too few writes before
// the fault for its figures to mean anything.
var ErrTooLittleTraffic = errors.New("too little traffic before the fault")

// Ledger records every op of a workload. Each client appends to its own
// Recorder, so recording takes no lock shared between clients.
type Ledger struct {
	mu        sync.Mutex // guards recorders (not the ops inside them)
	recorders []*Recorder
}

// Recorder is the append-only log of one client. Record must be called from
// one goroutine at a time; readers of the Ledger may run concurrently.
type Recorder struct {
	mu     sync.Mutex // uncontended except while the ledger is being read
	chunks [][]Op     // fixed-capacity chunks: appending never copies old ops
}

// chunkOps is the capacity of one recorder chunk.
const chunkOps = 4096

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{} }

// Recorder returns a new per-client recorder attached to the ledger.
func (l *Ledger) Recorder() *Recorder {
	r := &Recorder{}
	l.mu.Lock()
	l.recorders = append(l.recorders, r)
	l.mu.Unlock()
	return r
}

// Record appends one op.
func (r *Recorder) Record(op Op) {
	r.mu.Lock()
	n := len(r.chunks)
	if n == 0 || len(r.chunks[n-1]) == chunkOps {
		r.chunks = append(r.chunks, make([]Op, 0, chunkOps))
		n++
	}
	r.chunks[n-1] = append(r.chunks[n-1], op)
	r.mu.Unlock()
}

// Ops returns a copy of every op recorded so far, ordered by invoke time.
func (l *Ledger) Ops() []Op {
	l.mu.Lock()
	recs := append([]*Recorder(nil), l.recorders...)
	l.mu.Unlock()
	var out []Op
	for _, r := range recs {
		r.mu.Lock()
		for _, c := range r.chunks {
			out = append(out, c...)
		}
		r.mu.Unlock()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Invoke.Before(out[j].Invoke) })
	return out
}

// Counts is the number of ops of each outcome.
type Counts struct {
	Total   int `json:"total"`
	OK      int `json:"ok"`
	Fail    int `json:"fail"`
	Unknown int `json:"unknown"`
}

func (c *Counts) add(o Outcome) {
	c.Total++
	switch o {
	case OK:
		c.OK++
	case Fail:
		c.Fail++
	default:
		c.Unknown++
	}
}

// Counts returns how many ops ended with each outcome.
func (l *Ledger) Counts() Counts {
	var c Counts
	for _, op := range l.Ops() {
		c.add(op.Outcome)
	}
	return c
}

// AckedBefore returns how many ops were acked (outcome ok) with a completion
// time strictly before t0.
func (l *Ledger) AckedBefore(t0 time.Time) int {
	n := 0
	for _, op := range l.Ops() {
		if op.Outcome == OK && op.Complete.Before(t0) {
			n++
		}
	}
	return n
}

// CheckTraffic returns an error wrapping ErrTooLittleTraffic when fewer than
// minAcked writes were acked before t0 (minAcked <= 0 means DefaultMinAcked).
func (l *Ledger) CheckTraffic(t0 time.Time, minAcked int) error {
	if minAcked <= 0 {
		minAcked = DefaultMinAcked
	}
	if n := l.AckedBefore(t0); n < minAcked {
		return fmt.Errorf("check traffic: %d acked writes before t0, want >= %d: %w", n, minAcked, ErrTooLittleTraffic)
	}
	return nil
}

// LedgerFrom builds a ledger holding the given ops (e.g. read back from a
// file), so every figure can be recomputed from saved artifacts.
func LedgerFrom(ops []Op) *Ledger {
	l := NewLedger()
	r := l.Recorder()
	for _, op := range ops {
		r.Record(op)
	}
	return l
}
