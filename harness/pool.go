package harness

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"time"
)

// poolDiscardTimeout bounds the teardown of a pooled deployment nobody took.
const poolDiscardTimeout = 2 * time.Minute

// Spec names a deployment to start: its topology and its image reference.
type Spec struct {
	Topology Topology
	Image    string
}

// matches reports whether a deployment started from s serves a Start of
// topo on image.
func (s Spec) matches(topo Topology, image string) bool {
	return s.Image == image && reflect.DeepEqual(s.Topology, topo)
}

// Pool starts the deployment the next drill will need while the current
// drill writes its evidence and tears down, so that the next drill's setup
// is off its critical path: Start with StartOptions.Pool takes the prepared
// deployment when its image and topology match and starts one cold
// otherwise.
//
// The pool holds at most one deployment, and a Start that does not take it
// terminates it first, so nothing but a drill's own deployment runs while
// that drill measures. A pooled deployment is an ordinary one, started by
// Start and labelled with its own run id (prune finds it); its servers
// have run longer than a cold start's when the drill begins, as servers in
// production have. A Pool is safe for concurrent use; Close ends it.
type Pool struct {
	docker *Docker
	logger *slog.Logger
	ctx    context.Context // cancelled by Close: ends a start under way
	cancel context.CancelFunc

	mu     sync.Mutex
	held   *pooled
	closed bool
	wg     sync.WaitGroup // discards in flight
}

// pooled is one deployment the pool started (or is starting).
type pooled struct {
	spec  Spec
	done  chan struct{} // closed when the start returned
	dep   *Deployment   // set before done closes; partial on error
	err   error
	ready time.Duration // the start's own Setup.Ready
}

// NewPool returns an empty pool that starts deployments on d. Its starts
// outlive the calls that ask for them, until Close; ctx only carries
// values.
func NewPool(ctx context.Context, d *Docker, logger *slog.Logger) *Pool {
	if logger == nil {
		logger = slog.Default()
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &Pool{docker: d, logger: logger, ctx: pctx, cancel: cancel}
}

// Prepare starts spec's deployment in the background, unless the pool
// already holds one for it; a held deployment of another spec is torn down
// first. A spec without an image, or a closed pool, prepares nothing.
func (p *Pool) Prepare(spec Spec) {
	if p == nil || spec.Image == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	old := p.held
	if old != nil && old.spec.matches(spec.Topology, spec.Image) {
		return
	}
	h := &pooled{spec: spec, done: make(chan struct{})}
	p.held = h
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if old != nil {
			p.discard(old, "another deployment is wanted next")
		}
		defer close(h.done)
		h.dep, h.err = Start(p.ctx, p.docker, spec.Topology, StartOptions{Image: spec.Image, Logger: p.logger})
		if h.dep != nil {
			h.ready = h.dep.Setup.Ready
		}
		if h.err != nil {
			if p.ctx.Err() != nil { // closed: nobody waits for it
				return
			}
			p.logger.Warn("pool: start ahead of time failed; the drill will start its own", "topology", spec.Topology.String(), "err", h.err)
			return
		}
		p.logger.Debug("pool: deployment ready ahead of time", "run", h.dep.RunID, "topology", spec.Topology.String(), "ready_in", ms(h.ready))
	}()
}

// take returns the held deployment when it serves want, waiting for its
// start to finish; otherwise (want nil included) it tears the held one
// down and returns false. The pool is empty afterwards.
func (p *Pool) take(ctx context.Context, want *Spec) (*pooled, bool) {
	p.mu.Lock()
	h := p.held
	p.held = nil
	p.mu.Unlock()
	if h == nil {
		return nil, false
	}
	if want == nil || !h.spec.matches(want.Topology, want.Image) {
		p.discard(h, "the drill wants another deployment")
		return nil, false
	}
	select {
	case <-h.done:
	case <-ctx.Done():
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.discard(h, "the drill that wanted it ended")
		}()
		return nil, false
	}
	if h.err != nil {
		p.discard(h, "its start failed")
		return nil, false
	}
	return h, true
}

// discard waits for h's start to return and terminates what it created.
func (p *Pool) discard(h *pooled, why string) {
	<-h.done
	if h.dep == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), poolDiscardTimeout)
	defer cancel()
	if err := h.dep.Terminate(ctx); err != nil {
		p.logger.Warn("pool: tear down unused deployment", "run", h.dep.RunID, "err", err)
		return
	}
	p.logger.Debug("pool: unused deployment torn down", "run", h.dep.RunID, "why", why)
}

// Close ends a start under way and tears down what the pool holds; the
// pool prepares nothing afterwards. It is safe to call more than once.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.closed = true
	h := p.held
	p.held = nil
	p.mu.Unlock()
	p.cancel()
	if h != nil {
		p.discard(h, "the pool closed")
	}
	p.wg.Wait()
}
