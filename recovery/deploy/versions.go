package deploy

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// RedisVersion returns n's redis_version (INFO server), or "" when it does
// not answer within 2 s. Valkey keeps reporting a redis_version for
// compatibility; ServerVersion gives its own.
func RedisVersion(n Endpoint) string { return serverInfo(n)["redis_version"] }

// ServerVersion returns n's product and version as INFO server reports
// them: ("valkey", valkey_version) on Valkey, ("redis", redis_version)
// otherwise; empty strings when it does not answer within 2 s.
func ServerVersion(n Endpoint) (product, version string) {
	return rediskit.ServerVersionOf(serverInfo(n))
}

func serverInfo(n Endpoint) map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := n.Info(ctx, "server")
	if err != nil {
		return nil
	}
	return info
}
