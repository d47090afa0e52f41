package fault

import (
	"context"
	"strings"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// nodesConfPath is a cluster node's cluster config file.
func nodesConfPath(n deploy.Node) string { return n.DataDir() + "/" + rediskit.NodesConfName }

// garbleNodesConf replaces nodes.conf with lines Redis cannot parse: it exits
// with "corrupted cluster config file".
func garbleNodesConf(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	return overwriteFile(ctx, n, nodesConfPath(n), []byte(garbage+" not a cluster config\n"), onset)
}

// deleteNodesConf removes nodes.conf: the node starts with a new id, outside
// the cluster.
func deleteNodesConf(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	return deleteFile(ctx, n, nodesConfPath(n), onset)
}

// wipeDataDir removes everything in /data: the node starts empty. The onset
// is marked just before the script that counts and deletes.
func wipeDataDir(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	onset.Mark()
	out, err := n.Shell(ctx, "cd "+n.DataDir()+" && find . -mindepth 1 | wc -l && find . -mindepth 1 -delete")
	if err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: n.DataDir(), Action: "wipe", Note: strings.TrimSpace(out) + " entries removed"}}, nil
}
