package detect

import (
	"fmt"
	"log/slog"
	"time"
)

// Options tune a Detector. Zero values take the defaults.
type Options struct {
	// Interval between probe rounds per node (default 50ms, at most 1s).
	Interval time.Duration
	// Timeout of one probe round: PING + INFO (+ CLUSTER INFO) pipelined
	// (default 300ms). A round that does not answer in time counts as
	// unreachable.
	Timeout time.Duration
	// EmptyRestartMinKeys: a restart is judged empty only when the node
	// (or one of its replicas) held at least this many keys (default 1).
	EmptyRestartMinKeys int64
	// EmptyRestartRatio: keys after a restart below ratio × keys before
	// count as an empty restart (default 0.5).
	EmptyRestartRatio float64
	// NoDocker disables the Docker event source: probes only (ModeProbe).
	NoDocker bool
	// DownAfter is the detect window W (default DefaultDownAfter): a node
	// that only times out is judged down once its failed probe rounds
	// cover it; a refused or closed connection is down at once (see Down).
	DownAfter time.Duration
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.Interval == 0 {
		o.Interval = 50 * time.Millisecond
	}
	if o.Timeout == 0 {
		o.Timeout = 300 * time.Millisecond
	}
	if o.DownAfter == 0 {
		o.DownAfter = DefaultDownAfter
	}
	if o.EmptyRestartMinKeys == 0 {
		o.EmptyRestartMinKeys = 1
	}
	if o.EmptyRestartRatio == 0 {
		o.EmptyRestartRatio = 0.5
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	switch {
	case o.Interval < time.Millisecond || o.Interval > time.Second:
		return o, fmt.Errorf("check detector options: interval %v outside 1ms..1s", o.Interval)
	case o.Timeout < 0:
		return o, fmt.Errorf("check detector options: negative timeout %v", o.Timeout)
	case o.DownAfter < 0:
		return o, fmt.Errorf("check detector options: negative down window %v", o.DownAfter)
	case o.EmptyRestartRatio < 0 || o.EmptyRestartRatio > 1:
		return o, fmt.Errorf("check detector options: empty-restart ratio %v outside 0..1", o.EmptyRestartRatio)
	case o.EmptyRestartMinKeys < 0:
		return o, fmt.Errorf("check detector options: negative empty-restart min keys %d", o.EmptyRestartMinKeys)
	}
	return o, nil
}
