package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// pruneTimeout bounds one cleanup, whatever the caller's context (cleanup
// after a timeout or Ctrl-C still has to happen).
const pruneTimeout = 2 * time.Minute

// PruneResult counts what a cleanup removed.
type PruneResult struct {
	Containers, Networks, Volumes int
}

// Total returns how many resources the cleanup removed.
func (r PruneResult) Total() int { return r.Containers + r.Networks + r.Volumes }

// Terminate removes every container, network and volume of the run. It is
// safe on a nil or partial deployment and runs even when ctx is already done
// (cleanup after a timeout or Ctrl-C still has to happen).
func (dep *Deployment) Terminate(ctx context.Context) error {
	if dep == nil || dep.docker == nil {
		return nil
	}
	_, err := Prune(ctx, dep.docker, dep.RunID)
	return err
}

// Prune removes containers, networks and volumes labelled redisdrill.run
// (with the given run id, or any when runID is empty). It runs even when ctx
// is already done or past its deadline, for at most two minutes.
func Prune(ctx context.Context, d *Docker, runID string) (PruneResult, error) {
	label := LabelRun
	if runID != "" {
		label = LabelRun + "=" + runID
	}
	return pruneLabel(ctx, d, label, false)
}

// PruneOwner removes containers, networks and volumes labelled
// redisdrill.owner=owner: everything one process (or one Docker connection)
// created, whatever the run. It is meant for interrupt handlers: like Prune
// it runs even when ctx is already done, but a deadline of ctx that is still
// ahead bounds it (two minutes at most).
func PruneOwner(ctx context.Context, d *Docker, owner string) (PruneResult, error) {
	if owner == "" {
		return PruneResult{}, errors.New("prune owner: empty owner id")
	}
	return pruneLabel(ctx, d, LabelOwner+"="+owner, true)
}

// pruneLabel removes every container (in parallel), then every network and
// volume matching the label filter (key or key=value). It outlives ctx's
// cancellation; with keepDeadline a deadline of ctx still ahead bounds it.
func pruneLabel(ctx context.Context, d *Docker, label string, keepDeadline bool) (PruneResult, error) {
	limit := pruneTimeout
	if dl, ok := ctx.Deadline(); keepDeadline && ok && ctx.Err() == nil {
		limit = min(limit, time.Until(dl))
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	f := client.Filters{}.Add("label", label)
	var (
		res  PruneResult
		errs []error
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	cs, err := d.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return res, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		wg.Go(func() {
			_, err := d.api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID[:12], err))
				return
			}
			res.Containers++
		})
	}
	wg.Wait()
	ns, err := d.api.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		errs = append(errs, fmt.Errorf("list networks: %w", err))
	} else {
		for _, n := range ns.Items {
			if _, err := d.api.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
				errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
				continue
			}
			res.Networks++
		}
	}
	vs, err := d.api.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		errs = append(errs, fmt.Errorf("list volumes: %w", err))
	} else {
		for _, v := range vs.Items {
			if _, err := d.api.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil {
				errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
				continue
			}
			res.Volumes++
		}
	}
	return res, errors.Join(errs...)
}
