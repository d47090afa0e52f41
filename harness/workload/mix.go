package workload

import (
	"fmt"
	"math/rand"
	"strconv"
	"time"
)

// Kind is the kind of write an op makes. The empty kind is KindSet.
type Kind string

// The kinds of write the workload can make, each checked by the final read
// in its own way.
const (
	// KindSet SETs a new unique key; present with its tag = kept.
	KindSet Kind = "set"
	// KindIncr INCRs a counter the client owns; the reply is recorded and the
	// final value must be at least every acked reply (a counter never goes
	// backwards past an acked increment).
	KindIncr Kind = "incr"
	// KindHSet sets a new field of a hash the client owns.
	KindHSet Kind = "hset"
	// KindRPush appends the op's tag to a list the client owns.
	KindRPush Kind = "rpush"
	// KindXAdd adds an entry carrying the op's tag to a stream the client
	// owns.
	KindXAdd Kind = "xadd"
	// KindSetTTL SETs a new unique key with a time to live (PX): once
	// expired it must never be read back.
	KindSetTTL Kind = "setpx"
)

// Kinds lists every kind, in the order the profile flag names them.
func Kinds() []Kind {
	return []Kind{KindSet, KindIncr, KindHSet, KindRPush, KindXAdd, KindSetTTL}
}

// MixAll is every kind of write: the richer workload explore runs.
func MixAll() []Kind { return Kinds() }

// opsPerContainer is how many ops of one client share a counter, hash,
// list or stream before the client moves to the next one (keys still spread
// over every slot).
const opsPerContainer = 32

// TTL bounds of KindSetTTL writes: short enough that most have expired by
// the final read, long enough to outlive a pipeline round trip.
const (
	minTTL = 300 * time.Millisecond
	maxTTL = 3 * time.Second
)

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("parse kind: unknown write kind %q (want one of %v)", s, Kinds())
}

// kindOf returns the op's kind, KindSet for ops recorded before kinds.
func (o Op) kindOf() Kind {
	if o.Type == "" {
		return KindSet
	}
	return o.Type
}

// mixer picks each op's kind and container key from the client's seeded
// generator, so one seed gives one sequence of writes.
type mixer struct {
	kinds []Kind
	rng   *rand.Rand
	count map[Kind]int64 // ops of each kind so far
}

func newMixer(kinds []Kind, seed int64, client int) *mixer {
	return &mixer{kinds: kinds, rng: rand.New(rand.NewSource(seed*1_000_003 + int64(client))), count: map[Kind]int64{}}
}

// next returns the kind of the next op and, for container kinds, the key it
// writes to.
func (m *mixer) next(prefix string, client int) (Kind, string) {
	if len(m.kinds) == 0 {
		return KindSet, ""
	}
	k := m.kinds[m.rng.Intn(len(m.kinds))]
	n := m.count[k]
	m.count[k] = n + 1
	switch k {
	case KindIncr, KindHSet, KindRPush, KindXAdd:
		return k, containerKey(prefix, client, k, n/opsPerContainer)
	}
	return k, ""
}

// ttl draws the time to live of a KindSetTTL write.
func (m *mixer) ttl() time.Duration {
	return minTTL + time.Duration(m.rng.Int63n(int64(maxTTL-minTTL)))
}

// containerKey names the i-th counter, hash, list or stream of a client.
func containerKey(prefix string, client int, k Kind, i int64) string {
	return prefix + ":c" + strconv.Itoa(client) + ":" + string(k) + ":" + strconv.FormatInt(i, 10)
}

// args returns the command of op (value is the SET/HSET value).
func (o Op) args(value string) []any {
	switch o.kindOf() {
	case KindIncr:
		return []any{"incr", o.Key}
	case KindHSet:
		return []any{"hset", o.Key, o.Field, value}
	case KindRPush:
		return []any{"rpush", o.Key, o.Tag}
	case KindXAdd:
		return []any{"xadd", o.Key, "*", "tag", o.Tag}
	case KindSetTTL:
		return []any{"set", o.Key, value, "px", o.TTLMS}
	}
	return []any{"set", o.Key, value}
}

// noteReply records what the server answered where the check needs it:
// the counter value of an INCR, the entry id of an XADD.
func (o *Op) noteReply(v any) {
	switch o.kindOf() {
	case KindIncr:
		if n, ok := v.(int64); ok {
			o.Counter = n
		}
	case KindXAdd:
		if s, ok := v.(string); ok {
			o.Field = s
		}
	}
}

// validKinds checks a profile's mix.
func validKinds(kinds []Kind) error {
	seen := map[Kind]bool{}
	for _, k := range kinds {
		if _, err := ParseKind(string(k)); err != nil {
			return err
		}
		if seen[k] {
			return fmt.Errorf("kind %q listed twice", k)
		}
		seen[k] = true
	}
	return nil
}
