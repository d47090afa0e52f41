package backup

import (
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Kind is what a backup contains.
type Kind string

// Backup kinds.
const (
	KindLiveRDB Kind = "live-rdb" // one RDB streamed over the replication protocol
	KindDataDir Kind = "data-dir" // a copy of a node's /data (RDB, AOF dir, nodes.conf)
	KindCluster Kind = "cluster"  // parent of one live-rdb per shard, plus the topology
)

// File is one file of a backup, relative to the backup folder.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Manifest describes one backup; it is written once, atomically, as
// manifest.json in the backup's folder.
type Manifest struct {
	ID           string    `json:"id"`
	Kind         Kind      `json:"kind"`
	Node         string    `json:"node,omitempty"`
	NodeID       string    `json:"node_id,omitempty"`
	Addr         string    `json:"addr,omitempty"`
	Role         string    `json:"role,omitempty"`
	Slots        [][2]int  `json:"slots,omitempty"`
	Shard        *int      `json:"shard,omitempty"`
	Parent       string    `json:"parent,omitempty"`   // cluster backup this one belongs to
	Children     []string  `json:"children,omitempty"` // shard backups of a cluster backup
	Time         time.Time `json:"time"`
	DurationMS   int64     `json:"duration_ms"`
	ReplOffset   int64     `json:"repl_offset"`
	Files        []File    `json:"files"`
	RDBVersion   int       `json:"rdb_version,omitempty"`
	Keys         int64     `json:"keys"`                   // in the RDB (for AOF data dirs: in the base file)
	AOFCommands  int       `json:"aof_commands,omitempty"` // commands in the incr files of a data dir
	RedisVersion string    `json:"redis_version,omitempty"`
	// Server and ServerVersion are the product ("redis", "valkey") and
	// version that wrote the backup (Valkey's own version, not the
	// redis_version it keeps for compatibility).
	Server        string               `json:"server,omitempty"`
	ServerVersion string               `json:"server_version,omitempty"`
	Topology      []deploy.ClusterNode `json:"topology,omitempty"`
	Note          string               `json:"note,omitempty"`
}

// Size is the total size of the backup's files.
func (m Manifest) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// Meta is what the caller knows about the source of a backup; the backup
// functions fill in the rest of the manifest.
type Meta struct {
	Node   string   // container or host name, used in the id
	NodeID string   // Redis Cluster node id
	Role   string   // primary / replica
	Slots  [][2]int // slots the node served
	Shard  *int     // shard index in a cluster backup
	Parent string   // parent cluster backup id
	Note   string
}

// Status is the last verification result of a backup, kept next to its
// manifest in verify.json.
type Status struct {
	Verified bool      `json:"verified"`
	Time     time.Time `json:"time"`
	Problems []string  `json:"problems,omitempty"`
}
