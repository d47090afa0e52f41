package verify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// slotOwners returns, for one view, the id of the non-failed primary serving
// each slot ("" when none), and the slots claimed by more than one.
func slotOwners(view []deploy.ClusterNode) (owners [rediskit.TotalSlots]string, doubles []int) {
	for _, cn := range view {
		if !cn.IsPrimary() || cn.Has("fail") {
			continue
		}
		for _, r := range cn.Slots {
			for s := max(r[0], 0); s <= r[1] && s < rediskit.TotalSlots; s++ {
				if owners[s] != "" && owners[s] != cn.ID {
					doubles = append(doubles, s)
				}
				owners[s] = cn.ID
			}
		}
	}
	return owners, doubles
}

// coverage describes how one view covers the slots: unserved and doubly
// served slot counts.
func coverage(view []deploy.ClusterNode) (missing, double int) {
	owners, doubles := slotOwners(view)
	for _, o := range owners {
		if o == "" {
			missing++
		}
	}
	return missing, len(uniqueInts(doubles))
}

// selfClaims returns the slots a node claims for itself in its own view (the
// "myself" entry when it is a primary).
func selfClaims(view []deploy.ClusterNode) (id string, slots [][2]int) {
	for _, cn := range view {
		if cn.Has("myself") {
			if cn.IsPrimary() {
				return cn.ID, cn.Slots
			}
			return cn.ID, nil
		}
	}
	return "", nil
}

// splitBrain returns one problem per slot range claimed by two different
// primaries: either inside one node's view, or by two live nodes that each
// claim the slot for themselves in their own views. views maps a subject
// (node name) to its CLUSTER NODES view; only live nodes should be passed.
func splitBrain(views map[string][]deploy.ClusterNode) []string {
	var problems []string
	names := sortedKeys(views)
	var claimant [rediskit.TotalSlots]string
	var conflicts = map[string][]int{}
	for _, name := range names {
		if _, doubles := slotOwners(views[name]); len(doubles) > 0 {
			problems = append(problems, fmt.Sprintf("%s sees two primaries for slots %s", name, rangesString(uniqueInts(doubles))))
		}
		_, slots := selfClaims(views[name])
		for _, r := range slots {
			for s := max(r[0], 0); s <= r[1] && s < rediskit.TotalSlots; s++ {
				if claimant[s] != "" && claimant[s] != name {
					key := claimant[s] + " and " + name
					conflicts[key] = append(conflicts[key], s)
				}
				claimant[s] = name
			}
		}
	}
	for _, key := range sortedKeys(conflicts) {
		problems = append(problems, fmt.Sprintf("%s both act as primary of slots %s", key, rangesString(conflicts[key])))
	}
	return problems
}

// disagreements returns how many slots have different owners in different
// views, with an example.
func disagreements(views map[string][]deploy.ClusterNode) (int, string) {
	names := sortedKeys(views)
	if len(names) < 2 {
		return 0, ""
	}
	ref, _ := slotOwners(views[names[0]])
	count, example := 0, ""
	differs := make([]bool, rediskit.TotalSlots)
	for _, name := range names[1:] {
		o, _ := slotOwners(views[name])
		for s := range o {
			if o[s] != ref[s] && !differs[s] {
				differs[s] = true
				count++
				if example == "" {
					example = fmt.Sprintf("slot %d: %s says %s, %s says %s", s, names[0], shortID(ref[s]), name, shortID(o[s]))
				}
			}
		}
	}
	return count, example
}

func shortID(id string) string {
	switch {
	case id == "":
		return "nobody"
	case len(id) > 8:
		return id[:8]
	}
	return id
}

// rangesString renders slots as compact ranges: "0-5460,10923".
func rangesString(slots []int) string {
	slots = uniqueInts(slots)
	var parts []string
	for i := 0; i < len(slots); {
		j := i
		for j+1 < len(slots) && slots[j+1] == slots[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, fmt.Sprint(slots[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", slots[i], slots[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

func uniqueInts(in []int) []int {
	out := append([]int(nil), in...)
	sort.Ints(out)
	w := 0
	for i, v := range out {
		if i == 0 || v != out[w-1] {
			out[w] = v
			w++
		}
	}
	return out[:w]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
