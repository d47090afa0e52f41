package recovery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Strategy is one way back to a serving deployment. Each is a small type;
// the engine asks every strategy for an Estimate and runs the one that loses
// least (then the fastest).
type Strategy interface {
	// Name is the strategy's stable identifier, e.g. "promote-replica".
	Name() string
	// Estimate says whether the strategy applies to the incident and what it
	// would cost. It must change nothing and start nothing, and be cheap:
	// the engine asks every strategy. A proof that needs heavy work (a
	// copy of the data, a scratch server) belongs in Execute.
	Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error)
	// Execute recovers, recording its spans in tl.
	Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error
}

// Env is everything a strategy may use besides its incident: the
// deployment, the backups and the engine's shared steps (fencing, a
// replacement, the rollback's shard map). The engine passes it to
// Estimate and Execute; a strategy holds no pointer into the engine and
// reaches none of its state but through these methods.
type Env interface {
	// Deployment is the deployment under recovery; Options the engine's.
	Deployment() deploy.Deployment
	Options() Options
	log() *slog.Logger
	// baselineKeys is the key count of the last baseline; shardsNow the
	// shards as the last Refresh saw them; spareNow the warm spare (nil
	// when none is ready); faultTime the fault's t0 when known.
	baselineKeys() int64
	shardsNow() []deploy.Shard
	spareNow() deploy.Node
	faultTime() time.Time
	nodeAlive(ctx context.Context, n deploy.Node) bool
	// The catalog: the newest verified backup of a shard, of a node, of
	// the whole cluster; the source a restore loads (an archive point
	// when the shard has an archive); a backup used, a salvage made.
	Catalog() (*backup.Catalog, error)
	shardBackup(shard int) (backup.Manifest, string, error)
	nodeSnapshot(node string) (backup.Manifest, string, error)
	clusterBackup() (backup.Manifest, []backup.Manifest, error)
	restoreSource(ctx context.Context, inc *Incident) (backup.Manifest, string, string, error)
	archiveRollback(ctx context.Context) (backup.Manifest, map[deploy.Node]string, string, error)
	matchShards(children []backup.Manifest) (map[deploy.Node]string, error)
	noteBackup(m backup.Manifest)
	noteSalvage(s Salvage)
	// Shared steps: fence old owners, release writes paused for a
	// promotion, replace a shard's node.
	fenceNodes(ctx context.Context, inc *Incident, tl *Timeline, old []deploy.Node, retire bool) error
	releasePausedWrites(ctx context.Context, tl *Timeline) error
	replaceShard(ctx context.Context, inc *Incident, tl *Timeline, fetch func() (string, error), load loadFunc) error
}

// Estimate is a strategy's own forecast for an incident.
type Estimate struct {
	Applicable bool
	Why        string        // why not applicable, or how it would recover
	LostKeys   int64         // expected keys lost relative to the failed node's last known state; -1 unknown
	Duration   time.Duration // expected time to recover, 0 unknown
}

// IncidentKind names what went wrong.
type IncidentKind string

// Incident kinds the engine handles.
const (
	PrimaryDown     IncidentKind = "primary-down"     // a primary is dead or unreachable
	EmptyRestart    IncidentKind = "empty-restart"    // a primary came back with no data while replicas hold it
	RefusesStart    IncidentKind = "refuses-start"    // redis-server exits on its own files
	ShardLost       IncidentKind = "shard-lost"       // primary and every replica of a shard gone
	ClusterLost     IncidentKind = "cluster-lost"     // every node down
	StartedEmpty    IncidentKind = "started-empty"    // a node came up with far fewer keys than before (files lost)
	AccidentalFlush IncidentKind = "accidental-flush" // FLUSHALL / FLUSHDB reached a primary
	SelfHealed      IncidentKind = "self-healed"      // Redis came back on its own with its data
)

// Incident is what the engine decided happened, with what it knows.
type Incident struct {
	Kind       IncidentKind
	Shard      int         // shard index (by lowest slot); 0 for non-cluster
	Slots      [][2]int    // the shard's slots
	Failed     deploy.Node // the node that failed (primary of the shard)
	FailedID   string      // its cluster node id
	Replicas   []deploy.Node
	DetectedAt time.Time
	Detail     string
	// PrimaryKnownDead is true when the failed node's process is known to
	// be gone (killed, exited), not merely unreachable: in auto mode Docker
	// reports the container not running; in probe mode the node refused or
	// closed a connection and has not answered since (see Engine.knownDead).
	PrimaryKnownDead bool
	// AOFBroken is true when the refusal was about the AOF or its manifest.
	AOFBroken bool
	// KeysNow is the failed node's key count when it came back serving.
	KeysNow int64
	// IdentityBroken is true when nodes.conf is what the node refused.
	IdentityBroken bool
	// PreFaultKeys is the shard's key count in the last baseline, -1 unknown.
	PreFaultKeys int64
	// Collapsed is true when the primary came back empty and every live
	// replica had already synced it: neither a promotion nor the node's
	// own (post-wipe) AOF holds the shard's data, only a backup does.
	Collapsed bool
	// Guarded is true when the engine fenced the emptied primary as soon
	// as it saw it, before the plan (see Engine.recover).
	Guarded bool

	// observed is what the failed node did, as classify read it with the
	// node's outcome (see Engine.observeFailed); nil when it did not.
	observed []string
	// aofView is what the AOF strategies' Estimates read of the failed
	// node's appendonlydir without copying it (see Incident.aofFacts).
	aofView *aofView
	aofMu   sync.Mutex // guards aofView
	// aofSrc is the host copy of the failed node's appendonlydir an AOF
	// strategy's Execute made for its proof (see aofSource), under aofWork.
	aofSrc, aofWork string
}

// String names the incident for logs and spans.
func (i *Incident) String() string {
	name := "?"
	if i.Failed != nil {
		name = i.Failed.Name()
	}
	return fmt.Sprintf("%s on shard %d (%s)", i.Kind, i.Shard, name)
}
