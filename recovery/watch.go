package recovery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Watch is a recovery the engine started before its fault: armed on the
// last Refresh, it waits for the failure that follows, then plans, executes
// and verifies the recovery at once — while the step that injects the fault
// may still be running, as an agent in production would. It never waits for
// the fault injector to return.
//
// The fault's onset (t0) may be handed in later, with SetOnset or Result:
// the engine needs it only to date the detect span and Report.DetectedAt,
// to start the detect window (Options.DetectTimeout) and as the reference
// of a point-in-time rollback, which uses the detection time instead when
// the onset is not known yet by the time it runs.
type Watch struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
	// windowStarted is closed once the detect window's start is known
	// (the onset, or the first Result call without one).
	windowStarted chan struct{}

	mu       sync.Mutex
	onset    time.Time // the fault's onset, zero until handed in
	from     time.Time // start of the detect window
	detected time.Time // time of the failure event, zero until seen
	rep      *Report
	err      error
}

// errWatchStopped ends a watch stopped by Stop.
var errWatchStopped = errors.New("watch stopped")

// Watch arms a recovery now, before the fault: it matches only failures
// after the last Refresh and runs in its own goroutine until its recovery
// ends, ctx ends, Stop is called, or no failure showed within
// Options.DetectTimeout of the onset. Collect it with Result (or end it
// with Stop): both wait for the goroutine. Only one recovery runs at a
// time; a second Watch starts once the first one is over.
func (e *Engine) Watch(ctx context.Context) *Watch {
	e.mu.Lock()
	armed := e.armedAt
	e.mu.Unlock()
	wctx, cancel := context.WithCancelCause(ctx)
	w := &Watch{cancel: cancel, done: make(chan struct{}), windowStarted: make(chan struct{})}
	go func() {
		defer close(w.done)
		rep, err := e.recover(wctx, armed, w)
		w.mu.Lock()
		w.rep, w.err = rep, err
		w.mu.Unlock()
	}()
	return w
}

// SetOnset hands the watch the fault's onset once the fault marked it; the
// first non-zero time counts. The detect window starts there.
func (w *Watch) SetOnset(t0 time.Time) {
	if t0.IsZero() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.onset.IsZero() {
		w.onset = t0
		w.startWindowLocked(t0)
	}
}

// Onset returns the fault's onset, or the zero time if not handed in yet.
func (w *Watch) Onset() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.onset
}

// Detected returns the time of the failure event the watch acts on, or the
// zero time if it has not seen one yet.
func (w *Watch) Detected() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.detected
}

// Done is closed when the watch's recovery is over (whatever its outcome).
func (w *Watch) Done() <-chan struct{} { return w.done }

// Result hands the watch the fault's onset t0 (zero when the caller does
// not know it: the detect window then starts now and the detect span at
// the detection) and waits for the recovery the watch started. When ctx
// ends first, the recovery is cut off and what it did so far is returned
// with an error. The detect span is clamped at t0: a Docker event may carry
// an earlier time. Calling it again returns the same outcome.
func (w *Watch) Result(ctx context.Context, t0 time.Time) (*Report, error) {
	w.SetOnset(t0)
	w.mu.Lock()
	w.startWindowLocked(time.Now())
	w.mu.Unlock()
	var cut error
	select {
	case <-w.done:
	case <-ctx.Done():
		select {
		case <-w.done:
		default:
			cut = context.Cause(ctx)
			w.cancel(cut)
			<-w.done
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dateDetectLocked()
	if cut != nil && w.err != nil {
		return w.rep, fmt.Errorf("cut off by %w: %w", cut, w.err)
	}
	return w.rep, w.err
}

// Stop ends the watch, whatever it is doing, and waits for its goroutine
// (e.g. when the fault could not be injected). Safe on nil and after
// Result.
func (w *Watch) Stop() {
	if w == nil {
		return
	}
	w.cancel(errWatchStopped)
	<-w.done
}

// windowFrom returns the start of the detect window.
func (w *Watch) windowFrom() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.from
}

func (w *Watch) startWindowLocked(from time.Time) {
	if w.from.IsZero() {
		w.from = from
		close(w.windowStarted)
	}
}

func (w *Watch) noteDetected(at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.detected = at
}

// dateDetectLocked dates the detect span and DetectedAt from the onset:
// the span runs from t0 to the detection, clamped at t0. Without an onset
// the span is empty, at the detection.
func (w *Watch) dateDetectLocked() {
	if w.rep == nil || w.detected.IsZero() {
		return
	}
	t0, at := w.onset, w.detected
	if t0.IsZero() {
		t0 = at
	}
	if at.Before(t0) {
		at = t0
	}
	w.rep.DetectedAt = at
	if len(w.rep.Spans) > 0 && w.rep.Spans[0].Name == "detect" {
		w.rep.Spans[0].Start, w.rep.Spans[0].End = t0, at
	}
}
