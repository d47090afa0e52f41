package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/verify"
)

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
		Use:   "verify (--addr HOST:PORT | -u URI) [--cluster] [--user U] [--password-file F] [--tls --cacert F [--cert F --key F]] [-o text|json]",
		Short: "Check any reachable Redis: reachability, cluster state, slot coverage, split brain, replication links",
		Example: `  redisdrill verify --addr 127.0.0.1:6379
  REDISDRILL_PASSWORD=secret redisdrill verify --addr 10.0.0.5:7000 --cluster
  redisdrill verify -u rediss://drill@redis.internal:6380 --cacert ca.pem --password-file /run/secrets/redis -o json`,
		Args: cobra.NoArgs,
	}
	out := addOutputFlag(cmd, formatText, formatJSON)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := out.check(); err != nil {
			return err
		}
		ep, err := t.resolve(a, cmd)
		if err != nil {
			return err
		}
		res, err := verify.CheckAddr(cmd.Context(), verify.RemoteOptions{
			Addr: ep.addr, Cluster: t.cluster, Username: ep.username, Password: ep.password, TLS: ep.tls,
		})
		if err != nil {
			return ep.connectError(err, needsVerify)
		}
		if err := a.printVerify(out.format, ep.addr, res); err != nil {
			return err
		}
		if !res.OK() {
			return failed(fmt.Errorf("verify %s: %d of %d checks failed", ep.addr, len(res.Failed()), len(res.Checks)))
		}
		return nil
	}
	t.flags(cmd)
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
