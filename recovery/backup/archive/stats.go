package archive

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Stats is a snapshot of an Archiver.
type Stats struct {
	Addr           string // node followed
	Replid         string // replication id of the stream
	ReceivedOffset int64  // replication offset after the last whole command received
	DurableOffset  int64  // replication offset after the last fsync'ed command (what is ACKed)
	PrimaryOffset  int64  // master_repl_offset of the node, polled every 100 ms
	LagBytes       int64  // PrimaryOffset - DurableOffset (0 when not ahead)
	// LagMS is the last lag measured, in milliseconds: from the moment a
	// poll saw the primary offset grow to the moment the durable offset
	// reached it (0 when it already had). LagP50MS, LagP99MS and LagMaxMS
	// summarize every measurement of the run (LagSamples of them).
	LagMS, LagP50MS, LagP99MS, LagMaxMS float64
	LagSamples                          int64
	Bases                               int  // bases in the archive
	Segments                            int  // segments in the archive, the open one included
	Gaps                                int  // bases that start with a gap
	Reconnects                          int  // streams started after the first one
	Connected                           bool // streaming now
	LastError                           string
}

// Poll period of the primary's offset and bounds of the lag measurements.
const (
	pollEvery      = 100 * time.Millisecond
	pollTimeout    = 2 * time.Second
	maxLagSamples  = 1024
	lagHistMaxUS   = int64(24 * time.Hour / time.Microsecond)
	lagHistSigFigs = 3
)

// lagSample is a polled primary offset not yet durable here.
type lagSample struct {
	offset int64
	at     time.Time
}

// statsState is the shared, mutex-protected state behind Stats.
type statsState struct {
	mu          sync.Mutex
	s           Stats
	samples     []lagSample
	hist        *hdrhistogram.Histogram
	lastPrimary int64
	lagLog      io.Writer // Options.LagLog, nil for none
}

func newStatsState(addr string, lagLog io.Writer) *statsState {
	return &statsState{s: Stats{Addr: addr}, hist: hdrhistogram.New(0, lagHistMaxUS, lagHistSigFigs), lastPrimary: -1, lagLog: lagLog}
}

// update runs f on the stats under the lock.
func (st *statsState) update(f func(s *Stats)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f(&st.s)
}

// snapshot returns a copy with the derived fields filled in.
func (st *statsState) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.s
	s.LagBytes = max(0, s.PrimaryOffset-s.DurableOffset)
	if n := st.hist.TotalCount(); n > 0 {
		s.LagSamples = n
		s.LagP50MS = usToMS(st.hist.ValueAtQuantile(50))
		s.LagP99MS = usToMS(st.hist.ValueAtQuantile(99))
		s.LagMaxMS = usToMS(st.hist.Max())
	}
	return s
}

// addr returns the node followed.
func (st *statsState) addr() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.s.Addr
}

// primary records a polled primary offset. A sample that grew since the
// previous poll starts a lag measurement (0 when already durable).
func (st *statsState) primary(offset int64, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.PrimaryOffset = offset
	grew := st.lastPrimary >= 0 && offset > st.lastPrimary
	st.lastPrimary = offset
	if !grew {
		return
	}
	if offset <= st.s.DurableOffset {
		st.record(lagSample{offset: offset, at: at}, 0)
		return
	}
	if len(st.samples) >= maxLagSamples {
		st.samples = st.samples[1:]
	}
	st.samples = append(st.samples, lagSample{offset: offset, at: at})
}

// durable records the durable offset and ends the measurements it reaches.
func (st *statsState) durable(offset int64, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.DurableOffset = offset
	st.s.ReceivedOffset = max(st.s.ReceivedOffset, offset)
	i := 0
	for ; i < len(st.samples) && st.samples[i].offset <= offset; i++ {
		st.record(st.samples[i], at.Sub(st.samples[i].at).Microseconds())
	}
	st.samples = st.samples[i:]
}

// resetLag drops pending measurements (another node's offsets).
func (st *statsState) resetLag() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.samples, st.lastPrimary = nil, -1
}

// record adds one lag measurement (microseconds) of sample, and writes it
// to the lag log: "<poll unix µs> <primary offset> <lag µs>".
func (st *statsState) record(sample lagSample, us int64) {
	us = max(0, min(us, lagHistMaxUS))
	st.s.LagMS = usToMS(us)
	_ = st.hist.RecordValue(us)
	if st.lagLog != nil {
		_, _ = fmt.Fprintf(st.lagLog, "%d %d %d\n", sample.at.UnixMicro(), sample.offset, us)
	}
}

func usToMS(us int64) float64 { return float64(us) / 1000 }

// poll asks the followed node for its offset every 100 ms on a plain
// connection of its own, until ctx ends.
func (a *Archiver) poll(ctx context.Context) {
	defer close(a.pollDone)
	var c *replConn
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		addr := a.st.addr()
		if c != nil && c.addr != addr {
			c.close()
			c = nil
			a.st.resetLag()
		}
		if c == nil {
			var err error
			if c, err = dialNode(ctx, addr, a.opts.Node, pollTimeout); err != nil {
				continue
			}
		}
		off, err := c.infoOffset()
		if err != nil {
			c.close()
			c = nil
			continue
		}
		a.st.primary(off, time.Now())
	}
}
