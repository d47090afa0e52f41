package backup

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// tinyRDB is a valid empty version-10 RDB with a checksum.
func tinyRDB() []byte {
	b := []byte("REDIS0010\xff")
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], rdb.CRC64(b))
	return append(b, sum[:]...)
}

// addBackup writes a one-RDB backup dated t through the catalog's own
// begin/commit path.
func addBackup(t *testing.T, cat *Catalog, at time.Time, node string, data []byte, mut func(*Manifest)) Manifest {
	t.Helper()
	p, err := cat.begin(NewID(at, node))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, RDBFileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	m := Manifest{Kind: KindLiveRDB, Node: node, Time: at, Files: []File{{Name: RDBFileName, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}}}
	if mut != nil {
		mut(&m)
	}
	if err := p.commit(m); err != nil {
		t.Fatal(err)
	}
	m.ID = p.id
	return m
}

func TestCatalogAtomicity(t *testing.T) {
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good := addBackup(t, cat, time.Now(), "n1", tinyRDB(), nil)
	// A backup interrupted before commit: its hidden folder holds files but
	// it must never be listed.
	p, err := cat.begin(NewID(time.Now().Add(time.Minute), "n2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, RDBFileName), []byte("REDIS00"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A visible folder without a manifest (crash mid-copy by another tool)
	// and one with a half-written manifest are ignored as well.
	if err := os.Mkdir(filepath.Join(cat.Dir(), "20990101T000000.000Z-x-000000"), 0o755); err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(cat.Dir(), "20990101T000000.000Z-y-000000")
	if err := os.Mkdir(half, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(half, ManifestFile), []byte(`{"id": "2099`), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := cat.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != good.ID {
		t.Fatalf("List = %+v, want only %s", list, good.ID)
	}
	if _, err := cat.Get("../etc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(../etc): %v", err)
	}
}

func TestVerifyAndNewestVerified(t *testing.T) {
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old := addBackup(t, cat, now.Add(-2*time.Hour), "n", tinyRDB(), nil)
	mid := addBackup(t, cat, now.Add(-time.Hour), "n", tinyRDB(), nil)
	newest := addBackup(t, cat, now, "n", tinyRDB(), nil)

	list, _ := cat.List()
	if len(list) != 3 || list[0].ID != newest.ID || list[2].ID != old.ID {
		t.Fatalf("List not newest first: %v", ids(list))
	}
	// Corrupt the newest backup's file on disk (same size: only SHA and CRC catch it).
	path := filepath.Join(cat.Path(newest.ID), RDBFileName)
	data, _ := os.ReadFile(path)
	data[len(data)-1] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := cat.Verify(newest.ID)
	if err != nil || rep.OK || rep.Files[0].RDB == nil {
		t.Fatalf("corrupt backup verified: %+v %v", rep, err)
	}
	if st, _ := cat.Status(newest.ID); st.Verified || st.Time.IsZero() {
		t.Fatalf("failure not recorded: %+v", st)
	}
	// A manifest whose SHA is wrong for an intact RDB fails too.
	p := filepath.Join(cat.Path(mid.ID), ManifestFile)
	mid.Files[0].SHA256 = hex.EncodeToString(make([]byte, 32))
	if err := writeJSONAtomic(p, mid); err != nil {
		t.Fatal(err)
	}
	got, err := cat.NewestVerified(nil)
	if err != nil || got.ID != old.ID {
		t.Fatalf("NewestVerified = %s %v, want %s", got.ID, err, old.ID)
	}
	if _, err := cat.NewestVerified(func(m Manifest) bool { return m.Node == "other" }); !errors.Is(err, ErrNoVerified) {
		t.Fatalf("filter: want ErrNoVerified, got %v", err)
	}
}

func TestPruneKeepsVerified(t *testing.T) {
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var all []Manifest
	for i := 5; i >= 0; i-- { // oldest first
		all = append(all, addBackup(t, cat, now.Add(-time.Duration(i)*time.Hour), "n", tinyRDB(), nil))
	}
	// The two newest are corrupt: the newest verified is all[3].
	for _, m := range all[4:] {
		if err := os.WriteFile(filepath.Join(cat.Path(m.ID), RDBFileName), []byte("REDIS0010garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := cat.Prune(1)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := cat.List()
	if len(removed) != 3 || len(list) != 3 || list[2].ID != all[3].ID {
		t.Fatalf("prune removed %v, left %v; want the 3 oldest gone and %s kept", removed, ids(list), all[3].ID)
	}
	// With nothing verified, nothing is removed.
	cat2, _ := Open(t.TempDir())
	addBackup(t, cat2, now.Add(-time.Hour), "n", []byte("junk"), nil)
	addBackup(t, cat2, now, "n", []byte("junk"), nil)
	if removed, err := cat2.Prune(1); err != nil || len(removed) != 0 {
		t.Fatalf("prune with no verified backup removed %v %v", removed, err)
	}
	if _, err := cat2.Prune(0); err == nil {
		t.Fatal("Prune(0) accepted")
	}
}

func ids(ms []Manifest) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestCatalogScanReportsUnreadable(t *testing.T) {
	cat, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good := addBackup(t, cat, time.Now(), "n1", tinyRDB(), nil)
	garbled := "20990101T000000.000Z-garbled-000000"
	if err := os.Mkdir(cat.Path(garbled), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cat.Path(garbled), ManifestFile), []byte(`{"id": "2099`), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := "20990101T000000.000Z-empty-000000"
	if err := os.Mkdir(cat.Path(empty), 0o755); err != nil {
		t.Fatal(err)
	}
	// Not backups: the catalog's own half-written and half-deleted folders,
	// fsck's lost+found and a plain file.
	if _, err := cat.begin(NewID(time.Now(), "n2")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{trashPrefix + "20990101T000000.000Z-old-000000", lostAndFound} {
		if err := os.Mkdir(filepath.Join(cat.Dir(), d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(cat.Dir(), "README"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}

	list, bad, err := cat.Scan()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != good.ID {
		t.Fatalf("Scan good = %v, want only %s", ids(list), good.ID)
	}
	if len(bad) != 2 {
		t.Fatalf("Scan bad = %+v, want %s and %s", bad, empty, garbled)
	}
	// Sorted by folder name: "…-empty-…" before "…-garbled-…".
	if bad[0].Dir != empty || !bad[0].Missing() || !errors.Is(bad[0].Err, ErrNoManifest) || bad[0].Reason() != "manifest missing" {
		t.Errorf("folder without manifest: %+v reason %q", bad[0], bad[0].Reason())
	}
	if bad[1].Dir != garbled || bad[1].Missing() || bad[1].Reason() != "manifest unreadable: decode manifest: unexpected end of JSON input" {
		t.Errorf("garbled manifest: %+v reason %q", bad[1], bad[1].Reason())
	}
	// List keeps ignoring them; Get still maps a missing manifest to ErrNotFound.
	if l, err := cat.List(); err != nil || len(l) != 1 || l[0].ID != good.ID {
		t.Fatalf("List = %v %v, want only %s", ids(l), err, good.ID)
	}
	if _, err := cat.Get(empty); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(no manifest): want ErrNotFound, got %v", err)
	}
	if _, err := cat.Get(garbled); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(garbled): want a decode error, got %v", err)
	}
}
