// Package deploy names everything the recovery engine asks of a
// deployment: the seam between the engine and the providers that run
// Redis (Docker containers in harness, local processes in
// harness/process). The engine imports this package and never a provider;
// a provider implements these interfaces and never reaches into the
// engine.
//
// A node is a machine that runs one supervised server. The engine talks
// to the server over the network (Endpoint), to the machine's service
// manager (Service) and to the server's data dir (Files). Provider facts
// stay in the provider: where data lives (DataDir), what a machine is,
// how a node is fenced.
package deploy

import (
	"context"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Redis types the interfaces speak (rediskit's, named here so a provider
// outside this module can spell them).
type (
	// ClusterNode is one line of CLUSTER NODES.
	ClusterNode = rediskit.ClusterNode
	// Topology describes the deployment: kind, shards, replicas,
	// persistence, node timeout, password.
	Topology = rediskit.Topology
	// RestartPolicy says what a node's service manager does when its
	// server exits on its own.
	RestartPolicy = rediskit.RestartPolicy
	// Shard is one primary with its replicas and slots.
	Shard = rediskit.Shard[Node]
)

// Endpoint is a node's server on the network.
type Endpoint interface {
	// Name is the node's stable name (a container, a process slot, a pod).
	Name() string
	// Addr is ip:port as Redis Cluster announces it; IP its host part.
	Addr() string
	IP() string
	// Client returns a single-node client; QuickClient one that gives up
	// after d on every dial, read and write (for probes of a frozen node).
	Client() *redis.Client
	QuickClient(d time.Duration) *redis.Client
	// ClusterNodes, Info and RedisID read CLUSTER NODES, one INFO section
	// and CLUSTER MYID.
	ClusterNodes(ctx context.Context) ([]ClusterNode, error)
	Info(ctx context.Context, section string) (map[string]string, error)
	RedisID(ctx context.Context) (string, error)
	// WaitPing returns once the server answers PING after loading its
	// data, or an error when it exited instead.
	WaitPing(ctx context.Context) error
}

// ServerStatus is the service manager's view of a node's server.
type ServerStatus struct {
	// Up is true while the server process runs.
	Up bool
	// WantUp is true when the supervisor will (re)start it.
	WantUp bool
	// PID is the server's process id inside the machine (0 when down).
	PID int
	// ExitCode and Signal describe its last exit while it is down
	// (Exited false: it runs, or never ran). ExitCode is -1 after a signal.
	Exited   bool
	ExitCode int
	Signal   int
}

// Service is a node's machine and the service manager on it.
type Service interface {
	// Supervised reports whether a service manager runs the server;
	// RestartPolicy what it does when the server exits on its own.
	Supervised() bool
	RestartPolicy() RestartPolicy
	// Start makes the server run (booting the machine when it is down);
	// Stop stops the server and keeps it down; Kill crashes the machine
	// with a signal ("SIGKILL" when empty); Unpause thaws a frozen one.
	Start(ctx context.Context) error
	Stop(ctx context.Context, timeout time.Duration) error
	Kill(ctx context.Context, signal string) error
	Unpause(ctx context.Context) error
	// HoldDown tells the service manager to keep the server down and
	// kills the server process at once (SIGKILL): a fence that holds
	// while the machine stays up. Start lifts it.
	HoldDown(ctx context.Context) error
	// State, Running, MachineRunning and Paused read the machine; Exited
	// its last exit code once it is down.
	State(ctx context.Context) (running, paused bool, err error)
	Running(ctx context.Context) (bool, error)
	MachineRunning(ctx context.Context) (bool, error)
	Paused(ctx context.Context) (bool, error)
	Exited(ctx context.Context) (code int, exited bool, err error)
	// ServerStatus is the service manager's view; ServerDown the exit
	// code of a server that is down while its machine is up.
	ServerStatus(ctx context.Context) (ServerStatus, error)
	ServerDown(ctx context.Context) (code int, down bool, err error)
	// Logs returns the machine's log (the server's and the service
	// manager's lines).
	Logs(ctx context.Context) (string, error)
	// ServerEvents streams each start and exit of the server, as its
	// service manager sees them, from since until ctx ends (across
	// reboots of the machine); the channel closes when ctx ends.
	ServerEvents(ctx context.Context, since time.Time) <-chan ServerEvent
}

// ServerEvent is one start or exit of a node's server.
type ServerEvent struct {
	Time  time.Time
	Start bool   // a start; otherwise an exit
	Exit  string // an exit's "code=<c> signal=<s>" (code -1 after a signal)
}

// Files is a node's data dir, reachable whether its server (or its
// machine) runs or not. Paths are the machine's own; DataDir is where the
// server keeps its RDB, AOF dir and nodes.conf.
type Files interface {
	DataDir() string
	ReadFile(ctx context.Context, path string) ([]byte, error)
	WriteFile(ctx context.Context, path string, data []byte, mode int64) error
	// CopyDirIn copies the contents of a host dir into dir on the node;
	// CopyDirOut the contents of dir on the node into a host dir.
	CopyDirIn(ctx context.Context, hostDir, dir string) error
	CopyDirOut(ctx context.Context, dir, hostDir string) error
	// Exec runs a command on the running machine; Shell a sh script.
	Exec(ctx context.Context, cmd ...string) (code int, output string, err error)
	Shell(ctx context.Context, script string) (string, error)
	// Quarantine moves the named files of the data dir into the folder
	// name inside it (nothing is deleted) and returns what it holds.
	Quarantine(ctx context.Context, name string, files []string) (string, error)
}

// Scratch loads files into a throwaway server that serves nobody, to
// prove they load: ScratchKeys returns the key count of hostDir's data
// (its AOF dir when aof), ScratchRDB also SAVEs what loaded as rdbOut.
type Scratch interface {
	ScratchKeys(ctx context.Context, hostDir string, aof bool) (int64, error)
	ScratchRDB(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error)
}

// Node is one machine of a deployment with its supervised server.
// Scratch runs on the node's own machine, next to its server.
type Node interface {
	Endpoint
	Service
	Files
	Scratch
}

// Deployment is a running topology as the engine sees it.
type Deployment interface {
	// RunID names the run; Topology is what was started; Server the
	// product ("redis", "valkey") and version its nodes run.
	RunID() string
	Topology() Topology
	Server() (product, version string)
	// Nodes are the members, AllNodes also retired nodes and spares.
	Nodes() []Node
	AllNodes() []Node
	NodeByName(name string) (Node, bool)
	IsMember(n Node) bool
	// Retire takes a node out of the topology (kept until cleanup).
	Retire(n Node)
	// Primary and SetPrimary are the primary of a non-cluster topology.
	Primary() Node
	SetPrimary(n Node)
	// Shards reads the shards as via sees them; ShardsOf maps a view
	// already read onto the members.
	Shards(ctx context.Context, via Node) ([]Shard, error)
	ShardsOf(view []ClusterNode) []Shard
	// QuarantineAll quarantines the named files of every node given (see
	// Files.Quarantine) into the folder name, at once where the provider
	// can (machines that are down, in one step).
	QuarantineAll(ctx context.Context, nodes []Node, name string, files []string) error
	// Dial reaches a node's address from where the engine runs.
	Dial(ctx context.Context, network, addr string) (net.Conn, error)
	// Provisioner starts what a replacement needs. Scratch runs on a
	// machine of its own.
	Provisioner
	Scratch
}

// Provisioner brings in machines. A deployment that cannot returns an
// error; the engine then plans no replacement.
type Provisioner interface {
	// AddNode starts a new empty member; AddSpare a warm spare that is
	// not a member until Enlist.
	AddNode(ctx context.Context) (Node, error)
	AddSpare(ctx context.Context) (Node, error)
	Enlist(n Node)
}

// HeldBooter is an optional capability of a Node: boot its machine, when
// it is down, with the server held down (the service manager runs, the
// server does not), as an operator powers a host on with the service
// disabled before laying files out. Files then go through the running
// machine and Start only starts the server, so the machine's boot can
// run while the engine still fetches what it will install.
type HeldBooter interface {
	BootHeld(ctx context.Context) error
}

// ServerFencer is an optional capability of a Node: FenceServer fences
// its server and leaves its machine up, as a STONITH agent that kills the
// service on a host it can still reach. The server is SIGKILLed (on a
// frozen machine the kill is delivered at thaw, before the server runs
// again) and its service manager keeps it down until Start, so a
// readmission starts a server instead of booting a machine. An error
// means nothing was fenced: the caller kills the machine.
type ServerFencer interface {
	FenceServer(ctx context.Context) error
}

// AddressKeeper is an optional capability of a Node: KeepsAddress
// reports whether its machine comes back at the address it had after a
// crash and a boot, in whatever order its peers boot, as a host with a
// configured address does. Machines that do need no boot order: a
// replica never finds its primary's old address taken by another node.
// A Node without it is taken not to keep its address.
type AddressKeeper interface {
	KeepsAddress() bool
}

// SentinelGroup is an optional capability of a Deployment: the Sentinels
// that watch its primary. Where it exists the engine fails over through
// Sentinel (SENTINEL FAILOVER), so Sentinel's view and the engine's never
// disagree.
type SentinelGroup interface {
	// MasterName is the name the Sentinels monitor the primary under;
	// SentinelAddrs their addresses (host:port), reachable with Dial.
	MasterName() string
	SentinelAddrs() []string
}

// MachineEvent is a change of a machine as its provider sees it: a crash,
// a stop, a boot, a freeze.
type MachineEvent struct {
	Time   time.Time
	Node   string
	Action string // die, oom, stop, kill, pause, unpause, start, restart
	Detail string // e.g. exitCode=137, signal=9
}

// MachineWatcher is an optional capability of a Deployment: a stream of
// machine events (an oracle production lacks; detection mode "auto").
// Watch returns once the subscription is open, so nothing after it is
// missed; since, when not zero, replays from that instant.
type MachineWatcher interface {
	WatchMachines(ctx context.Context, since time.Time) (<-chan MachineEvent, <-chan error)
}

// LiveShards returns the shards as the first node of dep that answers
// sees them.
func LiveShards(ctx context.Context, dep Deployment) ([]Shard, error) {
	return rediskit.FirstShards(ctx, dep.Nodes(), dep.Shards)
}
