package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
)

// selection is what a drill runs: the scenarios --scenario and --label
// select (scenarios.Select) and, with --shard i/n, only shard i of their
// split (splitShards over estimateOn the chosen servers), in selection
// order. A shard may be empty when there are more shards than scenarios.
func (o drillOptions) selection(servers []harness.Server) ([]scenarios.Scenario, error) {
	if o.shard.all && !o.list {
		return nil, fmt.Errorf("invalid --shard %s: a drill runs one shard; give i/n, or add --list to print the whole split", o.shard.String())
	}
	list, err := scenarios.Select(o.names, o.label)
	if err != nil {
		return nil, err
	}
	if !o.shard.set() || o.shard.all {
		return list, nil
	}
	split := splitOf(list, servers, o.shard.count)
	var out []scenarios.Scenario
	for _, j := range split.members(o.shard.index - 1) {
		out = append(out, list[j])
	}
	return out, nil
}

// splitOf splits list into count shards by the scenarios' estimates on
// servers.
func splitOf(list []scenarios.Scenario, servers []harness.Server, count int) shardSplit {
	names := make([]string, len(list))
	est := make([]time.Duration, len(list))
	for j, s := range list {
		names[j], est[j] = s.Name, estimateOn(s, servers)
	}
	return splitShards(names, est, count)
}

// listShards is drill --list: the split of the selection, one line per
// scenario with its shard and estimate, then each shard's total; only
// shard i with --shard i/n, the whole selection as one shard without
// --shard. It runs nothing and needs no Docker.
func (a *app) listShards(o drillOptions, servers []harness.Server) error {
	list, err := scenarios.Select(o.names, o.label)
	if err != nil {
		return err
	}
	count, only := 1, -1
	if o.shard.set() {
		count = o.shard.count
		if !o.shard.all {
			only = o.shard.index - 1
		}
	}
	split := splitOf(list, servers, count)
	var rows [][]string
	for k := range split.totals {
		if only >= 0 && k != only {
			continue
		}
		for _, j := range split.members(k) {
			rows = append(rows, []string{fmt.Sprintf("%d/%d", k+1, count), list[j].Name, roundEstimate(estimateOn(list[j], servers))})
		}
	}
	if err := writeTable(a.stdout, []string{"SHARD", "SCENARIO", "ESTIMATE"}, rows); err != nil {
		return err
	}
	a.printf("\n")
	if len(servers) > 1 {
		a.printf("estimates add up each scenario's runs on %d servers (%s)\n", len(servers), serverList(servers))
	}
	for k := range split.totals {
		if only < 0 || k == only {
			a.printf("%s\n", shardTotal(split, k))
		}
	}
	if first := len(split.totals); first < count && (only < 0 || only >= first) {
		switch {
		case only >= 0:
			a.printf("shard %d/%d: no scenario (%d selected over %d shards)\n", only+1, count, len(list), count)
		case first+1 == count:
			a.printf("shard %d/%d: no scenario\n", count, count)
		default:
			a.printf("shards %d/%d to %d/%d: no scenario\n", first+1, count, count, count)
		}
	}
	return nil
}

// shardTotal is the summary line of 0-based shard k.
func shardTotal(split shardSplit, k int) string {
	n := len(split.members(k))
	noun := "scenarios"
	if n == 1 {
		noun = "scenario"
	}
	return fmt.Sprintf("shard %d/%d: %d %s, estimate %s", k+1, split.count, n, noun, roundEstimate(split.total(k)))
}

// roundEstimate prints an estimate to a tenth of a second.
func roundEstimate(d time.Duration) string {
	return d.Round(100 * time.Millisecond).String()
}

// serverList is the servers' names, comma-separated.
func serverList(servers []harness.Server) string {
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// emptyShard is a drill whose shard got no scenario (more shards than
// scenarios): it says so and writes an empty report (no scenarios) to
// --out, so a CI matrix job still uploads a report for report merge, and
// exits 0. Nothing starts; Docker is not needed.
func (a *app) emptyShard(o drillOptions) error {
	if !o.shard.set() {
		return errors.New("drill: no scenario selected")
	}
	a.printf("shard %s: no scenario (fewer scenarios selected than shards); writing an empty report\n", o.shard.String())
	run := newRun()
	run.Scenarios = []reports.ScenarioResult{}
	run.End = time.Now().UTC()
	paths, err := reports.WriteAll(o.out, run)
	if err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	a.printf("reports: %s\n", strings.Join(paths, " "))
	return nil
}
