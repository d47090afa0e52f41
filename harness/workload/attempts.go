package workload

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
)

// attemptLog collects what each attempt of one op saw. A ClusterClient
// retries some errors (EOF, timeouts, CLUSTERDOWN, TRYAGAIN…) and follows
// MOVED/ASK up to MaxRedirects times whatever MaxRetries says, so the final
// error alone can hide an earlier ambiguous attempt: a timeout followed by
// CLUSTERDOWN may still have been applied by the first attempt.
type attemptLog struct {
	mu        sync.Mutex
	attempts  int
	ambiguous error // last attempt error that leaves the write unknown
}

func (a *attemptLog) reset() {
	a.mu.Lock()
	a.attempts, a.ambiguous = 0, nil
	a.mu.Unlock()
}

func (a *attemptLog) note(err error) {
	a.mu.Lock()
	a.attempts++
	if err != nil && Classify(err) == Unknown {
		a.ambiguous = err
	}
	a.mu.Unlock()
}

func (a *attemptLog) get() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.attempts, a.ambiguous
}

type attemptKey struct{}

// writes are the commands whose attempts the hook notes: every write the
// workload makes (a retried write may have been applied by an earlier
// attempt; a retried read changes nothing).
func writes(name string) bool {
	switch name {
	case "set", "incr", "hset", "rpush", "xadd":
		return true
	}
	return false
}

// attemptHook notes every attempt of a write made with a context that
// carries an attemptLog. It is installed on the node clients the workload
// owns.
type attemptHook struct{}

func (attemptHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (attemptHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if log, ok := ctx.Value(attemptKey{}).(*attemptLog); ok && writes(cmd.Name()) {
			// The returned error, not cmd.Err(): go-redis puts a network
			// error (a read timeout: ambiguous) on the command only after
			// every hook returned.
			log.note(err)
		}
		return err
	}
}

func (attemptHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if log, ok := ctx.Value(attemptKey{}).(*attemptLog); ok {
			for _, c := range cmds {
				if writes(c.Name()) {
					cerr := c.Err()
					if cerr == nil {
						cerr = err // the pipeline's own failure (a dial or read error)
					}
					log.note(cerr)
				}
			}
		}
		return err
	}
}

// ownClient builds the workload's own client from the options of the given
// one: no retries on node clients (MaxRetries -1), one dial attempt per
// command (go-redis otherwise dials 5 times, ≈ 3 s against a dead node with
// a 500 ms dial timeout, hiding each refusal), a pool large enough for every
// worker, a read timeout that covers WAIT, its own push-notification
// processor, and the attempt hook on every node client. The caller's client
// is left untouched.
func ownClient(client redis.UniversalClient, p Profile) (redis.UniversalClient, error) {
	pool := p.Clients + 2
	switch c := client.(type) {
	case *redis.ClusterClient:
		opt := *c.Options()
		opt.MaxRetries, opt.DialerRetries, opt.PushNotificationProcessor = -1, 1, nil
		opt.PoolSize = max(opt.PoolSize, pool)
		if p.WaitReplicas > 0 && opt.ReadTimeout > 0 {
			opt.ReadTimeout += p.WaitTimeout
		}
		cc := redis.NewClusterClient(&opt)
		harness.RefreshSlotsOnNetError(cc)
		cc.OnNewNode(func(n *redis.Client) { n.AddHook(attemptHook{}) })
		return cc, nil
	case *redis.Client:
		opt := *c.Options()
		opt.MaxRetries, opt.DialerRetries, opt.PushNotificationProcessor = -1, 1, nil
		opt.PoolSize = max(opt.PoolSize, pool)
		if p.WaitReplicas > 0 && opt.ReadTimeout > 0 {
			opt.ReadTimeout += p.WaitTimeout
		}
		nc := redis.NewClient(&opt)
		nc.AddHook(attemptHook{})
		return nc, nil
	case nil:
		return nil, fmt.Errorf("start workload: client is nil")
	default:
		return nil, fmt.Errorf("start workload: unsupported client type %T (want *redis.Client or *redis.ClusterClient)", client)
	}
}

var _ redis.Hook = attemptHook{}
