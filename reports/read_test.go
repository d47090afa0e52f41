package reports

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadRunSchema(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ body, want string }{
		"future": {`{"schema":"redisdrill.report/v2","scenarios":[]}`, `unsupported schema "redisdrill.report/v2"`},
		"none":   {`{"scenarios":[]}`, `no "schema" field`},
		"junk":   {`not json`, "decode run"},
		"field":  {`{"schema":"redisdrill.report/v1","rto":1}`, `unknown field "rto"`},
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRun(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

func TestWriteAllRoundTrip(t *testing.T) {
	run := fixtureRun(t)
	dir := t.TempDir()
	paths, err := WriteAll(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("paths %v", paths)
	}
	back, err := ReadRun(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	// WriteAll records evidence paths relative to dir.
	if err := WriteJSON(&a, RelativeArtifacts(run, dir)); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("report.json does not round-trip")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
	if _, err := WriteAll(filepath.Join(paths[0], "sub"), run); err == nil {
		t.Error("WriteAll under a file should fail")
	}
}

// TestReadRunGzip: a gzipped report.json (as committed under docs/runs)
// reads as the plain one; a damaged one is an error.
func TestReadRunGzip(t *testing.T) {
	dir := t.TempDir()
	var plain bytes.Buffer
	if err := WriteJSON(&plain, fixtureRun(t)); err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	if _, err := zw.Write(plain.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "report.json.gz")
	if err := os.WriteFile(p, zipped.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(p)
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if err := WriteJSON(&back, run); err != nil {
		t.Fatal(err)
	}
	if back.String() != plain.String() {
		t.Error("gzipped report.json does not read as the plain one")
	}
	cut := filepath.Join(dir, "cut.json.gz")
	if err := os.WriteFile(cut, zipped.Bytes()[:zipped.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRun(cut); err == nil {
		t.Error("a truncated report.json.gz read without error")
	}
}
