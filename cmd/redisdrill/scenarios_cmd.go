package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/scenarios"
)

// scenarioJSON is one scenario in `scenarios -o json`.
type scenarioJSON struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Labels      []string   `json:"labels"` // own and derived (fault:, topology:, recovery:)
	Topology    string     `json:"topology"`
	Fault       string     `json:"fault"`
	FaultLevel  string     `json:"fault_level"` // crash, machine-crash, service, machine-freeze, network, operator, disk
	Restart     string     `json:"restart"`     // the supervisor's restart policy: always or no
	Recovery    string     `json:"recovery"`
	Expect      expectJSON `json:"expect"`
}

// expectJSON is a scenario's pass criteria in `scenarios -o json`.
type expectJSON struct {
	Strategy     string `json:"strategy"`
	Incident     string `json:"incident"`
	AckedLostMax int    `json:"acked_lost_max"` // -1: bounded by loss instead
	Loss         string `json:"loss,omitempty"` // the instant that bounds lost writes
	RTOMaxMS     int64  `json:"rto_max_ms"`
	NoAction     bool   `json:"no_action"`
	Fenced       bool   `json:"fenced"`
	Failover     bool   `json:"failover"`
	// Tolerate names the history anomalies the scenario accepts from
	// writes acked before t_ready (empty: none).
	Tolerate []string `json:"tolerate"`
}

func newScenariosCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the registered scenarios",
		Example: `  redisdrill scenarios
  redisdrill scenarios -o json | jq -r '.[].name'
  redisdrill scenarios -o markdown   # the table in docs/scenarios.md`,
		Args: cobra.NoArgs,
	}
	out := addOutputFlag(cmd, formatTable, formatJSON, formatMarkdown)
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := out.check(); err != nil {
			return err
		}
		all := scenarios.All()
		if out.format == formatMarkdown {
			return writeScenarioMarkdown(a.stdout, all)
		}
		if out.format == formatJSON {
			list := make([]scenarioJSON, 0, len(all))
			for _, s := range all {
				list = append(list, toScenarioJSON(s))
			}
			return writeJSON(a.stdout, list)
		}
		var rows [][]string
		for _, s := range all {
			rows = append(rows, []string{s.Name, strings.Join(s.AllLabels(), ","), s.Description})
		}
		return writeTable(a.stdout, []string{"NAME", "LABELS", "DESCRIPTION"}, rows)
	}
	return cmd
}

// toScenarioJSON is s as listed by `scenarios -o json`; an unset recovery
// is the engine, as when the scenario runs.
func toScenarioJSON(s scenarios.Scenario) scenarioJSON {
	rec := s.Recovery
	if rec == "" {
		rec = scenarios.Engine
	}
	e := s.Expect
	return scenarioJSON{
		Name: s.Name, Description: s.Description, Labels: s.AllLabels(),
		Topology: s.Topology.String(), Fault: s.Fault, FaultLevel: fault.Level(s.Fault), Restart: string(s.RestartPolicy()),
		Recovery: string(rec),
		Expect: expectJSON{
			Strategy: e.Strategy, Incident: e.Incident, AckedLostMax: e.AckedLostMax, Loss: string(e.Loss),
			RTOMaxMS: e.RTOMax.Milliseconds(), NoAction: e.NoAction, Fenced: e.Fenced, Failover: e.Failover,
			Tolerate: append([]string{}, s.Tolerated()...),
		},
	}
}
