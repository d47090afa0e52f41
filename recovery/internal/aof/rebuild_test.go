package aof

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// aofDir writes files (name → content) into a new appendonlydir.
func aofDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// realBase is a dump written by Redis 8.0.2 (recovery/rdb/testdata), used
// as an RDB base file.
func realBase(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../rdb/testdata/redis-8.0.2-hfe.rdb")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// roundTrip checks that the manifest text parses back to m and that
// CheckDir accepts the directory once the manifest is written.
func roundTrip(t *testing.T, dir string, m Manifest, rep RebuildReport) {
	t.Helper()
	if rep.Manifest != string(m.Format()) {
		t.Fatalf("report text %q, manifest formats as %q", rep.Manifest, m.Format())
	}
	back, err := ParseManifest([]byte(rep.Manifest))
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("round trip: %+v %v, want %+v", back, err, m)
	}
	if err := atomicfile.Write(filepath.Join(dir, "appendonly.aof.manifest"), m.Format()); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckDir(dir); err != nil {
		t.Fatalf("check dir with the rebuilt manifest: %v", err)
	}
}

func ignoredNames(rep RebuildReport) []string {
	var out []string
	for _, f := range rep.Ignored {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func TestRebuildManifestFirstLineage(t *testing.T) {
	incr := workloadAOF(30)
	dir := aofDir(t, map[string][]byte{
		"appendonly.aof.1.base.rdb": realBase(t),
		"appendonly.aof.1.incr.aof": incr,
		"temp-rewriteaof-bg-42.aof": []byte("partial"),
		"notes.txt":                 []byte("x"),
	})
	m, rep, err := RebuildManifest(dir)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if want := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"; rep.Manifest != want {
		t.Fatalf("manifest %q, want %q", rep.Manifest, want)
	}
	if len(rep.Used) != 2 || rep.Used[0].Check.PreambleKeys == 0 || rep.Used[1].Check.Commands != 31 || rep.Prefix != "appendonly.aof" {
		t.Fatalf("report: %+v", rep)
	}
	if got := ignoredNames(rep); !reflect.DeepEqual(got, []string{"notes.txt", "temp-rewriteaof-bg-42.aof"}) {
		t.Fatalf("ignored %v", got)
	}
	roundTrip(t, dir, m, rep)

	// The existing (now valid) manifest is ignored, and the result is the same.
	m2, rep2, err := RebuildManifest(dir)
	if err != nil || !reflect.DeepEqual(m2, m) || !strings.Contains(strings.Join(ignoredNames(rep2), " "), "appendonly.aof.manifest") {
		t.Fatalf("with a manifest present: %+v %v", rep2, err)
	}
}

func TestRebuildManifestAfterRewrites(t *testing.T) {
	base := testRDB("a", "b")
	incr := []byte(resp("SET", "c", "1"))
	// Base 3 with incr 3 and 4 (a failed rewrite after the last good one),
	// history deleted: all incr files are current.
	dir := aofDir(t, map[string][]byte{
		"appendonly.aof.3.base.rdb": base,
		"appendonly.aof.3.incr.aof": incr,
		"appendonly.aof.4.incr.aof": incr,
	})
	m, rep, err := RebuildManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n"; rep.Manifest != want {
		t.Fatalf("manifest %q", rep.Manifest)
	}
	roundTrip(t, dir, m, rep)

	// An older base left behind with a single incr file of the new base's
	// lineage: the older base is history, the incr file current.
	dir = aofDir(t, map[string][]byte{
		"appendonly.aof.2.base.rdb": base,
		"appendonly.aof.3.base.rdb": base,
		"appendonly.aof.4.incr.aof": incr,
	})
	m, rep, err = RebuildManifest(dir)
	if err != nil || rep.Manifest != "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.4.incr.aof seq 4 type i\n" {
		t.Fatalf("older base: %q %v", rep.Manifest, err)
	}
	if len(rep.Ignored) != 1 || rep.Ignored[0].Name != "appendonly.aof.2.base.rdb" {
		t.Fatalf("ignored %+v", rep.Ignored)
	}
	roundTrip(t, dir, m, rep)

	// Base only (BGREWRITEAOF with appendonly off, history deleted).
	dir = aofDir(t, map[string][]byte{"appendonly.aof.5.base.aof": incr})
	if _, rep, err := RebuildManifest(dir); err != nil || rep.Manifest != "file appendonly.aof.5.base.aof seq 5 type b\n" {
		t.Fatalf("base only: %q %v", rep.Manifest, err)
	}

	// A pre-7.0 AOF moved in by the upgrade is the base, seq 1.
	dir = aofDir(t, map[string][]byte{"appendonly.aof": incr, "appendonly.aof.1.incr.aof": incr})
	m, rep, err = RebuildManifest(dir)
	if err != nil || rep.Manifest != "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("upgraded: %q %v", rep.Manifest, err)
	}
	roundTrip(t, dir, m, rep)

	// Another appendfilename.
	dir = aofDir(t, map[string][]byte{"my.aof.2.base.rdb": base, "my.aof.2.incr.aof": incr})
	if _, rep, err := RebuildManifest(dir); err != nil || rep.Prefix != "my.aof" || len(rep.Used) != 2 {
		t.Fatalf("custom appendfilename: %+v %v", rep, err)
	}
}

func TestRebuildManifestRefuses(t *testing.T) {
	base := testRDB()
	incr := []byte(resp("SET", "c", "1"))
	cases := map[string]struct {
		files []string
		want  error
	}{
		"no base":                    {[]string{"appendonly.aof.1.incr.aof"}, ErrNoBase},
		"empty dir":                  {nil, ErrNoBase},
		"rdb and aof base same seq":  {[]string{"appendonly.aof.2.base.rdb", "appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof"}, ErrAmbiguous},
		"gap in incr seqs":           {[]string{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.4.incr.aof"}, ErrAmbiguous},
		"history left, several incr": {[]string{"appendonly.aof.1.base.rdb", "appendonly.aof.2.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"}, ErrAmbiguous},
		"history left, incr below":   {[]string{"appendonly.aof.1.base.rdb", "appendonly.aof.2.base.rdb", "appendonly.aof.1.incr.aof"}, ErrAmbiguous},
		"two appendfilenames":        {[]string{"a.aof.1.base.rdb", "b.aof.1.base.rdb"}, ErrAmbiguous},
		"upgraded and numbered base": {[]string{"appendonly.aof", "appendonly.aof.1.base.rdb"}, ErrAmbiguous},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			files := map[string][]byte{}
			for _, f := range c.files {
				files[f] = incr
				if strings.Contains(f, ".base.rdb") {
					files[f] = base
				}
			}
			_, _, err := RebuildManifest(aofDir(t, files))
			t.Log(err)
			if !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
		})
	}
}

func TestRebuildManifestChecksFiles(t *testing.T) {
	good := workloadAOF(40)
	damaged, _ := garbageMiddle(t, good, 8)
	// Garbage in a non-last incr file: the manifest is right, the file
	// must be salvaged first.
	dir := aofDir(t, map[string][]byte{
		"appendonly.aof.1.base.rdb": testRDB(),
		"appendonly.aof.1.incr.aof": damaged,
		"appendonly.aof.2.incr.aof": good,
	})
	m, rep, err := RebuildManifest(dir)
	if !errors.Is(err, ErrCorrupt) || len(m.Entries) != 3 || rep.Used[1].Loads || !rep.Used[2].Loads {
		t.Fatalf("corrupt incr: %+v %v", rep, err)
	}
	// A truncated last file loads (aof-load-truncated).
	dir = aofDir(t, map[string][]byte{
		"appendonly.aof.1.base.rdb": testRDB(),
		"appendonly.aof.1.incr.aof": good[:len(good)-4],
	})
	if _, rep, err := RebuildManifest(dir); err != nil || !rep.Used[1].Loads || rep.Used[1].Reason == "" {
		t.Fatalf("truncated last: %+v %v", rep, err)
	}
	// A corrupt RDB base.
	bad := testRDB("k")
	bad[len(bad)-1] ^= 1
	dir = aofDir(t, map[string][]byte{"appendonly.aof.1.base.rdb": bad, "appendonly.aof.1.incr.aof": good})
	if _, rep, err := RebuildManifest(dir); !errors.Is(err, ErrCorrupt) || rep.Used[0].Loads {
		t.Fatalf("corrupt base: %+v %v", rep, err)
	}
}

// freshStart does to dir what Redis does when it starts without a
// manifest (aofOpenIfNeededOnServerStart): an empty base renamed over
// appendonly.aof.1.base.rdb, appendonly.aof.1.incr.aof opened for
// appending, a new manifest; then it logs newCmds.
func freshStart(t *testing.T, dir string, newCmds string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.1.base.rdb"), testRDB(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "appendonly.aof.1.incr.aof"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(newCmds); err != nil {
		t.Fatal(err)
	}
	f.Close()
	manifest := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.manifest"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRebuildFromOrphans(t *testing.T) {
	old := workloadAOF(50)
	newCmds := resp("SELECT", "0") + resp("SET", "after", "1")

	// The old lineage had rewritten once (base 2, incr 2): its files keep
	// their names, and the rebuilt manifest lists them.
	dir := aofDir(t, map[string][]byte{
		"appendonly.aof.2.base.rdb": realBase(t),
		"appendonly.aof.2.incr.aof": old,
	})
	freshStart(t, dir, newCmds)
	m, rep, err := RebuildFromOrphans(dir)
	if err != nil {
		t.Fatalf("rebuild from orphans: %v", err)
	}
	if want := "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"; rep.Manifest != want {
		t.Fatalf("manifest %q", rep.Manifest)
	}
	if !reflect.DeepEqual(rep.Fresh, []string{"appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof"}) {
		t.Fatalf("fresh %v", rep.Fresh)
	}
	roundTrip(t, dir, m, rep)

	// The usual case: the old lineage never rewrote (base 1, incr 1), so
	// Redis replaced the base and appended to the incr file.
	dir = aofDir(t, map[string][]byte{
		"appendonly.aof.1.base.rdb": testRDB(),
		"appendonly.aof.1.incr.aof": old,
	})
	freshStart(t, dir, newCmds)
	_, rep, err = RebuildFromOrphans(dir)
	if !errors.Is(err, ErrOrphansOverwritten) {
		t.Fatalf("names reused: want ErrOrphansOverwritten, got %v", err)
	}
	t.Log(err)
	if got, _ := os.ReadFile(filepath.Join(dir, "appendonly.aof.1.incr.aof")); string(got) != string(old)+newCmds {
		t.Fatal("test setup: incr not appended")
	}

	// Old base 2 and incr 2, 3; the new lineage had a failed rewrite that
	// opened (truncating) its incr 2: the old incr 2 is gone.
	dir = aofDir(t, map[string][]byte{
		"appendonly.aof.2.base.rdb": testRDB(),
		"appendonly.aof.2.incr.aof": []byte(newCmds), // the new lineage's
		"appendonly.aof.3.incr.aof": old,
	})
	freshStart(t, dir, newCmds)
	manifest := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.manifest"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = RebuildFromOrphans(dir)
	if !errors.Is(err, ErrOrphansOverwritten) {
		t.Fatalf("old incr run reached by the new lineage: got %v", err)
	}
	t.Log(err)

	// The new lineage rewrote once (base 2, incr 2): the old base 2 and
	// incr 2 were replaced, no old file is left.
	dir = aofDir(t, map[string][]byte{
		"appendonly.aof.2.base.rdb": testRDB(),
		"appendonly.aof.2.incr.aof": []byte(newCmds),
		"appendonly.aof.manifest":   []byte("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"),
	})
	_, _, err = RebuildFromOrphans(dir)
	if !errors.Is(err, ErrOrphansOverwritten) {
		t.Fatalf("all replaced: got %v", err)
	}
	t.Log(err)

	// No manifest: that is RebuildManifest's case.
	dir = aofDir(t, map[string][]byte{"appendonly.aof.2.base.rdb": testRDB()})
	if _, _, err := RebuildFromOrphans(dir); !errors.Is(err, ErrManifest) {
		t.Fatalf("no manifest: got %v", err)
	}
}
