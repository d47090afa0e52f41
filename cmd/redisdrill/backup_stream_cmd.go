package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/backup"
)

// needsStream is what an ACL user must be allowed for backup stream.
const needsStream = "backup stream needs +ping, +psync, +replconf and +info, and +cluster with --cluster"

func newBackupStreamCmd(a *app) *cobra.Command {
	var t target
	var dest, metricsAddr string
	var forDur, every time.Duration
	cmd := &cobra.Command{
		Use:   "stream (--addr HOST:PORT | -u URI) [--cluster] [--user U] [--password-file F] [--tls ...] --dest DIR [--for D]",
		Short: "Follow a primary (every primary with --cluster) over the replication protocol into a streaming archive, until Ctrl-C",
		Long: `Follow a primary over Redis's own replication protocol, as a replica does
(PSYNC, the RDB, then the command stream), and write what it streams into
DIR/stream/<name>: a base RDB and checksummed incr segments in Redis's
multi-part AOF format, with #TS: annotations. The archive ACKs an offset
only once its bytes are on disk, so WAIT counts it as a replica that holds
the write. With --cluster there is one archive per shard (named by its
lowest slot); after a failover it continues from the new primary with
PSYNC, without a gap. Ctrl-C (or --for) seals the open segment and checks
every archive; the exit code is 1 when one does not check clean.`,
		Example: `  redisdrill backup stream --addr 127.0.0.1:6379 --dest backups/
  redisdrill backup stream -u rediss://archiver@10.0.0.5:7000 --cacert ca.pem --cluster --dest /var/backups/redis
  redisdrill backup check backups/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := notEmpty(cmd, "dest"); err != nil {
				return err
			}
			if forDur < 0 || every <= 0 {
				return fmt.Errorf("%s: --for must be ≥ 0 and --interval > 0", cmd.CommandPath())
			}
			ep, err := t.resolve(a, cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := ping(ctx, ep); err != nil {
				return ep.connectError(err, needsStream)
			}
			if _, err := backup.Open(dest); err != nil {
				return fmt.Errorf("open catalog: %w", err)
			}
			s := &streamer{a: a, ep: ep, cluster: t.cluster, root: filepath.Join(dest, backup.StreamDir)}
			if err := s.start(ctx); err != nil {
				s.close()
				if msg, ok := ep.explain(err, needsStream); ok {
					return errors.New(msg)
				}
				return err
			}
			stopMetrics, err := a.serveArchiveMetrics(metricsAddr, s)
			if err != nil {
				s.close()
				return err
			}
			defer stopMetrics()
			runCtx := ctx
			if forDur > 0 {
				var cancel context.CancelFunc
				runCtx, cancel = context.WithTimeout(ctx, forDur)
				defer cancel()
			}
			s.follow(runCtx, every)
			if err := s.finish(); err != nil {
				return err
			}
			if ctx.Err() != nil {
				// Ctrl-C (or SIGTERM) is how backup stream ends: every
				// archive is sealed and checked clean, so the exit code
				// is 0, not the 130 run gives a cancelled command.
				return &exitError{code: exitOK}
			}
			return nil
		},
	}
	t.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&dest, "dest", "", "catalog directory (created if missing); archives go in DIR/stream/")
	f.DurationVar(&forDur, "for", 0, "stop after this long (default: until Ctrl-C)")
	f.DurationVar(&every, "interval", time.Second, "how often to print each archive's lag (and, with --cluster, look for a new primary)")
	addMetricsFlag(f, &metricsAddr)
	markRequired(cmd, "dest")
	return cmd
}

// archiveName names a shard's archive by its lowest slot, or a standalone
// server's by its address.
func archiveName(addr string, lowSlot int) string {
	if lowSlot >= 0 {
		return fmt.Sprintf("shard-%05d", lowSlot)
	}
	return "node-" + strings.NewReplacer(":", "-", "[", "", "]", "").Replace(addr)
}
