package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMirrorFromSources(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"deb822.sources": "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n",
		"one-line.list":  "# comment\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n",
		"other.list":     "deb https://packages.cloud.google.com/apt cloud-sdk main\n",
	}
	want := map[string]string{"deb822.sources": "http://mirror.example/debian", "one-line.list": "http://mirror.example/debian", "other.list": ""}
	for name, text := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := mirrorFromSources(p); got != want[name] {
			t.Errorf("%s: mirror %q, want %q", name, got, want[name])
		}
	}
}

func TestDebPackageVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "status")
	status := "Package: redis-tools\nVersion: 5:7.0.15-1~deb12u10\n\nPackage: redis-server\nStatus: install ok installed\nVersion: 5:7.0.15-1~deb12u10\n"
	if err := os.WriteFile(p, []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := debPackageVersion(p, "redis-server")
	if err != nil || v != "7.0.15" {
		t.Errorf("version %q, %v", v, err)
	}
	if _, err := debPackageVersion(p, "valkey"); err == nil {
		t.Error("missing package not reported")
	}
}

func TestImageRefOverride(t *testing.T) {
	t.Setenv(EnvImage, "redis:7.4")
	if ImageRef() != "redis:7.4" {
		t.Errorf("ImageRef = %q", ImageRef())
	}
	t.Setenv(EnvImage, "")
	if ImageRef() != DefaultImage {
		t.Errorf("ImageRef = %q", ImageRef())
	}
}
