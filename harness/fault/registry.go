package fault

import (
	"fmt"
	"sort"
	"strings"
)

// Info describes one fault of the catalog.
type Info struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// entry is one registered fault.
type entry struct {
	desc string
	make func(p Params) Fault
}

// registry returns the known faults. It is built on each call: no
// package-level mutable state.
func registry() map[string]entry {
	corrupt := func(name string, how corruptMode, c corruptor) func(Params) Fault {
		return func(p Params) Fault {
			return &Corrupt{base: base{params: p}, name: name, mode: how, corrupt: c}
		}
	}
	return map[string]entry{
		"flushall": {"send FLUSHALL to the target primary (operator error); nothing to heal", func(p Params) Fault { return &FlushAll{base: base{params: p}} }},
		"flushall-machine-loss": {"FLUSHALL on the target primaries; once the replicas synced it, shard 0's primary loses its data dir and its machine: only a backup holds the data; heal boots the machine",
			func(p Params) Fault { return &FlushAndLose{base: base{params: p}} }},
		"kill":               {"crash the target's machine (SIGKILL to the container: supervisor and server die together); heal boots it", func(p Params) Fault { return &Kill{base: base{params: p}} }},
		"machine-crash":      {"same as kill: crash the target's machine; heal boots it and its supervisor starts the server", func(p Params) Fault { return &Kill{base: base{params: p}, name: "machine-crash"} }},
		"crash":              {"SIGKILL the target's redis-server while its machine stays up; its supervisor restarts it by the restart policy", func(p Params) Fault { return &Crash{base: base{params: p}} }},
		"stop":               {"stop the target's server gracefully through its supervisor (SIGTERM), machine up; heal starts it again", func(p Params) Fault { return &Stop{base: base{params: p}} }},
		"restart":            {"stop and start the target; inject returns once it answers PING", func(p Params) Fault { return &Restart{base: base{params: p}} }},
		"pause":              {"freeze the target (docker pause); heal unpauses it", func(p Params) Fault { return &Pause{base: base{params: p}} }},
		"partition-node":     {"cut the target off the network (peers and host); heal reconnects it at the same IP", func(p Params) Fault { return &PartitionNode{base: base{params: p}} }},
		"partition-minority": {"isolate the target with Companions nodes from the rest by blackhole routes; the host still reaches both sides", func(p Params) Fault { return &PartitionMinority{base: base{params: p}} }},
		"delay":              {"add Delay latency to the target's traffic (tc netem)", func(p Params) Fault { return &Netem{base: base{params: p}, name: "delay"} }},
		"loss":               {"drop LossPercent of the target's packets (tc netem)", func(p Params) Fault { return &Netem{base: base{params: p}, name: "loss"} }},
		"disk-full":          {"fill the disk under the target's dir so BGSAVE fails and writes get -MISCONF", func(p Params) Fault { return &DiskFull{base: base{params: p}} }},
		"rdb-bitflip":        {"flip bytes in the middle of dump.rdb of the target (bad CRC64)", corrupt("rdb-bitflip", afterSave, flipRDB)},
		"rdb-bit":            {"flip one bit in the middle of dump.rdb of the target (bad CRC64, correctable)", corrupt("rdb-bit", afterSave, flipRDBBit)},
		"rdb-truncate":       {"cut the tail off dump.rdb of the target", corrupt("rdb-truncate", afterSave, truncateRDB)},
		"aof-truncate-tail":  {"cut bytes off the end of the last incr AOF of the target", corrupt("aof-truncate-tail", whileFrozen, truncateAOFTail)},
		"aof-garbage-middle": {"overwrite a command in the middle of the last incr AOF with garbage", corrupt("aof-garbage-middle", underRunning, garbageAOFMiddle)},
		"aof-manifest-delete": {"delete the AOF manifest of the target (Redis starts empty)",
			corrupt("aof-manifest-delete", underRunning, deleteManifest)},
		"aof-manifest-corrupt": {"replace the AOF manifest of the target with garbage",
			corrupt("aof-manifest-corrupt", underRunning, corruptManifest)},
		"nodes-conf-garbage": {"replace nodes.conf of the cluster node with garbage", corrupt("nodes-conf-garbage", whileFrozen, garbleNodesConf)},
		"nodes-conf-delete":  {"delete nodes.conf of the cluster node (new id, outside the cluster)", corrupt("nodes-conf-delete", whileFrozen, deleteNodesConf)},
		"wipe-data-dir":      {"remove everything in /data of the target", corrupt("wipe-data-dir", whileFrozen, wipeDataDir)},
		"wipe-data-keep-identity": {"remove the RDB and AOF of the target but keep nodes.conf: it comes back empty as the same node",
			corrupt("wipe-data-keep-identity", whileFrozen, wipeDataKeepIdentity)},
	}
}

// New builds the fault registered under name with parameters p.
func New(name string, p Params) (Fault, error) {
	e, ok := registry()[name]
	if !ok {
		return nil, fmt.Errorf("new fault: unknown fault %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("new fault %s: %w", name, err)
	}
	return e.make(p), nil
}

// Names lists the registered fault names, sorted.
func Names() []string {
	reg := registry()
	out := make([]string, 0, len(reg))
	for name := range reg {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Catalog lists every fault with a one-line description, sorted by name.
func Catalog() []Info {
	reg := registry()
	out := make([]Info, 0, len(reg))
	for _, name := range Names() {
		out = append(out, Info{Name: name, Description: reg[name].desc})
	}
	return out
}
