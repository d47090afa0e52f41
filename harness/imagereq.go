package harness

// ImageRequirement is one thing a node image must have for drills to run.
type ImageRequirement struct {
	// Name names the requirement in reports ("ip", "file tools").
	Name string
	// Commands must all be on the image's PATH (command -v).
	Commands []string
	// Test is an extra POSIX shell condition that must hold ("" = none).
	Test string
	// Hard says nodes, or the recovery engine, cannot work without it;
	// otherwise only Faults (and what Without names) fail.
	Hard bool
	// Faults are the faults that will not run without it.
	Faults []string
	// Without says what fails when the requirement is not met.
	Without string
}

// MinRedisMajor is the oldest Redis major version a node image may run:
// the node config uses appenddirname, enable-protected-configs and
// enable-debug-command, which Redis 7.0 introduced.
const MinRedisMajor = 7

// corruptionFaults are the faults that stop a node and change its files;
// each restores the pristine data dir on heal with find -delete.
var corruptionFaults = []string{
	"rdb-bitflip", "rdb-bit", "rdb-truncate", "aof-truncate-tail", "aof-garbage-middle",
	"aof-manifest-delete", "aof-manifest-corrupt", "nodes-conf-garbage",
	"nodes-conf-delete", "wipe-data-dir", "wipe-data-keep-identity",
}

// ImageRequirements lists what a redis-server node image must contain,
// the server first (ImageRequirementsFor with a Redis server).
func ImageRequirements() []ImageRequirement {
	return ImageRequirementsFor(Server{Binary: "redis-server", CLI: "redis-cli"})
}

// ImageRequirementsFor lists what a node image of srv must contain, its
// server binary first. CheckImage also reports sh (every check runs in it)
// and the server version (MinRedisMajor or newer).
func ImageRequirementsFor(srv Server) []ImageRequirement {
	return []ImageRequirement{
		{
			Name: srv.Binary, Commands: []string{srv.Binary}, Hard: true,
			Without: "no node can start (nodes run " + srv.Binary + " " + ConfPath + ")",
		},
		{
			Name: srv.CLI, Commands: []string{srv.CLI},
			Without: "redisdrill bench rollback will not run (it times " + srv.CLI + " --rdb as its backup-speed baseline)",
		},
		{
			Name: "file tools", Commands: []string{"find", "rm", "mkdir", "mv", "ls", "wc"}, Hard: true,
			Faults:  corruptionFaults,
			Without: "the engine's restores cannot quarantine replaced files and the corruption faults cannot change or restore a data dir",
		},
		{
			Name: "ip", Commands: []string{"ip"},
			Faults:  []string{"partition-node", "partition-minority"},
			Without: "partition-node and partition-minority faults will not run (iproute2: ip link, ip route blackhole)",
		},
		{
			Name: "tc", Commands: []string{"tc"},
			Faults:  []string{"delay", "loss"},
			Without: "delay and loss faults will not run (iproute2: tc qdisc netem)",
		},
		{
			Name: "nft", Commands: []string{"nft"},
			Without: "the loss fault will not run on a kernel without sch_netem (its nftables fallback)",
		},
		{
			Name: "root user", Test: `[ "$(id -u 2>/dev/null)" = 0 ]`,
			Faults:  []string{"partition-node", "partition-minority", "delay", "loss"},
			Without: "the image runs as a non-root user, so ip, tc and nft cannot change the node's network",
		},
		{
			Name: "truncate", Commands: []string{"truncate"},
			Faults:  []string{"rdb-truncate"},
			Without: "the rdb-truncate fault will not run",
		},
		{
			Name: "disk-full tools", Commands: []string{"df", "dd", "tail"}, Test: "df -B1 --output=avail / >/dev/null 2>&1",
			Faults:  []string{"disk-full"},
			Without: "the disk-full fault will not run (needs dd, tail and GNU df with --output)",
		},
	}
}
