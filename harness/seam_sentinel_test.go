package harness

import (
	"testing"

	"github.com/redisdrill/redisdrill/harness/fault"
)

// The engine's view offers the Sentinels' machines to the faults (an
// optional capability: harness/fault cannot be imported by harness itself,
// its tests import harness).
var _ fault.SentinelMachines = engineView{}

func TestEngineViewSentinelNodesEmptyWithoutSentinels(t *testing.T) {
	v := engineView{dep: &Deployment{}}
	if got := v.SentinelNodes(); len(got) != 0 {
		t.Fatalf("SentinelNodes of a deployment without sentinels = %d nodes, want 0", len(got))
	}
}
