package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// scenarioTableHeader is the header of the scenario table in docs/scenarios.md.
var scenarioTableHeader = []string{"scenario", "topology", "fault", "level", "recovery", "acked-loss bound", "RTO bound", "on processes"}

// writeScenarioMarkdown writes the scenarios as docs/scenarios.md's markdown table,
// every cell derived from the registry.
func writeScenarioMarkdown(w io.Writer, list []scenarios.Scenario) error {
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		b.WriteString("\n")
	}
	row(scenarioTableHeader)
	b.WriteString(strings.Repeat("|---", len(scenarioTableHeader)) + "|\n")
	for _, s := range list {
		loss, err := lossCell(s)
		if err != nil {
			return err
		}
		row([]string{"`" + s.Name + "`", s.Topology.String(), faultCell(s), levelCell(s), recoveryCell(s), loss, seconds(s.Expect.RTOMax), processCell(s)})
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// processCell says whether the scenario runs on the process provider, and
// why not when it does not.
func processCell(s scenarios.Scenario) string {
	if why := s.NotOnProcesses(); why != "" {
		return "no: " + why
	}
	return "yes"
}

// faultCell is the fault's name with what differs from the usual set-up:
// a target other than shard 0's primary, companions, an early heal and a
// corrupted backup.
func faultCell(s scenarios.Scenario) string {
	var notes []string
	t := s.FaultParams.Target
	switch {
	case t.Role == fault.RoleShardPrimary && t.Shard == 0:
	case t.Role == fault.RoleShardPrimary:
		notes = append(notes, fmt.Sprintf("shard %d's primary", t.Shard))
	case t.Role == fault.RoleShard:
		notes = append(notes, fmt.Sprintf("primary and replicas of shard %d", t.Shard))
	case t.Role == fault.RoleAll:
		notes = append(notes, "every node")
	default:
		notes = append(notes, t.String())
	}
	if n := s.FaultParams.Companions; n > 0 {
		notes = append(notes, fmt.Sprintf("with %d other node%s", n, plural(n)))
	}
	if s.HealAt > 0 {
		notes = append(notes, "healed "+seconds(s.HealAt)+" after onset")
	}
	if s.CorruptNewestBackup {
		notes = append(notes, "newest backup corrupted on disk")
	}
	if len(notes) == 0 {
		return s.Fault
	}
	return s.Fault + " (" + strings.Join(notes, ", ") + ")"
}

// levelCell is the level the fault hits at (fault.Level) and, where the
// server's exit matters, the supervisor's restart policy.
func levelCell(s scenarios.Scenario) string {
	level := fault.Level(s.Fault)
	if level == fault.LevelCrash {
		return level + ", restart " + string(s.RestartPolicy())
	}
	return level
}

// recoveryCell says who recovers and what the scenario demands of it.
func recoveryCell(s scenarios.Scenario) string {
	e := s.Expect
	if s.Recovery == scenarios.Native {
		out := "native"
		if e.Failover {
			out += " (failover must happen)"
		}
		return out
	}
	out := "engine"
	if s.EngineDelay > 0 {
		out += " started " + seconds(s.EngineDelay) + " after the fault"
	}
	if e.NoAction {
		return out + " must take **no** action"
	}
	if s.Strategy != "" {
		forced := []string{"forced " + s.Strategy}
		if s.PointInTimeBefore > 0 {
			forced = append(forced, "target t0 − "+seconds(s.PointInTimeBefore))
		}
		if s.WarmSpare {
			forced = append(forced, "warm spare")
		}
		out += " (" + strings.Join(forced, ", ") + ")"
	}
	if e.Strategy != "" && e.Strategy != s.Strategy {
		out += " → " + strings.Join(strings.Split(e.Strategy, "|"), " or ")
	}
	if s.Strategy == "" && e.Strategy == "" {
		out += " (any strategy)"
	}
	if e.Fenced {
		out += ", old primary fenced and readmitted as a replica"
	} else if e.Failover {
		out += ", failover must happen"
	}
	return out
}

// lossPhrases says in English what each session.LossBound allows.
var lossPhrases = map[session.LossBound]string{
	session.LossAfterBackup: "only writes acked after the restored backup started",
	session.LossAfterFault: "only writes acked after the fault began (less the " +
		strconv.FormatInt(session.ReplicationAllowance.Milliseconds(), 10) + " ms replication allowance)",
	session.LossAfterTarget: "only writes acked after the point-in-time target second",
	session.LossAfterFsyncWindow: "only writes acked after the fault began less the " +
		strconv.FormatInt(session.FsyncWindow.Milliseconds(), 10) + " ms appendfsync everysec window",
	session.LossAfterArchive: "only writes acked after the fault began (less the " +
		strconv.FormatInt(session.ArchiveAllowance.Milliseconds(), 10) + " ms archive allowance)",
	session.LossWithinBackupWindow: "≤ the writes acked between the newest verified backup and the fault " +
		"(a repair keeps at least what a restore would)",
}

// lossCell is the acked-loss bound: a count, an instant of the run, or both.
func lossCell(s scenarios.Scenario) (string, error) {
	e := s.Expect
	var parts []string
	switch {
	case e.AckedLostMax == 0:
		parts = append(parts, "0")
	case e.AckedLostMax > 0:
		parts = append(parts, "≤ "+strconv.Itoa(e.AckedLostMax))
	}
	if e.Loss != "" {
		p, ok := lossPhrases[e.Loss]
		if !ok {
			return "", fmt.Errorf("render scenario %s: no phrase for loss bound %q (add it to lossPhrases)", s.Name, e.Loss)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("render scenario %s: no loss bound", s.Name)
	}
	return strings.Join(parts, "; "), nil
}

// seconds renders d in seconds ("8 s", "0.8 s").
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
