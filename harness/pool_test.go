package harness

import (
	"context"
	"testing"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// TestSpecMatchesOnlyTheSameDeployment: a pooled deployment serves a Start
// only of the same image and the same topology, down to its extra
// configuration lines.
func TestSpecMatchesOnlyTheSameDeployment(t *testing.T) {
	base := rediskit.DefaultCluster()
	spec := Spec{Topology: base, Image: "redisdrill/redis-7.0:r3"}
	if !spec.matches(rediskit.DefaultCluster(), "redisdrill/redis-7.0:r3") {
		t.Error("the same topology and image do not match")
	}
	other := base
	other.ExtraConf = []string{"appendfsync always"}
	noReplicas := base
	noReplicas.Replicas = 0
	for name, c := range map[string]struct {
		topo  Topology
		image string
	}{
		"another image":      {base, "redisdrill/valkey-9:r3"},
		"extra conf":         {other, spec.Image},
		"another shape":      {noReplicas, spec.Image},
		"a custom image tag": {base, "redisdrill/redis-7.0:7.0.15"},
	} {
		if spec.matches(c.topo, c.image) {
			t.Errorf("%s matches", name)
		}
	}
}

// TestNilAndClosedPoolPrepareNothing: a nil pool and a closed one accept
// Prepare and Close without starting anything.
func TestNilAndClosedPoolPrepareNothing(t *testing.T) {
	var nilPool *Pool
	nilPool.Prepare(Spec{Topology: rediskit.DefaultCluster(), Image: "x"})
	nilPool.Close()
	p := NewPool(context.Background(), nil, nil)
	p.Close()
	p.Prepare(Spec{Topology: rediskit.DefaultCluster(), Image: "x"})
	if p.held != nil {
		t.Fatal("a closed pool started a deployment")
	}
	p.Close()
	if _, ok := p.take(context.Background(), &Spec{Topology: rediskit.DefaultCluster(), Image: "x"}); ok {
		t.Fatal("an empty pool handed out a deployment")
	}
}
