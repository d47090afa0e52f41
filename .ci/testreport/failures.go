package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// maxFailureText bounds what is printed of one failure, so that the end of
// a CI log (often all anyone sees) holds every failure's reason.
const maxFailureText = 1500

// printFailures lists every failed test and spec with its reason, last in
// the log, where a reader of a truncated CI log still finds it.
func printFailures(w io.Writer, failed []skip) {
	if len(failed) == 0 {
		return
	}
	fmt.Fprintf(w, "\n=== failed tests: %d\n", len(failed))
	for _, f := range failed {
		fmt.Fprintf(w, "FAILED %s %s:\n%s\n", f.where, f.name, clip(f.reason))
	}
}

// clip keeps the last maxFailureText bytes of s (a test's output ends with
// its failure).
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxFailureText {
		return indentLines(s)
	}
	return indentLines("…" + s[len(s)-maxFailureText:])
}

func indentLines(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// ginkgoFailures reads the failed, panicked, timed-out and interrupted
// specs of a Ginkgo JSON report with their failure message and location.
func ginkgoFailures(data []byte) []skip {
	var reports []ginkgoReport
	if json.Unmarshal(data, &reports) != nil {
		return nil
	}
	var found []skip
	for _, r := range reports {
		for _, s := range r.SpecReports {
			switch s.State {
			case "failed", "panicked", "timedout", "interrupted", "aborted":
			default:
				continue
			}
			name := strings.Join(append(append([]string(nil), s.ContainerHierarchyTexts...), s.LeafNodeText), " ")
			why := s.State
			if s.Failure != nil {
				why = fmt.Sprintf("%s at %s:%d: %s", s.State, filepath.Base(s.Failure.Location.FileName), s.Failure.Location.LineNumber, s.Failure.Message)
			}
			found = append(found, skip{"ginkgo " + r.SuiteDescription, name, why})
		}
	}
	return found
}

// goTestFailures reads the failed top-level tests of go test -json output,
// each with the last lines it printed.
func goTestFailures(data []byte) []skip {
	out := map[string]*strings.Builder{}
	var found []skip
	_ = testEvents(data, func(e event) {
		top, _, sub := strings.Cut(e.Test, "/")
		key := e.Package + " " + top
		switch e.Action {
		case "output":
			if out[key] == nil {
				out[key] = &strings.Builder{}
			}
			out[key].WriteString(e.Output)
		case "fail":
			if sub {
				return // the top-level test carries its subtests' output
			}
			text := ""
			if b := out[key]; b != nil {
				text = b.String()
			}
			found = append(found, skip{short(e.Package), e.Test, text})
		}
	})
	return found
}
