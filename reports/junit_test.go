package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

func TestJUnitParsesBack(t *testing.T) {
	run := fixtureRun(t)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, run); err != nil {
		t.Fatal(err)
	}
	var doc JUnitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("want one testsuite, got %d", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 3 || s.Failures != 2 || s.Errors != 0 || len(s.Cases) != 3 {
		t.Fatalf("suite counts tests=%d failures=%d errors=%d cases=%d", s.Tests, s.Failures, s.Errors, len(s.Cases))
	}
	byName := map[string]JUnitCase{}
	for _, c := range s.Cases {
		byName[c.Name] = c
	}
	if c := byName["primary-kill"]; c.Failure != nil || c.Error != nil {
		t.Errorf("primary-kill should pass: %+v", c)
	}
	if c := byName["primary-restart-empty"]; c.Failure == nil || c.Failure.Message != "rto 2.41s > rto_max 2s" {
		t.Errorf("primary-restart-empty failure = %+v", c.Failure)
	}
	if c := byName["aof-corrupt-middle"]; c.Failure == nil || c.Failure.Type != "invalid" ||
		c.Failure.Message != "invalid: only 40 acked writes before the fault (< 100)" {
		t.Errorf("aof-corrupt-middle failure = %+v", c.Failure)
	}
	props := map[string]string{}
	for _, p := range byName["primary-restart-empty"].Properties {
		props[p.Name] = p.Value
	}
	for name, want := range map[string]string{"rto_ms": "2410", "detect_ms": "318", "acked_lost": "0", "rto_max_ms": "2000", "span.load data_ms": "635", "verdict": "fail"} {
		if props[name] != want {
			t.Errorf("property %s = %q, want %q", name, props[name], want)
		}
	}
}

func TestJUnitError(t *testing.T) {
	run := fixtureRun(t)
	run.Scenarios[0].Error = "start deployment: container node-2 exited 1"
	run.Scenarios[0].Verdict = evaluate(run.Scenarios[0], run.Scenarios[0].Thresholds)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, run); err != nil {
		t.Fatal(err)
	}
	var doc JUnitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Suites[0].Cases[0]
	if doc.Errors != 1 || c.Error == nil || !strings.Contains(c.Error.Message, "container node-2 exited 1") {
		t.Fatalf("want an <error>, got errors=%d %+v", doc.Errors, c.Error)
	}
}

func TestMarkdownSummary(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, fixtureRun(t)); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"1 pass, 1 fail, 1 invalid",
		"| primary-restart-empty | cluster 3x1 | restart-empty | restore-in-place | 2.41s | 0s | 318ms | 0 / 4379 | ❌ fail |",
		"- **primary-restart-empty** (fail): rto 2.41s > rto_max 2s",
		"- **aof-corrupt-middle** (invalid): invalid: only 40 acked writes before the fault (\\< 100)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}
