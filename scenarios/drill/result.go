package drill

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/recovery"
)

// Result is one recovery: what the engine did and, once Measure ran, what
// your own client saw.
type Result struct {
	// T0 is the fault's onset.
	T0 time.Time
	// DetectMode is auto or probe.
	DetectMode string
	// Strategy and Incident are the engine's choice and diagnosis.
	Strategy, Incident string
	// Verified says the engine's own verification passed.
	Verified bool
	// Detect is when the engine saw the failure, after T0.
	Detect time.Duration
	// EngineDone is when the engine's last span (its verification) ended,
	// after T0.
	EngineDone time.Duration
	// Fences lists how each old owner was fenced and what became of it.
	Fences []recovery.Fence
	// Report is the engine's full report (spans, estimates, observations).
	Report *recovery.Report

	// Measured says Measure ran; the fields below are then set.
	Measured bool
	// ClientRTO is T0 → the completion of the first acknowledged write of
	// the client's last unbroken run of successes (0 when no write failed).
	ClientRTO time.Duration
	// ClientOutage is the first failed write's start → that same instant.
	ClientOutage time.Duration
	// AckedWrites counts the writes the client saw acknowledged;
	// AckedLost those whose key no longer holds the acknowledged value (nor
	// a value written after it).
	AckedWrites, AckedLost int
	// LostKeys names up to 20 lost keys.
	LostKeys []string
}

// Measure reads back every key the observer saw written through client and
// fills in the client's view: its RTO, its outage and the acknowledged
// writes lost.
func (r *Result) Measure(ctx context.Context, o *Observer, client redis.UniversalClient) error {
	lost, keys, err := o.Lost(ctx, client)
	if err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	r.AckedWrites, r.AckedLost, r.LostKeys = o.Acked(), lost, keys
	first, recovered := o.Outage(r.T0)
	if !recovered.IsZero() {
		r.ClientRTO = recovered.Sub(r.T0)
		r.ClientOutage = recovered.Sub(first)
	}
	r.Measured = true
	return nil
}

// RTO is the client's RTO when measured, else the engine's end.
func (r *Result) RTO() time.Duration {
	if r.Measured && r.ClientRTO > 0 {
		return r.ClientRTO
	}
	return r.EngineDone
}

// String renders the result on one line.
func (r *Result) String() string {
	s := fmt.Sprintf("%s (%s) detect %v, engine done %v", r.Strategy, r.Incident, r.Detect.Round(time.Millisecond), r.EngineDone.Round(time.Millisecond))
	if r.Measured {
		s += fmt.Sprintf(", client RTO %v, acked lost %d/%d", r.ClientRTO.Round(time.Millisecond), r.AckedLost, r.AckedWrites)
	}
	return s
}
