package fault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Default bounds of Apply and Injection.Heal.
const (
	DefaultInjectTimeout = 60 * time.Second
	DefaultHealTimeout   = 90 * time.Second
)

// Injection is one applied fault: when its harm began, when Inject returned
// and when it was healed.
type Injection struct {
	Fault Fault
	// Start is the instant the fault's first destructive action began: t0
	// for RTO. It is zero if Inject failed before doing anything destructive.
	Start time.Time
	// Applied is the instant Inject returned (the fault is in effect, or
	// Inject failed). A stop + corrupt + restart fault returns 0.5–1.7 s
	// after Start.
	Applied time.Time
	// End is the instant Heal returned (zero until healed).
	End time.Time
	// Err is the Inject error, if any.
	Err error

	dep     deploy.Deployment
	once    sync.Once
	mu      sync.Mutex
	healErr error
}

// Apply injects f into dep, bounded by the fault's Params.Timeout (or
// DefaultInjectTimeout). Start is the onset the fault marked, Applied the
// instant Inject returned. A fault that succeeds without marking its onset
// is a bug and makes Apply fail. The Injection is returned even when Inject
// fails, so the caller can always Heal it (a partial Inject may have done
// harm; Start is then set if it got as far as its first destructive action).
func Apply(ctx context.Context, dep deploy.Deployment, f Fault) (*Injection, error) {
	if f == nil {
		return nil, errors.New("apply fault: nil fault")
	}
	if dep == nil {
		return nil, errors.New("apply fault: nil deployment")
	}
	timeout := DefaultInjectTimeout
	if p, ok := f.(Parameterised); ok && p.Params().Timeout > 0 {
		timeout = p.Params().Timeout
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	inj := &Injection{Fault: f, dep: dep}
	onset := &Onset{}
	err := f.Inject(ictx, dep, onset)
	inj.Applied = time.Now()
	inj.Start = onset.At()
	if err != nil {
		inj.Err = fmt.Errorf("inject %s: %w", f.Name(), err)
		return inj, inj.Err
	}
	if inj.Start.IsZero() {
		inj.Err = fmt.Errorf("inject %s: fault did not mark its onset", f.Name())
		return inj, inj.Err
	}
	return inj, nil
}

// Heal heals the fault once; later calls return the first result. It works
// with a cancelled ctx (cleanup after an interrupt still heals), bounded by
// DefaultHealTimeout.
func (inj *Injection) Heal(ctx context.Context) error {
	inj.once.Do(func() {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultHealTimeout)
		defer cancel()
		err := inj.Fault.Heal(hctx, inj.dep)
		inj.mu.Lock()
		defer inj.mu.Unlock()
		inj.End = time.Now()
		if err != nil {
			inj.healErr = fmt.Errorf("heal %s: %w", inj.Fault.Name(), err)
		}
	})
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.healErr
}

// Healed reports whether Heal has finished.
func (inj *Injection) Healed() bool {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return !inj.End.IsZero()
}

// Record is the report form of an Injection. Start is t0 (the onset of the
// fault's first destructive action), Applied when Inject returned.
type Record struct {
	Name      string    `json:"name"`
	Targets   []string  `json:"targets,omitempty"`
	Params    *Params   `json:"params,omitempty"`
	Start     time.Time `json:"start"`
	Applied   time.Time `json:"applied,omitzero"`
	End       time.Time `json:"end,omitzero"`
	Error     string    `json:"error,omitempty"`
	HealError string    `json:"heal_error,omitempty"`
	Changes   []Change  `json:"changes,omitempty"`
}

// String renders the record as JSON (how reports and Ginkgo show it).
func (r Record) String() string {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf("record %s: %v", r.Name, err)
	}
	return string(b)
}

// Record returns the report form of the injection.
func (inj *Injection) Record() Record {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	r := Record{Name: inj.Fault.Name(), Start: inj.Start, Applied: inj.Applied, End: inj.End}
	if t, ok := inj.Fault.(Targeted); ok {
		r.Targets = t.Targets()
	}
	if p, ok := inj.Fault.(Parameterised); ok {
		params := p.Params()
		r.Params = &params
	}
	if c, ok := inj.Fault.(Changer); ok {
		r.Changes = c.Changes()
	}
	if inj.Err != nil {
		r.Error = inj.Err.Error()
	}
	if inj.healErr != nil {
		r.HealError = inj.healErr.Error()
	}
	return r
}
