// Package process is the local-processes provider of the recovery
// engine's seam (package recovery/deploy): every node is a "machine" made
// of a supervisor — goroutines inside redisdrill, the service manager —
// that runs one redis-server (or valkey-server) process on this host.
//
// Each node listens on its own loopback address 127.0.X.Y, port 6379
// (cluster bus 16379): all of 127.0.0.0/8 routes to lo on Linux, X is
// derived from the run id so two runs on one host do not collide, and an
// address is checked free before use. A node keeps its data dir, config
// and log in its own folder of the run folder (StartOptions.Dir, or a
// temporary folder removed by Terminate).
//
// The two fault levels of the design map onto the supervisor: Crash kills
// the server while the machine stays up (the supervisor restarts it by the
// topology's restart policy, as systemd does), Kill crashes the machine
// (the server gets the signal and nothing restarts it until Start boots
// the machine again). Files are the host's own; Exec and Shell run on the
// host. Machine events (WatchMachines) and server events (ServerEvents)
// come straight from the supervisor.
//
// Linux only: the loopback addresses and the process handling
// (process groups, parent-death signal, /proc) are Linux's.
package process
