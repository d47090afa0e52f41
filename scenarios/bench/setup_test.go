package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestSetupConfigValidate(t *testing.T) {
	if err := DefaultSetupConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, tc := range []struct {
		cfg  SetupConfig
		want string
	}{
		{SetupConfig{Runs: 1}, "no topology"},
		{SetupConfig{Topologies: []string{"3x1"}, Runs: 0}, "runs 0 out of range"},
		{SetupConfig{Topologies: []string{"ring"}, Runs: 1}, `parse topology "ring"`},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := RunSetup(context.Background(), SetupEnv{}, DefaultSetupConfig()); err == nil || !strings.Contains(err.Error(), "no docker") {
		t.Errorf("RunSetup without docker: %v", err)
	}
}

func TestParseTopologies(t *testing.T) {
	got, err := ParseTopologies("3x1, 3X1,1+2,,standalone")
	if err != nil || strings.Join(got, " ") != "3x1 1+2 standalone" {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", " , ", "3x1,ring"} {
		if _, err := ParseTopologies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWriteSetupTable(t *testing.T) {
	cell := SetupCell{Server: "redis-7.0", Topology: "3x1", Nodes: 6, Samples: []SetupSample{
		{ReadyMS: 2400, ContainersMS: 900, ListeningMS: 950, FormedMS: 1200},
		{ReadyMS: 2200, ContainersMS: 800, ListeningMS: 850, FormedMS: 1100},
		{ReadyMS: 3100, ContainersMS: 1000, ListeningMS: 1050, FormedMS: 1300},
		{Error: "start node: boom"},
	}}.summarized()
	if cell.ReadyMS.N != 3 || cell.Errors != 1 || cell.ReadyMS.Median != 2400 || cell.ReadyMS.Min != 2200 || cell.ReadyMS.Max != 3100 {
		t.Fatalf("summary %+v, errors %d", cell.ReadyMS, cell.Errors)
	}
	failed := SetupCell{Server: "valkey-9", Topology: "standalone", Nodes: 1, Samples: []SetupSample{{Error: "x"}}}.summarized()
	var buf bytes.Buffer
	if err := WriteSetupTable(&buf, &SetupResult{Cells: []SetupCell{cell, failed}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"ready min", "redis-7.0", "3 (1 failed)", "2.20s", "2.40s", "3.10s", "0.900s", "1.20s", "valkey-9", "failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
