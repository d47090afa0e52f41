package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedactEverywhere(t *testing.T) {
	const pw = "s3cr3t-Hunter2"
	run := fixtureRun(t)
	run.Args = append(run.Args, "--password", pw, "-a", pw)
	s := &run.Scenarios[0]
	s.Topology = "cluster 3x1 requirepass " + pw
	s.Fault.Params["requirepass"] = pw
	s.Fault.Params["masterauth"] = pw
	s.Description = "client redis://default:" + pw + "@10.0.0.2:6379 AUTH " + pw
	s.Error = "dial: password=" + pw + " refused"
	s.Verdict.Reasons = []string{`conf "masterauth ` + pw + `"`}
	s.Artifacts.NodeLogs["node-9"] = "logs/" + pw + ".log" // only the literal form catches this

	before := s.Fault.Params["requirepass"]
	for name, write := range map[string]func(*bytes.Buffer, Run) error{
		"json":     func(b *bytes.Buffer, r Run) error { return WriteJSON(b, r) },
		"junit":    func(b *bytes.Buffer, r Run) error { return WriteJUnit(b, r) },
		"markdown": func(b *bytes.Buffer, r Run) error { return WriteMarkdown(b, r) },
		"html":     func(b *bytes.Buffer, r Run) error { return WriteHTML(b, r) },
	} {
		var buf bytes.Buffer
		if err := write(&buf, Redact(run, pw)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), pw) {
			t.Errorf("%s output contains the password", name)
		}
		// Writers redact by themselves too (patterns and secret keys).
		buf.Reset()
		s.Artifacts.NodeLogs["node-9"] = "logs/node-9.log"
		if err := write(&buf, run); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), pw) {
			t.Errorf("%s writer leaks the password without explicit secrets", name)
		}
		s.Artifacts.NodeLogs["node-9"] = "logs/" + pw + ".log"
	}
	if s.Fault.Params["requirepass"] != before {
		t.Error("Redact mutated its input")
	}
	if got := RedactString("rto 2.41s > rto_max 2s; status: pass"); got != "rto 2.41s > rto_max 2s; status: pass" {
		t.Errorf("over-redaction: %q", got)
	}
}
