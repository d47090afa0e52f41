package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// How Redis names and tracks the files of an appendonlydir (redis src/aof.c,
// unstable 2024-10, the same since 7.0):
//
//   - Bases are "<appendfilename>.<seq>.base.rdb" (or ".aof" with
//     aof-use-rdb-preamble no), incr files "<appendfilename>.<seq>.incr.aof"
//     (getNewBaseFileNameAndMarkPreAsHistory, getNewIncrAofName). The two
//     sequences are independent counters, curr_base_file_seq and
//     curr_incr_file_seq, restored from the manifest at start
//     (aofLoadManifestFromFile: from the base entry and the last incr entry;
//     history entries do not count).
//   - A rewrite opens a new incr file (openNewIncrAofForAppend, incr seq+1)
//     before forking; when it succeeds, backgroundRewriteDoneHandler
//     renames the child's file to a new base (base seq+1), turns the old
//     base and every incr file but the newest into history
//     (markRewrittenIncrAofAsHistory), persists the manifest and deletes the
//     history files in the background (aofDelHistoryFiles, in list order:
//     the history incr files, oldest first, then the old base), unless
//     aof-disable-auto-gc is yes. A failed rewrite leaves its new incr file
//     in the list: the current incr files are always a contiguous run of
//     seqs ending at the newest.
//   - Without a manifest (aofLoadManifestFromDisk leaves an empty one, and
//     loadAppendOnlyFiles returns AOF_NOT_EXIST unless an old-style
//     <appendfilename> sits in the working directory, aofUpgradePrepare)
//     Redis starts EMPTY. aofOpenIfNeededOnServerStart then creates a base
//     from the empty dataset with base seq 0+1, "<appendfilename>.1.base.rdb"
//     (rewriteAppendOnlyFile writes a temp file and renames it over any
//     file of that name), and opens incr "<appendfilename>.1.incr.aof" with
//     O_APPEND|O_CREAT (no O_TRUNC: an old file of that name keeps its
//     content and gets the new commands appended), and writes a new
//     manifest listing both. Later rewrites open new incr files with O_TRUNC
//     and delete the superseded ones, so the old files with seqs the new
//     lineage reaches are destroyed.

// RebuildFile is one file a rebuilt manifest lists, with its check.
type RebuildFile struct {
	Name   string      `json:"name"`
	Seq    int64       `json:"seq"`
	Type   FileType    `json:"type"`
	Check  CheckResult `json:"check"`
	Loads  bool        `json:"loads"` // Redis would load it (a truncated last file loads)
	Reason string      `json:"reason,omitempty"`
}

// IgnoredFile is a file of the directory a rebuilt manifest leaves out.
type IgnoredFile struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// RebuildReport says how a manifest was rebuilt.
type RebuildReport struct {
	Dir string `json:"dir"`
	// Prefix is the appendfilename the files are named after.
	Prefix string `json:"prefix"`
	// Used are the files of the manifest in load order (base, incr files).
	Used []RebuildFile `json:"used"`
	// Ignored are the other files of the directory and why.
	Ignored []IgnoredFile `json:"ignored,omitempty"`
	// Fresh are, for RebuildFromOrphans, the files Redis's new manifest
	// lists (the writes made since it restarted empty).
	Fresh []string `json:"fresh,omitempty"`
	// Manifest is the rebuilt manifest's text, as Redis writes it.
	Manifest string `json:"manifest"`
}

// aofFile is a file name of an appendonlydir that Redis could have written.
type aofFile struct {
	name     string
	prefix   string
	seq      int64
	typ      FileType // TypeBase or TypeIncr
	format   string   // "rdb" or "aof" for a base
	upgraded bool     // the pre-7.0 AOF moved in by aofUpgradePrepare: named <prefix>, seq 1
}

var (
	baseName = regexp.MustCompile(`^(.+)\.([1-9][0-9]{0,17})\.base\.(rdb|aof)$`)
	incrName = regexp.MustCompile(`^(.+)\.([1-9][0-9]{0,17})\.incr\.aof$`)
)

// parseAOFName classifies a numbered base or incr file name.
func parseAOFName(name string) (aofFile, bool) {
	if m := baseName.FindStringSubmatch(name); m != nil {
		seq, _ := strconv.ParseInt(m[2], 10, 64)
		return aofFile{name: name, prefix: m[1], seq: seq, typ: TypeBase, format: m[3]}, true
	}
	if m := incrName.FindStringSubmatch(name); m != nil {
		seq, _ := strconv.ParseInt(m[2], 10, 64)
		return aofFile{name: name, prefix: m[1], seq: seq, typ: TypeIncr}, true
	}
	return aofFile{}, false
}

// dirListing is an appendonlydir's regular files, sorted.
func dirListing(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// RebuildManifest reconstructs the manifest of an appendonlydir from its
// file names, as Redis last wrote it, for a directory whose manifest is
// missing or must be ignored (an existing manifest is listed as ignored).
// It does not write anything: write Manifest.Format() with atomicfile.Write.
// Use RebuildFromOrphans instead once Redis has restarted without the
// manifest and written files of its own.
//
// Membership rules (see the comment above for Redis's side):
//   - The base is the base file with the highest seq; older bases are
//     history. Two bases with that seq (.rdb and .aof), or several
//     appendfilename prefixes, are ErrAmbiguous. A file named exactly
//     <appendfilename> is the base an upgrade from Redis < 7 moved in (seq
//     1). No base at all is ErrNoBase: a manifest of incr files only would
//     load a fraction of the data without a word.
//   - The incr files must be one contiguous run of seqs (a gap means a
//     missing file or left-over history: ErrAmbiguous).
//   - When no older base is present, the history of the last rewrite was
//     deleted, and Redis deletes the history incr files before the old
//     base, so every incr file present is current: all are listed. The
//     same holds when the base has seq 1 (no rewrite ever succeeded).
//   - When an older base is still present (aof-disable-auto-gc yes, or a
//     crash while history was being deleted), incr files below the newest
//     may be history — loading them would apply their writes twice — so
//     several incr files are ErrAmbiguous, and so is a single one with a
//     seq below the base's (a rewrite's first incr file never has a seq
//     below its base's).
//
// Each listed file is checked as CheckDir does: the base (RDB preamble or
// AOF) and every incr file must be valid, the last file may have a
// truncated tail. When a file would not load, the manifest and report are
// still returned, with an error wrapping ErrCorrupt: the membership is
// right but the file needs Repair or Salvage first.
func RebuildManifest(dir string) (Manifest, RebuildReport, error) {
	rep := RebuildReport{Dir: dir}
	names, err := dirListing(dir)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest: %w", err)
	}
	prefix, err := aofPrefix(names, nil)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest %s: %w", dir, err)
	}
	rep.Prefix = prefix
	var files []aofFile
	for _, n := range names {
		f, ignored := classifyFile(n, prefix)
		if ignored != "" {
			rep.Ignored = append(rep.Ignored, IgnoredFile{n, ignored})
			continue
		}
		files = append(files, f)
	}
	base, incr, ignored, err := pickLineage(files)
	rep.Ignored = append(rep.Ignored, ignored...)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest %s: %w", dir, err)
	}
	return finishRebuild(dir, base, incr, &rep)
}

// RebuildFromOrphans rebuilds the manifest of the files Redis no longer
// references after it restarted without its manifest: it started empty,
// wrote a new manifest listing a new base and incr file (named from seq 1
// again), and left the old files alone when their names differ. The
// rebuilt manifest lists the old files (the ones with the data) by
// RebuildManifest's rules applied to the unreferenced files only; the
// files of the new manifest are reported in Fresh and Ignored, and the
// writes made since the restart are not in the result.
//
// When the new lineage reused a name the old one needed, the old data is
// not recoverable from a manifest and the error wraps
// ErrOrphansOverwritten: the old base had a seq the new lineage's bases
// reached (rewriteAppendOnlyFile renamed the empty base over it), or the
// old current incr files could have seqs the new lineage's incr files
// reached (the first one was reopened for appending, so it holds the old
// commands followed by the new ones; later ones were truncated). This is
// the usual outcome when the old lineage never rewrote (old base seq 1):
// then appendonly.aof.1.incr.aof holds all the old commands, followed by
// the new ones, and the old base was the empty one Redis creates on its
// first start (unless AOF was switched on at run time over existing data,
// which writes a base with the dataset). Redis's own new manifest then
// lists that incr file whole: as long as no rewrite has run since, a plain
// restart reloads the old commands and then the new ones.
func RebuildFromOrphans(dir string) (Manifest, RebuildReport, error) {
	rep := RebuildReport{Dir: dir}
	names, err := dirListing(dir)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans: %w", err)
	}
	var manifests []string
	for _, n := range names {
		if strings.HasSuffix(n, ".manifest") && !strings.HasPrefix(n, "temp-") {
			manifests = append(manifests, n)
		}
	}
	if len(manifests) != 1 {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: want Redis's new manifest, found %d manifests: %w", dir, len(manifests), ErrManifest)
	}
	text, err := os.ReadFile(filepath.Join(dir, manifests[0]))
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans: %w", err)
	}
	fresh, err := ParseManifest(text)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: %w", dir, err)
	}
	referenced := map[string]bool{manifests[0]: true}
	var freshBase aofFile
	var freshBaseMax, freshIncrMax int64
	for _, e := range fresh.Entries {
		referenced[e.Name] = true
		f, ok := parseAOFName(e.Name)
		if !ok {
			continue
		}
		switch {
		case f.typ == TypeBase && (e.Type == TypeBase || e.Type == TypeHistory):
			freshBaseMax = max(freshBaseMax, f.seq)
			if e.Type == TypeBase {
				freshBase = f
			}
		case f.typ == TypeIncr:
			freshIncrMax = max(freshIncrMax, f.seq)
		}
	}
	prefix, err := aofPrefix(names, &fresh)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: %w", dir, err)
	}
	rep.Prefix = prefix
	var orphans []aofFile
	for _, n := range names {
		if n == manifests[0] {
			rep.Ignored = append(rep.Ignored, IgnoredFile{n, "the manifest Redis wrote after it restarted empty: being replaced"})
			continue
		}
		if referenced[n] {
			rep.Fresh = append(rep.Fresh, n)
			rep.Ignored = append(rep.Ignored, IgnoredFile{n, "listed by the manifest Redis wrote after it restarted empty: the writes made since then are left out"})
			continue
		}
		f, ignored := classifyFile(n, prefix)
		if ignored != "" {
			rep.Ignored = append(rep.Ignored, IgnoredFile{n, ignored})
			continue
		}
		orphans = append(orphans, f)
	}

	var orphanBase *aofFile
	for i, f := range orphans {
		if f.typ == TypeBase && (orphanBase == nil || f.seq > orphanBase.seq) {
			orphanBase = &orphans[i]
		}
	}
	if orphanBase == nil {
		if freshBase.name != "" {
			return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: no old base among the unreferenced files: the lineage Redis started without a manifest counts seqs from 1 again (aofOpenIfNeededOnServerStart, getNewBaseFileNameAndMarkPreAsHistory) and has reached base %s; each new base is renamed over any file of its name (rewriteAppendOnlyFile, backgroundRewriteDoneHandler), so the old base, with a seq ≤ %d, was replaced (or is missing); if an old %s.1.incr.aof existed, Redis reopened it for appending and it holds the old commands followed by the new ones: %w",
				dir, freshBase.name, freshBaseMax, prefix, ErrOrphansOverwritten)
		}
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: no unreferenced base file: %w", dir, ErrNoBase)
	}
	if ob := *orphanBase; !ob.upgraded && ob.seq <= freshBaseMax && (freshBase.name == "" || ob.format == freshBase.format) {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: %s has a name the new lineage used (its bases reached seq %d), so it may be a new file, not an old one: %w", dir, ob.name, freshBaseMax, ErrOrphansOverwritten)
	}
	for _, f := range orphans {
		if f.typ == TypeIncr && f.seq <= freshIncrMax {
			return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: %s has a name the new lineage used (its incr files reached seq %d), so it may be a new file, not an old one: %w", dir, f.name, freshIncrMax, ErrOrphansOverwritten)
		}
	}
	base, incr, ignored, err := pickLineage(orphans)
	rep.Ignored = append(rep.Ignored, ignored...)
	if err != nil {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: %w", dir, err)
	}
	// The old current incr run starts at a seq ≥ the old base's (a
	// rewrite's first incr file is opened before the base is named, and
	// both counters start at 1), or at 1 when the base is the first one.
	// Seqs between that bound and the first surviving incr file that the
	// new lineage reached may have been current and are now new files.
	low := base.seq
	first := max(low, freshIncrMax+1) // no incr file left: any seq from low up may have been reused
	if len(incr) > 0 {
		first = incr[0].seq
	}
	if low < first && low <= freshIncrMax {
		return Manifest{}, rep, fmt.Errorf("rebuild aof manifest from orphans %s: the old incr files may have started at seq %d, and the new lineage reused seqs up to %d (its first incr file was reopened for appending, later ones truncated): %w", dir, low, min(first-1, freshIncrMax), ErrOrphansOverwritten)
	}
	return finishRebuild(dir, base, incr, &rep)
}

// aofPrefix returns the appendfilename the directory's files are named
// after: the prefix of the numbered files (and of fresh's files when
// given), else of a manifest, else "appendonly.aof".
func aofPrefix(names []string, fresh *Manifest) (string, error) {
	seen := map[string]bool{}
	for _, n := range names {
		if f, ok := parseAOFName(n); ok && !strings.HasPrefix(n, "temp-") {
			seen[f.prefix] = true
		}
	}
	if fresh != nil {
		for _, e := range fresh.Entries {
			if f, ok := parseAOFName(e.Name); ok {
				seen[f.prefix] = true
			}
		}
	}
	if len(seen) == 0 {
		for _, n := range names {
			if p, ok := strings.CutSuffix(n, ".manifest"); ok && !strings.HasPrefix(n, "temp-") {
				seen[p] = true
			}
		}
	}
	var prefixes []string
	for p := range seen {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	switch len(prefixes) {
	case 0:
		return "appendonly.aof", nil
	case 1:
		return prefixes[0], nil
	}
	return "", fmt.Errorf("files of several appendfilenames %s: %w", strings.Join(prefixes, ", "), ErrAmbiguous)
}

// classifyFile returns the file for a name Redis writes under prefix, or
// why the name is ignored.
func classifyFile(name, prefix string) (aofFile, string) {
	switch {
	case strings.HasPrefix(name, "temp-"):
		return aofFile{}, "Redis temporary file (a rewrite's or a manifest's, never loaded)"
	case strings.HasSuffix(name, ".manifest"):
		return aofFile{}, "manifest, ignored: the manifest is being rebuilt"
	case name == prefix:
		return aofFile{name: name, prefix: prefix, seq: 1, typ: TypeBase, upgraded: true}, ""
	}
	f, ok := parseAOFName(name)
	switch {
	case !ok:
		return aofFile{}, "not a name Redis gives AOF files"
	case f.prefix != prefix:
		return aofFile{}, fmt.Sprintf("named after appendfilename %q, not %q", f.prefix, prefix)
	}
	return f, ""
}

// pickLineage applies RebuildManifest's membership rules.
func pickLineage(files []aofFile) (aofFile, []aofFile, []IgnoredFile, error) {
	var bases, incrs []aofFile
	for _, f := range files {
		if f.typ == TypeBase {
			bases = append(bases, f)
		} else {
			incrs = append(incrs, f)
		}
	}
	if len(bases) == 0 {
		return aofFile{}, nil, nil, fmt.Errorf("no base file (incr files alone would load a fraction of the data): %w", ErrNoBase)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i].seq < bases[j].seq })
	sort.Slice(incrs, func(i, j int) bool { return incrs[i].seq < incrs[j].seq })
	base := bases[len(bases)-1]
	if len(bases) > 1 && bases[len(bases)-2].seq == base.seq {
		return aofFile{}, nil, nil, fmt.Errorf("two base files with seq %d, %s and %s: %w", base.seq, bases[len(bases)-2].name, base.name, ErrAmbiguous)
	}
	var ignored []IgnoredFile
	older := bases[:len(bases)-1]
	for _, b := range older {
		ignored = append(ignored, IgnoredFile{b.name, fmt.Sprintf("older base (seq %d < %d): history of an earlier rewrite, which Redis deletes", b.seq, base.seq)})
	}
	for i := 1; i < len(incrs); i++ {
		if incrs[i].seq == incrs[i-1].seq {
			return aofFile{}, nil, ignored, fmt.Errorf("two incr files with seq %d: %w", incrs[i].seq, ErrAmbiguous)
		}
		if incrs[i].seq != incrs[i-1].seq+1 {
			return aofFile{}, nil, ignored, fmt.Errorf("gap between incr files %s and %s: a current file is missing or history was left behind: %w", incrs[i-1].name, incrs[i].name, ErrAmbiguous)
		}
	}
	if len(older) > 0 && len(incrs) > 0 {
		switch {
		case len(incrs) > 1:
			return aofFile{}, nil, ignored, fmt.Errorf("older base %s is still present, so history was not (fully) deleted, and any of the incr files %s up to the last may be history of base %s's rewrite: %w",
				older[len(older)-1].name, namesOf(incrs[:len(incrs)-1]), base.name, ErrAmbiguous)
		case incrs[0].seq < base.seq:
			return aofFile{}, nil, ignored, fmt.Errorf("older base %s is still present and the only incr file %s has a seq below base %s's: it may be history: %w", older[len(older)-1].name, incrs[0].name, base.name, ErrAmbiguous)
		}
	}
	return base, incrs, ignored, nil
}

func namesOf(fs []aofFile) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.name)
	}
	return strings.Join(out, ", ")
}

// finishRebuild builds the manifest and checks its files as CheckDir does.
func finishRebuild(dir string, base aofFile, incr []aofFile, rep *RebuildReport) (Manifest, RebuildReport, error) {
	var m Manifest
	order := append([]aofFile{base}, incr...)
	for i, f := range order {
		m.Entries = append(m.Entries, ManifestEntry{Name: f.name, Seq: f.seq, Type: f.typ, Line: i + 1})
	}
	rep.Manifest = string(m.Format())
	var errs []error
	for i, f := range order {
		rf := RebuildFile{Name: f.name, Seq: f.seq, Type: f.typ, Loads: true}
		last := i == len(order)-1
		res, err := CheckFile(filepath.Join(dir, f.name))
		rf.Check = res
		switch {
		case err != nil:
			rf.Loads, rf.Reason = false, err.Error()
		case !res.OK() && last && res.Truncated:
			rf.Reason = fmt.Sprintf("truncated tail at %d (%s): loads truncated", res.ValidUpTo, res.Problem)
		case !res.OK() && last:
			rf.Loads, rf.Reason = false, fmt.Sprintf("corrupt at %d (%s): Redis refuses it", res.ProblemAt, res.Problem)
		case !res.OK():
			rf.Loads, rf.Reason = false, fmt.Sprintf("corrupt at %d (%s) and not the last file", res.ProblemAt, res.Problem)
		case f.typ == TypeBase && f.format == "rdb" && res.PreambleSize == 0:
			rf.Reason = "named .rdb but holds RESP commands (Redis loads by content)"
		}
		if !rf.Loads {
			errs = append(errs, fmt.Errorf("%s: %s: %w", f.name, rf.Reason, ErrCorrupt))
		}
		rep.Used = append(rep.Used, rf)
	}
	if len(errs) > 0 {
		return m, *rep, fmt.Errorf("rebuild aof manifest %s: %w", dir, errors.Join(errs...))
	}
	return m, *rep, nil
}
