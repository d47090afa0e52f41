package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/reports"
)

// Report audits the report.json of a drill's out folder: every scenario
// against its own evidence (Scenario), whatever folder the drill ran in or
// where the out folder was moved since. path is the out folder or its
// report.json. The results are in the order of run.Scenarios.
func Report(path string) (reports.Run, []Result, error) {
	dir, file, err := locateReport(path)
	if err != nil {
		return reports.Run{}, nil, err
	}
	run, err := reports.ReadRun(file)
	if err != nil {
		return run, nil, err
	}
	if len(run.Scenarios) == 0 {
		return run, nil, fmt.Errorf("audit report: %s lists no scenario", file)
	}
	res := make([]Result, len(run.Scenarios))
	for i, s := range run.Scenarios {
		res[i] = Scenario(dir, s)
	}
	return run, res, nil
}

// locateReport finds the report.json of path (an out folder or the file
// itself) and the folder it lies in, with a one-line error for anything
// else.
func locateReport(path string) (dir, file string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("open out folder: %w", err)
	}
	if !st.IsDir() {
		return filepath.Dir(path), path, nil
	}
	file = filepath.Join(path, reports.FileJSON)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		if _, merr := os.Stat(filepath.Join(path, reports.FileMeasurement)); merr == nil {
			return "", "", fmt.Errorf("open report: %s is one scenario's evidence folder; audit the out folder above it, which holds %s", path, reports.FileJSON)
		}
		return "", "", fmt.Errorf("open report: %s has no %s: not a drill's out folder", path, reports.FileJSON)
	} else if err != nil {
		return "", "", fmt.Errorf("open report: %w", err)
	}
	return path, file, nil
}
