package archive

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// connect dials addr and runs the handshake and PSYNC. A +FULLRESYNC is
// received into a new base before it returns; after +CONTINUE the open
// segment is ready. Either way the position is durable and ACKed.
func (a *Archiver) connect(ctx context.Context, addr string) (*replConn, error) {
	cctx, cancel := context.WithCancel(ctx)
	a.connMu.Lock()
	a.connCancel = cancel
	a.connMu.Unlock()
	defer func() {
		a.connMu.Lock()
		a.connCancel = nil
		a.connMu.Unlock()
		cancel()
	}()
	c, err := dialNode(cctx, addr, a.opts.Node, readTimeout)
	if err != nil {
		return nil, err
	}
	if err := a.sync(c); err != nil {
		c.close()
		if cctx.Err() != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("connect to %s: %w", addr, errFollow)
		}
		return nil, err
	}
	// The stream outlives cctx: watch the archiver's context instead.
	c.stop()
	conn := c.conn
	c.stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
	return c, nil
}

// sync runs the handshake and PSYNC on c.
func (a *Archiver) sync(c *replConn) error {
	if err := c.handshake(a.opts.ListeningPort); err != nil {
		return err
	}
	replid, next := "?", int64(-1)
	if a.meta.last() != nil {
		replid, next = a.meta.Replid, a.durable()+1
	}
	rep, err := c.psync(replid, next)
	if err != nil {
		return err
	}
	at := time.Now()
	if rep.full {
		err = a.fullSync(c, rep, replid, next, at)
	} else {
		err = a.continued(rep, c.addr, at)
	}
	if err != nil {
		return err
	}
	if a.meta.Addr != c.addr {
		a.meta.Addr = c.addr
		if err := writeMeta(a.dir, a.meta); err != nil {
			return disk(err)
		}
	}
	a.streamed++
	a.publish()
	a.st.update(func(s *Stats) { s.Connected = true })
	a.st.durable(a.durable(), time.Now())
	return a.ack(c, true)
}

// continued handles +CONTINUE: a new replication id is recorded, and the
// open segment is (re)opened.
func (a *Archiver) continued(rep psyncReply, addr string, at time.Time) error {
	b := a.meta.last()
	if b == nil {
		return fmt.Errorf("psync on %s: +CONTINUE without a base", addr)
	}
	if a.seg == nil {
		if err := a.openNext(); err != nil {
			return disk(err)
		}
	}
	if rep.replid != "" && rep.replid != a.meta.Replid {
		a.log.Info("replication id changed", "addr", addr, "from", a.meta.Replid, "to", rep.replid, "offset", a.durable())
		b.Replids = append(b.Replids, ReplidChange{Replid: rep.replid, Offset: a.durable(), Time: at.UTC(), Addr: addr})
		a.meta.Replid = rep.replid
		if err := writeMeta(a.dir, a.meta); err != nil {
			return disk(err)
		}
	}
	a.log.Info("stream continued", "addr", addr, "replid", a.meta.Replid, "offset", a.durable())
	return nil
}

// fullSync handles +FULLRESYNC: the current base is closed, the RDB
// payload becomes a new base (with a gap when it is not the first), and
// its first segment is opened.
func (a *Archiver) fullSync(c *replConn, rep psyncReply, askedReplid string, askedNext int64, at time.Time) error {
	payload, diskless, err := c.payload()
	if err != nil {
		return err
	}
	prev := a.meta.last()
	if a.seg != nil {
		if err := a.finishSegment(); err != nil {
			return disk(err)
		}
	}
	n := 1
	if prev != nil {
		if k, ok := baseNumber(prev.ID); ok {
			n = k + 1
		}
	}
	b := &Base{ID: baseID(n), Replid: rep.replid, StartOffset: rep.offset, Time: at.UTC()}
	dir := a.baseDir(b)
	f, err := receiveRDB(dir, payload)
	if err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("full sync from %s: %w", c.addr, err)
	}
	b.RDBSHA256, b.RDBSize, b.Keys = f.sha256, f.size, f.keys
	if prev != nil {
		b.Gap = &Gap{
			Time:              at.UTC(),
			Reason:            fmt.Sprintf("%s answered PSYNC %s %d with a full resync", c.addr, askedReplid, askedNext),
			PreviousEndOffset: prev.endOffset(),
			PreviousReplid:    a.meta.Replid,
		}
	}
	a.meta.Bases = append(a.meta.Bases, b)
	a.meta.Replid = rep.replid
	if err := a.openNext(); err != nil {
		a.meta.Bases = a.meta.Bases[:len(a.meta.Bases)-1]
		return disk(err)
	}
	if err := writeMeta(a.dir, a.meta); err != nil {
		return disk(err)
	}
	a.log.Info("new base", "id", b.ID, "addr", c.addr, "replid", b.Replid, "offset", b.StartOffset,
		"bytes", f.size, "keys", f.keys, "diskless", diskless, "gap", b.Gap != nil)
	return nil
}

// ack sends REPLCONF ACK with the durable offset when it moved, when
// forced (GETACK, a new stream) or once a second.
func (a *Archiver) ack(c *replConn, force bool) error {
	d := a.durable()
	now := time.Now()
	if !force && d == a.acked && now.Sub(a.ackedAt) < ackEvery {
		return nil
	}
	if err := c.ack(d); err != nil {
		return err
	}
	a.acked, a.ackedAt = d, now
	return nil
}

// commit makes the open segment durable and publishes the offset.
func (a *Archiver) commit() error {
	if a.seg == nil || !a.seg.dirty() {
		return nil
	}
	d, err := a.seg.commit()
	if err != nil {
		return disk(err)
	}
	a.st.durable(d, time.Now())
	return nil
}

// chunk is bytes read from the stream and their receive time, or the
// error that ended it.
type chunk struct {
	data []byte
	ms   int64
	err  error
}

// readChunks reads the stream into out until it fails or quit closes.
func readChunks(r io.Reader, out chan<- chunk, quit <-chan struct{}) {
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			ch := chunk{data: append([]byte(nil), buf[:n]...), ms: time.Now().UnixMilli()}
			select {
			case out <- ch:
			case <-quit:
				return
			}
		}
		if err != nil {
			select {
			case out <- chunk{err: err}:
			case <-quit:
			}
			return
		}
	}
}

// stream archives the command stream of c until it fails, ctx ends or
// Follow names another node. Before it returns everything received is
// durable (a transaction cut short is dropped).
func (a *Archiver) stream(ctx context.Context, c *replConn) error {
	chunks := make(chan chunk, 64)
	quit := make(chan struct{})
	defer close(quit)
	go readChunks(c.br, chunks, quit)
	ticker := time.NewTicker(a.opts.CommitEvery)
	defer ticker.Stop()
	var p parser
	var lastMS int64
	for {
		select {
		case <-ctx.Done():
			return a.endStream(ctx.Err())
		case <-a.followCh:
			if a.st.addr() != c.addr {
				return a.endStream(errFollow)
			}
		case ch := <-chunks:
			if ch.err != nil {
				return a.endStream(fmt.Errorf("read stream from %s: %w", c.addr, ch.err))
			}
			lastMS = max(lastMS, ch.ms)
			p.feed(ch.data)
			getack := false
			for {
				cmd, ok, err := p.next()
				if err != nil {
					return a.endStream(fmt.Errorf("read stream from %s: %w", c.addr, err))
				}
				if !ok {
					break
				}
				g, err := a.handle(cmd, lastMS)
				if err != nil {
					return a.endStream(err)
				}
				getack = getack || g
			}
			if getack {
				if err := a.commit(); err != nil {
					return a.endStream(err)
				}
				if err := a.ack(c, true); err != nil {
					return a.endStream(err)
				}
			}
			a.st.update(func(s *Stats) { s.ReceivedOffset = a.offset })
			if err := a.maybeRotate(time.Now()); err != nil {
				return a.endStream(err)
			}
		case now := <-ticker.C:
			if err := a.commit(); err != nil {
				return a.endStream(err)
			}
			if err := a.ack(c, false); err != nil {
				return a.endStream(err)
			}
			if err := a.maybeRotate(now); err != nil {
				return a.endStream(err)
			}
		}
	}
}

// handle archives one command of the stream received at ms; it reports a
// REPLCONF GETACK.
func (a *Archiver) handle(c command, ms int64) (getack bool, err error) {
	a.offset += int64(len(c.raw))
	switch c.kind {
	case kindPing:
	case kindReplconf:
		getack = c.isGetAck()
	default:
		if err := a.seg.appendCommand(c, ms, a.db, a.inMulti); err != nil {
			return false, disk(err)
		}
		switch c.kind {
		case kindSelect:
			if n, ok := c.selectDB(); ok {
				a.db = n
			}
		case kindMulti:
			a.inMulti = true
		case kindExec, kindDiscard:
			a.inMulti = false
		}
	}
	if !a.inMulti {
		a.seg.mark(point{offset: a.offset, ms: ms, db: a.db})
	}
	return getack, nil
}

// maybeRotate seals the open segment when it is old or big enough and
// not inside a transaction.
func (a *Archiver) maybeRotate(now time.Time) error {
	s := a.seg
	if s == nil || a.inMulti || s.commands == 0 {
		return nil
	}
	if s.size < a.opts.SegmentBytes && now.UnixMilli()-s.firstMS < a.opts.SegmentAge.Milliseconds() {
		return nil
	}
	if err := a.rotate(); err != nil {
		return disk(err)
	}
	return nil
}

// endStream makes everything received durable, drops an unfinished
// transaction and returns err (a disk error when that fails). After a
// crash (tests) it does nothing.
func (a *Archiver) endStream(err error) error {
	if a.crashed.Load() || a.seg == nil {
		return err
	}
	if cerr := a.commit(); cerr != nil {
		return cerr
	}
	if rerr := a.seg.rollback(); rerr != nil {
		return disk(rerr)
	}
	a.offset, a.db, a.inMulti = a.seg.written.offset, a.seg.written.db, false
	a.st.update(func(s *Stats) { s.ReceivedOffset = a.offset })
	return err
}
