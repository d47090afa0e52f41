package recovery

import (
	"context"
	"strings"
	"testing"
)

// ReplaceFromAOF must never be the engine's own pick: it applies only when
// forced by name, so adding it changes no other scenario's choice.
func TestReplaceFromAOFOnlyWhenForced(t *testing.T) {
	inc := &Incident{Kind: ShardLost}
	est, err := ReplaceFromAOF{}.Estimate(context.Background(), &Engine{}, inc)
	if err != nil || est.Applicable {
		t.Fatalf("Estimate unforced = %+v, %v; want not applicable", est, err)
	}
	if !strings.Contains(est.Why, "by name") {
		t.Errorf("Why = %q", est.Why)
	}
}

func TestStageAOFDirMissing(t *testing.T) {
	if _, err := StageAOFDir(context.Background(), nil, t.TempDir()); err == nil {
		t.Fatal("StageAOFDir accepted a data dir without appendonlydir")
	}
}
