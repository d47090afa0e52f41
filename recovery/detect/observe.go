package detect

import (
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// observation is what one probe round learned about one node.
type observation struct {
	Start        time.Time // the round began (before any dial)
	End          time.Time // the round ended
	Err          error     // PING / INFO failed: node unreachable (see Classify)
	RunID        string    // INFO server run_id
	Role         string    // master / slave
	MasterHost   string    // replicas: primary's address
	LinkStatus   string    // replicas: master_link_status
	Loading      bool      // dataset still loading
	Keys         int64     // sum of keys over every db
	ClusterState string    // cluster_state, empty outside a cluster
	PersistErr   string    // non-empty when a persistence status is err
}

// parseObservation builds an observation from INFO and CLUSTER INFO text.
func parseObservation(info, clusterInfo string) observation {
	kv := rediskit.ParseInfo(info)
	o := observation{
		RunID:      kv["run_id"],
		Role:       kv["role"],
		MasterHost: kv["master_host"],
		LinkStatus: kv["master_link_status"],
		Loading:    kv["loading"] == "1" || kv["async_loading"] == "1",
		Keys:       keyCount(kv),
	}
	if clusterInfo != "" {
		o.ClusterState = rediskit.ParseInfo(clusterInfo)["cluster_state"]
	}
	var bad []string
	for _, k := range []string{"rdb_last_bgsave_status", "aof_last_write_status", "aof_last_bgrewrite_status"} {
		if kv[k] == "err" {
			bad = append(bad, k+":err")
		}
	}
	o.PersistErr = strings.Join(bad, " ")
	return o
}

// keyCount sums keys=N over the dbN lines of INFO keyspace.
func keyCount(kv map[string]string) int64 {
	var total int64
	for k, v := range kv {
		if !strings.HasPrefix(k, "db") {
			continue
		}
		for _, part := range strings.Split(v, ",") {
			if n, ok := strings.CutPrefix(part, "keys="); ok {
				c, _ := strconv.ParseInt(n, 10, 64)
				total += c
			}
		}
	}
	return total
}
