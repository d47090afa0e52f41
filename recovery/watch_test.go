package recovery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeWatch is a Watch whose recovery is run by the test instead of an
// engine: body gets the watch's context and returns the report.
func fakeWatch(ctx context.Context, body func(ctx context.Context, w *Watch) (*Report, error)) *Watch {
	wctx, cancel := context.WithCancelCause(ctx)
	w := &Watch{cancel: cancel, done: make(chan struct{}), windowStarted: make(chan struct{})}
	go func() {
		defer close(w.done)
		rep, err := body(wctx, w)
		w.mu.Lock()
		w.rep, w.err = rep, err
		w.mu.Unlock()
	}()
	return w
}

// TestWatchDatesDetectionFromLateOnset: the engine detects and finishes
// before the onset is handed in (the fault step still runs); Result dates
// the detect span from the onset, clamped at it.
func TestWatchDatesDetectionFromLateOnset(t *testing.T) {
	onset := time.Now()
	for _, tc := range []struct {
		name     string
		event    time.Time
		wantSpan time.Duration
	}{
		{"after onset", onset.Add(80 * time.Millisecond), 80 * time.Millisecond},
		{"event stamped before onset", onset.Add(-5 * time.Millisecond), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := fakeWatch(context.Background(), func(ctx context.Context, w *Watch) (*Report, error) {
				w.noteDetected(tc.event)
				return &Report{DetectedAt: tc.event, Spans: []Span{
					{Name: "detect", Start: tc.event, End: tc.event},
					{Name: "decide", Start: tc.event, End: tc.event.Add(time.Millisecond)},
				}}, nil
			})
			<-w.Done()
			if !w.Onset().IsZero() {
				t.Fatal("onset known before it was handed in")
			}
			rep, err := w.Result(context.Background(), onset)
			if err != nil {
				t.Fatal(err)
			}
			det := rep.Spans[0]
			if !det.Start.Equal(onset) || det.Duration() != tc.wantSpan || !rep.DetectedAt.Equal(det.End) {
				t.Fatalf("detect span %+v, detected at %s; want from the onset, %s long", det, rep.DetectedAt, tc.wantSpan)
			}
			if again, _ := w.Result(context.Background(), time.Time{}); again.Spans[0] != det {
				t.Fatalf("second Result changed the span: %+v", again.Spans[0])
			}
		})
	}
}

// TestWatchResultCutsOff: when Result's ctx ends first the recovery is
// stopped, its goroutine waited for, and the error says why.
func TestWatchResultCutsOff(t *testing.T) {
	w := fakeWatch(context.Background(), func(ctx context.Context, w *Watch) (*Report, error) {
		<-ctx.Done()
		return &Report{}, ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rep, err := w.Result(ctx, time.Now())
	if rep == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "cut off by") {
		t.Fatalf("Result = %v, %v; want the report and a cut-off error", rep, err)
	}
	select {
	case <-w.Done():
	default:
		t.Fatal("Result returned before the watch's goroutine ended")
	}
}

// TestWatchStop ends a watch that never saw its fault (Apply failed).
func TestWatchStop(t *testing.T) {
	w := fakeWatch(context.Background(), func(ctx context.Context, w *Watch) (*Report, error) {
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	w.Stop()
	if _, err := w.Result(context.Background(), time.Time{}); !errors.Is(err, errWatchStopped) {
		t.Fatalf("Result after Stop: %v, want errWatchStopped", err)
	}
	var none *Watch
	none.Stop()
}
