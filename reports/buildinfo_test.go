package reports

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestBuildInfoFrom(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/redisdrill/redisdrill", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"},
			{Key: "vcs.time", Value: "2026-11-30T18:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	b := buildInfoFrom(bi)
	want := BuildInfo{Version: "(devel)", Revision: "1a2b3c4d5e6f", Modified: true, Time: "2026-11-30T18:00:00Z", Go: "go1.26.8"}
	if b != want {
		t.Fatalf("got %+v, want %+v", b, want)
	}
	if s := b.String(); s != "(devel) rev 1a2b3c4d5e6f-dirty 2026-11-30T18:00:00Z" {
		t.Fatalf("String() = %q", s)
	}
	b.Modified = false
	if s := b.String(); s != "(devel) rev 1a2b3c4d5e6f 2026-11-30T18:00:00Z" {
		t.Fatalf("String() of a clean tree = %q", s)
	}
}

func TestBuildInfoWithoutVCS(t *testing.T) {
	for _, bi := range []*debug.BuildInfo{nil, {}} {
		b := buildInfoFrom(bi)
		if b.Version != "(devel)" || b.Go != runtime.Version() || b.Revision != "" || b.Time != "" || b.Modified {
			t.Fatalf("buildInfoFrom(%v) = %+v", bi, b)
		}
		if s := b.String(); s != "(devel)" {
			t.Fatalf("String() = %q, want (devel)", s)
		}
	}
}
