package recovery

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

func TestBetterPrefersLessLossThenSpeed(t *testing.T) {
	promote := Estimate{Applicable: true, LostKeys: 0, Duration: 200}
	restart := Estimate{Applicable: true, LostKeys: 0, Duration: 1000}
	restore := Estimate{Applicable: true, LostKeys: 1000, Duration: 100}
	unknown := Estimate{Applicable: true, LostKeys: -1, Duration: 1}
	if !better(promote, restart) || better(restart, promote) {
		t.Error("equal loss must fall back to speed")
	}
	if !better(restart, restore) {
		t.Error("less loss must win over speed")
	}
	if !better(restore, unknown) {
		t.Error("unknown loss must count as worst")
	}
}

func TestMissingRanges(t *testing.T) {
	have := map[int]bool{0: true, 1: true, 5: true, 9: true}
	got := missingRanges([][2]int{{0, 9}, {20, 21}}, have)
	want := [][2]int{{2, 4}, {6, 8}, {20, 21}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestRefusalLine(t *testing.T) {
	logs := "1:M 25 Nov 08:00:00.000 * Redis is starting\n1:M * Ready to accept connections\n" +
		"1:M 25 Nov 08:01:00.000 * Redis is starting\n1:M # Wrong RDB checksum expected: (1) got (2). Aborting now.\n"
	if got := RefusalLine(lastStart(logs)); !strings.Contains(got, "Wrong RDB checksum") {
		t.Errorf("RefusalLine = %q", got)
	}
	if got := RefusalLine(lastStart("1:M * Redis is starting\n1:M * Ready to accept connections\n")); got != "" {
		t.Errorf("healthy start reported as refusal %q", got)
	}
}

// resp encodes one command as an AOF does.
func resp(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

func writeAOFDir(t *testing.T, manifest bool, incr string) string {
	t.Helper()
	dir := t.TempDir()
	if manifest {
		m := "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
		if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.manifest"), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := resp("SELECT", "0") + resp("SET", "a", "1")
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.1.base.aof"), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.1.incr.aof"), []byte(incr), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAOFEntriesRebuildsLostManifest(t *testing.T) {
	dir := writeAOFDir(t, false, resp("SET", "b", "2"))
	entries, rebuilt, err := aofEntries(dir)
	if err != nil || !rebuilt {
		t.Fatalf("entries %v rebuilt %v err %v", entries, rebuilt, err)
	}
	if len(entries) != 2 || entries[0].Type != aof.TypeBase || entries[1].Name != "appendonly.aof.1.incr.aof" {
		t.Fatalf("entries %+v", entries)
	}
	dir = writeAOFDir(t, true, resp("SET", "b", "2"))
	if _, rebuilt, err := aofEntries(dir); err != nil || rebuilt {
		t.Fatalf("a valid manifest must be used as is (rebuilt %v, %v)", rebuilt, err)
	}
}

func TestRemoveLastFlushKeepsLaterWrites(t *testing.T) {
	incr := resp("SET", "b", "2") + resp("FLUSHALL") + resp("SET", "c", "3")
	dir := writeAOFDir(t, true, incr)
	msg, err := removeLastFlush(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "appendonly.aof.1.incr.aof"))
	if string(data) != resp("SET", "b", "2")+resp("SET", "c", "3") {
		t.Fatalf("edited AOF %q", data)
	}
	if !strings.Contains(msg, "kept 1 commands after it") {
		t.Errorf("message %q", msg)
	}
	if _, err := removeLastFlush(dir); err == nil {
		t.Error("a second undo found a flush that is not there")
	}
}
