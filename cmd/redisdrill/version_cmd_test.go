package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// versionRE matches the one-line version: module version, optional
// revision (12 hex, -dirty when modified), optional commit time, Go version.
var versionRE = regexp.MustCompile(`^redisdrill \S+( rev [0-9a-f]{12}(-dirty)?)?( \d{4}-\d\d-\d\dT\S+)? go\S+\n$`)

func TestVersionCommand(t *testing.T) {
	r := runCLI(t, nil, "version")
	if r.code != 0 || !versionRE.MatchString(r.stdout) {
		t.Fatalf("version: want one line matching %s\n%s", versionRE, r)
	}
	flag := runCLI(t, nil, "--version")
	if flag.code != 0 || flag.stdout != r.stdout {
		t.Fatalf("--version differs from version (%q)\n%s", r.stdout, flag)
	}
}

func TestVersionJSON(t *testing.T) {
	r := runCLI(t, nil, "version", "-o", "json")
	if r.code != 0 {
		t.Fatalf("version -o json failed\n%s", r)
	}
	var v struct {
		Version  *string `json:"version"`
		Revision *string `json:"revision"`
		Modified *bool   `json:"modified"`
		Time     *string `json:"time"`
		Go       *string `json:"go"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("parse version json: %v\n%s", err, r)
	}
	if v.Version == nil || v.Revision == nil || v.Modified == nil || v.Time == nil || v.Go == nil {
		t.Fatalf("version json lacks a field\n%s", r)
	}
	if *v.Version == "" || !strings.HasPrefix(*v.Go, "go") {
		t.Fatalf("version json: empty version or bad go %q\n%s", *v.Go, r)
	}
	// The plain line is built from the same fields.
	want := "redisdrill " + *v.Version
	if *v.Revision != "" {
		want += " rev " + *v.Revision
		if *v.Modified {
			want += "-dirty"
		}
	}
	if *v.Time != "" {
		want += " " + *v.Time
	}
	want += " " + *v.Go + "\n"
	if plain := runCLI(t, nil, "version"); plain.stdout != want {
		t.Fatalf("plain version %q, want %q from the json", plain.stdout, want)
	}
}

func TestVersionBadOutput(t *testing.T) {
	r := runCLI(t, nil, "version", "-o", "yaml")
	if r.code != exitUsage || r.stdout != "" {
		t.Fatalf("want exit 2 and no output\n%s", r)
	}
	oneErrorLine(t, r, `invalid output format "yaml"`)
}

func TestScenariosJSON(t *testing.T) {
	r := runCLI(t, nil, "scenarios", "-o", "json")
	if r.code != 0 {
		t.Fatalf("scenarios -o json failed\n%s", r)
	}
	var list []struct {
		Name     string   `json:"name"`
		Labels   []string `json:"labels"`
		Topology string   `json:"topology"`
		Fault    string   `json:"fault"`
		Recovery string   `json:"recovery"`
		Expect   *struct {
			RTOMaxMS *int64 `json:"rto_max_ms"`
		} `json:"expect"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("parse scenarios json: %v\n%s", err, r)
	}
	if len(list) < 20 {
		t.Fatalf("scenarios json has %d entries, want >= 20", len(list))
	}
	for i, s := range list {
		if s.Name == "" || len(s.Labels) == 0 {
			t.Fatalf("entry %d has no name or no labels: %+v", i, s)
		}
		if s.Topology == "" || s.Fault == "" || s.Recovery == "" || s.Expect == nil || s.Expect.RTOMaxMS == nil || *s.Expect.RTOMaxMS <= 0 {
			t.Fatalf("entry %s lacks topology, fault, recovery or expect.rto_max_ms: %+v", s.Name, s)
		}
		// Derived labels are included.
		if !strings.Contains(strings.Join(s.Labels, ","), "fault:"+s.Fault) {
			t.Fatalf("entry %s: labels %v lack fault:%s", s.Name, s.Labels, s.Fault)
		}
	}
}

func TestScenariosBadOutput(t *testing.T) {
	r := runCLI(t, nil, "scenarios", "-o", "yaml")
	if r.code != exitUsage || r.stdout != "" {
		t.Fatalf("want exit 2 and no output\n%s", r)
	}
	oneErrorLine(t, r, `invalid output format "yaml" for -o: want table or json`)
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("want a single stderr line\n%s", r)
	}
}
