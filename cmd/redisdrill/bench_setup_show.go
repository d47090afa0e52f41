package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/redisdrill/redisdrill/scenarios/bench"
)

// showBenchSetup prints a saved setup result (bench setup -o json) with
// every summary recomputed from its samples.
func showBenchSetup(a *app, path string, out *outputFlag) error {
	if err := out.check(); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read setup result: %w", err)
	}
	var res bench.SetupResult
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("read setup result %s: %w", path, err)
	}
	if res.Version != bench.SetupFormatVersion {
		return fmt.Errorf("read setup result %s: format version %d, want %d", path, res.Version, bench.SetupFormatVersion)
	}
	res.Recompute()
	if out.format == formatJSON {
		return writeJSON(a.stdout, res)
	}
	return bench.WriteSetupTable(a.stdout, &res)
}
