package workload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Runner is a running workload.
type Runner struct {
	profile Profile
	ledger  *Ledger
	client  redis.UniversalClient // owned: closed by Stop
	cancel  context.CancelFunc
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	prefix  string
	nonce   string
	history historyLog // the shared keys' ops (Profile.History)
}

// Start validates p and starts p.Clients writers on a client built from the
// options of client (the caller's client is not modified and stays the
// caller's to close). Each op SETs a new unique key; every op is recorded in
// the runner's ledger. Cancelling ctx stops the writers (ops in flight end as
// unknown); Stop ends them gracefully.
func Start(ctx context.Context, client redis.UniversalClient, p Profile) (*Runner, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("start workload: %w", err)
	}
	own, err := ownClient(client, p)
	if err != nil {
		return nil, err
	}
	nonce, err := newNonce()
	if err != nil {
		_ = own.Close()
		return nil, fmt.Errorf("start workload: %w", err)
	}
	prefix := p.KeyPrefix
	if prefix == "" {
		prefix = "rd:" + nonce
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &Runner{
		profile: p, ledger: NewLedger(), client: own, cancel: cancel,
		stop: make(chan struct{}), prefix: prefix, nonce: nonce,
	}
	pad := padding(p.Seed, p.ValueSize)
	var interval time.Duration
	if p.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(p.Clients) / float64(p.Rate))
	}
	begin := time.Now()
	for c := 0; c < p.Clients; c++ {
		w := &worker{
			r: r, id: c, rec: r.ledger.Recorder(), pad: pad, interval: interval,
			next: begin.Add(interval * time.Duration(c) / time.Duration(p.Clients)),
			mix:  newMixer(p.Mix, p.Seed, c),
			hist: newHistoryPicker(p.Seed, c, begin),
		}
		r.wg.Add(1)
		go w.run(rctx)
	}
	return r, nil
}

// Ledger returns the live ledger (safe to read while the workload runs).
func (r *Runner) Ledger() *Ledger { return r.ledger }

// KeyPrefix returns the prefix of every key the runner writes.
func (r *Runner) KeyPrefix() string { return r.prefix }

// Stop stops the writers, waits for the ops in flight to complete, closes the
// runner's client and returns the ledger. It is safe to call more than once.
func (r *Runner) Stop() *Ledger {
	r.once.Do(func() {
		close(r.stop)
		r.wg.Wait()
		r.cancel()
		_ = r.client.Close()
	})
	return r.ledger
}

func newNonce() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make run nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// worker is one client of the workload.
type worker struct {
	r        *Runner
	id       int
	rec      *Recorder
	pad      string
	interval time.Duration
	next     time.Time
	mix      *mixer
	hist     *historyPicker
}

func (w *worker) run(ctx context.Context) {
	defer w.r.wg.Done()
	log := &attemptLog{}
	ctx = context.WithValue(ctx, attemptKey{}, log)
	var timer *time.Timer
	p := w.r.profile
	var hseq int64 // history ops of this client so far
	for seq := int64(0); ; {
		var due time.Time
		if w.interval > 0 {
			if d := time.Until(w.next); d > 0 {
				if timer == nil {
					timer = time.NewTimer(d)
				} else {
					timer.Reset(d)
				}
				select {
				case <-timer.C:
				case <-w.r.stop:
					return
				case <-ctx.Done():
					return
				}
			}
			due = w.next
			w.next = w.next.Add(w.interval)
			if now := time.Now(); !p.CatchUp && now.Sub(w.next) > w.interval {
				w.next = now // fell behind (slow or failing ops): do not burst to catch up
			}
		}
		select {
		case <-w.r.stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if w.hist.take(p.History) {
			w.historyOp(ctx, log, hseq)
			hseq++
			continue
		}
		op := w.nextOp(seq)
		seq++
		if p.CatchUp {
			op.Scheduled = due
		}
		log.reset()
		op.Invoke = time.Now()
		reply, replicas, setErr, waitErr := w.write(ctx, op, valueFor(op.Tag, p.ValueSize, w.pad))
		op.Complete = time.Now()
		op.Replicas = replicas
		attempts, ambiguous := log.get()
		op.Attempts = attempts
		decide(&op, p.WaitReplicas, setErr, waitErr, ambiguous)
		if setErr == nil {
			op.noteReply(reply)
		}
		w.rec.Record(op)
	}
}

// nextOp returns op seq of the worker: its kind, key and tag.
func (w *worker) nextOp(seq int64) Op {
	op := Op{Client: w.id, Seq: seq, Tag: tagFor(w.r.nonce, w.id, seq)}
	if len(w.r.profile.Mix) == 0 {
		op.Key = keyFor(w.r.prefix, w.id, seq)
		return op
	}
	kind, key := w.mix.next(w.r.prefix, w.id)
	op.Type, op.Key = kind, key
	switch kind {
	case KindSet, KindSetTTL:
		op.Key = keyFor(w.r.prefix, w.id, seq)
		if kind == KindSetTTL {
			op.TTLMS = w.mix.ttl().Milliseconds()
		}
	case KindHSet:
		op.Field = op.Tag
	}
	return op
}

// write sends op's command (and WAIT on the same connection when asked).
// It returns the command's reply, WAIT's answer (-1 when not waited), the
// command's error and the WAIT error.
func (w *worker) write(ctx context.Context, op Op, value string) (any, int, error, error) {
	if w.r.profile.WaitReplicas == 0 {
		v, err := w.r.client.Do(ctx, op.args(value)...).Result()
		return v, -1, err, nil
	}
	return w.send(ctx, op.Key, op.args(value))
}

// send sends a write and WAIT on the same connection, to the primary of
// key; it returns what write returns.
func (w *worker) send(ctx context.Context, key string, args []any) (any, int, error, error) {
	p := w.r.profile
	var node *redis.Client
	switch c := w.r.client.(type) {
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, -1, &notSentError{fmt.Errorf("route key: %w", err)}, nil
		}
		node = n
	case *redis.Client:
		node = c
	}
	pipe := node.Pipeline()
	cmd := pipe.Do(ctx, args...)
	wait := pipe.Do(ctx, "wait", p.WaitReplicas, p.WaitTimeout.Milliseconds())
	_, _ = pipe.Exec(ctx)
	if err := cmd.Err(); err != nil {
		// A redirect, or a node that cannot be reached, means the slot map
		// may be stale: refresh it (the cluster-level hook does not see
		// commands sent to a node client directly).
		var reply redis.Error
		if isRedirect(err) || !errors.As(err, &reply) {
			if cc, ok := w.r.client.(*redis.ClusterClient); ok {
				cc.ReloadState(ctx)
			}
		}
		return nil, -1, err, nil
	}
	n, err := wait.Int64()
	if err != nil {
		return cmd.Val(), -1, nil, err
	}
	return cmd.Val(), int(n), nil, nil
}

// decide sets the outcome, error kind and text of op.
func decide(op *Op, waitReplicas int, setErr, waitErr, ambiguous error) {
	switch {
	case setErr != nil:
		op.Outcome, op.Kind, op.Err = Classify(setErr), ErrorKind(setErr), setErr.Error()
		if op.Outcome == Fail && ambiguous != nil {
			// An earlier attempt may have applied the write.
			op.Outcome = Unknown
			op.Kind = ErrorKind(ambiguous)
			op.Err = fmt.Sprintf("%s (after ambiguous attempt: %v)", setErr, ambiguous)
		}
	case waitErr != nil:
		// Applied on the primary, replication not confirmed.
		op.Outcome, op.Kind, op.Err = Unknown, "WAIT", "set ok, wait: "+waitErr.Error()
	case waitReplicas > 0 && op.Replicas < waitReplicas:
		op.Outcome, op.Kind = Unknown, "WAIT"
		op.Err = fmt.Sprintf("set ok, wait: %d of %d replicas acknowledged", op.Replicas, waitReplicas)
	default:
		op.Outcome = OK
	}
}

func isRedirect(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	k := ErrorKind(err)
	return k == "MOVED" || k == "ASK"
}
