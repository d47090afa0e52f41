package plan

import (
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/harness/fault"
)

// validate checks what the decoder cannot: known names, one action per
// step, heal ids that exist, a recover step after the first fault.
func (p *Plan) validate() error {
	if p.Name == "" || strings.ContainsAny(p.Name, " \t/") {
		return errAt("$.name", "want a name without spaces or slashes, got %q", p.Name)
	}
	topo, err := p.harnessTopology()
	if err != nil {
		return errAt("$.topology", "%v", err)
	}
	if err := topo.Validate(); err != nil {
		return errAt("$.topology", "%v", err)
	}
	if err := p.profile().Validate(); err != nil {
		return errAt("$.workload", "%v", err)
	}
	if len(p.Steps) == 0 {
		return errAt("$", "no steps")
	}
	faults := map[string]bool{}
	sawFault, recovered := false, false
	for i := range p.Steps {
		s := &p.Steps[i]
		path := fmt.Sprintf("$.steps[%d]", i)
		if s.ID == "" {
			s.ID = fmt.Sprintf("step-%d", i+1)
		}
		switch s.actions() {
		case 0:
			return errAt(path, "step has no action (want one of fault, wait, recover, heal, backup, verify)")
		case 1:
		default:
			return errAt(path, "step has more than one action (want exactly one of fault, wait, recover, heal, backup, verify)")
		}
		switch s.Action() {
		case "fault":
			if faults[s.ID] {
				return errAt(path+".id", "duplicate fault id %q", s.ID)
			}
			if _, err := fault.New(s.Fault.Name, s.Fault.params()); err != nil {
				return errAt(path+".fault", "%v", err)
			}
			if _, err := s.Fault.target(); err != nil {
				return errAt(path+".fault.target", "%v", err)
			}
			faults[s.ID] = true
			sawFault = true
		case "recover":
			if s.Recover != "engine" && s.Recover != "native" {
				return errAt(path+".recover", "want engine or native, got %q", s.Recover)
			}
			if !sawFault {
				return errAt(path+".recover", "recover before any fault")
			}
			recovered = true
		case "heal":
			if s.Heal != "all" && !faults[s.Heal] {
				return errAt(path+".heal", "no earlier fault step with id %q (or use all)", s.Heal)
			}
		case "backup":
			if s.Backup != "cluster" {
				return errAt(path+".backup", "want cluster, got %q", s.Backup)
			}
			if topo.Kind != "cluster" {
				return errAt(path+".backup", "backup cluster needs a cluster topology, not %s", topo.Kind)
			}
		}
	}
	if !sawFault {
		return errAt("$.steps", "no fault step")
	}
	if !recovered {
		return errAt("$.steps", "no recover step after the first fault (RTO is measured there)")
	}
	return nil
}
