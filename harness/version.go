package harness

import "github.com/redisdrill/redisdrill/recovery/deploy"

// RedisVersion returns the node's redis_version (INFO server), or "" when
// the node does not answer (deploy.RedisVersion).
func (n *Node) RedisVersion() string { return deploy.RedisVersion(n) }

// ServerVersion returns the node's product and version as INFO server
// reports them (deploy.ServerVersion).
func (n *Node) ServerVersion() (product, version string) { return deploy.ServerVersion(n) }
