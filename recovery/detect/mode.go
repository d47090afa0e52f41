package detect

import (
	"fmt"
	"strings"
)

// Mode names what the engine may learn a failure from.
type Mode string

// Detection modes.
const (
	// ModeAuto merges Docker's container events (kill, die, stop, ...)
	// with the Redis probes: an oracle a production cluster lacks.
	ModeAuto Mode = "auto"
	// ModeProbe uses only what a sidecar next to Redis could see: Redis
	// replies (PING, INFO, CLUSTER INFO / NODES), refused connections and
	// timeouts. A node is judged down by the window rule (see Down).
	ModeProbe Mode = "probe"
)

// Modes lists every detection mode.
func Modes() []Mode { return []Mode{ModeAuto, ModeProbe} }

// ParseMode returns the mode named s; empty is ModeAuto.
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.TrimSpace(s)) {
	case "", ModeAuto:
		return ModeAuto, nil
	case ModeProbe:
		return ModeProbe, nil
	}
	return "", fmt.Errorf("parse detect mode: unknown mode %q (want auto or probe)", s)
}

// Mode returns the mode the options select: ModeProbe with NoDocker.
func (o Options) Mode() Mode {
	if o.NoDocker {
		return ModeProbe
	}
	return ModeAuto
}
