package fault

import (
	"context"
	"strings"

	"github.com/redisdrill/redisdrill/harness"
)

// nodesConfPath is the cluster config file of every cluster node.
const nodesConfPath = harness.DataDir + "/" + harness.NodesConfName

// garbleNodesConf replaces nodes.conf with lines Redis cannot parse: it exits
// with "corrupted cluster config file".
func garbleNodesConf(ctx context.Context, n *harness.Node, _ Params, onset *Onset) ([]Change, error) {
	return overwriteFile(ctx, n, nodesConfPath, []byte(garbage+" not a cluster config\n"), onset)
}

// deleteNodesConf removes nodes.conf: the node starts with a new id, outside
// the cluster.
func deleteNodesConf(ctx context.Context, n *harness.Node, _ Params, onset *Onset) ([]Change, error) {
	return deleteFile(ctx, n, nodesConfPath, onset)
}

// wipeDataDir removes everything in /data: the node starts empty. The onset
// is marked just before the script that counts and deletes.
func wipeDataDir(ctx context.Context, n *harness.Node, _ Params, onset *Onset) ([]Change, error) {
	onset.Mark()
	out, err := n.Shell(ctx, "cd "+harness.DataDir+" && find . -mindepth 1 | wc -l && find . -mindepth 1 -delete")
	if err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: harness.DataDir, Action: "wipe", Note: strings.TrimSpace(out) + " entries removed"}}, nil
}
