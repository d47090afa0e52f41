package fault

import (
	"sync"
	"time"
)

// Onset records the instant a fault's first destructive action began: the
// t0 of RTO. Apply hands a fresh Onset to Inject; the fault calls Mark
// immediately before its first kill, stop, pause, network rule, FLUSHALL,
// config change or file write, after every read-only step (resolving the
// target, reading files, INFO queries). Only the first Mark counts. The zero
// value is ready to use and safe for concurrent use; a nil *Onset ignores
// Mark and reports the zero time, so helpers shared with Heal may pass nil.
type Onset struct {
	mu sync.Mutex
	at time.Time
}

// Mark records time.Now() the first time it is called; later calls are
// no-ops.
func (o *Onset) Mark() {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.at.IsZero() {
		o.at = time.Now()
	}
}

// At returns the instant of the first Mark, or the zero time if Mark was
// never called.
func (o *Onset) At() time.Time {
	if o == nil {
		return time.Time{}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.at
}
