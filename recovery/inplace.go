package recovery

import "context"

// reloadInPlace is the tail every in-place strategy shares: with the
// shard's replicas held from failing over, stop the failed node (unless
// stopped is set: the caller already stopped it), move files to
// quarantine, run load to put the new files in, start the node, wait for
// it to load and rejoin. The load span is named "load data".
func reloadInPlace(ctx context.Context, env Env, inc *Incident, tl *Timeline, files []string, load func() (string, error)) error {
	n := inc.Failed
	release, err := holdFailover(ctx, env, inc, tl)
	if err != nil {
		return err
	}
	defer release()
	if err := tl.Do("stop node", func() (string, error) { return n.Name(), ensureStopped(ctx, n) }); err != nil {
		return err
	}
	return loadAndRejoin(ctx, env, inc, tl, files, load)
}

// loadAndRejoin is reloadInPlace after the stop: quarantine, load, start,
// rejoin. The caller holds the replicas and has stopped the node.
func loadAndRejoin(ctx context.Context, env Env, inc *Incident, tl *Timeline, files []string, load func() (string, error)) error {
	n := inc.Failed
	if err := tl.Do("quarantine", func() (string, error) { return quarantine(ctx, n, files...) }); err != nil {
		return err
	}
	if err := tl.Do("load data", load); err != nil {
		return err
	}
	if err := startSpan(ctx, tl, n); err != nil {
		return err
	}
	return tl.Do("rejoin", func() (string, error) { return rejoin(ctx, env.Deployment(), n) })
}
