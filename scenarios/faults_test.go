package scenarios_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// faultTimeout bounds each fault spec.
const faultTimeout = 90 * time.Second

// applyFault builds and applies a fault; its heal is registered as cleanup
// before the Inject error is checked, so a failed or interrupted spec still
// heals. Specs that want to see Inject fail get the error back.
func applyFault(ctx context.Context, dep *harness.Deployment, name string, p fault.Params) (*fault.Injection, error) {
	GinkgoHelper()
	f, err := fault.New(name, p)
	Expect(err).NotTo(HaveOccurred())
	inj, err := fault.Apply(ctx, dep.Engine(), f)
	Expect(inj).NotTo(BeNil())
	DeferCleanup(func(ctx SpecContext) {
		Expect(inj.Heal(ctx)).To(Succeed())
	}, NodeTimeout(2*time.Minute))
	AddReportEntry("fault "+name, inj.Record())
	return inj, err
}

// mustApply is applyFault for specs that expect Inject to succeed.
func mustApply(ctx context.Context, dep *harness.Deployment, name string, p fault.Params) *fault.Injection {
	GinkgoHelper()
	inj, err := applyFault(ctx, dep, name, p)
	Expect(err).NotTo(HaveOccurred())
	return inj
}

// onlyNode resolves a target that must name exactly one node.
func onlyNode(ctx context.Context, dep *harness.Deployment, t fault.Target) *harness.Node {
	GinkgoHelper()
	nodes, err := t.Resolve(ctx, dep.Engine())
	Expect(err).NotTo(HaveOccurred())
	Expect(nodes).To(HaveLen(1))
	return harness.AsNode(nodes[0])
}

// pingWithin pings n from the host with a deadline.
func pingWithin(ctx context.Context, n *harness.Node, d time.Duration) error {
	c := n.Client()
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return c.Ping(pctx).Err()
}

// pingFrom pings ip from inside node from (redis-cli, 2 s limit) and
// reports whether it answered PONG.
func pingFrom(ctx context.Context, from *harness.Node, ip string) bool {
	GinkgoHelper()
	_, out, err := from.Exec(ctx, "timeout", "2", "redis-cli", "-h", ip, "ping")
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimSpace(out) == "PONG"
}

// writeKeys writes count keys prefix:i with 100-byte values.
func writeKeys(ctx context.Context, c redis.UniversalClient, prefix string, count int) {
	GinkgoHelper()
	val := strings.Repeat("v", 100)
	for i := 0; i < count; i++ {
		Expect(c.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), val, 0).Err()).To(Succeed())
	}
}

// dbsize reads DBSIZE of one node.
func dbsize(ctx context.Context, n *harness.Node) int64 {
	GinkgoHelper()
	c := n.Client()
	defer c.Close()
	size, err := c.DBSize(ctx).Result()
	Expect(err).NotTo(HaveOccurred())
	return size
}

// expectExitsWithLog waits for n's server to exit with an error (its
// supervisor may start it again: each start refuses the same way) and
// checks its log.
func expectExitsWithLog(ctx context.Context, n *harness.Node, logPattern string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		code, down, err := n.ServerDown(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(down).To(BeTrue(), "redis-server should refuse the corrupted file and exit")
		g.Expect(code).To(BeNumerically(">", 0), "an error exit, not the fault's SIGKILL")
	}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	logs, err := n.Logs(ctx)
	Expect(err).NotTo(HaveOccurred())
	Expect(logs).To(MatchRegexp(logPattern))
	Expect(logs).To(ContainSubstring(harness.LogServerExit+" code=-1 signal=9"), "the fault crashed the server (SIGKILL) while its machine stayed up")
}

var _ = Describe("Faults", Label("faults"), func() {
	Context("on a primary with one replica, RDB persistence", Ordered, Label("topology:replicated"), func() {
		var dep *harness.Deployment
		const seeded = 300
		replica := fault.Target{Role: fault.RoleReplica}
		primary := fault.Target{Role: fault.RolePrimary}

		BeforeAll(func(ctx SpecContext) {
			dep = startDeployment(ctx, harness.Topology{
				Kind: harness.KindReplicated, Replicas: 1, Persistence: harness.PersistRDB,
				ExtraConf: []string{fault.DiskFullConf},
			})
			c := dep.Client(harness.ClientOptions{})
			DeferCleanup(c.Close)
			writeKeys(ctx, c, "seed", seeded)
		}, NodeTimeout(2*time.Minute))

		It("kill: the container has exited, heal brings it back", Label("fault:kill"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			inj := mustApply(ctx, dep, "kill", fault.Params{Target: replica})
			code, exited, err := n.Exited(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(exited).To(BeTrue())
			Expect(code).To(Equal(137), "SIGKILL exit status")
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(pingWithin(ctx, n, time.Second)).To(Succeed())
			Expect(inj.End).NotTo(BeTemporally("<", inj.Start))
		}, SpecTimeout(faultTimeout))

		It("stop: the container exits cleanly, heal brings it back", Label("fault:stop"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			inj := mustApply(ctx, dep, "stop", fault.Params{Target: replica})
			code, exited, err := n.Exited(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(exited).To(BeTrue())
			Expect(code).To(Equal(0))
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(pingWithin(ctx, n, time.Second)).To(Succeed())
		}, SpecTimeout(faultTimeout))

		It("restart: the node is a new process and answers when Inject returns", Label("fault:restart"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			before, err := n.Info(ctx, "server")
			Expect(err).NotTo(HaveOccurred())
			mustApply(ctx, dep, "restart", fault.Params{Target: replica})
			Expect(pingWithin(ctx, n, time.Second)).To(Succeed())
			after, err := n.Info(ctx, "server")
			Expect(err).NotTo(HaveOccurred())
			Expect(after["run_id"]).NotTo(Equal(before["run_id"]))
		}, SpecTimeout(faultTimeout))

		It("pause: no PONG within 500ms, PONG after heal", Label("fault:pause"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			inj := mustApply(ctx, dep, "pause", fault.Params{Target: replica})
			Expect(pingWithin(ctx, n, 500*time.Millisecond)).NotTo(Succeed())
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(pingWithin(ctx, n, time.Second)).To(Succeed())
		}, SpecTimeout(faultTimeout))

		It("partition-node: unreachable from its peer and the host, reachable after heal", Label("fault:partition-node"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			peer := onlyNode(ctx, dep, primary)
			ip := n.IP()
			Expect(pingFrom(ctx, peer, ip)).To(BeTrue(), "baseline: the peer reaches the node")
			inj := mustApply(ctx, dep, "partition-node", fault.Params{Target: replica})
			Expect(pingFrom(ctx, peer, ip)).To(BeFalse(), "the peer must not reach the cut node")
			Expect(pingWithin(ctx, n, time.Second)).NotTo(Succeed(), "the host must not reach the cut node")
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(n.IP()).To(Equal(ip), "same address after heal")
			Expect(pingFrom(ctx, peer, ip)).To(BeTrue())
		}, SpecTimeout(faultTimeout))

		It("delay: PING takes at least the delay", Label("fault:delay"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			const delay = 150 * time.Millisecond
			_, err := applyFault(ctx, dep, "delay", fault.Params{Target: replica, Delay: delay})
			if errors.Is(err, fault.ErrUnsupported) {
				Skip(err.Error())
			}
			Expect(err).NotTo(HaveOccurred())
			c := n.Client()
			defer c.Close()
			start := time.Now()
			Expect(c.Ping(ctx).Err()).To(Succeed())
			Expect(time.Since(start)).To(BeNumerically(">=", delay))
		}, SpecTimeout(faultTimeout))

		It("loss: 100% loss makes PING time out", Label("fault:loss"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			inj, err := applyFault(ctx, dep, "loss", fault.Params{Target: replica, LossPercent: 100})
			if errors.Is(err, fault.ErrUnsupported) {
				Skip(err.Error())
			}
			Expect(err).NotTo(HaveOccurred())
			Expect(pingWithin(ctx, n, time.Second)).NotTo(Succeed())
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(pingWithin(ctx, n, 2*time.Second)).To(Succeed(), "packets flow again after heal")
		}, SpecTimeout(faultTimeout))

		It("disk-full: writes get MISCONF, reads work, writes work after heal", Label("fault:disk-full"), func(ctx SpecContext) {
			c := dep.Client(harness.ClientOptions{})
			defer c.Close()
			inj := mustApply(ctx, dep, "disk-full", fault.Params{Target: primary})
			err := c.Set(ctx, "during-disk-full", "x", 0).Err()
			Expect(err).To(MatchError(ContainSubstring("MISCONF")))
			Expect(c.Get(ctx, "seed:1").Err()).To(Succeed(), "reads still work")
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(c.Set(ctx, "after-disk-full", "x", 0).Err()).To(Succeed())
		}, SpecTimeout(faultTimeout))

		It("rdb-bitflip: redis-server refuses the file; heal restores the pristine data", Label("fault:rdb-bitflip"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, primary)
			want := dbsize(ctx, n)
			Expect(want).To(BeNumerically(">=", seeded))
			inj := mustApply(ctx, dep, "rdb-bitflip", fault.Params{Target: primary, Restart: true})
			rec := inj.Record()
			Expect(rec.Changes).To(HaveLen(1))
			Expect(rec.Changes[0].Before).NotTo(Equal(rec.Changes[0].After))
			expectExitsWithLog(ctx, n, `(?i)checksum|crc|short read|corrupt|internal error`)
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(dbsize(ctx, n)).To(Equal(want), "heal put the pristine dump.rdb back")
		}, SpecTimeout(faultTimeout))

		It("rdb-truncate: redis-server refuses a short file", Label("fault:rdb-truncate"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, replica)
			inj := mustApply(ctx, dep, "rdb-truncate", fault.Params{Target: replica, Restart: true})
			expectExitsWithLog(ctx, n, `(?i)short read|unexpected eof`)
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(pingWithin(ctx, n, time.Second)).To(Succeed())
		}, SpecTimeout(faultTimeout))

		It("wipe-data-dir: the dir is emptied and the supervisor restarts the node empty", Label("fault:wipe-data-dir"), func(ctx SpecContext) {
			n := onlyNode(ctx, dep, primary)
			Expect(dbsize(ctx, n)).To(BeNumerically(">", 0))
			inj := mustApply(ctx, dep, "wipe-data-dir", fault.Params{Target: primary})
			// The supervisor (restart always) starts the server again at
			// once, on an empty dir: it comes back empty.
			Expect(n.WaitPing(ctx)).To(Succeed())
			Expect(dbsize(ctx, n)).To(BeZero())
			files, err := n.ListDir(ctx, harness.DataDir)
			Expect(err).NotTo(HaveOccurred())
			for _, f := range files {
				Expect(f.Name).NotTo(Equal(harness.RDBFileName), "the wiped dump.rdb is gone")
			}
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(dbsize(ctx, n)).To(BeZero())
		}, SpecTimeout(faultTimeout))
	})

	Context("on a standalone node, AOF persistence", Ordered, Label("topology:standalone"), func() {
		var (
			dep *harness.Deployment
			n   *harness.Node
			c   redis.UniversalClient
		)
		target := fault.Target{Role: fault.RolePrimary}

		BeforeAll(func(ctx SpecContext) {
			dep = startDeployment(ctx, harness.Topology{
				Kind: harness.KindStandalone, Persistence: harness.PersistAOF, AppendFsync: "always",
			})
			n = dep.Primary()
			c = dep.Client(harness.ClientOptions{})
			DeferCleanup(c.Close)
		}, NodeTimeout(2*time.Minute))

		It("aof-truncate-tail: loads, dropping the partial last command", Label("fault:aof-truncate-tail"), func(ctx SpecContext) {
			writeKeys(ctx, c, "tail", 50)
			before := dbsize(ctx, n)
			mustApply(ctx, dep, "aof-truncate-tail", fault.Params{Target: target, Restart: true})
			Expect(n.WaitPing(ctx)).To(Succeed(), "a truncated tail must load")
			Expect(dbsize(ctx, n)).To(Equal(before - 1))
			logs, err := n.Logs(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(logs).To(MatchRegexp(`(?i)aof-load-truncated|truncated`))
		}, SpecTimeout(faultTimeout))

		It("aof-garbage-middle: refuses to start; heal restores the pristine AOF", Label("fault:aof-garbage-middle"), func(ctx SpecContext) {
			writeKeys(ctx, c, "mid", 50)
			want := dbsize(ctx, n)
			inj := mustApply(ctx, dep, "aof-garbage-middle", fault.Params{Target: target, Restart: true})
			expectExitsWithLog(ctx, n, `(?i)bad file format`)
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(dbsize(ctx, n)).To(Equal(want))
		}, SpecTimeout(faultTimeout))

		It("aof-manifest-corrupt: refuses to start", Label("fault:aof-manifest-corrupt"), func(ctx SpecContext) {
			writeKeys(ctx, c, "man", 50)
			want := dbsize(ctx, n)
			inj := mustApply(ctx, dep, "aof-manifest-corrupt", fault.Params{Target: target, Restart: true})
			expectExitsWithLog(ctx, n, `(?i)manifest`)
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(dbsize(ctx, n)).To(Equal(want))
		}, SpecTimeout(faultTimeout))

		It("aof-manifest-delete: starts EMPTY although keys existed", Label("fault:aof-manifest-delete"), func(ctx SpecContext) {
			writeKeys(ctx, c, "del", 50)
			Expect(dbsize(ctx, n)).To(BeNumerically(">", 0))
			mustApply(ctx, dep, "aof-manifest-delete", fault.Params{Target: target, Restart: true})
			Expect(n.WaitPing(ctx)).To(Succeed())
			Expect(dbsize(ctx, n)).To(BeZero())
		}, SpecTimeout(faultTimeout))
	})

	Context("on a 3x1 cluster", Ordered, Label("topology:cluster"), func() {
		var dep *harness.Deployment

		BeforeAll(func(ctx SpecContext) {
			dep = startDeployment(ctx, rediskit.DefaultCluster())
		}, NodeTimeout(2*time.Minute))

		It("nodes-conf-garbage: exits with a corrupted cluster config file", Label("fault:nodes-conf-garbage"), func(ctx SpecContext) {
			t := fault.Target{Role: fault.RoleReplica}
			n := onlyNode(ctx, dep, t)
			id, err := n.RedisID(ctx)
			Expect(err).NotTo(HaveOccurred())
			inj := mustApply(ctx, dep, "nodes-conf-garbage", fault.Params{Target: t, Restart: true})
			expectExitsWithLog(ctx, n, `corrupted cluster config file`)
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(n.RedisID(ctx)).To(Equal(id), "heal restored the node's identity")
		}, SpecTimeout(faultTimeout))

		It("partition-minority: peers lose the primary, the host still writes to it", Label("fault:partition-minority"), func(ctx SpecContext) {
			t := fault.Target{Role: fault.RoleShardPrimary, Shard: 0}
			isolated := onlyNode(ctx, dep, t)
			majority := onlyNode(ctx, dep, fault.Target{Role: fault.RoleShardPrimary, Shard: 1})
			ip := isolated.IP()
			Expect(pingFrom(ctx, majority, ip)).To(BeTrue(), "baseline")
			f, err := fault.New("partition-minority", fault.Params{Target: t, Companions: 1})
			Expect(err).NotTo(HaveOccurred())
			inj, err := fault.Apply(ctx, dep.Engine(), f)
			DeferCleanup(func(ctx SpecContext) { Expect(inj.Heal(ctx)).To(Succeed()) }, NodeTimeout(time.Minute))
			Expect(err).NotTo(HaveOccurred())
			Expect(f.(*fault.PartitionMinority).Minority()).To(HaveLen(2))
			Expect(pingFrom(ctx, majority, ip)).To(BeFalse(), "the majority must not reach the isolated primary")
			// The host still reaches the isolated primary, which accepts a
			// write to its own slots until node-timeout (5 s) has passed.
			c := isolated.Client()
			defer c.Close()
			Expect(c.Ping(ctx).Err()).To(Succeed())
			Expect(c.ClusterKeySlot(ctx, "{06S}").Val()).To(BeZero())
			Expect(c.Set(ctx, "{06S}", "written-in-minority", 0).Err()).To(Succeed()) // slot 0
			Expect(inj.Heal(ctx)).To(Succeed())
			Expect(pingFrom(ctx, majority, ip)).To(BeTrue(), "reachable again after heal")
			AddReportEntry("partition", inj.Record())
		}, SpecTimeout(faultTimeout))
	})
})
