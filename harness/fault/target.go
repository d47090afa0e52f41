package fault

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Role selects nodes by what they do in the topology.
type Role string

// Roles a Target can name.
const (
	RolePrimary      Role = "primary"       // the primary (shard 0's for a cluster)
	RoleReplica      Role = "replica"       // a replica (of shard 0 for a cluster)
	RoleShardPrimary Role = "shard-primary" // the primary of shard Shard (by lowest slot)
	RoleAll          Role = "all"           // every node of the topology
	RolePrimaries    Role = "primaries"     // the primary of every shard
	RoleShard        Role = "shard"         // the primary and every replica of shard Shard
	RoleNode         Role = "node"          // the node named Node
)

// Target says which nodes a fault hits. The zero value is RolePrimary.
type Target struct {
	Role  Role   `json:"role"`
	Shard int    `json:"shard,omitempty"`
	Node  string `json:"node,omitempty"`
}

// ParseTarget parses "primary", "replica", "all", "primaries", "shard-primary:K" (or
// "shard-primary" for shard 0), "node:NAME" or a bare node name.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	head, arg, hasArg := strings.Cut(s, ":")
	switch Role(head) {
	case "":
		return Target{}, errors.New("parse target: empty (want primary, replica, primaries, shard-primary:K, all or node:NAME)")
	case RolePrimary, RoleReplica, RoleAll, RolePrimaries:
		if hasArg {
			return Target{}, fmt.Errorf("parse target %q: %s takes no argument", s, head)
		}
		return Target{Role: Role(head)}, nil
	case RoleShardPrimary, RoleShard:
		if !hasArg {
			return Target{Role: Role(head)}, nil
		}
		k, err := strconv.Atoi(arg)
		if err != nil || k < 0 {
			return Target{}, fmt.Errorf("parse target %q: shard must be an integer >= 0", s)
		}
		return Target{Role: Role(head), Shard: k}, nil
	case RoleNode:
		if arg == "" {
			return Target{}, fmt.Errorf("parse target %q: node name missing", s)
		}
		return Target{Role: RoleNode, Node: arg}, nil
	}
	if hasArg || strings.ContainsAny(s, " \t/") {
		return Target{}, fmt.Errorf("parse target %q: unknown role (want primary, replica, primaries, shard-primary:K, all or node:NAME)", s)
	}
	return Target{Role: RoleNode, Node: s}, nil
}

// String renders the target in the form ParseTarget reads.
func (t Target) String() string {
	switch t.Role {
	case "":
		return string(RolePrimary)
	case RoleShardPrimary, RoleShard:
		return fmt.Sprintf("%s:%d", t.Role, t.Shard)
	case RoleNode:
		return "node:" + t.Node
	default:
		return string(t.Role)
	}
}

// Validate reports a target that cannot name any node.
func (t Target) Validate() error {
	switch t.Role {
	case "", RolePrimary, RoleReplica, RoleAll, RolePrimaries, RoleShardPrimary, RoleShard:
	case RoleNode:
		if t.Node == "" {
			return errors.New("validate target: node role needs a node name")
		}
	default:
		return fmt.Errorf("validate target: unknown role %q", t.Role)
	}
	if t.Shard < 0 {
		return fmt.Errorf("validate target: shard must be >= 0, got %d", t.Shard)
	}
	return nil
}

// Resolve returns the nodes the target names now. Cluster roles are read
// from the first node that answers CLUSTER NODES.
func (t Target) Resolve(ctx context.Context, dep deploy.Deployment) ([]deploy.Node, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	switch t.Role {
	case RoleAll:
		nodes := dep.Nodes()
		if len(nodes) == 0 {
			return nil, errors.New("resolve target all: deployment has no nodes")
		}
		return nodes, nil
	case RoleNode:
		n, ok := dep.NodeByName(t.Node)
		if !ok {
			return nil, fmt.Errorf("resolve target: no node named %q", t.Node)
		}
		return []deploy.Node{n}, nil
	}
	if dep.Topology().Kind == rediskit.KindCluster {
		return t.resolveCluster(ctx, dep)
	}
	primary := dep.Primary()
	if primary == nil {
		return nil, errors.New("resolve target: deployment has no primary")
	}
	switch t.Role {
	case RoleReplica:
		for _, n := range dep.Nodes() {
			if n != primary {
				return []deploy.Node{n}, nil
			}
		}
		return nil, fmt.Errorf("resolve target replica: %s topology has no replica", dep.Topology().Kind)
	case RoleShardPrimary, RoleShard:
		if t.Shard != 0 {
			return nil, fmt.Errorf("resolve target %s: %s topology has only shard 0", t, dep.Topology().Kind)
		}
	}
	return []deploy.Node{primary}, nil
}

// replicaSettle bounds how long a replica target waits for the shard to
// list a healthy replica: right after a readmission the node that answers
// first can still see the readmitted replica as failed for a moment.
const replicaSettle = 3 * time.Second

func (t Target) resolveCluster(ctx context.Context, dep deploy.Deployment) ([]deploy.Node, error) {
	deadline := time.Now().Add(replicaSettle)
	for {
		nodes, err := t.resolveClusterOnce(ctx, dep)
		if err == nil || t.Role != RoleReplica || !errors.Is(err, errNoHealthyReplica) || time.Now().After(deadline) {
			return nodes, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// errNoHealthyReplica marks a shard that lists no healthy replica.
var errNoHealthyReplica = errors.New("no healthy replica")

func (t Target) resolveClusterOnce(ctx context.Context, dep deploy.Deployment) ([]deploy.Node, error) {
	shards, err := deploy.LiveShards(ctx, dep)
	if err != nil {
		return nil, fmt.Errorf("resolve target %s: %w", t, err)
	}
	if t.Role == RolePrimaries {
		var out []deploy.Node
		for _, sh := range shards {
			if sh.Primary == nil {
				return nil, fmt.Errorf("resolve target %s: primary %s of shard %d is not a node of the deployment", t, sh.PrimaryID, sh.Index)
			}
			out = append(out, sh.Primary)
		}
		return out, nil
	}
	k := 0
	if t.Role == RoleShardPrimary || t.Role == RoleShard {
		k = t.Shard
	}
	if k >= len(shards) {
		return nil, fmt.Errorf("resolve target %s: cluster has %d shards", t, len(shards))
	}
	sh := shards[k]
	if t.Role == RoleReplica {
		if len(sh.Replicas) == 0 {
			return nil, fmt.Errorf("resolve target %s: shard %d has %w", t, k, errNoHealthyReplica)
		}
		return []deploy.Node{sh.Replicas[0]}, nil
	}
	if sh.Primary == nil {
		return nil, fmt.Errorf("resolve target %s: primary %s of shard %d is not a node of the deployment", t, sh.PrimaryID, k)
	}
	if t.Role == RoleShard {
		return append([]deploy.Node{sh.Primary}, sh.Replicas...), nil
	}
	return []deploy.Node{sh.Primary}, nil
}

// MarshalText renders the target as ParseTarget reads it.
func (t Target) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText parses a target written by MarshalText.
func (t *Target) UnmarshalText(b []byte) error {
	v, err := ParseTarget(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}
