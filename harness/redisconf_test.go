package harness

import (
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

func TestRenderConf(t *testing.T) {
	topo := rediskit.DefaultCluster()
	topo.Password = "s3cret"
	topo.ExtraConf = []string{"maxmemory 64mb"}
	conf := renderConf(topo)
	for _, want := range []string{"cluster-enabled yes", "cluster-node-timeout 5000", "appendonly yes",
		"appendfsync everysec", `requirepass "s3cret"`, "protected-mode no", "repl-diskless-sync-delay 0", "maxmemory 64mb"} {
		if !strings.Contains(conf, want+"\n") {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
	if !strings.HasSuffix(conf, "maxmemory 64mb\ninclude "+DataDir+"/conf.d/*.conf\n") {
		t.Error("extra lines must come after the defaults so they override them, and the drop-in include last")
	}
	rdb := renderConf(Topology{Kind: KindStandalone, Persistence: PersistRDB})
	if strings.Contains(rdb, "cluster-enabled") || !strings.Contains(rdb, "appendonly no") || strings.Contains(rdb, `save ""`) {
		t.Errorf("standalone RDB conf wrong:\n%s", rdb)
	}
}
