package workload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxProbeInterval is the longest probe interval allowed: a shard that takes
// writes again is seen by the next tick at the latest, so the interval bounds
// how much a measured RTO can overstate the real one.
const MaxProbeInterval = 50 * time.Millisecond

// ProbeTimeout bounds each probe write.
const ProbeTimeout = 200 * time.Millisecond

// Tick is one round of probe writes: every probe key written at At.
type Tick struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`   // tick instant, when the writes were sent
	Done   time.Time `json:"done"` // when the last write of the tick returned
	OK     bool      `json:"ok"`   // every key written
	Shards []bool    `json:"shards"`
	Errs   []string  `json:"errs,omitempty"` // "key: error" for each failed write
}

// Prober writes one key per shard every interval and records each tick.
type Prober struct {
	client   redis.Cmdable
	keys     []string
	interval time.Duration
	stop     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once

	mu       sync.Mutex
	ticks    []Tick
	complete []bool
}

// StartProber starts writing every key each interval (at most
// MaxProbeInterval), each write bounded by ProbeTimeout. Ticks overlap when
// writes are slow, so the tick rate holds during a fault.
func StartProber(ctx context.Context, client redis.Cmdable, keys []string, interval time.Duration) (*Prober, error) {
	switch {
	case client == nil:
		return nil, errors.New("start prober: client is nil")
	case len(keys) == 0:
		return nil, errors.New("start prober: no probe keys")
	case interval <= 0 || interval > MaxProbeInterval:
		return nil, fmt.Errorf("start prober: interval must be in (0, %s], got %s", MaxProbeInterval, interval)
	}
	p := &Prober{client: client, keys: append([]string(nil), keys...), interval: interval, stop: make(chan struct{})}
	p.wg.Add(1)
	go p.loop(ctx)
	return p, nil
}

func (p *Prober) loop(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.launch(ctx)
		select {
		case <-p.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// launch starts one tick's writes without waiting for them.
func (p *Prober) launch(ctx context.Context) {
	p.mu.Lock()
	seq := int64(len(p.ticks))
	p.ticks = append(p.ticks, Tick{Seq: seq, At: time.Now()})
	p.complete = append(p.complete, false)
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		oks := make([]bool, len(p.keys))
		errs := make([]error, len(p.keys))
		var wg sync.WaitGroup
		val := strconv.FormatInt(seq, 10)
		for i, k := range p.keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				octx, cancel := context.WithTimeout(ctx, ProbeTimeout)
				defer cancel()
				errs[i] = p.client.Set(octx, k, val, 0).Err()
				oks[i] = errs[i] == nil
			}()
		}
		wg.Wait()
		done := time.Now()
		p.mu.Lock()
		defer p.mu.Unlock()
		tk := &p.ticks[seq]
		tk.Done, tk.Shards, tk.OK = done, oks, true
		for i, err := range errs {
			if err != nil {
				tk.OK = false
				tk.Errs = append(tk.Errs, p.keys[i]+": "+err.Error())
			}
		}
		p.complete[seq] = true
	}()
}

// Stop stops probing and waits for the writes in flight. Safe to call twice.
func (p *Prober) Stop() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
	})
}

// Keys returns the probe keys, one per shard.
func (p *Prober) Keys() []string { return append([]string(nil), p.keys...) }

// Ticks returns the completed ticks in order, stopping at the first tick
// still in flight (so later answers never rewrite an earlier prefix).
func (p *Prober) Ticks() []Tick {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for n < len(p.complete) && p.complete[n] {
		n++
	}
	out := make([]Tick, n)
	copy(out, p.ticks[:n])
	return out
}

// WriteJSONL writes the completed ticks to w, one JSON object per line.
func (p *Prober) WriteJSONL(w io.Writer) error { return WriteTicksJSONL(w, p.Ticks()) }

// ReadyAfter returns t_ready for a fault at t0 from the ticks seen so far
// (see ReadyAfter).
func (p *Prober) ReadyAfter(t0 time.Time) (time.Time, bool) { return ReadyAfter(p.Ticks(), t0) }

// WaitReady waits until the ticks show t_ready for t0 and every tick for at
// least stable after it succeeded, then returns t_ready.
func (p *Prober) WaitReady(ctx context.Context, t0 time.Time, stable time.Duration) (time.Time, error) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		ticks := p.Ticks()
		if ready, ok := ReadyAfter(ticks, t0); ok && ticks[len(ticks)-1].At.Sub(ready) >= stable {
			return ready, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("wait ready: %w", ctx.Err())
		case <-p.stop:
			return time.Time{}, errors.New("wait ready: prober stopped before every shard was writable")
		case <-t.C:
		}
	}
}

// ReadyAfter computes t_ready from ticks ordered by Seq. It finds the first
// tick sent at/after t0 from which every later tick succeeded — when a tick
// at/after t0 failed, the first successful tick after the last failure — and
// returns the instant that tick's writes had all been acknowledged (its
// Done). The send instant would under-measure a stall by up to ProbeTimeout:
// writes sent to a frozen node are answered as soon as it resumes. It
// reports false when no tick is at/after t0 or the last tick failed (not
// ready yet). RTO = t_ready − t0.
func ReadyAfter(ticks []Tick, t0 time.Time) (time.Time, bool) {
	first := -1
	for i, t := range ticks {
		if !t.At.Before(t0) {
			first = i
			break
		}
	}
	if first < 0 || !ticks[len(ticks)-1].OK {
		return time.Time{}, false
	}
	for i := len(ticks) - 1; i >= first; i-- {
		if !ticks[i].OK {
			return ticks[i+1].Done, true
		}
	}
	return ticks[first].Done, true
}
