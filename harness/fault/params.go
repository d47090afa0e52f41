package fault

import (
	"fmt"
	"time"
)

// Params are the knobs of a fault. Zero values take each fault's default.
type Params struct {
	Target Target `json:"target"`
	// Delay is the added latency of the delay fault.
	Delay time.Duration `json:"delay,omitempty"`
	// LossPercent is the packet loss of the loss fault, in (0, 100].
	LossPercent float64 `json:"loss_percent,omitempty"`
	// Companions is how many other nodes join the target in the minority of
	// partition-minority (replicas of other shards first).
	Companions int `json:"companions,omitempty"`
	// Bytes is how many bytes a corruption fault changes (flip, cut or
	// overwrite); 0 takes the fault's default.
	Bytes int64 `json:"bytes,omitempty"`
	// LeaveBytes is the free space disk-full leaves on the small disk
	// (default 0).
	LeaveBytes int64 `json:"leave_bytes,omitempty"`
	// Restart starts a corrupted node right after Inject, to observe how
	// Redis reacts; otherwise the node is left stopped.
	Restart bool `json:"restart,omitempty"`
	// Timeout bounds Inject in Apply (default DefaultInjectTimeout).
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Validate reports parameters that cannot be right for any fault.
func (p Params) Validate() error {
	switch {
	case p.Delay < 0:
		return fmt.Errorf("validate params: delay must be >= 0, got %s", p.Delay)
	case p.LossPercent < 0 || p.LossPercent > 100:
		return fmt.Errorf("validate params: loss percent must be in [0, 100], got %g", p.LossPercent)
	case p.Companions < 0:
		return fmt.Errorf("validate params: companions must be >= 0, got %d", p.Companions)
	case p.Bytes < 0:
		return fmt.Errorf("validate params: bytes must be >= 0, got %d", p.Bytes)
	case p.LeaveBytes < 0:
		return fmt.Errorf("validate params: leave bytes must be >= 0, got %d", p.LeaveBytes)
	case p.Timeout < 0:
		return fmt.Errorf("validate params: timeout must be >= 0, got %s", p.Timeout)
	}
	return p.Target.Validate()
}
