package workload

import (
	"fmt"
	"strings"
	"time"
)

// Profile describes the write workload.
type Profile struct {
	Clients   int    // concurrent writers, each with its own connection
	Rate      int    // total ops/s over all clients; 0 = as fast as possible
	ValueSize int    // bytes per value (at least the identity tag is written)
	KeyPrefix string // keys are "<prefix>:c<client>:<seq>"; empty = "rd:<random run nonce>"
	// WaitReplicas > 0 sends WAIT WaitReplicas WaitTimeout after every SET on
	// the same connection; the op is ok only if WAIT confirms that many.
	WaitReplicas int
	WaitTimeout  time.Duration
	Seed         int64 // seeds the value padding and the mix
	// Mix lists the kinds of write to make, each op drawing one from the
	// seed; empty makes only KindSet writes (the drills' workload).
	Mix []Kind
	// CatchUp keeps each client on its schedule: after a stall it sends the
	// ops it owes back to back, and every op records when it was due
	// (Op.Scheduled), so latency has no coordinated omission. Without it a
	// client that fell behind skips what it owes. Needs Rate > 0.
	CatchUp bool
	// History is the share of each client's ops (0 ≤ History < 1) that
	// read and write keys every client shares — registers (SET/GET),
	// lists (RPUSH/LRANGE) and counters (INCR/GET) — recorded for the
	// history checker (Runner.History); 0 makes none.
	History float64
}

// Limits on profile fields.
const (
	MaxClients   = 1024
	MaxValueSize = 1 << 20
	MaxWait      = time.Minute
)

// DefaultProfile is a modest workload: 8 clients, 2000 ops/s, 64-byte
// values; a quarter of each client's ops read and write the keys every
// client shares (the history the checker judges).
func DefaultProfile() Profile {
	return Profile{Clients: 8, Rate: 2000, ValueSize: 64, History: DefaultHistory}
}

// DefaultHistory is the default share of history ops (Profile.History).
const DefaultHistory = 0.25

// Validate reports a profile that cannot run.
func (p Profile) Validate() error {
	switch {
	case p.Clients < 1 || p.Clients > MaxClients:
		return fmt.Errorf("validate profile: clients must be in 1..%d, got %d", MaxClients, p.Clients)
	case p.Rate < 0:
		return fmt.Errorf("validate profile: rate must be >= 0 ops/s (0 = unlimited), got %d", p.Rate)
	case p.Rate > 0 && p.Rate < p.Clients:
		return fmt.Errorf("validate profile: rate %d ops/s is below one op/s per client (%d clients)", p.Rate, p.Clients)
	case p.ValueSize < 0 || p.ValueSize > MaxValueSize:
		return fmt.Errorf("validate profile: value size must be in 0..%d bytes, got %d", MaxValueSize, p.ValueSize)
	case strings.ContainsAny(p.KeyPrefix, "{} \t\r\n"):
		return fmt.Errorf("validate profile: key prefix %q must not contain braces (hashtags would pin every key to one slot) or whitespace", p.KeyPrefix)
	case p.WaitReplicas < 0:
		return fmt.Errorf("validate profile: wait replicas must be >= 0, got %d", p.WaitReplicas)
	case p.WaitReplicas > 0 && (p.WaitTimeout <= 0 || p.WaitTimeout > MaxWait):
		return fmt.Errorf("validate profile: wait timeout must be in (0, %s] when wait replicas > 0, got %s", MaxWait, p.WaitTimeout)
	case p.History < 0 || p.History >= 1 || p.History != p.History:
		return fmt.Errorf("validate profile: history share must be in [0, 1), got %v", p.History)
	case p.CatchUp && p.Rate == 0:
		return fmt.Errorf("validate profile: catch-up needs a rate (ops are due on a schedule)")
	}
	if err := validKinds(p.Mix); err != nil {
		return fmt.Errorf("validate profile: %w", err)
	}
	return nil
}
