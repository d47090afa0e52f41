// Command testreport turns `go test -json` output into a short
// human-readable log and summarises skipped tests.
//
//	go test -json ./... | testreport stream [-json out/test.json] [-log out/test.log]
//	testreport skips [-allow 'kernel lacks'] out/unit.json out/ginkgo-report.json
//
// stream prints one line per finished top-level test, the whole output of
// failed tests, skip reasons and the package result lines; -json copies the
// events and -log writes the complete plain-text output. Its exit status is
// 0 unless it cannot write: the caller keeps go test's (set -o pipefail).
// It ignores SIGINT and SIGTERM and reads to the end, so on Ctrl-C the test
// binaries can still report their cleanup instead of dying of a broken pipe.
//
// skips lists every skipped test with its reason, from go test -json files
// and Ginkgo JSON reports (detected by content). With -allow it exits 1 when
// a reason does not contain the allowed text (CI: only a kernel that lacks
// a feature may skip a test).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "stream":
		fs := flag.NewFlagSet("stream", flag.ExitOnError)
		jsonPath := fs.String("json", "", "copy the go test -json events here")
		logPath := fs.String("log", "", "write the complete plain-text output here")
		_ = fs.Parse(os.Args[2:])
		signal.Ignore(os.Interrupt, syscall.SIGTERM)
		err = stream(os.Stdin, os.Stdout, *jsonPath, *logPath)
	case "skips":
		fs := flag.NewFlagSet("skips", flag.ExitOnError)
		allow := fs.String("allow", "", "fail unless every skip reason contains this text")
		_ = fs.Parse(os.Args[2:])
		var bad int
		bad, err = skips(os.Stdout, *allow, fs.Args())
		if err == nil && bad > 0 {
			fmt.Printf("%d skipped test(s) without %q in the reason: a skip is allowed only where the kernel lacks a feature\n", bad, *allow)
			os.Exit(1)
		}
	default:
		usage()
	}
	if err != nil {
		slog.Error("testreport", "err", err)
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: testreport stream [-json FILE] [-log FILE] < go-test.json | testreport skips [-allow TEXT] FILE...")
	os.Exit(2)
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

// stream reads go test -json events from r and prints the readable log.
func stream(r io.Reader, w io.Writer, jsonPath, logPath string) (err error) {
	jsonw, closeJSON, err := create(jsonPath)
	if err != nil {
		return err
	}
	defer closeJSON(&err)
	logw, closeLog, err := create(logPath)
	if err != nil {
		return err
	}
	defer closeLog(&err)
	// Output of each running top-level test (subtests included), printed
	// only when it fails.
	buf := map[string]*strings.Builder{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if jsonw != nil {
			_, _ = jsonw.Write(line)
			_ = jsonw.WriteByte('\n')
		}
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line) // not an event: pass through
			continue
		}
		if logw != nil && e.Output != "" {
			_, _ = logw.WriteString(e.Output)
		}
		top, _, _ := strings.Cut(e.Test, "/")
		key := e.Package + " " + top
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Test == "" && e.Action == "output":
			if o := strings.TrimSpace(e.Output); o != "PASS" && o != "FAIL" && !strings.HasPrefix(o, "=== ") && !strings.HasPrefix(o, "testing: warning: no tests to run") {
				fmt.Fprint(w, e.Output)
			}
		case e.Test == "" && e.Action == "fail":
			// A crashed binary (panic, timeout, signal) ends its running
			// tests without a result: show what they printed.
			for k, b := range buf {
				if strings.HasPrefix(k, e.Package+" ") {
					fmt.Fprint(w, b.String())
					delete(buf, k)
				}
			}
		case e.Test == "":
		case e.Action == "output":
			b := buf[key]
			if b == nil {
				b = &strings.Builder{}
				buf[key] = b
			}
			b.WriteString(e.Output)
		case e.Action == "skip":
			fmt.Fprintf(w, "--- SKIP: %s %s (%.2fs)%s\n", short(e.Package), e.Test, e.Elapsed, indent(reason(buf[key], e.Test)))
			if e.Test == top {
				delete(buf, key)
			}
		case e.Action == "pass" && e.Test == top:
			fmt.Fprintf(w, "--- PASS: %s %s (%.2fs)\n", short(e.Package), e.Test, e.Elapsed)
			delete(buf, key)
		case e.Action == "fail" && e.Test == top:
			if b := buf[key]; b != nil {
				fmt.Fprint(w, b.String())
			}
			fmt.Fprintf(w, "--- FAIL: %s %s (%.2fs)\n", short(e.Package), e.Test, e.Elapsed)
			delete(buf, key)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read go test output: %w", err)
	}
	return nil
}

// create opens path for buffered writing (nothing when path is empty); the
// returned close flushes and records the first error in *err.
func create(path string) (*bufio.Writer, func(*error), error) {
	if path == "" {
		return nil, func(*error) {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", path, err)
	}
	w := bufio.NewWriter(f)
	return w, func(err *error) {
		if ferr := errors.Join(w.Flush(), f.Close()); ferr != nil && *err == nil {
			*err = fmt.Errorf("write %s: %w", path, ferr)
		}
	}, nil
}

// short drops the module path from a package path for display.
func short(pkg string) string {
	if i := strings.Index(pkg, "/redisdrill/"); i >= 0 {
		return pkg[i+len("/redisdrill/"):]
	}
	return pkg
}

// reason extracts the skip message of test from the output seen so far:
// the lines between its "=== RUN" and "--- SKIP" that are not framing.
func reason(b *strings.Builder, test string) string {
	if b == nil {
		return ""
	}
	var lines []string
	collect := false
	for _, l := range strings.Split(b.String(), "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "=== RUN   "+test || t == "=== CONT  "+test:
			collect = true
		case strings.HasPrefix(t, "=== "):
			collect = t == "=== NAME  "+test
		case strings.HasPrefix(t, "--- "):
			collect = false
		case collect && t != "":
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, " | ")
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// skip is one skipped test or spec.
type skip struct {
	where, name, reason string
}

// skips prints every skip found in files and returns how many lack allow.
func skips(w io.Writer, allow string, files []string) (int, error) {
	var all, failed []skip
	filtered := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(w, "testreport: %s missing (that run did not happen)\n", path)
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read report: %w", err)
		}
		var found []skip
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
			var n int
			found, n, err = ginkgoSkips(t)
			filtered += n
			if err == nil {
				failed = append(failed, ginkgoFailures(t)...)
			}
		} else {
			found, err = goTestSkips(data)
			if err == nil {
				failed = append(failed, goTestFailures(data)...)
			}
		}
		if err != nil {
			return 0, fmt.Errorf("parse %s: %w", path, err)
		}
		all = append(all, found...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].where+all[i].name < all[j].where+all[j].name })
	bad := 0
	fmt.Fprintf(w, "\n=== skipped tests: %d\n", len(all))
	for _, s := range all {
		mark := ""
		if allow != "" && !strings.Contains(s.reason, allow) {
			mark = "NOT ALLOWED "
			bad++
		}
		fmt.Fprintf(w, "%s%s %s: %s\n", mark, s.where, s.name, s.reason)
	}
	if filtered > 0 {
		fmt.Fprintf(w, "(%d Ginkgo specs not selected by the label filter)\n", filtered)
	}
	printFailures(w, failed)
	return bad, nil
}

// goTestSkips reads go test -json output.
func goTestSkips(data []byte) ([]skip, error) {
	out := map[string]*strings.Builder{}
	var found []skip
	err := testEvents(data, func(e event) {
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if out[key] == nil {
				out[key] = &strings.Builder{}
			}
			out[key].WriteString(e.Output)
		case "skip":
			found = append(found, skip{short(e.Package), e.Test, reason(out[key], e.Test)})
		}
	})
	return found, err
}

// testEvents calls fn for every event of go test -json output that belongs
// to a test (package-level events are left out).
func testEvents(data []byte, fn func(event)) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if line := sc.Bytes(); len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil || e.Test == "" {
			continue
		}
		fn(e)
	}
	return sc.Err()
}

// ginkgoReport is the part of a Ginkgo JSON report (an array of suite
// reports) that describes skips.
type ginkgoReport struct {
	SuiteDescription string
	SpecReports      []struct {
		ContainerHierarchyTexts []string
		LeafNodeText            string
		LeafNodeType            string
		State                   string
		Failure                 *struct {
			Message  string
			Location struct {
				FileName   string
				LineNumber int
			}
		}
	}
}

// ginkgoSkips reads a Ginkgo JSON report; specs skipped without a message
// were not selected by the label filter and are only counted.
func ginkgoSkips(data []byte) ([]skip, int, error) {
	var reports []ginkgoReport
	if err := json.Unmarshal(data, &reports); err != nil {
		return nil, 0, fmt.Errorf("decode ginkgo report: %w", err)
	}
	var found []skip
	filtered := 0
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.State != "skipped" {
				continue
			}
			if s.Failure == nil || s.Failure.Message == "" {
				filtered++
				continue
			}
			name := strings.Join(append(append([]string(nil), s.ContainerHierarchyTexts...), s.LeafNodeText), " ")
			found = append(found, skip{"ginkgo " + r.SuiteDescription, name, s.Failure.Message})
		}
	}
	return found, filtered, nil
}
