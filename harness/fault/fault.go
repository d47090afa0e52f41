// Package fault injects and heals faults in a deployment of any provider,
// reached through the engine's seam (package deploy): process faults
// (kill, crash, stop, restart, pause), network faults (partitions, netem;
// container nodes only), a full disk (nodes with a small disk) and
// corruption of a node's data dir. Every fault
// is one small type behind the Fault interface; Apply wraps it with a
// timeout and Start/Applied/End stamps, Start being the instant the fault's
// first destructive action began (marked by the fault through an Onset).
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package fault

import (
	"context"
	"errors"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Fault is one kind of failure that can be injected into and healed from a
// deployment.
type Fault interface {
	// Name is the registry name, e.g. "kill".
	Name() string
	// Inject applies the fault and returns once it is in effect. It calls
	// onset.Mark() immediately before its first destructive action (kill,
	// stop, pause, network rule, FLUSHALL, config change, first file write),
	// after every read-only step, so Apply stamps t0 when the harm began,
	// not when Inject returns.
	Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error
	// Heal removes the fault. It is idempotent and safe after a partial Inject.
	Heal(ctx context.Context, dep deploy.Deployment) error
}

// ErrUnsupported is returned by Inject when the environment cannot produce
// the fault (e.g. a kernel without sch_netem).
var ErrUnsupported = errors.New("fault not supported here")

// Change is one modification a fault made to a node's files.
type Change struct {
	Node   string `json:"node"`
	Path   string `json:"path"`
	Action string `json:"action"` // flip, truncate, overwrite, delete, wipe
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	Before string `json:"before,omitempty"` // hex of the bytes before (at most 64 bytes)
	After  string `json:"after,omitempty"`  // hex of the bytes after (at most 64 bytes)
	Size   int64  `json:"size"`             // file size before the change
	Note   string `json:"note,omitempty"`
}

// Changer is implemented by faults that modify files; Changes lists what the
// last Inject did.
type Changer interface {
	Changes() []Change
}

// Targeted is implemented by faults that act on nodes; Targets names the
// nodes the last Inject resolved.
type Targeted interface {
	Targets() []string
}

// Parameterised is implemented by faults built from Params.
type Parameterised interface {
	Params() Params
}
