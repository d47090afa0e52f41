package drill_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeGinkgoExampleCompiles extracts the Go file under the
// "Use it in your own Ginkgo suite" heading of docs/library.md (the README
// links it) and compiles it (go vet and a test build) in a fresh module
// that requires this one.
func TestReadmeGinkgoExampleCompiles(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(root, "docs", "library.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(page), "## Use it in your own Ginkgo suite")
	if !ok {
		t.Fatal(`docs/library.md has no "## Use it in your own Ginkgo suite" section`)
	}
	_, code, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal("the section has no ```go block")
	}
	code, _, ok = strings.Cut(code, "```")
	if !ok {
		t.Fatal("the ```go block is not closed")
	}
	dir := t.TempDir()
	goMod := "module example.com/recovery\n\ngo 1.26\n\nrequire github.com/redisdrill/redisdrill v0.0.0\n\nreplace github.com/redisdrill/redisdrill => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"go.mod": goMod, "go.sum": string(sum), "recovery_test.go": code} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"vet", "./..."}, {"test", "-c", "-o", os.DevNull, "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in a fresh module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
