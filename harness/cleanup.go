package harness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// PruneResult counts what a cleanup removed.
type PruneResult struct {
	Containers, Networks, Volumes int
}

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
// (with the given run id, or any when runID is empty).
func Prune(ctx context.Context, d *Docker, runID string) (PruneResult, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	label := LabelRun
	if runID != "" {
		label = LabelRun + "=" + runID
	}
	f := client.Filters{}.Add("label", label)
	var res PruneResult
	var errs []error
	cs, err := d.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return res, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		if _, err := d.api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID[:12], err))
			continue
		}
		res.Containers++
	}
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
