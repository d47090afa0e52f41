package workload

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxLostKeys caps the list of lost keys a Check carries (Lost has the total).
const MaxLostKeys = 100

// finalReadBatch is the number of GETs per pipeline.
const finalReadBatch = 500

// maxObservedTag caps the tag an Observation records. Tags the workload
// writes are far shorter, so a capped tag can never equal an op's tag; the
// cap only bounds the file when a key holds a foreign value without '|'.
const maxObservedTag = 256

// Observation is what the final read found for one key: the tag at the start
// of its value, or missing. They are saved (finalread.jsonl) so loss can be
// recomputed from the run's files alone.
type Observation struct {
	Key     string `json:"key"`
	Tag     string `json:"tag,omitempty"`
	Missing bool   `json:"missing,omitempty"`
	// Field is the hash field, or the list or stream member (an op's tag),
	// the observation is about; empty for a whole key.
	Field string `json:"field,omitempty"`
	// Counter is a counter's value (Missing when the key is gone).
	Counter int64 `json:"counter,omitempty"`
	// ReadStart and ReadDone bracket the read of a key written with a time
	// to live, so whether it should have expired can be recomputed.
	ReadStart time.Time `json:"read_start,omitzero"`
	ReadDone  time.Time `json:"read_done,omitzero"`
}

// LostKey is one acked write missing from the final read.
type LostKey struct {
	Key      string    `json:"key"`
	Tag      string    `json:"tag"`
	Complete time.Time `json:"complete"`
	Missing  bool      `json:"missing"`       // false: the key holds another value
	Got      string    `json:"got,omitempty"` // tag found instead, when not missing
}

// Check is the result of reading back every key of the ledger.
type Check struct {
	Keys int `json:"keys"` // ops checked
	// OK: acked and present with the acked value.
	OK int `json:"ok"`
	// Lost: acked but missing or holding another value (LostMissing + LostWrongValue).
	Lost           int `json:"lost"`
	LostMissing    int `json:"lost_missing"`
	LostWrongValue int `json:"lost_wrong_value"`
	// Recovered: fail/unknown but present; RecoveredFromFail counts the fail
	// ones, which mean the classifier called a write "not applied" wrongly.
	Recovered         int `json:"recovered"`
	RecoveredFromFail int `json:"recovered_from_fail"`
	// NotApplied: fail/unknown and missing.
	NotApplied int `json:"not_applied"`
	// CounterBackwards: acked INCRs whose counter reads below their reply
	// (also counted in Lost).
	CounterBackwards int `json:"counter_backwards,omitempty"`
	// ExpiredReturned: keys written with a TTL read back after they must
	// have expired (not counted in Lost).
	ExpiredReturned int `json:"expired_returned,omitempty"`
	// Expired: keys written with a TTL that had expired, as they should.
	Expired int `json:"expired,omitempty"`
	// Unchecked: INCRs that were not acked; their effect cannot be told
	// apart from their neighbours'.
	Unchecked int `json:"unchecked,omitempty"`
	// Anomalies lists up to MaxLostKeys counter and expiry findings.
	Anomalies []Anomaly `json:"anomalies,omitempty"`
	// LostKeys lists up to MaxLostKeys lost writes, oldest completion first.
	LostKeys []LostKey `json:"lost_keys,omitempty"`
	// OldestLost / NewestLost are the completion times of the oldest and the
	// newest lost acked write (zero when nothing was lost).
	OldestLost time.Time `json:"oldest_lost,omitzero"`
	NewestLost time.Time `json:"newest_lost,omitzero"`
	// Observed holds what the read found for each distinct key, in ledger
	// invoke order. Not part of the JSON of a Check: it is saved on its own
	// with WriteObservationsJSONL.
	Observed []Observation `json:"-"`
}

// LossWindow is t0 − (completion of the oldest lost acked write): how far
// before the fault acked writes were lost. Zero when nothing was lost;
// negative when every lost write was acked after t0 (e.g. by a primary
// isolated in a minority).
func (c Check) LossWindow(t0 time.Time) time.Duration {
	if c.Lost == 0 || c.OldestLost.IsZero() {
		return 0
	}
	return t0.Sub(c.OldestLost)
}

// FinalRead reads every key the ledger touched (pipelined GETs; a
// ClusterClient splits them by node) and classifies each op. A batch that
// hits errors other than a missing key is retried a few times; if it still
// fails the read is incomplete and an error is returned.
func (l *Ledger) FinalRead(ctx context.Context, client redis.Cmdable) (Check, error) {
	if client == nil {
		return Check{}, errors.New("final read: client is nil")
	}
	ops := l.Ops() // invoke order; lost keys are re-sorted by completion below
	if mixed(ops) {
		return finalReadMixed(ctx, client, ops)
	}
	var c Check
	seen := make(map[string]bool, len(ops))
	for start := 0; start < len(ops); start += finalReadBatch {
		batch := ops[start:min(start+finalReadBatch, len(ops))]
		vals, err := readBatch(ctx, client, batch)
		if err != nil {
			return c, fmt.Errorf("final read: keys %d..%d of %d: %w", start, start+len(batch)-1, len(ops), err)
		}
		for i, op := range batch {
			c.classify(op, vals[i])
			c.observe(op.Key, vals[i], seen)
		}
	}
	c.trimLost()
	return c, nil
}

// readBatch returns each key's value, nil for a missing key.
func readBatch(ctx context.Context, client redis.Cmdable, ops []Op) ([]*string, error) {
	var vals []*string
	err := retryRead(ctx, func() error {
		pipe := client.Pipeline()
		cmds := make([]*redis.StringCmd, len(ops))
		for i, op := range ops {
			cmds[i] = pipe.Get(ctx, op.Key)
		}
		_, _ = pipe.Exec(ctx)
		vals = make([]*string, len(ops))
		for i, cmd := range cmds {
			v, err := cmd.Result()
			switch {
			case err == nil:
				vals[i] = &v
			case errors.Is(err, redis.Nil):
			default:
				return fmt.Errorf("get %q: %w", ops[i].Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read batch: %w", err)
	}
	return vals, nil
}

// retryRead runs read up to five times, 200 ms apart, until it succeeds:
// a batch that hits errors other than a missing key (a node still
// reconnecting) gets a few chances before the final read gives up.
func retryRead(ctx context.Context, read func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
			case <-time.After(200 * time.Millisecond):
			}
		}
		if err = read(); err == nil {
			return nil
		}
	}
	return err
}

func (c *Check) classify(op Op, val *string) {
	c.Keys++
	present := val != nil && tagOf(*val) == op.Tag
	if op.Outcome != OK {
		if val != nil {
			c.Recovered++
			if op.Outcome == Fail {
				c.RecoveredFromFail++
			}
		} else {
			c.NotApplied++
		}
		return
	}
	if present {
		c.OK++
		return
	}
	got := ""
	if val != nil {
		got = tagOf(*val)
		if len(got) > 64 {
			got = got[:64]
		}
	}
	c.lose(op, val == nil, got)
}

// lose counts op as a lost acked write.
func (c *Check) lose(op Op, missing bool, got string) {
	c.Lost++
	lk := LostKey{Key: op.Key, Tag: op.Tag, Complete: op.Complete, Missing: missing}
	if missing {
		c.LostMissing++
	} else {
		c.LostWrongValue++
		lk.Got = got
	}
	if c.OldestLost.IsZero() || op.Complete.Before(c.OldestLost) {
		c.OldestLost = op.Complete
	}
	if op.Complete.After(c.NewestLost) {
		c.NewestLost = op.Complete
	}
	c.LostKeys = append(c.LostKeys, lk)
	if len(c.LostKeys) >= 2*MaxLostKeys {
		c.trimLost()
	}
}

// observe records what the read found for key, once per distinct key (seen
// holds the keys already recorded).
func (c *Check) observe(key string, val *string, seen map[string]bool) {
	if seen[key] {
		return
	}
	seen[key] = true
	o := Observation{Key: key, Missing: val == nil}
	if val != nil {
		o.Tag = tagOf(*val)
		if len(o.Tag) > maxObservedTag {
			o.Tag = o.Tag[:maxObservedTag]
		}
	}
	c.Observed = append(c.Observed, o)
}

// trimLost keeps the MaxLostKeys oldest lost keys, oldest first.
func (c *Check) trimLost() {
	sort.SliceStable(c.LostKeys, func(i, j int) bool {
		return c.LostKeys[i].Complete.Before(c.LostKeys[j].Complete)
	})
	if len(c.LostKeys) > MaxLostKeys {
		c.LostKeys = c.LostKeys[:MaxLostKeys]
	}
}
