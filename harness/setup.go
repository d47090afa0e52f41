package harness

import (
	"sync"
	"time"
)

// SetupTimes are the milestones of one Start, each measured from the call.
// Node work overlaps (a node is formed while others still start), so the
// milestones are points in time, not phase lengths: Containers is when the
// last container had started, Listening when the last server answered,
// Formed when the last forming command had returned.
type SetupTimes struct {
	Image      time.Duration `json:"image"`      // image found (or built) and checked
	Network    time.Duration `json:"network"`    // run network created
	Containers time.Duration `json:"containers"` // every container started
	Listening  time.Duration `json:"listening"`  // every server answers
	Formed     time.Duration `json:"formed"`     // every slot, meet and replicate command done
	Ready      time.Duration `json:"ready"`      // Ready reported nil
	// Pooled is set when the deployment came from a Pool, started ahead of
	// the call: only Image and Ready are then measured from the call, and
	// PoolStart is how long its own (cold) start took.
	Pooled    bool          `json:"pooled,omitempty"`
	PoolStart time.Duration `json:"pool_start,omitempty"`
}

// milestone names one field of SetupTimes.
type milestone int

// The milestones of a Start, in the order they are first reached.
const (
	atImage milestone = iota
	atNetwork
	atContainers
	atListening
	atFormed
	atReady
)

// setupClock records the milestones of one Start from several goroutines.
type setupClock struct {
	t0 time.Time
	mu sync.Mutex
	t  SetupTimes
}

// mark moves milestone m to now, unless it already holds a later time (the
// last of several nodes sets it).
func (c *setupClock) mark(m milestone) {
	d := time.Since(c.t0)
	c.mu.Lock()
	defer c.mu.Unlock()
	field := map[milestone]*time.Duration{
		atImage: &c.t.Image, atNetwork: &c.t.Network, atContainers: &c.t.Containers,
		atListening: &c.t.Listening, atFormed: &c.t.Formed, atReady: &c.t.Ready,
	}[m]
	if field != nil && d > *field {
		*field = d
	}
}

// times returns a copy of the milestones.
func (c *setupClock) times() SetupTimes {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
