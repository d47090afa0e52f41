package history

import (
	"cmp"
	"slices"
	"time"
)

// Anomaly kinds (Anomaly.Kind). doc.go defines each precisely.
const (
	KindStaleRead        = "stale-read"        // a read missed a write acknowledged before it began
	KindNeverWritten     = "never-written"     // a read returned a value no successful-or-unknown write carried
	KindLostWrite        = "lost-write"        // an acknowledged write is gone (final read, or a counter increment)
	KindDuplicateAppend  = "duplicate-append"  // one read lists an element twice
	KindReorderedAppend  = "reordered-append"  // one read lists two elements against their real-time append order
	KindCounterBackwards = "counter-backwards" // a counter went down between two ops in real-time order
	KindCounterDouble    = "counter-double"    // a counter shows more increments than were ever invoked
	KindNonLinearizable  = "non-linearizable"  // porcupine found no linearization and no named pattern explains it
)

// Anomaly is one named violation found in a history.
type Anomaly struct {
	Kind   string    `json:"kind"`   // one of the Kind* constants
	Key    string    `json:"key"`    // the key it happened on
	Ops    []OpRef   `json:"ops"`    // the ops involved, the observing op last
	At     time.Time `json:"at"`     // when it became visible: the observing op's complete
	Detail string    `json:"detail"` // one sentence for people
}

// sortAnomalies orders anomalies by the instant they became visible, then
// by key and kind, so that reports are stable.
func sortAnomalies(as []Anomaly) {
	slices.SortStableFunc(as, func(a, b Anomaly) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
}
