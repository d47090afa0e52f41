package fault

import "github.com/redisdrill/redisdrill/recovery/deploy"

// SentinelMachines is an optional capability of a deploy.Deployment whose
// primary is watched by Sentinels running on machines of their own (the
// Docker provider's sentinel topology). They are not servers of the
// topology — Nodes does not list them, and no fault targets them — but
// they talk to the servers over the same network, so a fault that splits
// that network must say on which side they are: partition-minority puts
// them on the majority side, as a production minority partition cuts off
// the primary's machine, not the Sentinels' quorum.
type SentinelMachines interface {
	// SentinelNodes returns the Sentinels' machines; empty when the
	// deployment has none.
	SentinelNodes() []deploy.Node
}

// sentinelNodes returns dep's Sentinel machines, nil when it has none.
func sentinelNodes(dep deploy.Deployment) []deploy.Node {
	if s, ok := dep.(SentinelMachines); ok {
		return s.SentinelNodes()
	}
	return nil
}
