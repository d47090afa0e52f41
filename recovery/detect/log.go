package detect

import (
	"context"
	"sort"
	"sync"
	"time"
)

// eventLog is the append-only record of events with a broadcast signal for
// waiters: every append closes the current signal channel and makes a new one.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	signal chan struct{}
	closed bool
}

func newEventLog() *eventLog { return &eventLog{signal: make(chan struct{})} }

// add records e (stamping it now when it has no time) and wakes waiters.
func (l *eventLog) add(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.events = append(l.events, e)
	close(l.signal)
	l.signal = make(chan struct{})
}

// close stops recording and wakes every waiter for good.
func (l *eventLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.signal)
	}
}

// from returns the events recorded at index i and later, a channel closed
// at the next append, and whether the log is closed.
func (l *eventLog) from(i int) ([]Event, <-chan struct{}, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i > len(l.events) {
		i = len(l.events)
	}
	return append([]Event(nil), l.events[i:]...), l.signal, l.closed
}

// sorted returns every event ordered by time (stable for equal times).
func (l *eventLog) sorted() []Event {
	evs, _, _ := l.from(0)
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time) })
	return evs
}

// follow sends every event (from the first one recorded) to out in
// recording order until ctx ends or the log closes and is drained, then
// closes out.
func (l *eventLog) follow(ctx context.Context, out chan<- Event) {
	defer close(out)
	next := 0
	for {
		evs, sig, closed := l.from(next)
		for _, e := range evs {
			select {
			case out <- e:
				next++
			case <-ctx.Done():
				return
			}
		}
		if closed && len(evs) == 0 {
			return
		}
		if len(evs) > 0 {
			continue
		}
		select {
		case <-sig:
		case <-ctx.Done():
			return
		}
	}
}
