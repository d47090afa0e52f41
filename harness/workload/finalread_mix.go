package workload

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// containerReadBatch is the number of counters, lists or streams read per
// pipeline.
const containerReadBatch = 100

// Anomaly is a final-read finding that is not a lost write: a counter
// below an acked increment, or a key read back after it expired.
type Anomaly struct {
	Kind   string    `json:"kind"` // counter-backwards or expired-returned
	Key    string    `json:"key"`
	Tag    string    `json:"tag"`
	At     time.Time `json:"at"` // the op's completion
	Detail string    `json:"detail"`
}

// Anomaly kinds.
const (
	AnomalyCounterBackwards = "counter-backwards"
	AnomalyExpiredReturned  = "expired-returned"
)

// member is what identifies op inside its key: the hash field of an HSET,
// the tag of an RPUSH or XADD, nothing for a whole-key write.
func (o Op) member() string {
	switch o.kindOf() {
	case KindHSet:
		return o.Field
	case KindRPush, KindXAdd:
		return o.Tag
	}
	return ""
}

// mixed says whether any op carries a kind (a Profile.Mix workload).
func mixed(ops []Op) bool {
	for _, op := range ops {
		if op.Type != "" {
			return true
		}
	}
	return false
}

// pointRead is the value of one key or hash field and when it was read.
type pointRead struct {
	val         *string
	start, done time.Time
}

// finalReadMixed reads back a ledger with kinds: each key or hash field of a
// whole-value write once, each counter, list and stream once, then judges
// every op by its kind.
func finalReadMixed(ctx context.Context, client redis.Cmdable, ops []Op) (Check, error) {
	var c Check
	points, err := readPoints(ctx, client, ops)
	if err != nil {
		return c, err
	}
	containers, err := readContainers(ctx, client, ops)
	if err != nil {
		return c, err
	}
	seen := map[string]bool{}
	for i, op := range ops {
		switch op.kindOf() {
		case KindIncr:
			c.judgeIncr(op, containers[op.Key])
		case KindRPush, KindXAdd:
			var val *string
			if containers[op.Key].members[op.Tag] {
				tag := op.Tag
				val = &tag
			}
			c.classify(op, val)
			c.observeMember(op, val != nil, seen)
			continue
		case KindSetTTL:
			c.judgeTTL(op, points[i])
		default:
			c.classify(op, points[i].val)
		}
		c.observeMixed(op, points[i], containers[op.Key], seen)
	}
	c.trimLost()
	return c, nil
}

// readPoints GETs (HGETs) the key (field) of every whole-value write, in
// batches, and records when each batch was read; other ops get no read.
func readPoints(ctx context.Context, client redis.Cmdable, ops []Op) ([]pointRead, error) {
	out := make([]pointRead, len(ops))
	var idx []int
	for i, op := range ops {
		switch op.kindOf() {
		case KindSet, KindSetTTL, KindHSet:
			idx = append(idx, i)
		}
	}
	for start := 0; start < len(idx); start += finalReadBatch {
		batch := idx[start:min(start+finalReadBatch, len(idx))]
		if err := retryRead(ctx, func() error { return readPointBatch(ctx, client, ops, batch, out) }); err != nil {
			return nil, fmt.Errorf("final read: values %d..%d of %d: %w", start, start+len(batch)-1, len(idx), err)
		}
	}
	return out, nil
}

func readPointBatch(ctx context.Context, client redis.Cmdable, ops []Op, batch []int, out []pointRead) error {
	pipe := client.Pipeline()
	cmds := make([]*redis.StringCmd, len(batch))
	for j, i := range batch {
		if ops[i].kindOf() == KindHSet {
			cmds[j] = pipe.HGet(ctx, ops[i].Key, ops[i].Field)
		} else {
			cmds[j] = pipe.Get(ctx, ops[i].Key)
		}
	}
	start := time.Now()
	_, _ = pipe.Exec(ctx)
	done := time.Now()
	for j, cmd := range cmds {
		v, err := cmd.Result()
		switch {
		case err == nil:
			out[batch[j]] = pointRead{val: &v, start: start, done: done}
		case errors.Is(err, redis.Nil):
			out[batch[j]] = pointRead{start: start, done: done}
		default:
			return fmt.Errorf("read %q: %w", ops[batch[j]].Key, err)
		}
	}
	return nil
}

// container is what the final read found in a counter, list or stream.
type container struct {
	found   bool
	counter int64
	members map[string]bool // tags of a list or stream
}

// readContainers reads every counter (GET), list (LRANGE) and stream
// (XRANGE) the ledger touched, once each.
func readContainers(ctx context.Context, client redis.Cmdable, ops []Op) (map[string]container, error) {
	kinds := map[string]Kind{}
	var keys []string
	for _, op := range ops {
		switch op.kindOf() {
		case KindIncr, KindRPush, KindXAdd:
			if _, ok := kinds[op.Key]; !ok {
				kinds[op.Key] = op.kindOf()
				keys = append(keys, op.Key)
			}
		}
	}
	out := make(map[string]container, len(keys))
	for start := 0; start < len(keys); start += containerReadBatch {
		batch := keys[start:min(start+containerReadBatch, len(keys))]
		if err := retryRead(ctx, func() error { return readContainerBatch(ctx, client, batch, kinds, out) }); err != nil {
			return nil, fmt.Errorf("final read: containers %d..%d of %d: %w", start, start+len(batch)-1, len(keys), err)
		}
	}
	return out, nil
}

func readContainerBatch(ctx context.Context, client redis.Cmdable, batch []string, kinds map[string]Kind, out map[string]container) error {
	pipe := client.Pipeline()
	cmds := make([]redis.Cmder, len(batch))
	for i, key := range batch {
		switch kinds[key] {
		case KindIncr:
			cmds[i] = pipe.Get(ctx, key)
		case KindRPush:
			cmds[i] = pipe.LRange(ctx, key, 0, -1)
		case KindXAdd:
			cmds[i] = pipe.XRange(ctx, key, "-", "+")
		}
	}
	_, _ = pipe.Exec(ctx)
	for i, key := range batch {
		if err := cmds[i].Err(); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("read %q: %w", key, err)
		}
		c := container{members: map[string]bool{}}
		switch cmd := cmds[i].(type) {
		case *redis.StringCmd:
			if v, err := cmd.Result(); err == nil {
				n, perr := strconv.ParseInt(v, 10, 64)
				if perr != nil {
					return fmt.Errorf("read counter %q: %w", key, perr)
				}
				c.found, c.counter = true, n
			}
		case *redis.StringSliceCmd:
			for _, v := range cmd.Val() {
				c.members[v] = true
			}
			c.found = len(c.members) > 0
		case *redis.XMessageSliceCmd:
			for _, m := range cmd.Val() {
				if tag, ok := m.Values["tag"].(string); ok {
					c.members[tag] = true
				}
			}
			c.found = len(c.members) > 0
		}
		out[key] = c
	}
	return nil
}

// judgeIncr checks an INCR: an acked increment that returned n is kept when
// the counter reads at least n. An INCR that was not acked cannot be told
// apart from its neighbours, so it is only counted (Unchecked).
func (c *Check) judgeIncr(op Op, ctr container) {
	c.Keys++
	if op.Outcome != OK {
		c.Unchecked++
		return
	}
	if ctr.found && ctr.counter >= op.Counter {
		c.OK++
		return
	}
	c.CounterBackwards++
	got := "missing"
	if ctr.found {
		got = strconv.FormatInt(ctr.counter, 10)
	}
	c.anomaly(Anomaly{Kind: AnomalyCounterBackwards, Key: op.Key, Tag: op.Tag, At: op.Complete,
		Detail: fmt.Sprintf("INCR acked with %d, the counter reads %s", op.Counter, got)})
	c.lose(op, !ctr.found, got)
}

// judgeTTL checks a SET with a time to live against when it was read: read
// entirely after its latest possible expiry, it must be gone (present is an
// expired key come back); read entirely before its earliest possible
// expiry, it is an ordinary write; in between either answer is right.
func (c *Check) judgeTTL(op Op, r pointRead) {
	present := r.val != nil && tagOf(*r.val) == op.Tag
	earliest := op.Invoke.Add(time.Duration(op.TTLMS) * time.Millisecond)
	switch {
	case r.start.After(op.ExpiresBy()) && op.Outcome == OK:
		// Only an acked write bounds when the server set its expiry: one
		// that failed or timed out may have run later (a command queued
		// on a frozen or cut-off server), expiring later too.
		c.Keys++
		if present {
			c.ExpiredReturned++
			c.anomaly(Anomaly{Kind: AnomalyExpiredReturned, Key: op.Key, Tag: op.Tag, At: op.Complete,
				Detail: fmt.Sprintf("expired by %s at the latest, read back at %s", op.ExpiresBy().Format(time.RFC3339Nano), r.start.Format(time.RFC3339Nano))})
			return
		}
		c.Expired++
	case r.done.Before(earliest):
		c.classify(op, r.val)
	case present:
		c.classify(op, r.val)
	default:
		c.Keys++
		c.Expired++ // it may have expired while it was read: not a loss
	}
}

func (c *Check) anomaly(a Anomaly) {
	if len(c.Anomalies) < MaxLostKeys {
		c.Anomalies = append(c.Anomalies, a)
	}
}

// observeMixed records what the read found for op's key (or hash field),
// once per key and field.
func (c *Check) observeMixed(op Op, r pointRead, ctr container, seen map[string]bool) {
	id := op.Key + "\x00" + op.member()
	if seen[id] {
		return
	}
	seen[id] = true
	o := Observation{Key: op.Key, Field: op.member()}
	switch op.kindOf() {
	case KindIncr:
		o.Missing, o.Counter = !ctr.found, ctr.counter
	default:
		o.Missing = r.val == nil
		if r.val != nil {
			o.Tag = tagOf(*r.val)
			if len(o.Tag) > maxObservedTag {
				o.Tag = o.Tag[:maxObservedTag]
			}
		}
		if op.kindOf() == KindSetTTL {
			o.ReadStart, o.ReadDone = r.start, r.done
		}
	}
	c.Observed = append(c.Observed, o)
}

// observeMember records whether a list's or stream's member was found.
func (c *Check) observeMember(op Op, found bool, seen map[string]bool) {
	id := op.Key + "\x00" + op.member()
	if seen[id] {
		return
	}
	seen[id] = true
	o := Observation{Key: op.Key, Field: op.member(), Missing: !found}
	if found {
		o.Tag = op.Tag
	}
	c.Observed = append(c.Observed, o)
}
