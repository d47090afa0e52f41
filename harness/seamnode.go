package harness

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// DataDir is where the node's server keeps its files, inside its machine.
func (n *Node) DataDir() string { return DataDir }

// Quarantine moves the named files of the node's data dir into the folder
// name inside it, and returns the folder and what it holds: through the
// running machine, or a toolbox container when the machine is down.
func (n *Node) Quarantine(ctx context.Context, name string, files []string) (string, error) {
	up, err := n.MachineRunning(ctx)
	if err != nil {
		return "", fmt.Errorf("quarantine files of %s: %w", n.Name(), err)
	}
	var out string
	if up {
		out, err = n.Shell(ctx, "set -e; "+quarantineScript(DataDir, name, files))
	} else {
		out, err = ShellStopped(ctx, []*Node{n}, "set -e; "+quarantineScript(StoppedMount(n), name, files))
	}
	if err != nil {
		return "", fmt.Errorf("quarantine files of %s: %w", n.Name(), err)
	}
	return DataDir + "/" + name + " (" + strings.Join(strings.Fields(out), ", ") + ")", nil
}

// QuarantineAll quarantines the named files of every node: through each
// running machine (an exec each, concurrently), and for the machines that
// are down in one toolbox container instead of one per node.
func (v engineView) QuarantineAll(ctx context.Context, nodes []deploy.Node, name string, files []string) error {
	var up, down []*Node
	for _, en := range nodes {
		n := AsNode(en)
		if n == nil {
			return fmt.Errorf("quarantine files: %s is not a Docker node", en.Name())
		}
		running, err := n.MachineRunning(ctx)
		if err != nil {
			return fmt.Errorf("quarantine files: %w", err)
		}
		if running {
			up = append(up, n)
		} else {
			down = append(down, n)
		}
	}
	errs := make(chan error, len(up))
	for _, n := range up {
		go func() {
			_, err := n.Shell(ctx, "set -e; "+quarantineScript(DataDir, name, files))
			errs <- err
		}()
	}
	var first error
	for range up {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return fmt.Errorf("quarantine files: %w", first)
	}
	if len(down) == 0 {
		return nil
	}
	script := "set -e"
	for _, n := range down {
		script += "; " + quarantineScript(StoppedMount(n), name, files)
	}
	if _, err := ShellStopped(ctx, down, script); err != nil {
		return fmt.Errorf("quarantine files: %w", err)
	}
	return nil
}

// quarantineScript moves files of the data dir at root into its folder
// name, then lists the folder.
func quarantineScript(root, name string, files []string) string {
	dir := root + "/" + name
	return fmt.Sprintf("mkdir -p %s; for f in %s; do if [ -e %s/$f ]; then mv %s/$f %s/; fi; done; ls %s",
		dir, strings.Join(files, " "), root, root, dir, dir)
}

// ServerEvents streams the starts and exits of the node's server, read
// from the markers its supervisor writes to the machine's log
// (LogServerStart, LogServerExit), until ctx ends; it follows the log
// again when the machine reboots.
func (n *Node) ServerEvents(ctx context.Context, since time.Time) <-chan deploy.ServerEvent {
	out := make(chan deploy.ServerEvent, 16)
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			if r, err := n.FollowLog(ctx, since); err == nil {
				since = readServerMarkers(ctx, r, since, out)
				_ = r.Close()
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return out
}

// readServerMarkers sends the marker lines of a timestamped log as events
// and returns the time just after the last line read (since when none
// was).
func readServerMarkers(ctx context.Context, r interface{ Read([]byte) (int, error) }, since time.Time, out chan<- deploy.ServerEvent) time.Time {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	last := since
	for sc.Scan() {
		stamp, line, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			continue
		}
		if t.After(last) {
			last = t.Add(time.Nanosecond)
		}
		e, ok := serverMarker(t, line)
		if !ok {
			continue
		}
		select {
		case out <- e:
		case <-ctx.Done():
			return last
		}
	}
	return last
}

// serverMarker maps a supervisor marker line to an event.
func serverMarker(t time.Time, line string) (deploy.ServerEvent, bool) {
	switch {
	case strings.HasPrefix(line, LogServerExit):
		return deploy.ServerEvent{Time: t, Exit: strings.TrimSpace(strings.TrimPrefix(line, LogServerExit))}, true
	case strings.HasPrefix(line, LogServerStart):
		return deploy.ServerEvent{Time: t, Start: true}, true
	}
	return deploy.ServerEvent{}, false
}

// machineActions are the container actions WatchMachines reports.
var machineActions = []string{"die", "oom", "stop", "kill", "pause", "unpause", "start", "restart"}

// WatchMachines streams the run's container events (Docker's view of each
// machine). It returns once the daemon accepted the subscription.
func (v engineView) WatchMachines(ctx context.Context, since time.Time) (<-chan deploy.MachineEvent, <-chan error) {
	f := client.Filters{}.
		Add("type", string(events.ContainerEventType)).
		Add("label", LabelRun+"="+v.dep.RunID).
		Add("event", machineActions...)
	opts := client.EventsListOptions{Filters: f}
	if !since.IsZero() {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	res := v.dep.docker.api.Events(ctx, opts)
	out := make(chan deploy.MachineEvent, 64)
	errs := make(chan error, 1)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case err, ok := <-res.Err:
				if ok {
					errs <- err
				}
				close(errs)
				return
			case m := <-res.Messages:
				select {
				case out <- machineEvent(m):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, errs
}

// machineEvent converts a container event message.
func machineEvent(m events.Message) deploy.MachineEvent {
	t := time.Unix(0, m.TimeNano)
	if m.TimeNano == 0 {
		t = time.Unix(m.Time, 0)
	}
	e := deploy.MachineEvent{Time: t, Node: m.Actor.Attributes["name"], Action: string(m.Action)}
	switch m.Action {
	case events.ActionDie:
		e.Detail = "exitCode=" + m.Actor.Attributes["exitCode"]
	case events.ActionKill:
		e.Detail = "signal=" + m.Actor.Attributes["signal"]
	}
	return e
}

// NetDevice is the container's interface on the run network (what the
// network faults act on).
func (n *Node) NetDevice() string { return "eth0" }

// SmallDiskDir is where the node's size-limited tmpfs is mounted (the
// disk-full fault fills it).
func (n *Node) SmallDiskDir() string { return SmallDiskDir }
