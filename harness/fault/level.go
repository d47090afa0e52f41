package fault

import "strings"

// Levels at which a fault hits a node, as production has them.
const (
	// LevelCrash: the server process dies; the machine and its service
	// manager stay up and restart it by the restart policy.
	LevelCrash = "crash"
	// LevelMachineCrash: the whole machine dies (container SIGKILL); a
	// reboot starts it and its service manager starts the server.
	LevelMachineCrash = "machine-crash"
	// LevelService: the service manager stops (or restarts) the server on
	// purpose, as an operator's systemctl stop would; the machine stays up.
	LevelService = "service"
	// LevelMachineFreeze: every process of the machine is frozen.
	LevelMachineFreeze = "machine-freeze"
	// LevelNetwork: the machine and server run; its network misbehaves.
	LevelNetwork = "network"
	// LevelOperator: a command sent to a healthy server (FLUSHALL).
	LevelOperator = "operator"
	// LevelDisk: the server's disk fills up under it.
	LevelDisk = "disk"
)

// Level says at which level the named fault hits its target: corruption
// faults damage files under the running server and then crash it
// (LevelCrash); kill and machine-crash crash the machine.
func Level(name string) string {
	switch {
	case name == "crash":
		return LevelCrash
	case name == "kill" || name == "machine-crash":
		return LevelMachineCrash
	case name == "stop" || name == "restart":
		return LevelService
	case name == "pause":
		return LevelMachineFreeze
	case strings.HasPrefix(name, "partition") || name == "delay" || name == "loss":
		return LevelNetwork
	case name == "flushall" || name == "flushall-machine-loss":
		return LevelOperator
	case name == "disk-full":
		return LevelDisk
	}
	if _, ok := registry()[name]; ok {
		return LevelCrash // a corruption: latent damage, then a server crash
	}
	return ""
}
