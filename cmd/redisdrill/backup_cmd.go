package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/remote"
)

func newBackupCmd(a *app) *cobra.Command {
	var t target
	var dest string
	cmd := &cobra.Command{
		Use:   "backup (--addr HOST:PORT | -u URI) [--cluster] [--user U] [--password-file F] [--tls --cacert F [--cert F --key F]] --dest DIR",
		Short: "Take a live RDB backup of any reachable Redis into a catalog (one per primary with --cluster)",
		Example: `  redisdrill backup --addr 127.0.0.1:6379 --dest backups/
  redisdrill backup -u rediss://backup@10.0.0.5:7000 --cacert ca.pem --cluster --password-file /run/secrets/redis --dest /var/backups/redis
  redisdrill backup check backups/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := notEmpty(cmd, "dest"); err != nil {
				return err
			}
			ep, err := t.resolve(a, cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := ping(ctx, ep); err != nil {
				return ep.connectError(err, needsBackup)
			}
			cat, err := backup.Open(dest)
			if err != nil {
				return fmt.Errorf("open catalog: %w", err)
			}
			var m backup.Manifest
			if t.cluster {
				m, err = backup.ClusterBackupAddr(ctx, cat, backup.RemoteClusterOptions{
					Addr: ep.addr, Username: ep.username, Password: ep.password, TLS: ep.tls,
				})
			} else {
				m, err = backup.LiveRDBNode(ctx, ep.addr, backup.NodeOptions{
					Username: ep.username, Password: ep.password, TLS: ep.tls,
				}, cat, backup.Meta{Node: ep.addr})
			}
			if err != nil {
				if msg, ok := ep.explain(err, needsBackup); ok {
					return errors.New(msg)
				}
				return fmt.Errorf("backup %s: %w", ep.addr, err)
			}
			rep, err := cat.Verify(m.ID)
			if err != nil {
				return fmt.Errorf("verify backup %s: %w", m.ID, err)
			}
			for _, line := range reportLines(rep) {
				a.printf("%s\n", line)
			}
			if !rep.OK {
				return failed(fmt.Errorf("backup %s does not verify", m.ID))
			}
			a.printf("backup %s: %d keys, %d bytes, in %s\n", m.ID, m.Keys, sizeOf(cat, m), time.Duration(m.DurationMS)*time.Millisecond)
			return nil
		},
	}
	t.flags(cmd)
	cmd.Flags().StringVar(&dest, "dest", "", "catalog directory (created if missing)")
	markRequired(cmd, "dest")
	cmd.AddCommand(newBackupCheckCmd(a), newBackupStreamCmd(a))
	return cmd
}

// sizeOf is the size of a backup including its shard backups.
func sizeOf(cat *backup.Catalog, m backup.Manifest) int64 {
	n := m.Size()
	for _, id := range m.Children {
		if ch, err := cat.Get(id); err == nil {
			n += ch.Size()
		}
	}
	return n
}

// ping checks that ep answers with its credentials (and TLS).
func ping(ctx context.Context, ep endpoint) error {
	var dial remote.DialFunc
	if ep.tls != nil {
		dial = remote.Dialer(nil, ep.tls)
	}
	c := redis.NewClient(&redis.Options{
		Addr: ep.addr, Username: ep.username, Password: ep.password, Dialer: dial,
		DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second,
		MaxRetries: -1, Protocol: 2, DisableIdentity: true,
	})
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// reportLines renders a verification report: one line per backup, then
// its problems.
func reportLines(r backup.Report) []string {
	mark := "ok  "
	if !r.OK {
		mark = "FAIL"
	}
	out := []string{fmt.Sprintf("%s %s (%d files)", mark, r.ID, len(r.Files))}
	for _, f := range r.Files {
		if !f.OK {
			out = append(out, fmt.Sprintf("     %s: %s", f.Name, f.Error))
		}
	}
	for _, p := range r.Problems {
		out = append(out, "     "+p)
	}
	for _, ch := range r.Children {
		for _, l := range reportLines(ch) {
			out = append(out, "  "+l)
		}
	}
	return out
}
