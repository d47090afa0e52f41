package archive

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/recovery/backup"
)

// Defaults of Options.
const (
	DefaultSegmentAge   = time.Second
	DefaultSegmentBytes = 16 << 20
	DefaultCommitEvery  = 10 * time.Millisecond
)

// Options configure an Archiver.
type Options struct {
	Addr          string             // primary to follow ("host:port")
	Node          backup.NodeOptions // dial, ACL user, password, TLS
	Dir           string             // archive dir; created; an existing archive is resumed
	SegmentAge    time.Duration      // seal a non-empty segment this long after its first command; default 1s
	SegmentBytes  int64              // seal a segment once it is this big; default 16 MiB
	CommitEvery   time.Duration      // group-commit (fsync) interval; default 10ms
	ListeningPort int                // announced with REPLCONF listening-port (0: not sent)
	Logger        *slog.Logger       // nil: slog.Default()
	// LagLog, when set, receives every lag measurement as a line
	// "<poll unix µs> <primary offset> <lag µs>": the raw samples behind
	// Stats' percentiles, for a reader to recompute them. Writes happen
	// under the archiver's stats lock; the caller closes it after Close.
	LagLog io.Writer
}

// withDefaults checks opts and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		return o, fmt.Errorf("check options: no address to follow")
	}
	if o.Dir == "" {
		return o, fmt.Errorf("check options: no archive directory")
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, fmt.Errorf("check options: %w", err)
	}
	o.Dir = abs
	if o.SegmentAge <= 0 {
		o.SegmentAge = DefaultSegmentAge
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.CommitEvery <= 0 {
		o.CommitEvery = DefaultCommitEvery
	}
	if o.ListeningPort < 0 || o.ListeningPort > 65535 {
		return o, fmt.Errorf("check options: listening port %d out of range", o.ListeningPort)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
