package harness

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// ErrImageNotFound is returned by CheckImage for an image that is not
// present locally (it never pulls).
var ErrImageNotFound = errors.New("image not found locally")

// imageNotFoundError is ErrImageNotFound for one image, saying what to do.
type imageNotFoundError struct{ ref string }

func (e imageNotFoundError) Error() string {
	return "image " + e.ref + " not found locally; build it or docker pull it first"
}

// Is makes errors.Is(err, ErrImageNotFound) hold.
func (imageNotFoundError) Is(target error) bool { return target == ErrImageNotFound }

// imageCheckTimeout bounds one CheckImage: create, run and read the probe.
const imageCheckTimeout = time.Minute

// RequirementResult is one requirement as found in an image.
type RequirementResult struct {
	ImageRequirement
	// OK says the requirement is met.
	OK bool
	// Unchecked says it could not be checked (no sh, no redis-server).
	Unchecked bool
	// Detail says what was found or what is missing.
	Detail string
}

// ImageCheck is what CheckImage found in an image.
type ImageCheck struct {
	Ref string
	// RedisVersion is redis-server's version ("" when it did not answer).
	RedisVersion string
	// Results holds sh, redis-server, the Redis version, then the rest of
	// ImageRequirements, in that order.
	Results []RequirementResult
}

// Qualifies reports whether every hard requirement is met.
func (c ImageCheck) Qualifies() bool {
	for _, r := range c.Results {
		if r.Hard && !r.OK {
			return false
		}
	}
	return true
}

// CheckImage runs a short-lived container from ref (which must be present
// locally: ErrImageNotFound otherwise, no pull) and reports each of
// ImageRequirements. The container carries LabelRun and LabelOwner and is
// removed before CheckImage returns, whatever happens.
func CheckImage(ctx context.Context, d *Docker, ref string) (check ImageCheck, err error) {
	ctx, cancel := context.WithTimeout(ctx, imageCheckTimeout)
	defer cancel()
	labels, present, err := imageLabels(ctx, d, ref)
	if err != nil {
		return ImageCheck{}, err
	}
	if !present {
		return ImageCheck{}, imageNotFoundError{ref: ref}
	}
	srv, _ := serverFromLabels(labels)
	reqs := ImageRequirementsFor(srv)
	runID := NewRunID()
	defer func() {
		if _, perr := Prune(ctx, d, runID); perr != nil {
			err = errors.Join(err, fmt.Errorf("remove image check container: %w", perr))
		}
	}()
	out, started, err := runProbe(ctx, d, ref, runID, probeScript(reqs))
	if err != nil {
		return ImageCheck{}, err
	}
	if !started {
		return noShell(ref, reqs, out), nil
	}
	return parseProbe(ref, reqs, out)
}

// runProbe runs script with sh -c in a new container of ref without a
// network; started is false when the container could not start (no sh).
func runProbe(ctx context.Context, d *Docker, ref, runID, script string) (out string, started bool, err error) {
	created, err := d.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image: ref, Entrypoint: []string{"sh", "-c"}, Cmd: []string{script},
			Labels: d.labels(runID, map[string]string{"redisdrill.role": "image-check"}),
		},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		return "", false, fmt.Errorf("create image check container from %s: %w", ref, err)
	}
	wait := d.api.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := d.api.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		// The engine cannot exec the entrypoint: the image has no sh.
		return firstLine(err.Error()), false, nil
	}
	select {
	case <-wait.Result:
	case err := <-wait.Error:
		return "", true, fmt.Errorf("wait for image check container: %w", err)
	}
	logs, err := d.api.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", true, fmt.Errorf("read image check logs: %w", err)
	}
	defer logs.Close()
	out, err = demuxLogs(logs)
	return out, true, err
}

// probeScript prints "missing I CMD" for each absent command and "failed
// I" for each failed Test of requirement I, then redis-server's version
// and "done".
func probeScript(reqs []ImageRequirement) string {
	var b strings.Builder
	for i, r := range reqs {
		for _, c := range r.Commands {
			fmt.Fprintf(&b, "command -v %s >/dev/null 2>&1 || echo 'missing %d %s'\n", c, i, c)
		}
		if r.Test != "" {
			fmt.Fprintf(&b, "{ %s; } >/dev/null 2>&1 || echo 'failed %d'\n", r.Test, i)
		}
	}
	fmt.Fprintf(&b, "echo \"version $(%s --version 2>&1)\"\necho done\n", reqs[0].Commands[0])
	return b.String()
}

// redisVersionRe reads "v=7.0.15" from redis-server --version (and
// valkey-server's "Valkey server v=8.1.1").
var redisVersionRe = regexp.MustCompile(`\bv=(\d+)\.(\d+)(?:\.\d+)?`)

// parseProbe turns probeScript's output into results.
func parseProbe(ref string, reqs []ImageRequirement, out string) (ImageCheck, error) {
	missing := make([][]string, len(reqs))
	failed := make([]bool, len(reqs))
	version, done := "", false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "missing":
			if i, err := strconv.Atoi(f[1]); err == nil && i < len(reqs) {
				missing[i] = append(missing[i], f[2])
			}
		case len(f) == 2 && f[0] == "failed":
			if i, err := strconv.Atoi(f[1]); err == nil && i < len(reqs) {
				failed[i] = true
			}
		case len(f) > 0 && f[0] == "version":
			version = strings.TrimSpace(strings.TrimPrefix(line, "version"))
		case line == "done":
			done = true
		}
	}
	if !done {
		return ImageCheck{}, fmt.Errorf("check image %s: the probe did not finish: %s", ref, lastLines(out, 3))
	}
	check := ImageCheck{Ref: ref, Results: []RequirementResult{shellResult(true, "")}}
	for i, r := range reqs {
		res := RequirementResult{ImageRequirement: r, OK: len(missing[i]) == 0 && !failed[i]}
		switch {
		case len(missing[i]) > 0 && len(r.Commands) > 1:
			res.Detail = "no " + strings.Join(missing[i], ", ")
		case failed[i] && len(missing[i]) == 0:
			res.Detail = "check failed: " + r.Test
		}
		check.Results = append(check.Results, res)
		if i == 0 {
			v := versionResult(version, res.OK)
			if v.OK {
				check.RedisVersion = v.Detail
			}
			check.Results = append(check.Results, v)
		}
	}
	return check, nil
}

// versionResult checks redis-server --version against MinRedisMajor.
func versionResult(out string, present bool) RequirementResult {
	res := RequirementResult{ImageRequirement: ImageRequirement{
		Name: fmt.Sprintf("redis %d.0+", MinRedisMajor), Hard: true,
		Without: "nodes refuse redisdrill's config (appenddirname, enable-protected-configs, enable-debug-command)",
	}}
	m := redisVersionRe.FindStringSubmatch(out)
	switch {
	case !present:
		res.Unchecked, res.Detail = true, "no server binary"
	case m == nil:
		res.Detail = "unreadable version: " + firstLine(out)
	default:
		major, _ := strconv.Atoi(m[1])
		res.OK = major >= MinRedisMajor
		res.Detail = strings.TrimPrefix(m[0], "v=")
	}
	return res
}

// shellResult is the sh requirement: the probe itself runs with sh -c.
func shellResult(ok bool, detail string) RequirementResult {
	return RequirementResult{ImageRequirement: ImageRequirement{
		Name: "sh", Commands: []string{"sh"}, Hard: true,
		Without: "nothing can run in the nodes: faults, the engine's file repairs and this check all use sh -c",
	}, OK: ok, Detail: detail}
}

// noShell is the check of an image whose probe could not start.
func noShell(ref string, reqs []ImageRequirement, startErr string) ImageCheck {
	check := ImageCheck{Ref: ref, Results: []RequirementResult{shellResult(false, startErr)}}
	for i, r := range reqs {
		check.Results = append(check.Results, RequirementResult{ImageRequirement: r, Unchecked: true, Detail: "no sh"})
		if i == 0 {
			v := versionResult("", false)
			v.Detail = "no sh"
			check.Results = append(check.Results, v)
		}
	}
	return check
}
