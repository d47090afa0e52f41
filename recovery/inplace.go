package recovery

import "context"

// reloadInPlace is the tail every in-place strategy shares: with the
// shard's replicas held from failing over, stop the failed node while its
// new files are copied into a staged folder beside the old ones ("load
// data"), swap them in with the old files quarantined ("quarantine"),
// start the node, wait for it to load and rejoin.
func reloadInPlace(ctx context.Context, env Env, inc *Incident, tl *Timeline, files []string, p payload) error {
	n := inc.Failed
	release, err := holdFailover(ctx, env, inc, tl)
	if err != nil {
		return err
	}
	defer release()
	staged := make(chan stagedResult, 1)
	go func() { staged <- stageSpan(ctx, tl, inc, p) }()
	stopErr := tl.Do("stop node", func() (string, error) { return n.Name(), ensureStopped(ctx, n) })
	st := <-staged
	if stopErr != nil || st.err != nil {
		dropStaged(ctx, n, st.name)
		if stopErr != nil {
			return stopErr
		}
		return st.err
	}
	return swapAndRejoin(ctx, env, inc, tl, files, st.name, p)
}

// loadAndRejoin is reloadInPlace after the stop: stage, swap, start,
// rejoin. The caller holds the replicas and has stopped the node.
func loadAndRejoin(ctx context.Context, env Env, inc *Incident, tl *Timeline, files []string, p payload) error {
	st := stageSpan(ctx, tl, inc, p)
	if st.err != nil {
		dropStaged(ctx, inc.Failed, st.name)
		return st.err
	}
	return swapAndRejoin(ctx, env, inc, tl, files, st.name, p)
}

// stagedResult is the outcome of a "load data" span: the staged folder.
type stagedResult struct {
	name string
	err  error
}

// stageSpan copies p into a staged folder of the failed node ("load
// data").
func stageSpan(ctx context.Context, tl *Timeline, inc *Incident, p payload) stagedResult {
	var name string
	err := tl.Do("load data", func() (string, error) {
		var what string
		var err error
		name, what, err = stageIn(ctx, inc.Failed, p)
		return what, err
	})
	return stagedResult{name: name, err: err}
}

// swapAndRejoin swaps the staged files in ("quarantine"), records what was
// installed, starts the node and waits for it to rejoin.
func swapAndRejoin(ctx context.Context, env Env, inc *Incident, tl *Timeline, files []string, staged string, p payload) error {
	n := inc.Failed
	if err := tl.Do("quarantine", func() (string, error) { return swapIn(ctx, n, staged, files) }); err != nil {
		return err
	}
	if p.installed != nil {
		p.installed()
	}
	if err := startSpan(ctx, tl, n); err != nil {
		return err
	}
	return tl.Do("rejoin", func() (string, error) { return rejoin(ctx, env.Deployment(), n) })
}
