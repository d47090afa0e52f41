package history

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// The porcupine models. Each key is checked on its own (the history is
// partitioned by key before porcupine sees it), so a model's state is the
// state of one key.

// regValue is a register's state and a read's output: the value, or
// missing.
type regValue struct {
	value   string
	present bool
}

// regInput is a register op's input: write(value) or read().
type regInput struct {
	write bool
	value string
}

// registerModel is a register that starts missing: write(v) sets v; a read
// must return the current value (or missing before any write).
func registerModel() porcupine.Model {
	return porcupine.Model{
		Init: func() any { return regValue{} },
		Step: func(state, input, output any) (bool, any) {
			s, in := state.(regValue), input.(regInput)
			if in.write {
				return true, regValue{value: in.value, present: true}
			}
			return output.(regValue) == s, s
		},
		Equal: func(a, b any) bool { return a.(regValue) == b.(regValue) },
		DescribeOperation: func(input, output any) string {
			in := input.(regInput)
			if in.write {
				return fmt.Sprintf("write(%q)", in.value)
			}
			return "read() → " + describeReg(output.(regValue))
		},
		DescribeState:             func(state any) string { return describeReg(state.(regValue)) },
		DescribeOperationMetadata: describeMetadata,
	}
}

func describeReg(v regValue) string {
	if !v.present {
		return "missing"
	}
	return strconv.Quote(v.value)
}

// listInput is a list op's input: append(elem) or read().
type listInput struct {
	append bool
	elem   string
}

// listState is one list value, interned: a node of the trie of every list
// built while checking one key. Equal lists are the same node, so states
// compare, and reads check, by pointer, and an append costs one map lookup
// instead of a copy of the list.
type listState struct {
	parent *listState // the list without its last element; nil for the empty list
	elem   string     // the last element
	n      int        // length
}

// listEdge names the list parent+[elem].
type listEdge struct {
	parent *listState
	elem   string
}

// listStates interns the lists of one key. Interning adds nodes as the
// check explores, but never changes one, so the model stays a pure function
// of its states. A listStates serves one porcupine check at a time.
type listStates struct {
	empty *listState
	kids  map[listEdge]*listState
}

func newListStates() *listStates {
	return &listStates{empty: &listState{}, kids: make(map[listEdge]*listState)}
}

// append returns the list s+[e].
func (t *listStates) append(s *listState, e string) *listState {
	k := listEdge{parent: s, elem: e}
	c := t.kids[k]
	if c == nil {
		c = &listState{parent: s, elem: e, n: s.n + 1}
		t.kids[k] = c
	}
	return c
}

// of returns the interned list.
func (t *listStates) of(list []string) *listState {
	s := t.empty
	for _, e := range list {
		s = t.append(s, e)
	}
	return s
}

// elems returns the list's elements in order.
func (s *listState) elems() []string {
	out := make([]string, s.n)
	for n := s; n.parent != nil; n = n.parent {
		out[n.n-1] = n.elem
	}
	return out
}

// listModel is a list that starts empty: append(e) adds e at the tail; a
// read must return exactly the list. States and read outputs are interned
// in t.
func listModel(t *listStates) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return t.empty },
		Step: func(state, input, output any) (bool, any) {
			s, in := state.(*listState), input.(listInput)
			if in.append {
				return true, t.append(s, in.elem)
			}
			return output.(*listState) == s, s
		},
		Equal: func(a, b any) bool { return a.(*listState) == b.(*listState) },
		DescribeOperation: func(input, output any) string {
			in := input.(listInput)
			if in.append {
				return fmt.Sprintf("append(%q)", in.elem)
			}
			return "read() → " + describeList(output.(*listState))
		},
		DescribeState:             func(state any) string { return describeList(state.(*listState)) },
		DescribeOperationMetadata: describeMetadata,
	}
}

func describeList(s *listState) string {
	elems := s.elems()
	const show = 12
	if len(elems) > show {
		return fmt.Sprintf("[%s … %d more]", strings.Join(elems[:show], " "), len(elems)-show)
	}
	return "[" + strings.Join(elems, " ") + "]"
}

func describeMetadata(info any) string {
	op, ok := info.(*Op)
	if !ok || op == nil {
		return ""
	}
	s := fmt.Sprintf("client %d seq %d, %s", op.Client, op.Seq, op.Outcome)
	if op.Final {
		s += ", final read"
	}
	if op.Kind != "" {
		s += ", " + op.Kind
	}
	return s
}

// operations turns one key's ops into porcupine operations, returning the
// ops they came from in the same order. It leaves out what carries no
// information: ops that failed (certainly not applied), reads that did not
// succeed, and writes/appends of unknown outcome whose value no successful
// read ever returned (such a write can always be linearized after every
// other op, so dropping it changes no verdict and saves porcupine from
// trying it everywhere). A kept write of unknown outcome may take effect at
// any time after its invoke: it returns after every other op of the key.
func operations(typ string, ops []*Op, base time.Time) (porcupine.Model, []porcupine.Operation, []*Op) {
	model := registerModel()
	var lists *listStates
	if typ == TypeList {
		lists = newListStates()
		model = listModel(lists)
	}
	observed := observedValues(typ, ops)
	kept := make([]*Op, 0, len(ops))
	var last int64
	for _, op := range ops {
		switch {
		case op.failed():
		case op.isRead() && !op.ok():
		case op.isWrite() && !op.ok() && !observed[op.Value]:
		default:
			kept = append(kept, op)
			last = max(last, rel(base, op.Invoke))
			if op.ok() {
				last = max(last, rel(base, op.Complete))
			}
		}
	}
	never := last + 1
	out := make([]porcupine.Operation, len(kept))
	for i, op := range kept {
		ret := never
		if op.ok() {
			ret = rel(base, op.Complete)
		}
		out[i] = porcupine.Operation{
			ClientId: op.Client,
			Input:    opInput(typ, op),
			Call:     rel(base, op.Invoke),
			Output:   opOutput(typ, op, lists),
			Return:   ret,
			Metadata: op,
		}
	}
	return model, out, kept
}

// observedValues lists the register values and list elements that
// successful reads returned.
func observedValues(typ string, ops []*Op) map[string]bool {
	seen := make(map[string]bool)
	for _, op := range ops {
		if !op.okRead() {
			continue
		}
		if typ == TypeRegister && op.Got != nil {
			seen[*op.Got] = true
		}
		for _, e := range op.List {
			seen[e] = true
		}
	}
	return seen
}

func opInput(typ string, op *Op) any {
	if typ == TypeRegister {
		return regInput{write: op.F == FWrite, value: op.Value}
	}
	if op.F == FAppend {
		return listInput{append: true, elem: op.Value}
	}
	return listInput{}
}

func opOutput(typ string, op *Op, lists *listStates) any {
	if !op.isRead() {
		return nil
	}
	if typ == TypeRegister {
		if op.Got == nil {
			return regValue{}
		}
		return regValue{value: *op.Got, present: true}
	}
	return lists.of(op.List)
}

// rel is t as nanoseconds since base, the history's earliest invoke.
func rel(base, t time.Time) int64 { return int64(t.Sub(base)) }
