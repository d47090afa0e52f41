package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/internal/form"
)

// scratchSaveSuffix makes a scratch script save an RDB before it shuts
// its server down: SAVE writes dir/dump.rdb from what the server loaded.
const scratchSaveSuffix = "save"

// ScratchRDB loads a data dir prepared on the host (an appendonlydir when
// aof is true, else dump.rdb) into a throwaway server of the deployment's
// image, as ScratchKeys does, has it SAVE what it loaded and writes that
// RDB to rdbOut on the host. It returns the key count the server reported
// once loaded. Nothing of any node is touched; the RDB is written only
// when the server loaded the files and saved them.
func (dep *Deployment) ScratchRDB(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	return dep.scratch(ctx, hostDir, aof, rdbOut)
}

// ScratchRDB on a node is Deployment.ScratchRDB run as a second, throwaway
// server process inside the node's running machine (loopback port 6399, a
// temporary folder outside the data dir): no container start. The node's
// own server and files are not touched.
func (n *Node) ScratchRDB(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	return n.scratch(ctx, hostDir, aof, rdbOut)
}

// copyRDBOut copies the RDB a scratch server saved in dir (inside n's
// container) to rdbOut on the host.
func (n *Node) copyRDBOut(ctx context.Context, dir, rdbOut string) error {
	data, err := n.ReadFile(ctx, dir+"/"+RDBFileName)
	if err != nil {
		return fmt.Errorf("read the scratch server's rdb: %w", err)
	}
	return form.WriteRDB(rdbOut, data)
}

// scratchSaveScript is scratchScript with a SAVE before the shutdown: the
// server writes dir/dump.rdb from what it loaded, and the script fails
// (exit 6) when it cannot.
func scratchSaveScript(srv Server, dir string, aof bool) string {
	if srv.Binary == "" {
		srv = Server{Name: CustomServer, Product: "redis", Binary: "redis-server", CLI: "redis-cli"}
	}
	s := scratchScript(srv, dir, aof)
	// The loaded branch prints the key count and shuts down: save first.
	loaded := fmt.Sprintf(`echo "keys=$n"; %s -p 6399 shutdown nosave`, srv.CLI)
	saved := fmt.Sprintf(`r=$(%s -p 6399 %s 2>&1); [ "$r" = OK ] || { echo "save: $r"; exit 6; }; echo "keys=$n"; %s -p 6399 shutdown nosave`, srv.CLI, scratchSaveSuffix, srv.CLI)
	return strings.Replace(s, loaded, saved, 1)
}
