package history

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

type wantAnomaly struct {
	kind   string
	key    string
	ops    []OpRef
	at     int    // ms after t0
	detail string // a substring of Detail ("" = any non-empty detail)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		ops   []Op
		want  string // Result.Linearizable
		anoms []wantAnomaly
	}{
		{
			name: "clean concurrent history",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 5, 15),
				read(3, 1, "r", 6, 12, got("b")),
				read(3, 2, "r", 20, 22, got("b")),
				read(4, 1, "r", 1, 3), // missing: before any write took effect
				push(1, 2, "l", "x", 0, 10),
				push(2, 2, "l", "y", 2, 8),
				lrange(3, 3, "l", 3, 9, []string{"y"}),
				lrange(3, 4, "l", 11, 12, []string{"y", "x"}),
				incr(1, 3, "c", 0, 5, 1),
				incr(2, 3, "c", 1, 6, 2),
				get(3, 5, "c", 7, 8, 2),
				read(9, 1, "r", 100, 101, got("b"), final()),
				lrange(9, 2, "l", 102, 103, []string{"y", "x"}, final()),
				get(9, 3, "c", 104, 105, 2, final()),
			},
			want: VerdictTrue,
		},
		{
			name: "stale read of an overwritten value",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 20, 30),
				read(3, 1, "r", 34, 40, got("a")),
			},
			want: VerdictFalse,
			anoms: []wantAnomaly{{KindStaleRead, "r", []OpRef{ref(1, 1), ref(2, 1), ref(3, 1)}, 40,
				"read by client 3 (seq 1) returned a, overwritten by write of b by client 2 (seq 1) acked 4ms before the read began"}},
		},
		{
			name: "stale read of a missing key that comes back",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				read(2, 1, "r", 20, 25),
				read(3, 1, "r", 30, 35, got("a")),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindStaleRead, "r", []OpRef{ref(1, 1), ref(2, 1)}, 25, "found the key missing"}},
		},
		{
			name: "register read of a value never written",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				read(2, 1, "r", 20, 25, got("zzz")),
				read(2, 2, "r", 30, 35, got("zzz")), // reported once
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindNeverWritten, "r", []OpRef{ref(2, 1)}, 25, "which no write on this key carried"}},
		},
		{
			name: "register read of a value whose write failed",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10, outcome(OutcomeFail)),
				read(2, 1, "r", 20, 25, got("a")),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindNeverWritten, "r", []OpRef{ref(1, 1), ref(2, 1)}, 25, "whose write by client 1 (seq 1) was reported failed"}},
		},
		{
			name: "list read of an element never appended",
			ops: []Op{
				push(1, 1, "l", "x", 0, 10),
				lrange(2, 1, "l", 20, 25, []string{"x", "q"}),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindNeverWritten, "l", []OpRef{ref(2, 1)}, 25, "lists q, which no append"}},
		},
		{
			name: "list read of an element whose append failed",
			ops: []Op{
				push(1, 1, "l", "x", 0, 10, outcome(OutcomeFail)),
				lrange(2, 1, "l", 20, 25, []string{"x"}),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindNeverWritten, "l", []OpRef{ref(1, 1), ref(2, 1)}, 25, "was reported failed"}},
		},
		{
			name: "register lost write: final read returns an older value",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 20, 30),
				read(9, 1, "r", 100, 101, got("a"), final()),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindLostWrite, "r", []OpRef{ref(2, 1), ref(9, 1)}, 101, "write of b by client 2 (seq 1), acked 70ms before the final read began, is lost"}},
		},
		{
			name: "register lost writes: final read finds the key missing",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 20, 30),
				read(9, 1, "r", 100, 101, final()),
			},
			want: VerdictFalse,
			anoms: []wantAnomaly{
				{KindLostWrite, "r", []OpRef{ref(1, 1), ref(9, 1)}, 101, "found the key missing"},
				{KindLostWrite, "r", []OpRef{ref(2, 1), ref(9, 1)}, 101, "found the key missing"},
			},
		},
		{
			name: "list lost append",
			ops: []Op{
				push(1, 1, "l", "x", 0, 10),
				push(2, 1, "l", "y", 20, 30),
				lrange(9, 1, "l", 100, 101, []string{"x"}, final()),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindLostWrite, "l", []OpRef{ref(2, 1), ref(9, 1)}, 101, "does not list it"}},
		},
		{
			name: "list stale read",
			ops: []Op{
				push(1, 1, "l", "x", 0, 10),
				lrange(2, 1, "l", 20, 25, nil),
				lrange(3, 1, "l", 30, 35, []string{"x"}),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindStaleRead, "l", []OpRef{ref(1, 1), ref(2, 1)}, 25, "misses append of x"}},
		},
		{
			name: "duplicate append",
			ops: []Op{
				push(1, 1, "l", "x", 0, 10),
				lrange(2, 1, "l", 20, 25, []string{"x", "x"}),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindDuplicateAppend, "l", []OpRef{ref(1, 1), ref(2, 1)}, 25, "lists x more than once"}},
		},
		{
			name: "reordered append",
			ops: []Op{
				push(1, 1, "l", "x", 0, 10),
				push(2, 1, "l", "y", 20, 30),
				lrange(3, 1, "l", 40, 45, []string{"y", "x"}),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindReorderedAppend, "l", []OpRef{ref(2, 1), ref(1, 1), ref(3, 1)}, 45, "lists y before x"}},
		},
		{
			name: "counter backwards",
			ops: []Op{
				incr(1, 1, "c", 0, 5, 1),
				incr(2, 1, "c", 10, 15, 2),
				get(3, 1, "c", 20, 25, 1),
				get(3, 2, "c", 30, 35, 1), // same high-water op: reported once
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindCounterBackwards, "c", []OpRef{ref(2, 1), ref(3, 1)}, 25, "returned 1, lower than the 2"}},
		},
		{
			name: "counter double",
			ops: []Op{
				incr(1, 1, "c", 0, 5, 1),
				incr(1, 2, "c", 6, 8, 0, outcome(OutcomeFail), func(op *Op) { op.Counter = nil }),
				get(2, 1, "c", 10, 15, 2),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindCounterDouble, "c", []OpRef{ref(2, 1)}, 15, "returned 2, but only 1 INCRs"}},
		},
		{
			name: "counter increment lost: two concurrent INCRs return the same value",
			ops: []Op{
				incr(1, 1, "c", 0, 10, 1),
				incr(2, 1, "c", 5, 15, 1),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindLostWrite, "c", []OpRef{ref(1, 1), ref(2, 1)}, 15, "one increment was lost"}},
		},
		{
			// A FLUSHALL undone later: the second INCR saw the counter
			// reset, the final read holds both increments again.
			name: "counter went back and came back: backwards, nothing lost",
			ops: []Op{
				incr(1, 1, "c", 0, 5, 1),
				incr(2, 1, "c", 10, 15, 1),
				get(-1, 1, "c", 50, 51, 2, final()),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindCounterBackwards, "c", []OpRef{ref(1, 1), ref(2, 1)}, 15, "lower than"}},
		},
		{
			name: "counter increments that did not stay: the final read holds fewer than were acked",
			ops: []Op{
				incr(1, 1, "c", 0, 5, 1),
				incr(2, 1, "c", 10, 15, 2),
				incr(3, 1, "c", 20, 25, 3),
				get(-1, 1, "c", 50, 51, 1, final()),
			},
			want: VerdictFalse,
			anoms: []wantAnomaly{
				{KindCounterBackwards, "c", []OpRef{ref(3, 1), ref(-1, 1)}, 51, "lower than"},
				// Two of three did not stay: at the earliest, the first
				// two, all acked by client 2's INCR.
				{KindLostWrite, "c", []OpRef{ref(2, 1), ref(-1, 1)}, 51, "2 acked increments did not stay (at the earliest, all acked by INCR by client 2 (seq 1))"},
			},
		},
		{
			name: "non-linearizable pattern no name explains",
			ops: []Op{
				// Two concurrent writes; the reads see a, then b, then a
				// again: a was written once, so that order is impossible.
				write(1, 1, "r", "a", 0, 100),
				write(2, 1, "r", "b", 0, 100),
				read(3, 1, "r", 10, 20, got("a")),
				read(3, 2, "r", 30, 40, got("b")),
				read(4, 1, "r", 50, 60, got("a")),
				read(4, 2, "r", 70, 80, got("b")),
			},
			want:  VerdictFalse,
			anoms: []wantAnomaly{{KindNonLinearizable, "r", []OpRef{ref(4, 1)}, 60, "porcupine found no linearization of the 6 ops"}},
		},
		{
			name: "unknown write that shows up later",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 20, 30, outcome(OutcomeUnknown)),
				read(3, 1, "r", 40, 45, got("a")),
				read(3, 2, "r", 50, 55, got("b")),
				read(9, 1, "r", 100, 101, got("b"), final()),
				push(1, 2, "l", "x", 0, 10, outcome(OutcomeUnknown)),
				lrange(3, 3, "l", 40, 45, nil),
				lrange(9, 2, "l", 102, 103, []string{"x"}, final()),
			},
			want: VerdictTrue,
		},
		{
			name: "unknown write that never shows up",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 20, 30, outcome(OutcomeUnknown)),
				read(3, 1, "r", 40, 45, got("a")),
				read(9, 1, "r", 100, 101, got("a"), final()),
				push(1, 2, "l", "x", 0, 10, outcome(OutcomeUnknown)),
				incr(1, 3, "c", 0, 10, 0, outcome(OutcomeUnknown), func(op *Op) { op.Counter = nil }),
				lrange(9, 2, "l", 102, 103, nil, final()),
				get(9, 3, "c", 104, 105, 0, final()),
			},
			want: VerdictTrue,
		},
		{
			name: "failed ops and failed reads carry nothing",
			ops: []Op{
				write(1, 1, "r", "a", 0, 10),
				write(2, 1, "r", "b", 20, 30, outcome(OutcomeFail)),
				read(3, 1, "r", 40, 45, outcome(OutcomeUnknown)),
				read(9, 1, "r", 100, 101, got("a"), final()),
			},
			want: VerdictTrue,
		},
		{
			name: "empty history",
			want: VerdictTrue,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(context.Background(), tt.ops, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Linearizable != tt.want {
				t.Errorf("Linearizable = %q, want %q", res.Linearizable, tt.want)
			}
			if len(res.Anomalies) != len(tt.anoms) {
				t.Fatalf("got %d anomalies, want %d: %+v", len(res.Anomalies), len(tt.anoms), res.Anomalies)
			}
			for i, w := range tt.anoms {
				a := res.Anomalies[i]
				if a.Kind != w.kind || a.Key != w.key || !slices.Equal(a.Ops, w.ops) || !a.At.Equal(ms(w.at)) {
					t.Errorf("anomaly %d = %s on %q ops %v at %v, want %s on %q ops %v at %v",
						i, a.Kind, a.Key, a.Ops, a.At.Sub(t0), w.kind, w.key, w.ops, ms(w.at).Sub(t0))
				}
				if a.Detail == "" || !strings.Contains(a.Detail, w.detail) {
					t.Errorf("anomaly %d detail %q, want it to contain %q", i, a.Detail, w.detail)
				}
			}
			if tt.want == VerdictFalse && len(res.NonLinearizableKeys) == 0 {
				t.Error("verdict false but no non-linearizable key")
			}
			if n := sumCounts(res.Counts); n != len(res.Anomalies) {
				t.Errorf("counts add up to %d, want %d", n, len(res.Anomalies))
			}
		})
	}
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// TestCheckTimeoutIsUnknown: a budget that runs out leaves keys unknown,
// never ok.
func TestCheckTimeoutIsUnknown(t *testing.T) {
	ops := genHistory(50_000, 3)
	res, err := Check(context.Background(), ops, Options{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Linearizable != VerdictUnknown {
		t.Fatalf("Linearizable = %q, want %q", res.Linearizable, VerdictUnknown)
	}
	if len(res.UnknownKeys) == 0 || len(res.Anomalies) != 0 {
		t.Fatalf("unknown keys %d, anomalies %v", len(res.UnknownKeys), res.Counts)
	}
}

// TestCheckCancelledIsUnknown: a context that ended leaves keys unknown.
func TestCheckCancelledIsUnknown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Check(ctx, genHistory(10_000, 4), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Linearizable != VerdictUnknown {
		t.Fatalf("Linearizable = %q, want %q", res.Linearizable, VerdictUnknown)
	}
}

// TestCheckNamedAnomalyBeatsTimeout: a named anomaly proves the history
// wrong even when porcupine had no time.
func TestCheckNamedAnomalyBeatsTimeout(t *testing.T) {
	ops := append(genHistory(10_000, 5),
		write(100, 1, "r", "a", 0, 10),
		write(101, 1, "r", "b", 20, 30),
		read(102, 1, "r", 34, 40, got("a")),
	)
	res, err := Check(context.Background(), ops, Options{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Linearizable != VerdictFalse || res.Counts[KindStaleRead] != 1 || !slices.Equal(res.NonLinearizableKeys, []string{"r"}) {
		t.Fatalf("Linearizable = %q, counts %v, non-linearizable keys %v", res.Linearizable, res.Counts, res.NonLinearizableKeys)
	}
	if slices.Contains(res.UnknownKeys, "r") {
		t.Error(`key "r" is both proven wrong and unknown`)
	}
}

// TestCheckCorruptedLargeHistory: one element dropped from one list read of
// a large clean history is found.
func TestCheckCorruptedLargeHistory(t *testing.T) {
	ops := genHistory(60_000, 6)
	i := slices.IndexFunc(ops, func(op Op) bool { return op.Type == TypeList && op.okRead() && !op.Final && len(op.List) > 5 })
	if i < 0 {
		t.Fatal("no list read to corrupt")
	}
	ops[i].List = slices.Delete(slices.Clone(ops[i].List), 0, 1)
	res, err := Check(context.Background(), ops, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Linearizable != VerdictFalse || !slices.Equal(res.NonLinearizableKeys, []string{ops[i].Key}) {
		t.Fatalf("Linearizable = %q, keys %v, want false on %q", res.Linearizable, res.NonLinearizableKeys, ops[i].Key)
	}
	if res.Counts[KindStaleRead] != 1 || !slices.Equal(res.Anomalies[0].Ops[1:], []OpRef{ops[i].Ref()}) {
		t.Fatalf("anomalies %+v, want one stale read by %v", res.Anomalies, ops[i].Ref())
	}
}

func TestCheckRejectsBadOps(t *testing.T) {
	tests := []struct {
		name string
		op   Op
		want string
	}{
		{"unknown type", mk(1, 1, "set", FRead, "k", 0, 1), `unknown type "set"`},
		{"wrong function", mk(1, 1, TypeList, FWrite, "k", 0, 1), `type list has no function "write"`},
		{"unknown outcome", write(1, 1, "k", "a", 0, 1, outcome("maybe")), `unknown outcome "maybe"`},
		{"no invoke", write(1, 1, "k", "a", 0, 1, func(op *Op) { op.Invoke = time.Time{} }), "no invoke time"},
		{"completed before invoked", write(1, 1, "k", "a", 5, 1), "completed before it was invoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(context.Background(), []Op{tt.op}, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("key with two types", func(t *testing.T) {
		_, err := Check(context.Background(), []Op{write(1, 1, "k", "a", 0, 1), push(1, 2, "k", "x", 2, 3)}, Options{})
		if err == nil || !strings.Contains(err.Error(), `key "k" is used as register and as list`) {
			t.Fatalf("err = %v", err)
		}
	})
}
