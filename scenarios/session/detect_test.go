package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

func enginePlan() Plan {
	return Plan{Name: "p", Topology: rediskit.DefaultCluster(), Engine: &EngineSpec{},
		Steps: []Step{{Fault: &FaultStep{Name: "kill"}}, {Recover: RecoverEngine}}}
}

func TestDetectModeDefaultsAndValidates(t *testing.T) {
	p := enginePlan()
	if err := p.Validate(); err != nil {
		t.Fatalf("default mode: %v", err)
	}
	if got := p.withDefaults().Engine.DetectMode; got != detect.ModeAuto {
		t.Fatalf("default detect mode %q, want auto", got)
	}
	p.Engine.DownAfter = -time.Second
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "$.detect_window") {
		t.Fatalf("negative window: Validate = %v", err)
	}
	p.Engine.DownAfter = 0
	p.Engine.DetectMode = "sniff"
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), `$.detect: want auto or probe, got "sniff"`) {
		t.Fatalf("Validate = %v, want a $.detect error", err)
	}
}

func TestEnvDetectModeOverridesEveryPlan(t *testing.T) {
	p := enginePlan()
	p.Engine.DetectMode = detect.ModeAuto
	if got := p.WithDetectMode(detect.ModeProbe).Engine.DetectMode; got != detect.ModeProbe {
		t.Fatalf("override: got %q, want probe", got)
	}
	if p.Engine.DetectMode != detect.ModeAuto {
		t.Fatal("WithDetectMode changed the original plan's engine spec")
	}
	if got := p.WithDetectMode("").Engine.DetectMode; got != detect.ModeAuto {
		t.Fatalf("empty override: got %q, want the plan's own", got)
	}
	native := Plan{Name: "n"}
	if native.WithDetectMode(detect.ModeProbe).Engine != nil {
		t.Fatal("a native plan must stay without an engine")
	}
	// A bad mode in the environment fails before anything starts.
	if _, err := Run(context.Background(), Env{DetectMode: "sniff"}, enginePlan()); err == nil || !strings.Contains(err.Error(), "unknown mode") {
		t.Fatalf("Run with a bad env mode = %v, want an error", err)
	}
}
