package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/verify"
)

// target is how a command reaches a Redis given on the command line.
type target struct {
	addr, passwordFile string
	cluster            bool
}

func (t *target) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.addr, "addr", "", "HOST:PORT of the Redis (any node of a cluster)")
	cmd.Flags().BoolVar(&t.cluster, "cluster", false, "the address is a Redis Cluster node")
	cmd.Flags().StringVar(&t.passwordFile, "password-file", "", "file holding the password (else $"+envPassword+")")
}

// connectError turns a failure to reach addr into the one-line message the
// CLI prints (never with the password).
func connectError(addr string, err error) error {
	if verify.IsAuthError(err) {
		return fmt.Errorf("authentication failed for %s", addr)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("cannot reach %s: %w", addr, err)
}

func newVerifyCmd(a *app) *cobra.Command {
	var t target
	cmd := &cobra.Command{
		Use:   "verify --addr HOST:PORT [--cluster] [--password-file F]",
		Short: "Check any reachable Redis: reachability, cluster state, slot coverage, split brain, replication links",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if t.addr == "" {
				return errors.New("verify: --addr is required")
			}
			pw, err := a.password(t.passwordFile)
			if err != nil {
				return err
			}
			res, err := verify.CheckAddr(cmd.Context(), verify.RemoteOptions{Addr: t.addr, Cluster: t.cluster, Password: pw})
			if err != nil {
				return connectError(t.addr, err)
			}
			for _, c := range res.Checks {
				a.printf("%s\n", c.String())
			}
			if !res.OK() {
				return failed(fmt.Errorf("verify %s: %d of %d checks failed", t.addr, len(res.Failed()), len(res.Checks)))
			}
			a.printf("verify OK: %d checks passed\n", len(res.Checks))
			return nil
		},
	}
	t.flags(cmd)
	return cmd
}
