// Package form holds what the providers share in turning running Redis
// servers into a topology and telling when it serves: it talks Redis over
// go-redis clients to members known by name and address, and knows
// nothing of how a machine is started (a container, a local process) or
// reached beyond the member's own client and dialer.
//
//   - Former forms a standalone node, a primary with replicas (REPLICAOF)
//     or a Redis Cluster (ADDSLOTSRANGE, MEET, REPLICATE, then confirming
//     every node sees each role) while the nodes come up, one join per
//     node.
//   - Ready and WaitReady tell when a formed topology serves: every member
//     answers, a cluster is ok, covered and seen whole by every node, and
//     every replica is linked and caught up.
//   - Waiter and RawPing wait for a server to answer; Clients keeps one
//     client per member across polls; ClusterNodes, Info and RedisID read
//     a member; WriteRDB writes the RDB a scratch server saved to the
//     host.
//
// Each provider passes its differences as options and hooks (how to wait
// for a member, whether primaries confirm their slots, what else
// readiness needs), not copies.
package form
