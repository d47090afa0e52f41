package workload

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness/history"
)

// History ops: besides its own new keys (the ledger's writes), each client
// reads and writes keys every client shares, so a history checker sees
// what clients saw — a stale read, a value never written, a list that lost
// or reordered an append, a counter that went back or counted twice.
//
// The shared keys rotate: every historyGeneration the clients move to a
// new set of historyKeys keys per type (registers, lists, counters), so a
// list stays short and each key's history small enough to check quickly,
// while every key is still read and written by several clients at once.
const (
	historyGeneration = 2 * time.Second
	historyKeys       = 4
)

// historyTypes are the shared key types, drawn uniformly.
var historyTypes = [...]string{history.TypeRegister, history.TypeList, history.TypeCounter}

// historyLog holds the history ops of every client: one slice per client,
// appended by that client only, read after the clients stopped.
type historyLog struct {
	mu      sync.Mutex
	clients [][]history.Op
	final   []history.Op
}

// add records op of client c.
func (h *historyLog) add(c int, op history.Op) {
	h.mu.Lock()
	for len(h.clients) <= c {
		h.clients = append(h.clients, nil)
	}
	h.clients[c] = append(h.clients[c], op)
	h.mu.Unlock()
}

// ops returns every op, ordered by invoke (final reads last).
func (h *historyLog) ops() []history.Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []history.Op
	for _, c := range h.clients {
		out = append(out, c...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Invoke.Before(out[j].Invoke) })
	return append(out, h.final...)
}

// keys returns every shared key the clients touched, with its type, sorted.
func (h *historyLog) keys() [][2]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]string{}
	for _, c := range h.clients {
		for _, op := range c {
			seen[op.Key] = op.Type
		}
	}
	out := make([][2]string, 0, len(seen))
	for k, t := range seen {
		out = append(out, [2]string{k, t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// historyPicker draws a client's history ops from its seeded generator.
type historyPicker struct {
	rng   *rand.Rand
	begin time.Time
}

func newHistoryPicker(seed int64, client int, begin time.Time) *historyPicker {
	return &historyPicker{rng: rand.New(rand.NewSource(seed*7_000_003 + int64(client) + 1)), begin: begin}
}

// take reports whether the next op is a history op, with probability share.
func (p *historyPicker) take(share float64) bool {
	return share > 0 && p.rng.Float64() < share
}

// next returns the next history op of client c (seq is its history seq):
// a shared key of the current generation, a write (SET of a unique value,
// RPUSH of a unique element, INCR) or a read (GET, LRANGE 0 -1, GET), one
// of two each.
func (p *historyPicker) next(prefix, nonce string, c int, seq int64, now time.Time) history.Op {
	typ := historyTypes[p.rng.Intn(len(historyTypes))]
	gen := int64(now.Sub(p.begin) / historyGeneration)
	key := prefix + ":h:" + typ + ":" + strconv.FormatInt(gen, 10) + ":" + strconv.Itoa(p.rng.Intn(historyKeys))
	op := history.Op{Client: c, Seq: seq, Key: key, Type: typ, F: history.FRead}
	if p.rng.Intn(2) == 0 {
		switch typ {
		case history.TypeRegister:
			op.F = history.FWrite
		case history.TypeList:
			op.F = history.FAppend
		case history.TypeCounter:
			op.F = history.FIncr
		}
		if typ != history.TypeCounter {
			op.Value = "h" + tagFor(nonce, c, seq)
		}
	}
	return op
}

// historyArgs returns the command of a history op.
func historyArgs(op history.Op) []any {
	switch op.F {
	case history.FWrite:
		return []any{"set", op.Key, op.Value}
	case history.FAppend:
		return []any{"rpush", op.Key, op.Value}
	case history.FIncr:
		return []any{"incr", op.Key}
	}
	if op.Type == history.TypeList {
		return []any{"lrange", op.Key, 0, -1}
	}
	return []any{"get", op.Key}
}

// noteHistoryReply records what a history op returned: a read's value,
// list or counter, an INCR's reply.
func noteHistoryReply(op *history.Op, v any, err error) error {
	switch {
	case op.F == history.FRead && errors.Is(err, redis.Nil):
		if op.Type == history.TypeCounter {
			var zero int64
			op.Counter = &zero
		}
		return nil
	case err != nil:
		return err
	}
	switch {
	case op.F == history.FIncr:
		n, ok := v.(int64)
		if !ok {
			return fmt.Errorf("incr %s: reply %T, want an integer", op.Key, v)
		}
		op.Counter = &n
	case op.F != history.FRead:
	case op.Type == history.TypeList:
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("lrange %s: reply %T, want an array", op.Key, v)
		}
		op.List = make([]string, 0, len(items))
		for _, it := range items {
			s, _ := it.(string)
			op.List = append(op.List, s)
		}
	case op.Type == history.TypeCounter:
		s, _ := v.(string)
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			return fmt.Errorf("get %s: counter %q: %w", op.Key, s, perr)
		}
		op.Counter = &n
	default:
		s, _ := v.(string)
		op.Got = &s
	}
	return nil
}

// historyOp runs one history op of w and records it.
func (w *worker) historyOp(ctx context.Context, log *attemptLog, seq int64) {
	p := w.r.profile
	op := w.hist.next(w.r.prefix, w.r.nonce, w.id, seq, time.Now())
	log.reset()
	op.Invoke = time.Now()
	var reply any
	var err, waitErr error
	replicas := -1
	if op.F == history.FRead || p.WaitReplicas == 0 {
		reply, err = w.r.client.Do(ctx, historyArgs(op)...).Result()
	} else {
		reply, replicas, err, waitErr = w.send(ctx, op.Key, historyArgs(op))
	}
	op.Complete = time.Now()
	err = noteHistoryReply(&op, reply, err)
	_, ambiguous := log.get()
	rec := Op{Replicas: replicas}
	decide(&rec, p.WaitReplicas*btoi(op.F != history.FRead), err, waitErr, ambiguous)
	op.Outcome, op.Kind, op.Err = string(rec.Outcome), rec.Kind, rec.Err
	if op.Outcome != string(OK) {
		op.Got, op.List, op.Counter = nil, nil, nil
		if op.F == history.FIncr && rec.Kind == "WAIT" {
			// Applied on the primary, replication not confirmed: the
			// reply still says which increment it was.
			op.Counter = counterOf(reply)
		}
	}
	w.r.history.add(w.id, op)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func counterOf(v any) *int64 {
	if n, ok := v.(int64); ok {
		return &n
	}
	return nil
}

// History returns every history op recorded so far, ordered by invoke,
// with the final reads (ReadHistoryFinal) last.
func (r *Runner) History() []history.Op { return r.history.ops() }

// ReadHistoryFinal reads every shared key once more after the run (GET,
// LRANGE 0 -1), with no client writing: the final state the history
// checker holds acked writes against. Each read is recorded as a final op
// (Client -1). Call it after Stop.
func (r *Runner) ReadHistoryFinal(ctx context.Context, client redis.UniversalClient) error {
	keys := r.history.keys()
	var final []history.Op
	for i, kt := range keys {
		op := history.Op{Client: -1, Seq: int64(i), Key: kt[0], Type: kt[1], F: history.FRead, Final: true}
		err := retryRead(ctx, func() error {
			op.Invoke = time.Now()
			v, err := client.Do(ctx, historyArgs(op)...).Result()
			op.Complete = time.Now()
			op.Got, op.List, op.Counter = nil, nil, nil
			return noteHistoryReply(&op, v, err)
		})
		if err != nil {
			return fmt.Errorf("read history key %s: %w", op.Key, err)
		}
		op.Outcome = string(OK)
		final = append(final, op)
	}
	r.history.mu.Lock()
	r.history.final = final
	r.history.mu.Unlock()
	return nil
}
