package recovery

// DefaultStrategies returns every strategy the engine can choose from.
func DefaultStrategies() []Strategy {
	return []Strategy{PromoteReplica{}, AcceptRedis{}, RestartInPlace{}, RestoreIdentity{}, CorrectRDB{}, SalvageAOF{}, RebuildManifest{}, RepairAOF{}, RestoreInPlace{}, ReplaceNode{}, ReplaceFromAOF{}, ClusterRollback{}, UndoFlush{}, PointInTime{}}
}

// StrategyNames lists the names of DefaultStrategies.
func StrategyNames() []string {
	var out []string
	for _, s := range DefaultStrategies() {
		out = append(out, s.Name())
	}
	return out
}
