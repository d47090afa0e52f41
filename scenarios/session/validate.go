package session

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// PathError is a problem in a plan at a path like "$.steps[2].fault.target".
type PathError struct {
	Path string
	Msg  string
}

// Error implements error.
func (e *PathError) Error() string { return e.Path + ": " + e.Msg }

func errAt(path, format string, args ...any) error {
	return &PathError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func stepID(i int) string { return "step-" + strconv.Itoa(i+1) }

// Validate checks a plan against its own topology before anything starts:
// names, one action per step, heal ids that exist, a recover step after the
// first fault, fault targets that can exist in the topology, and limits
// that can judge a run.
func (p Plan) Validate() error {
	p = p.withDefaults()
	if p.Name == "" || strings.ContainsAny(p.Name, " \t/\\") || p.Name == "." || p.Name == ".." {
		return errAt("$.name", "want a name without spaces or slashes, got %q", p.Name)
	}
	if err := p.Topology.Validate(); err != nil {
		return errAt("$.topology", "%v", err)
	}
	if err := p.Workload.Validate(); err != nil {
		return errAt("$.workload", "%v", err)
	}
	if p.Engine != nil {
		if _, err := detect.ParseMode(string(p.Engine.DetectMode)); err != nil {
			return errAt("$.detect", "want auto or probe, got %q", p.Engine.DetectMode)
		}
		if p.Engine.CorruptArchiveSegment && !p.Engine.Archive {
			return errAt("$.corrupt_archive_segment", "needs the archive (archive: true)")
		}
		if p.Engine.DownAfter < 0 {
			return errAt("$.detect_window", "must be >= 0, got %s", p.Engine.DownAfter)
		}
	}
	if m := p.Limits.MinAckedBeforeFault; m != nil && *m < 1 {
		return errAt("$.thresholds.min_acked_before_fault", "must be at least 1 (a run with no traffic before the fault proves nothing), got %d", *m)
	}
	if len(p.Steps) == 0 {
		return errAt("$.steps", "no steps")
	}
	faults := map[string]bool{}
	sawFault, recovered := false, false
	for i, s := range p.Steps {
		path := fmt.Sprintf("$.steps[%d]", i)
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
			if _, err := fault.New(s.Fault.Name, s.Fault.Params); err != nil {
				return errAt(path+".fault", "%v", err)
			}
			if err := TargetExists(p.Topology, s.Fault.Params.Target); err != nil {
				return errAt(path+".fault.target", "%v", err)
			}
			if s.Fault.HealAfter < 0 {
				return errAt(path+".fault.heal_after", "must be >= 0")
			}
			faults[s.ID] = true
			sawFault = true
		case "recover":
			switch s.Recover {
			case RecoverEngine:
				if p.Engine == nil {
					return errAt(path+".recover", "recover engine in a plan without an engine")
				}
			case RecoverNative:
			default:
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
			if p.Topology.Kind != harness.KindCluster {
				return errAt(path+".backup", "backup cluster needs a cluster topology, not %s", p.Topology.Kind)
			}
		case "wait":
			if s.Wait < 0 {
				return errAt(path+".wait", "must be > 0")
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

// TargetExists reports a fault target that cannot name a node of the
// topology: a shard beyond the last, a replica where there are none, a
// node name that is not n0..nN-1.
func TargetExists(topo harness.Topology, t fault.Target) error {
	if err := t.Validate(); err != nil {
		return err
	}
	shards := 1
	if topo.Kind == harness.KindCluster {
		shards = topo.Primaries
	}
	nodes := topo.Primaries * (1 + topo.Replicas)
	if topo.Kind == harness.KindStandalone {
		nodes = 1
	}
	switch t.Role {
	case fault.RoleShardPrimary, fault.RoleShard:
		if t.Shard >= shards {
			return fmt.Errorf("target %s: the %s topology has %d shard(s) (0..%d)", t, topo.Kind, shards, shards-1)
		}
	case fault.RoleReplica:
		if topo.Replicas == 0 || topo.Kind == harness.KindStandalone {
			return fmt.Errorf("target %s: the topology has no replica", t)
		}
	case fault.RoleNode:
		k, ok := NodeIndex(t.Node)
		if !ok || k >= nodes {
			return fmt.Errorf("target %s: no such node; the topology's nodes are n0..n%d", t, nodes-1)
		}
	}
	return nil
}

// NodeIndex parses a plan's node name "nK" (the K-th node the topology
// starts) and returns K.
func NodeIndex(name string) (int, bool) {
	if len(name) < 2 || name[0] != 'n' {
		return 0, false
	}
	k, err := strconv.Atoi(name[1:])
	if err != nil || k < 0 {
		return 0, false
	}
	return k, true
}
