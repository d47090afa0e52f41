package scenarios

import (
	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
)

// NotOnProcesses says why the scenario cannot run on the local-processes
// provider ("" when it can): its fault needs a container, or its topology
// needs machines the provider does not start.
func (s Scenario) NotOnProcesses() string {
	if s.Topology.Kind == harness.KindSentinel {
		return "the process provider starts no Sentinels"
	}
	return fault.NeedsContainer(s.Fault)
}
