package history

import (
	"errors"
	"fmt"
	"time"
)

// Data types an op works on (Op.Type).
const (
	TypeRegister = "register" // a string key: SET and GET
	TypeList     = "list"     // a list key: RPUSH and LRANGE 0 -1
	TypeCounter  = "counter"  // a counter key: INCR and GET
)

// Functions an op performs (Op.F).
const (
	FWrite  = "write"  // register: SET key Value
	FAppend = "append" // list: RPUSH key Value
	FIncr   = "incr"   // counter: INCR key
	FRead   = "read"   // GET (register, counter) or LRANGE key 0 -1 (list)
)

// Outcomes of an op (Op.Outcome).
const (
	OutcomeOK      = "ok"      // the server acknowledged the op
	OutcomeFail    = "fail"    // the op certainly did not take effect
	OutcomeUnknown = "unknown" // the op may or may not have taken effect, at any time after its invoke
)

// Op is one recorded operation of the history workload.
type Op struct {
	Client   int       `json:"client"`
	Seq      int64     `json:"seq"`
	Key      string    `json:"key"`
	Type     string    `json:"type"`            // TypeRegister | TypeList | TypeCounter
	F        string    `json:"f"`               // FWrite | FAppend | FIncr | FRead
	Value    string    `json:"value,omitempty"` // register write: the value SET (unique per op); list append: the element RPUSHed (unique per op)
	Invoke   time.Time `json:"invoke"`
	Complete time.Time `json:"complete"`
	Outcome  string    `json:"outcome"`           // OutcomeOK | OutcomeFail | OutcomeUnknown
	Kind     string    `json:"kind,omitempty"`    // error kind (e.g. "CLUSTERDOWN", "timeout")
	Err      string    `json:"err,omitempty"`     // the error text
	Got      *string   `json:"got,omitempty"`     // register read, outcome ok: the value GET returned; nil = key missing
	List     []string  `json:"list,omitempty"`    // list read, outcome ok: LRANGE's elements in order (nil/empty = empty list or missing key)
	Counter  *int64    `json:"counter,omitempty"` // counter: INCR's reply, or the read value (a read of a missing counter records 0)
	Final    bool      `json:"final,omitempty"`   // a read of the final read after the run (no concurrent writes)
}

// OpRef names one op of a history by its client and sequence number.
type OpRef struct {
	Client int   `json:"client"`
	Seq    int64 `json:"seq"`
}

// Ref returns the reference naming op.
func (op *Op) Ref() OpRef { return OpRef{Client: op.Client, Seq: op.Seq} }

// String names the op in anomaly details: "client 3 (seq 17)".
func (r OpRef) String() string { return fmt.Sprintf("client %d (seq %d)", r.Client, r.Seq) }

func (op *Op) ok() bool      { return op.Outcome == OutcomeOK }
func (op *Op) failed() bool  { return op.Outcome == OutcomeFail }
func (op *Op) isRead() bool  { return op.F == FRead }
func (op *Op) okRead() bool  { return op.F == FRead && op.Outcome == OutcomeOK }
func (op *Op) isWrite() bool { return op.F != FRead }

// validate reports what makes op unusable, naming it.
func (op *Op) validate() error {
	if err := op.validateFields(); err != nil {
		return fmt.Errorf("op of client %d seq %d on key %q: %w", op.Client, op.Seq, op.Key, err)
	}
	return nil
}

func (op *Op) validateFields() error {
	var writeF string
	switch op.Type {
	case TypeRegister:
		writeF = FWrite
	case TypeList:
		writeF = FAppend
	case TypeCounter:
		writeF = FIncr
	default:
		return fmt.Errorf("unknown type %q", op.Type)
	}
	if op.F != writeF && op.F != FRead {
		return fmt.Errorf("type %s has no function %q", op.Type, op.F)
	}
	switch op.Outcome {
	case OutcomeOK, OutcomeFail, OutcomeUnknown:
	default:
		return fmt.Errorf("unknown outcome %q", op.Outcome)
	}
	if op.Invoke.IsZero() {
		return errors.New("no invoke time")
	}
	if op.Outcome == OutcomeOK {
		if op.Complete.Before(op.Invoke) {
			return errors.New("completed before it was invoked")
		}
	}
	return nil
}

// describe renders an op for details: "read by client 3 (seq 17)".
func (op *Op) describe() string {
	var verb string
	switch op.F {
	case FRead:
		verb = "read"
		if op.Final {
			verb = "final read"
		}
	case FWrite:
		verb = fmt.Sprintf("write of %s", op.Value)
	case FAppend:
		verb = fmt.Sprintf("append of %s", op.Value)
	case FIncr:
		verb = "INCR"
	}
	return verb + " by " + op.Ref().String()
}

// refs lists the references of ops in order.
func refs(ops ...*Op) []OpRef {
	out := make([]OpRef, len(ops))
	for i, op := range ops {
		out[i] = op.Ref()
	}
	return out
}

// since renders b−a for details, rounded to be readable ("4.2ms").
func since(a, b time.Time) string {
	d := b.Sub(a)
	switch {
	case d >= time.Second:
		d = d.Round(time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(100 * time.Microsecond)
	default:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}
