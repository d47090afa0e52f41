package main

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// verifyJSON is the result of `verify -o json`: every check, and whether
// all passed.
type verifyJSON struct {
	Addr       string           `json:"addr"`
	OK         bool             `json:"ok"`
	Time       time.Time        `json:"time"`
	DurationMS int64            `json:"duration_ms"`
	Checks     []verify.Finding `json:"checks"`
}

func newVerifyCmd(a *app) *cobra.Command {
	var t target
	cmd := &cobra.Command{
		Use:   "verify --addr HOST:PORT [--cluster] [--password-file F] [-o text|json]",
		Short: "Check any reachable Redis: reachability, cluster state, slot coverage, split brain, replication links",
		Example: `  redisdrill verify --addr 127.0.0.1:6379
  REDISDRILL_PASSWORD=secret redisdrill verify --addr 10.0.0.5:7000 --cluster
  redisdrill verify --addr redis.internal:6379 --password-file /run/secrets/redis -o json`,
		Args: cobra.NoArgs,
	}
	out := addOutputFlag(cmd, formatText, formatJSON)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := out.check(); err != nil {
			return err
		}
		if err := notEmpty(cmd, "addr"); err != nil {
			return err
		}
		pw, err := a.password(t.passwordFile)
		if err != nil {
			return err
		}
		res, err := verify.CheckAddr(cmd.Context(), verify.RemoteOptions{Addr: t.addr, Cluster: t.cluster, Password: pw})
		if err != nil {
			return connectError(t.addr, err)
		}
		if err := a.printVerify(out.format, t.addr, res); err != nil {
			return err
		}
		if !res.OK() {
			return failed(fmt.Errorf("verify %s: %d of %d checks failed", t.addr, len(res.Failed()), len(res.Checks)))
		}
		return nil
	}
	t.flags(cmd)
	markRequired(cmd, "addr")
	return cmd
}

// printVerify prints res: one line per check and a verdict line when all
// passed, or one JSON document.
func (a *app) printVerify(format, addr string, res verify.Result) error {
	if format == formatJSON {
		checks := res.Checks
		if checks == nil {
			checks = []verify.Finding{}
		}
		return writeJSON(a.stdout, verifyJSON{Addr: addr, OK: res.OK(), Time: res.Time, DurationMS: res.Duration.Milliseconds(), Checks: checks})
	}
	for _, c := range res.Checks {
		a.printf("%s\n", c.String())
	}
	if res.OK() {
		a.printf("verify OK: %d checks passed\n", len(res.Checks))
	}
	return nil
}
