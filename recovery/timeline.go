package recovery

import (
	"slices"
	"sync"
	"time"
)

// Span is one named step of a recovery, e.g. "decide" or "load data".
type Span struct {
	Name   string    `json:"name"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Detail string    `json:"detail,omitempty"`
	Err    string    `json:"error,omitempty"`
}

// Duration is End − Start.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Timeline records the spans of one recovery. It is safe for concurrent use.
type Timeline struct {
	mu    sync.Mutex
	spans []Span
}

// Do runs f as the span name and records it, with its error if any.
func (t *Timeline) Do(name string, f func() (detail string, err error)) error {
	start := time.Now()
	detail, err := f()
	s := Span{Name: name, Start: start, End: time.Now(), Detail: detail}
	if err != nil {
		s.Err = err.Error()
	}
	t.Add(s)
	return err
}

// Add appends a finished span.
func (t *Timeline) Add(s Span) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spans = append(t.spans, s)
}

// Spans returns a copy of the recorded spans in the order they began (a
// span run beside others, as a machine's boot beside a backup's fetch,
// ends later than it began).
func (t *Timeline) Spans() []Span {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]Span(nil), t.spans...)
	slices.SortStableFunc(out, func(a, b Span) int { return a.Start.Compare(b.Start) })
	return out
}
