package recovery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// RebuildManifest brings back a node whose AOF manifest was lost while its
// base and incr files are still on disk: from the file names it rebuilds
// the manifest Redis had (aof.RebuildManifest). When Redis has already
// started empty and written a fresh manifest of its own, the old files are
// the ones it no longer references (aof.RebuildFromOrphans); the commands
// it logged since the empty start follow them, so writes acknowledged in
// between are kept too. No backup is restored. Its Estimate reads the
// manifest and the file names only (see aofplan.go); its Execute proves
// the rebuilt directory with the scratch load of SalvageAOF before
// anything changes, and the node's files go to quarantine.
type RebuildManifest struct{}

// Name implements Strategy.
func (RebuildManifest) Name() string { return "rebuild-manifest" }

// Estimate implements Strategy. It applies when the node started empty
// and its appendonlydir holds AOF files its own manifest does not list
// (the lineage from before the empty start), or when it refused to start
// on a manifest that is missing or does not parse. A manifest over files
// that are all there loses nothing they hold: the forecast loss is 0,
// proven in Execute.
func (RebuildManifest) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if why := aofRepairable(env, inc); why != "" {
		return Estimate{Why: why}, nil
	}
	if f := refusedAOFFile(inc); f != "" {
		return Estimate{Why: "Redis refused the content of " + f + ", not the manifest"}, nil
	}
	return manifestEstimate(inc, inc.aofFacts(ctx, inc.Kind == StartedEmpty)), nil
}

// manifestEstimate is RebuildManifest's forecast from what is known of the
// node's appendonlydir.
func manifestEstimate(inc *Incident, v *aofView) Estimate {
	est := Estimate{Applicable: true, LostKeys: aofLoss(inc.PreFaultKeys, 0, -1), Duration: time.Second}
	const proof = "; proven by a scratch load before anything changes"
	switch {
	case inc.Kind == StartedEmpty && v.names == nil:
		est.Why = "the node's AOF files were not listed: rebuild a manifest over the files its own manifest does not list, if any" + proof
	case inc.Kind == StartedEmpty:
		old := v.orphans()
		if len(old) == 0 {
			return Estimate{Why: "every AOF file on the node is listed by its own manifest: no older files to rebuild a manifest over"}
		}
		est.Why = "rebuild the manifest over " + strings.Join(old, ", ") + ", which Redis no longer references, then append the commands logged since the empty start" + proof
	case v.manifest != nil:
		return Estimate{Why: "the node's own manifest parses"}
	default:
		est.Why = "rebuild the manifest from the file names (" + v.manifestWhy + ")" + proof
	}
	return est
}

// Execute implements Strategy: the spans "copy AOF", "rebuild manifest"
// and "scratch load" prove the rebuilt directory (a failure hands the
// incident back with no file changed; see proveAndInstall), then the
// node's appendonlydir is replaced.
func (s RebuildManifest) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	return proveAndInstall(ctx, env, inc, tl, s.Name(), "rebuild manifest", manifestDir)
}

// manifestDir is RebuildManifest's aofBuild: the manifest of the host copy
// src rebuilt, the commands logged since an empty start appended.
func manifestDir(src string) ([]aof.ManifestEntry, map[string][]byte, []Salvage, error) {
	m, rep, err := aof.RebuildFromOrphans(src)
	if err != nil && !errors.Is(err, aof.ErrOrphansOverwritten) && len(rep.Fresh) == 0 {
		// No manifest of Redis's own: rebuild from every file.
		m, rep, err = aof.RebuildManifest(src)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("rebuild manifest: %w", err)
	}
	entries := m.LoadOrder()
	if len(rep.Fresh) == 0 && manifestUsable(src) {
		return nil, nil, nil, errors.New("rebuild manifest: the node's own manifest is present and lists its files")
	}
	files := map[string][]byte{}
	for _, en := range entries {
		data, err := os.ReadFile(filepath.Join(src, en.Name))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read %s: %w", en.Name, err)
		}
		files[en.Name] = data
	}
	// The commands Redis logged since it started empty come after the
	// old files: its fresh base must be empty (else it holds writes
	// that cannot be replayed after them), its incr files are renamed
	// to follow the old ones.
	next := int64(0)
	for _, en := range entries {
		if en.Type == aof.TypeIncr && en.Seq > next {
			next = en.Seq
		}
	}
	var appended []string
	for _, name := range rep.Fresh {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read %s: %w", name, err)
		}
		res, err := aof.Check(data)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("check %s: %w", name, err)
		}
		switch {
		case strings.Contains(name, ".base."):
			if res.PreambleKeys > 0 || res.Commands > 0 {
				return nil, nil, nil, fmt.Errorf("rebuild manifest: Redis's fresh base %s holds data written after its empty start: it cannot follow the old files", name)
			}
		case strings.HasSuffix(name, ".incr.aof"):
			if !res.OK() {
				return nil, nil, nil, fmt.Errorf("rebuild manifest: %s, written since the empty start, does not parse at %d: %s", name, res.ProblemAt, res.Problem)
			}
			next++
			renamed := fmt.Sprintf("%s.%d.incr.aof", rep.Prefix, next)
			files[renamed] = data
			entries = append(entries, aof.ManifestEntry{Name: renamed, Seq: next, Type: aof.TypeIncr})
			appended = append(appended, fmt.Sprintf("%s as %s (%d commands)", name, renamed, res.Commands))
		}
	}
	var used []string
	for _, f := range rep.Used {
		used = append(used, f.Name)
	}
	detail := "manifest rebuilt over " + strings.Join(used, ", ")
	if len(appended) > 0 {
		detail += "; then the commands logged since the empty start: " + strings.Join(appended, ", ")
	}
	s := Salvage{Method: "aof-manifest-rebuild", File: rediskit.AOFDirName + "/appendonly.aof.manifest",
		Kept: int64(len(entries)), Unit: "files", Detail: detail,
		SHA256After: sha256Hex(aof.Manifest{Entries: entries}.Format())}
	if old, err := os.ReadFile(filepath.Join(src, "appendonly.aof.manifest")); err == nil {
		s.SHA256Before = sha256Hex(old)
	}
	return entries, files, []Salvage{s}, nil
}

// manifestUsable reports whether dir's own manifest parses and lists only
// files that are there.
func manifestUsable(dir string) bool {
	entries, rebuilt, err := aofEntries(dir)
	return err == nil && !rebuilt && len(entries) > 0
}

// sha256Hex is the hex SHA-256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
