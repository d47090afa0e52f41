package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// JUnit XML document types (the common Jenkins/Surefire dialect).
type (
	// JUnitSuites is the <testsuites> root.
	JUnitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []JUnitSuite `xml:"testsuite"`
	}
	// JUnitSuite is one <testsuite>.
	JUnitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Hostname   string          `xml:"hostname,attr,omitempty"`
		Properties []JUnitProperty `xml:"properties>property"`
		Cases      []JUnitCase     `xml:"testcase"`
	}
	// JUnitCase is one <testcase>, one per scenario.
	JUnitCase struct {
		Name       string          `xml:"name,attr"`
		Classname  string          `xml:"classname,attr"`
		Time       string          `xml:"time,attr"`
		Properties []JUnitProperty `xml:"properties>property"`
		Failure    *JUnitProblem   `xml:"failure"`
		Error      *JUnitProblem   `xml:"error"`
		Skipped    *JUnitSkipped   `xml:"skipped"`
		SystemOut  string          `xml:"system-out,omitempty"`
	}
	// JUnitSkipped is a <skipped message="..."/> element.
	JUnitSkipped struct {
		Message string `xml:"message,attr"`
	}
	// JUnitProperty is a name/value <property>.
	JUnitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	// JUnitProblem is a <failure> or <error> element.
	JUnitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// WriteJUnit writes junit.xml: one testsuite, one testcase per scenario with
// its figures as properties; fail and invalid verdicts become <failure>
// (message = first reason, e.g. "rto 2.41s > rto_max 2s"), errors <error>.
func WriteJUnit(w io.Writer, run Run) error {
	run = prepare(run)
	suite := JUnitSuite{
		Name:      "redisdrill",
		Tests:     len(run.Scenarios),
		Time:      secs(run.End.Sub(run.Start)),
		Hostname:  run.Host,
		Timestamp: timestamp(run.Start),
		Properties: []JUnitProperty{
			{"redisdrill.version", run.Version},
			{"go.version", run.GoVersion},
			{"schema", run.Schema},
		},
	}
	for _, s := range run.Scenarios {
		c := JUnitCase{
			Name:       CaseName(run, s),
			Classname:  "redisdrill." + classPart(s.Topology),
			Time:       secs(s.Duration.D()),
			Properties: scenarioProperties(s),
			SystemOut:  scenarioText(s),
		}
		msg := strings.Join(s.Verdict.Reasons, "; ")
		switch s.Verdict.Status {
		case StatusFail, StatusInvalid:
			suite.Failures++
			c.Failure = &JUnitProblem{Message: firstOr(s.Verdict.Reasons, string(s.Verdict.Status)), Type: string(s.Verdict.Status), Text: msg}
		case StatusError:
			suite.Errors++
			c.Error = &JUnitProblem{Message: firstOr(s.Verdict.Reasons, "error: "+s.Error), Type: "error", Text: s.Error}
		case StatusPass:
		case StatusSkip:
			suite.Skipped++
			c.Skipped = &JUnitSkipped{Message: msg}
		default:
			suite.Errors++
			c.Error = &JUnitProblem{Message: fmt.Sprintf("unknown verdict %q", s.Verdict.Status), Type: "error"}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := JUnitSuites{Name: "redisdrill", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time, Suites: []JUnitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

func scenarioProperties(s ScenarioResult) []JUnitProperty {
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	ms := func(m Millis) string { return strconv.FormatFloat(m.Ms(), 'f', -1, 64) }
	p := []JUnitProperty{
		{"verdict", string(s.Verdict.Status)},
		{"topology", s.Topology},
		{"server", s.Server},
		{"server_version", s.ServerVersion},
		{"redis_version", s.RedisVersion},
		{"image", s.Image},
		{"seed", i(s.Seed)},
		{"fault", s.Fault.Name},
		{"strategy", s.Strategy},
		{"ready", strconv.FormatBool(s.Ready)},
		{"rto_ms", ms(s.RTO)},
		{"client_outage_ms", ms(s.ClientOutage)},
		{"detect_ms", ms(s.Detect)},
		{"ops_ok", i(s.Ops.OK)},
		{"ops_fail", i(s.Ops.Fail)},
		{"ops_unknown", i(s.Ops.Unknown)},
		{"acked_before_fault", i(s.AckedBeforeFault)},
		{"acked", i(s.Loss.Acked)},
		{"acked_lost", i(s.Loss.Lost)},
		{"recovered", i(s.Loss.Recovered)},
		{"loss_window_ms", ms(s.Loss.Window)},
		{"history_checked_ops", i(int64(historyOps(s.History)))},
		{"history_linearizable", historyVerdict(s.History)},
		{"history_anomalies", s.History.Counts()},
		{"latency_p50_ms", ms(s.Latency.P50)},
		{"latency_p99_ms", ms(s.Latency.P99)},
		{"latency_max_ms", ms(s.Latency.Max)},
	}
	for _, sp := range s.Spans {
		p = append(p, JUnitProperty{"span." + sp.Name + "_ms", ms(sp.Duration())})
	}
	if t := s.Thresholds.RTOMax; t != nil {
		p = append(p, JUnitProperty{"rto_max_ms", ms(*t)})
	}
	if t := s.Thresholds.AckedLostMax; t != nil {
		p = append(p, JUnitProperty{"acked_lost_max", i(*t)})
	}
	if len(s.Labels) > 0 {
		p = append(p, JUnitProperty{"labels", strings.Join(s.Labels, ",")})
	}
	return p
}

func scenarioText(s ScenarioResult) string {
	var b strings.Builder
	if s.Description != "" {
		fmt.Fprintf(&b, "%s\n", s.Description)
	}
	fmt.Fprintf(&b, "fault %s on %s; strategy %s; rto %s; detect %s; acked lost %d of %d\n",
		s.Fault.Name, strings.Join(s.Fault.Targets, ","), s.Strategy, s.RTO, s.Detect, s.Loss.Lost, s.Loss.Acked)
	for _, p := range artifactList(s.Artifacts) {
		fmt.Fprintf(&b, "artifact %s: %s\n", p[0], p[1])
	}
	return b.String()
}

func classPart(topology string) string {
	f := strings.Fields(topology)
	if len(f) == 0 {
		return "scenario"
	}
	return f[0]
}

func firstOr(xs []string, def string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return def
}

func secs(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func historyOps(h *History) int {
	if h == nil {
		return 0
	}
	return h.CheckedOps
}

func historyVerdict(h *History) string {
	if h == nil {
		return "not checked"
	}
	return string(h.Linearizable)
}
