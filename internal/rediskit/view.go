package rediskit

// SeesReplica reports whether a CLUSTER NODES view lists node id as a
// replica of pid, its handshake done.
func SeesReplica(view []ClusterNode, id, pid string) bool {
	for _, cn := range view {
		if cn.ID == id {
			return cn.Has("slave") && cn.MasterID == pid && !cn.Has("handshake")
		}
	}
	return false
}

// SeesSlots reports whether a CLUSTER NODES view lists node id as a
// primary serving exactly the slot range r, its handshake done.
func SeesSlots(view []ClusterNode, id string, r [2]int) bool {
	for _, cn := range view {
		if cn.ID == id {
			return cn.IsPrimary() && !cn.Has("handshake") && len(cn.Slots) == 1 && cn.Slots[0] == r
		}
	}
	return false
}
