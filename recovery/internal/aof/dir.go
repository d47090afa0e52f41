package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileReport is the check of one file listed in a manifest.
type FileReport struct {
	Entry  ManifestEntry `json:"entry"`
	Check  CheckResult   `json:"check"`
	Last   bool          `json:"last"`
	Loads  bool          `json:"loads"` // Redis would load it (a truncated last file loads)
	Reason string        `json:"reason,omitempty"`
}

// DirReport is the check of a whole appendonlydir.
type DirReport struct {
	ManifestName string       `json:"manifest_name"`
	Manifest     Manifest     `json:"manifest"`
	Files        []FileReport `json:"files"`
}

// CheckDir checks an appendonlydir: the manifest (exactly one *.manifest
// file), that every base and incr file exists, and each file's content. Only
// the last file may have a bad tail: Redis loads it truncated
// (aof-load-truncated). Garbage in the last file (Repair can cut it), any
// problem in a non-last file or a bad RDB base makes Redis refuse to start. The error joins every problem.
func CheckDir(dir string) (DirReport, error) {
	var rep DirReport
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rep, fmt.Errorf("check aof dir: %w", err)
	}
	present := map[string]int64{}
	var manifests []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return rep, fmt.Errorf("check aof dir: %w", err)
		}
		present[e.Name()] = fi.Size()
		if strings.HasSuffix(e.Name(), ".manifest") {
			manifests = append(manifests, e.Name())
		}
	}
	if len(manifests) != 1 {
		return rep, fmt.Errorf("check aof dir %s: want one manifest, found %d: %w", dir, len(manifests), ErrManifest)
	}
	rep.ManifestName = manifests[0]
	data, err := os.ReadFile(filepath.Join(dir, rep.ManifestName))
	if err != nil {
		return rep, fmt.Errorf("check aof dir: %w", err)
	}
	if rep.Manifest, err = ParseManifest(data); err != nil {
		return rep, fmt.Errorf("check aof dir %s: %w", dir, err)
	}
	if err := rep.Manifest.Validate(present); err != nil {
		return rep, fmt.Errorf("check aof dir %s: %w", dir, err)
	}
	var errs []error
	order := rep.Manifest.LoadOrder()
	for i, e := range order {
		fr := FileReport{Entry: e, Last: i == len(order)-1, Loads: true}
		res, err := CheckFile(filepath.Join(dir, e.Name))
		fr.Check = res
		switch {
		case err != nil:
			fr.Loads, fr.Reason = false, err.Error()
		case !res.OK() && fr.Last && res.Truncated:
			fr.Reason = fmt.Sprintf("truncated tail at %d (%s): loads truncated", res.ValidUpTo, res.Problem)
		case !res.OK() && fr.Last:
			fr.Loads, fr.Reason = false, fmt.Sprintf("corrupt at %d (%s): Redis refuses it, Repair cuts %d bytes", res.ProblemAt, res.Problem, res.Cut())
		case !res.OK():
			fr.Loads, fr.Reason = false, fmt.Sprintf("corrupt at %d (%s) and not the last file", res.ProblemAt, res.Problem)
		}
		if !fr.Loads {
			errs = append(errs, fmt.Errorf("%s: %s: %w", e.Name, fr.Reason, ErrCorrupt))
		}
		rep.Files = append(rep.Files, fr)
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("check aof dir %s: %w", dir, errors.Join(errs...))
	}
	return rep, nil
}
