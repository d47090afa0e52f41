package reports

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// shortRevision is how many characters of the VCS revision are kept.
const shortRevision = 12

// BuildInfo identifies the running redisdrill binary, from the build
// information the Go toolchain embeds in it. Fields the build did not record
// (e.g. the VCS stamp of a test binary) are empty.
type BuildInfo struct {
	// Version is the main module's version: a tag or pseudo-version, or
	// "(devel)" when none was recorded.
	Version string `json:"version"`
	// Revision is the VCS commit, shortened to 12 characters.
	Revision string `json:"revision"`
	// Modified reports a work tree with uncommitted changes at build time.
	Modified bool `json:"modified"`
	// Time is the commit time, RFC 3339 in UTC.
	Time string `json:"time"`
	// Go is the toolchain that built the binary, e.g. "go1.26.8".
	Go string `json:"go"`
}

// ReadBuildInfo returns the build information of the running binary.
func ReadBuildInfo() BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return buildInfoFrom(nil)
	}
	return buildInfoFrom(bi)
}

// buildInfoFrom extracts BuildInfo from bi; bi may be nil.
func buildInfoFrom(bi *debug.BuildInfo) BuildInfo {
	b := BuildInfo{Version: "(devel)", Go: runtime.Version()}
	if bi == nil {
		return b
	}
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		b.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
			if len(b.Revision) > shortRevision {
				b.Revision = b.Revision[:shortRevision]
			}
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			b.Time = s.Value
		}
	}
	return b
}

// String is the tool version recorded in a report (Run.Version), e.g.
// "(devel) rev 1a2b3c4d5e6f-dirty 2026-11-30T18:00:00Z": the module
// version, then the revision with "-dirty" for a modified work tree, then
// the commit time, each left out when unknown. The Go version is not part
// of it (reports record it as Run.GoVersion).
func (b BuildInfo) String() string {
	parts := []string{b.Version}
	if b.Revision != "" {
		rev := "rev " + b.Revision
		if b.Modified {
			rev += "-dirty"
		}
		parts = append(parts, rev)
	}
	if b.Time != "" {
		parts = append(parts, b.Time)
	}
	return strings.Join(parts, " ")
}
