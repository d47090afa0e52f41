package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Reconnection backoff bounds.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	ackEvery   = time.Second
)

// errFollow ends a stream because Follow named another node.
var errFollow = errors.New("following another node")

// diskError is a failure to write the archive: the archiver stops.
type diskError struct{ err error }

func (e *diskError) Error() string { return e.err.Error() }
func (e *diskError) Unwrap() error { return e.err }

// disk wraps a write error as fatal (nil stays nil).
func disk(err error) error {
	if err == nil {
		return nil
	}
	return &diskError{err: err}
}

// Archiver follows a primary and archives its stream. Its methods are safe
// for concurrent use.
type Archiver struct {
	opts Options
	log  *slog.Logger
	dir  string
	lock *os.File
	st   *statsState

	ctx      context.Context
	cancel   context.CancelFunc
	followCh chan struct{} // Follow's wake-up (the address is in st)
	done     chan struct{} // closed when the stream goroutine has stopped
	pollDone chan struct{}
	crashed  atomic.Bool // tests: stop as kill -9 would (no commit, no seal)

	closeOnce sync.Once
	stopErr   error // set by the stream goroutine before done closes

	connMu     sync.Mutex
	connCancel context.CancelFunc // cancels a connection attempt under way

	// Owned by the stream goroutine (by Start before it runs).
	meta      *Meta
	seg       *segment // open segment of the newest base; nil between bases
	offset    int64    // replication offset after the last whole command received
	db        int      // database the stream is in
	inMulti   bool
	acked     int64 // last offset ACKed
	ackedAt   time.Time
	streamed  int // streams started
	connected string
}

// Start opens (or resumes) the archive in opts.Dir, connects to opts.Addr
// and returns once the first base, or the resumed position, is durable;
// then the archiver runs in the background until ctx ends or Close. The
// first connection must succeed (PSYNC refusals such as -LOADING are
// retried until ctx ends); later failures are retried with backoff.
func Start(ctx context.Context, opts Options) (*Archiver, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("start archiver: %w", err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("start archiver: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("start archiver: %w", err)
	}
	log := opts.Logger.With("archive", opts.Dir)
	meta, err := openArchive(opts.Dir, log)
	if err != nil {
		unlockDir(lock)
		return nil, fmt.Errorf("start archiver: %w", err)
	}
	a := &Archiver{
		opts: opts, log: log, dir: opts.Dir, lock: lock, st: newStatsState(opts.Addr, opts.LagLog), meta: meta,
		followCh: make(chan struct{}, 1), done: make(chan struct{}), pollDone: make(chan struct{}),
	}
	if b := meta.last(); b != nil {
		a.offset, a.db = b.endOffset(), b.endDB()
	}
	a.publish()
	a.st.durable(a.offset, time.Now())
	a.ctx, a.cancel = context.WithCancel(ctx)
	c, err := a.connectFirst(a.ctx)
	if err != nil {
		a.cancel()
		if a.seg != nil {
			_ = a.finishSegment()
		}
		unlockDir(lock)
		return nil, fmt.Errorf("start archiver on %s: %w", opts.Addr, err)
	}
	go a.poll(a.ctx)
	go a.loop(c)
	return a, nil
}

// Follow makes the archiver continue from another node (after a failover:
// PSYNC with the archive's replication id and offset, which a PSYNC2
// server continues without a gap). It returns at once.
func (a *Archiver) Follow(addr string) {
	a.st.update(func(s *Stats) { s.Addr = addr })
	a.connMu.Lock()
	if a.connCancel != nil {
		a.connCancel()
	}
	a.connMu.Unlock()
	select {
	case a.followCh <- struct{}{}:
	default:
	}
}

// Stats returns a snapshot of the archiver's state.
func (a *Archiver) Stats() Stats { return a.st.snapshot() }

// Close stops the archiver: the open segment is committed and sealed and
// archive.json written. It returns the error that stopped the archiver
// early, if any. Close is idempotent; once ctx has ended it just waits
// for the archiver to finish the same way.
func (a *Archiver) Close() error {
	a.closeOnce.Do(func() {
		a.cancel()
		<-a.done
		<-a.pollDone
	})
	return a.stopErr
}

// crash stops the archiver as kill -9 would: no commit, no seal (tests).
func (a *Archiver) crash() {
	a.crashed.Store(true)
	_ = a.Close()
}

// connectFirst is connect, retrying PSYNC refusals until ctx ends.
func (a *Archiver) connectFirst(ctx context.Context) (*replConn, error) {
	backoff := minBackoff
	for {
		c, err := a.connect(ctx, a.st.addr())
		var refused *refusedError
		if err == nil || !errors.As(err, &refused) {
			return c, err
		}
		a.noteError(err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// loop streams, reconnecting with backoff, until the archiver stops.
func (a *Archiver) loop(c *replConn) {
	defer close(a.done)
	ctx := a.ctx
	backoff := minBackoff
	var err error
	for ctx.Err() == nil && !a.crashed.Load() {
		if c == nil {
			c, err = a.connect(ctx, a.st.addr())
			if err != nil {
				var de *diskError
				if errors.As(err, &de) {
					break
				}
				if !errors.Is(err, errFollow) {
					a.noteError(err)
				}
				select {
				case <-ctx.Done():
				case <-a.followCh:
					backoff = minBackoff
				case <-time.After(backoff):
					backoff = min(2*backoff, maxBackoff)
				}
				err = nil
				continue
			}
			backoff = minBackoff
		}
		err = a.stream(ctx, c)
		c.close()
		c = nil
		a.st.update(func(s *Stats) { s.Connected = false })
		var de *diskError
		if errors.As(err, &de) {
			break
		}
		if ctx.Err() == nil && !errors.Is(err, errFollow) {
			a.noteError(err)
		}
		err = nil
	}
	if a.crashed.Load() {
		if a.seg != nil {
			_ = a.seg.closeFiles()
		}
		unlockDir(a.lock)
		return
	}
	if err != nil {
		a.log.Error("archiver stopped", "err", err)
		a.noteError(err)
	}
	a.stopErr = errors.Join(err, a.shutdown())
	unlockDir(a.lock)
}

// noteError records err as the last error.
func (a *Archiver) noteError(err error) {
	a.log.Warn("archiver", "addr", a.st.addr(), "err", err)
	a.st.update(func(s *Stats) { s.LastError = err.Error() })
}

// shutdown seals the open segment (removes it when empty) and writes
// archive.json.
func (a *Archiver) shutdown() error {
	if a.seg != nil {
		if err := a.finishSegment(); err != nil {
			return fmt.Errorf("close archive: %w", err)
		}
	}
	if err := writeMeta(a.dir, a.meta); err != nil {
		return fmt.Errorf("close archive: %w", err)
	}
	a.publish()
	a.log.Info("archive closed", "offset", a.offset, "bases", len(a.meta.Bases), "segments", a.meta.segmentCount())
	return nil
}

// baseDir is the folder of base b.
func (a *Archiver) baseDir(b *Base) string { return filepath.Join(a.dir, b.ID) }

// durable returns the durable replication offset.
func (a *Archiver) durable() int64 {
	if a.seg != nil {
		return a.seg.written.offset
	}
	if b := a.meta.last(); b != nil {
		return b.endOffset()
	}
	return 0
}

// publish copies the archive's counts into the stats.
func (a *Archiver) publish() {
	bases, segs, gaps := len(a.meta.Bases), a.meta.segmentCount(), a.meta.gapCount()
	if a.seg != nil {
		segs++
	}
	replid, received := a.meta.Replid, a.offset
	a.st.update(func(s *Stats) {
		s.Bases, s.Segments, s.Gaps, s.Replid, s.ReceivedOffset = bases, segs, gaps, replid, received
		s.Reconnects = max(0, a.streamed-1)
	})
}

// finishSegment seals the open segment into the newest base (or removes
// it when it holds no command), rewrites the base's AOF manifest and
// archive.json.
func (a *Archiver) finishSegment() error {
	s, b := a.seg, a.meta.last()
	a.seg = nil
	if _, err := s.commit(); err != nil {
		_ = s.closeFiles()
		return err
	}
	if err := s.rollback(); err != nil {
		_ = s.closeFiles()
		return err
	}
	a.offset, a.db, a.inMulti = s.written.offset, s.written.db, false
	a.st.durable(a.offset, time.Now())
	if s.size == 0 {
		if err := s.remove(); err != nil {
			return err
		}
	} else {
		m, err := s.seal()
		if err != nil {
			return err
		}
		b.Segments = append(b.Segments, m)
	}
	if err := writeManifest(a.baseDir(b), sealedSeqs(b)); err != nil {
		return err
	}
	return writeMeta(a.dir, a.meta)
}

// openNext opens the next segment of the newest base at the durable
// offset and lists it in the base's AOF manifest.
func (a *Archiver) openNext() error {
	b := a.meta.last()
	seq := b.nextSeq()
	// The first entry's time is the previous boundary's, so the index's
	// times never go backwards (commands may have been received before
	// the segment opens).
	ms := b.Time.UnixMilli()
	if n := len(b.Segments); n > 0 {
		ms = b.Segments[n-1].LastMS
	}
	s, err := openSegment(a.baseDir(b), seq, b.endOffset(), b.endDB(), ms)
	if err != nil {
		return err
	}
	if err := writeManifest(a.baseDir(b), append(sealedSeqs(b), seq)); err != nil {
		_ = s.remove()
		return err
	}
	a.seg = s
	a.offset, a.db, a.inMulti = b.endOffset(), b.endDB(), false
	return nil
}

// rotate seals the open segment and opens the next one.
func (a *Archiver) rotate() error {
	if err := a.finishSegment(); err != nil {
		return err
	}
	if err := a.openNext(); err != nil {
		return err
	}
	a.publish()
	return nil
}
