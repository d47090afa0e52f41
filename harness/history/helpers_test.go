package history

import "time"

// Synthetic histories: times are milliseconds after t0.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

type opt func(*Op)

func mk(c int, seq int64, typ, f, key string, from, to int, opts ...opt) Op {
	op := Op{Client: c, Seq: seq, Key: key, Type: typ, F: f, Invoke: ms(from), Complete: ms(to), Outcome: OutcomeOK}
	for _, o := range opts {
		o(&op)
	}
	return op
}

func got(v string) opt           { return func(op *Op) { op.Got = &v } }
func list(es ...string) opt      { return func(op *Op) { op.List = es } }
func ctr(n int64) opt            { return func(op *Op) { op.Counter = &n } }
func outcome(o string) opt       { return func(op *Op) { op.Outcome = o } }
func final() opt                 { return func(op *Op) { op.Final = true } }
func ref(c int, seq int64) OpRef { return OpRef{Client: c, Seq: seq} }

// write is a register SET of v.
func write(c int, seq int64, key, v string, from, to int, opts ...opt) Op {
	return mk(c, seq, TypeRegister, FWrite, key, from, to, append([]opt{func(op *Op) { op.Value = v }}, opts...)...)
}

// read is a register GET; pass got(v) for a present value.
func read(c int, seq int64, key string, from, to int, opts ...opt) Op {
	return mk(c, seq, TypeRegister, FRead, key, from, to, opts...)
}

// push is a list RPUSH of e.
func push(c int, seq int64, key, e string, from, to int, opts ...opt) Op {
	return mk(c, seq, TypeList, FAppend, key, from, to, append([]opt{func(op *Op) { op.Value = e }}, opts...)...)
}

// lrange is a list read returning es.
func lrange(c int, seq int64, key string, from, to int, es []string, opts ...opt) Op {
	return mk(c, seq, TypeList, FRead, key, from, to, append([]opt{list(es...)}, opts...)...)
}

// incr is a counter INCR replying n.
func incr(c int, seq int64, key string, from, to int, n int64, opts ...opt) Op {
	return mk(c, seq, TypeCounter, FIncr, key, from, to, append([]opt{ctr(n)}, opts...)...)
}

// get is a counter read of n.
func get(c int, seq int64, key string, from, to int, n int64, opts ...opt) Op {
	return mk(c, seq, TypeCounter, FRead, key, from, to, append([]opt{ctr(n)}, opts...)...)
}
