package harness

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/moby/client"
)

// RunInfo is one run found on the Docker host: its id and the owner ids
// on its containers, networks and volumes.
type RunInfo struct {
	ID string
	// Owners are the distinct LabelOwner values, sorted; "" stands for a
	// resource without an owner label.
	Owners []string
}

// ListRuns lists every run that has a container, network or volume
// labelled LabelRun on the Docker host, sorted by id. Resources whose run
// label is empty are left out (only Prune with no run id removes them).
func ListRuns(ctx context.Context, d *Docker) ([]RunInfo, error) {
	f := client.Filters{}.Add("label", LabelRun)
	owners := map[string]map[string]bool{}
	add := func(labels map[string]string) {
		id := labels[LabelRun]
		if id == "" {
			return
		}
		if owners[id] == nil {
			owners[id] = map[string]bool{}
		}
		owners[id][labels[LabelOwner]] = true
	}
	cs, err := d.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		add(c.Labels)
	}
	ns, err := d.api.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		add(n.Labels)
	}
	vs, err := d.api.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	for _, v := range vs.Items {
		add(v.Labels)
	}
	runs := make([]RunInfo, 0, len(owners))
	for id, set := range owners {
		r := RunInfo{ID: id}
		for o := range set {
			r.Owners = append(r.Owners, o)
		}
		slices.Sort(r.Owners)
		runs = append(runs, r)
	}
	slices.SortFunc(runs, func(a, b RunInfo) int { return strings.Compare(a.ID, b.ID) })
	return runs, nil
}

// OwnerPID returns the process id in an owner id made by NewOwnerID
// ("p<pid>-<hex>"); ok is false for an owner id of any other form.
func OwnerPID(owner string) (pid int, ok bool) {
	rest, found := strings.CutPrefix(owner, "p")
	if !found {
		return 0, false
	}
	digits, _, found := strings.Cut(rest, "-")
	if !found {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}
