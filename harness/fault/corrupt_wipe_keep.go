package fault

import (
	"context"
	"strings"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// wipeDataKeepIdentity removes the data files (dump.rdb, appendonlydir) but
// keeps nodes.conf: a cluster node comes back as itself, a primary with its
// slots and no data. Restarted within node-timeout it is never marked
// failed, so Redis does not fail it over and its replicas full-sync the
// empty dataset: the case the empty-restart-guard scenarios drill.
//
// The onset is marked just before the script that counts and deletes.
func wipeDataKeepIdentity(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	onset.Mark()
	out, err := n.Shell(ctx, "cd "+n.DataDir()+" && ls -d "+rediskit.RDBFileName+" "+rediskit.AOFDirName+" 2>/dev/null | wc -l && rm -rf "+rediskit.RDBFileName+" "+rediskit.AOFDirName)
	if err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: n.DataDir(), Action: "wipe-data", Note: strings.TrimSpace(out) + " entries removed, nodes.conf kept"}}, nil
}
