package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
	"time"
)

//go:embed html.tmpl
var htmlTemplate string

// htmlPage is the data of report.html.
type htmlPage struct {
	Run       Run
	Counts    string
	Duration  string
	Scenarios []htmlScenario
	// Grid is the scenario × server grid of a matrix run (nil otherwise).
	Grid *Grid
}

type htmlScenario struct {
	S ScenarioResult
	// Title is the scenario name, with the server in a matrix run.
	Title     string
	Anchor    string
	Timeline  svgChart
	RTOBar    svgChart
	RTOSegs   []rtoSegment
	Checks    []thresholdCheck
	Artifacts [][2]string
	Params    [][2]string
	SpanColor map[string]string
}

// thresholdCheck is one row of the thresholds-vs-actual table.
type thresholdCheck struct {
	Name, Limit, Actual string
	OK                  bool
}

// WriteHTML writes report.html: one self-contained page (inline CSS, inline
// SVG charts generated in Go, no script, font or image fetched) with an index
// of all scenarios and, per scenario, the availability timeline, the RTO
// breakdown, the loss table and thresholds vs actual.
func WriteHTML(w io.Writer, run Run) error {
	run = prepare(run)
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"f":      func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"pct":    func(v float64) string { return fmt.Sprintf("%.0f%%", v) },
		"time":   func(t time.Time) string { return fmtTime(t) },
		"join":   strings.Join,
		"status": func(st Status) string { return statusClass(st) },
		"rto":    rtoText,
		"cell":   gridCellText,
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("parse html template: %w", err)
	}
	page := htmlPage{Run: run, Counts: countStatuses(run.Scenarios)}
	if g, ok := ServerGrid(run); ok {
		page.Grid = &g
	}
	if !run.Start.IsZero() && !run.End.IsZero() {
		page.Duration = FormatDuration(run.End.Sub(run.Start))
	}
	for i, s := range run.Scenarios {
		a := anchor(i, s.Name)
		bar, segs := rtoChart("rto-"+a, s)
		hs := htmlScenario{
			S: s, Anchor: a, Title: CaseName(run, s),
			Timeline: timelineChart("timeline-"+a, s),
			RTOBar:   bar, RTOSegs: segs,
			Checks:    thresholdChecks(s),
			Artifacts: artifactList(s.Artifacts),
			Params:    sortedPairs(s.Fault.Params),
		}
		page.Scenarios = append(page.Scenarios, hs)
	}
	if err := tmpl.Execute(w, page); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

func thresholdChecks(s ScenarioResult) []thresholdCheck {
	t := s.Thresholds
	var out []thresholdCheck
	if t.MinAckedBeforeFault != nil {
		out = append(out, thresholdCheck{"acked writes before fault", fmt.Sprintf("≥ %d", *t.MinAckedBeforeFault),
			fmt.Sprint(s.AckedBeforeFault), s.AckedBeforeFault >= *t.MinAckedBeforeFault})
	}
	if t.RTOMax != nil {
		out = append(out, thresholdCheck{"RTO", "≤ " + t.RTOMax.String(), rtoText(s), s.Ready && s.RTO <= *t.RTOMax})
	}
	if t.DetectMax != nil {
		out = append(out, thresholdCheck{"detect", "≤ " + t.DetectMax.String(), s.Detect.String(), s.Detect <= *t.DetectMax})
	}
	if t.AckedLostMax != nil {
		out = append(out, thresholdCheck{"acked writes lost", fmt.Sprintf("≤ %d", *t.AckedLostMax),
			fmt.Sprint(s.Loss.Lost), s.Loss.Lost <= *t.AckedLostMax})
	}
	return out
}

// anchor is the HTML id of the i-th scenario (0-based).
func anchor(i int, name string) string { return fmt.Sprintf("s%d-%s", i+1, slug(name)) }

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "scenario"
	}
	return s
}

func statusClass(st Status) string {
	switch st {
	case StatusPass, StatusFail, StatusInvalid, StatusError:
		return string(st)
	default:
		return "unknown"
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
