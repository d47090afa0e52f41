package reports

import "slices"

// Grid is the scenario × server view of a run that ran scenarios on more
// than one server (a matrix): one row per scenario, one cell per server.
type Grid struct {
	// Servers are the servers in the order they first ran, each with the
	// version it reported ("valkey-8.1 8.1.1").
	Servers []GridServer
	Rows    []GridRow
}

// GridServer is one column of a Grid.
type GridServer struct {
	Name, Version string
}

// Label is "name version" (the name alone when the version is unknown).
func (g GridServer) Label() string {
	if g.Version == "" {
		return g.Name
	}
	return g.Name + " " + g.Version
}

// GridRow is one scenario across the servers.
type GridRow struct {
	Scenario string
	// Cells has one entry per Grid.Servers; Ran is false where the
	// scenario did not run on that server.
	Cells []GridCell
}

// GridCell is one scenario on one server.
type GridCell struct {
	Ran    bool
	Result ScenarioResult
}

// ServerGrid returns the grid of run, and false when run's scenarios ran
// on fewer than two servers.
func ServerGrid(run Run) (Grid, bool) {
	var g Grid
	col := map[string]int{}
	for _, s := range run.Scenarios {
		name := serverName(s)
		if _, ok := col[name]; !ok {
			col[name] = len(g.Servers)
			g.Servers = append(g.Servers, GridServer{Name: name, Version: s.ServerVersion})
		}
	}
	if len(g.Servers) < 2 {
		return Grid{}, false
	}
	row := map[string]int{}
	for _, s := range run.Scenarios {
		r, ok := row[s.Name]
		if !ok {
			r = len(g.Rows)
			row[s.Name] = r
			g.Rows = append(g.Rows, GridRow{Scenario: s.Name, Cells: make([]GridCell, len(g.Servers))})
		}
		c := col[serverName(s)]
		g.Rows[r].Cells[c] = GridCell{Ran: true, Result: s}
		if g.Servers[c].Version == "" {
			g.Servers[c].Version = s.ServerVersion
		}
	}
	return g, true
}

// serverName is the server a result ran on ("unknown" for reports written
// before servers were recorded).
func serverName(s ScenarioResult) string {
	if s.Server != "" {
		return s.Server
	}
	return "unknown"
}

// multiServer reports whether run's scenarios ran on more than one server.
func multiServer(run Run) bool {
	var seen []string
	for _, s := range run.Scenarios {
		if n := serverName(s); !slices.Contains(seen, n) {
			seen = append(seen, n)
		}
	}
	return len(seen) > 1
}

// CaseName is a scenario's name in per-case listings (JUnit, tables): the
// scenario name, with the server appended in a multi-server run.
func CaseName(run Run, s ScenarioResult) string {
	if multiServer(run) {
		return s.Name + " [" + serverName(s) + "]"
	}
	return s.Name
}
