package recovery

import (
	"log/slog"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// The engine is the Env its strategies get.
var _ Env = (*Engine)(nil)

// Deployment returns the deployment the engine recovers.
func (e *Engine) Deployment() deploy.Deployment { return e.dep }

// Options returns the engine's options.
func (e *Engine) Options() Options { return e.opts }

func (e *Engine) log() *slog.Logger { return e.logger }

func (e *Engine) baselineKeys() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.baseline.TotalKeys()
}

func (e *Engine) shardsNow() []deploy.Shard {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]deploy.Shard(nil), e.shards...)
}

func (e *Engine) spareNow() deploy.Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.spares) == 0 {
		return nil
	}
	return e.spares[0]
}
