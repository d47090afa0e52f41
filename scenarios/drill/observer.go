package drill

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Observer is a go-redis hook that records every SET your client sends:
// key, value, when it started and ended, and whether it was acknowledged.
// Install it with client.AddHook(observer) on a *redis.Client or a
// *redis.ClusterClient (on a cluster client it sees each command once,
// after redirects and retries); Result.Measure then reads the keys back.
type Observer struct {
	mu  sync.Mutex
	ops []observedWrite
}

type observedWrite struct {
	key, value       string
	invoke, complete time.Time
	err              error
}

// NewObserver returns an empty observer.
func NewObserver() *Observer { return &Observer{} }

// DialHook implements redis.Hook.
func (o *Observer) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (o *Observer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		// go-redis sets a connection error on cmd only after every hook
		// returned, so the error next returns is the outcome: a SET whose
		// dial failed has cmd.Err() == nil here and was never acknowledged.
		var failed error
		if err != nil && !errors.Is(err, redis.Nil) {
			failed = err
		}
		o.recordWith(cmd, start, time.Now(), failed)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook. A SET in a pipeline counts
// as acknowledged only when the whole pipeline succeeded, so SET + WAIT 1
// in one pipeline is acknowledged only once a replica has it.
func (o *Observer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		end := time.Now()
		var pipeErr error
		if err != nil && !errors.Is(err, redis.Nil) {
			pipeErr = err
		}
		for _, c := range cmds {
			o.recordWith(c, start, end, pipeErr)
		}
		return err
	}
}

// recordWith records cmd when it is a SET; failed overrides a nil command
// error (the pipeline it was part of failed).
func (o *Observer) recordWith(cmd redis.Cmder, start, end time.Time, failed error) {
	args := cmd.Args()
	if !strings.EqualFold(cmd.Name(), "set") || len(args) < 3 {
		return
	}
	err := cmd.Err()
	if err == nil {
		err = failed
	}
	w := observedWrite{key: fmt.Sprint(args[1]), value: fmt.Sprint(args[2]), invoke: start, complete: end, err: err}
	o.mu.Lock()
	o.ops = append(o.ops, w)
	o.mu.Unlock()
}

func (o *Observer) snapshot() []observedWrite {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]observedWrite(nil), o.ops...)
}

// Acked counts the acknowledged writes seen so far.
func (o *Observer) Acked() int {
	n := 0
	for _, w := range o.snapshot() {
		if w.err == nil {
			n++
		}
	}
	return n
}

// Outage returns, for writes started at or after since minus one second
// (a fault's first effect can precede its recorded onset by a request in
// flight), the start of the first failed write and the completion of the
// first acknowledged write after the last failed one. Both are zero when
// no write failed.
func (o *Observer) Outage(since time.Time) (firstFailure, recovered time.Time) {
	ops := o.snapshot()
	sort.Slice(ops, func(i, j int) bool { return ops[i].invoke.Before(ops[j].invoke) })
	var lastFailure time.Time
	from := since.Add(-time.Second)
	for _, w := range ops {
		if w.err == nil || w.invoke.Before(from) {
			continue
		}
		if firstFailure.IsZero() {
			firstFailure = w.invoke
		}
		if w.complete.After(lastFailure) {
			lastFailure = w.complete
		}
	}
	if firstFailure.IsZero() {
		return time.Time{}, time.Time{}
	}
	for _, w := range ops {
		if w.err == nil && !w.invoke.Before(lastFailure) && (recovered.IsZero() || w.complete.Before(recovered)) {
			recovered = w.complete
		}
	}
	return firstFailure, recovered
}

// Lost reads back, through client, every key the observer saw acknowledged
// and counts those that hold neither the last acknowledged value nor a
// value whose write was sent after it (an unacknowledged later write may
// have landed). It returns the count and up to 20 of the keys.
func (o *Observer) Lost(ctx context.Context, client redis.UniversalClient) (int, []string, error) {
	if client == nil {
		return 0, nil, errors.New("read back writes: nil client")
	}
	type keyState struct {
		acked     observedWrite
		hasAck    bool
		laterVals map[string]bool
	}
	ops := o.snapshot()
	sort.Slice(ops, func(i, j int) bool { return ops[i].invoke.Before(ops[j].invoke) })
	keys := map[string]*keyState{}
	for _, w := range ops {
		k := keys[w.key]
		if k == nil {
			k = &keyState{laterVals: map[string]bool{}}
			keys[w.key] = k
		}
		if w.err == nil && (!k.hasAck || w.complete.After(k.acked.complete)) {
			k.acked, k.hasAck = w, true
			k.laterVals = map[string]bool{}
			continue
		}
		k.laterVals[w.value] = true
	}
	names := make([]string, 0, len(keys))
	for name, k := range keys {
		if k.hasAck {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	lost := 0
	var lostKeys []string
	for _, name := range names {
		k := keys[name]
		got, err := client.Get(ctx, name).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, nil, fmt.Errorf("read back %s: %w", name, err)
		}
		if err == nil && (got == k.acked.value || k.laterVals[got]) {
			continue
		}
		lost++
		if len(lostKeys) < 20 {
			lostKeys = append(lostKeys, name)
		}
	}
	return lost, lostKeys, nil
}

var _ redis.Hook = (*Observer)(nil)
