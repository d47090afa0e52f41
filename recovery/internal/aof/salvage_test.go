package aof

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// workloadAOF writes an incr AOF the way Redis logs the project's workload:
// SELECT 0 first, one SET per op with a tagged value, a #TS annotation
// every ten commands.
func workloadAOF(n int) []byte {
	var b strings.Builder
	b.WriteString("#TS:1700000000\r\n" + resp("SELECT", "0"))
	for i := 0; i < n; i++ {
		if i%10 == 9 {
			fmt.Fprintf(&b, "#TS:%d\r\n", 1700000000+i)
		}
		b.WriteString(resp("set", fmt.Sprintf("rd:%d:%d", i%4, i), fmt.Sprintf("n0nce:%d:%d:", i%4, i)+strings.Repeat("x", i%37)))
	}
	return []byte(b.String())
}

// mustCommands parses a valid AOF.
func mustCommands(t testing.TB, data []byte) []Command {
	t.Helper()
	cmds, err := Commands(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cmds
}

// garbageMiddle replicates harness/fault's aof-garbage-middle: overwrite
// count bytes at the start of the command nearest the middle (never the
// first) with the repeated "!REDISDRILL-GARBAGE!". It returns the damaged
// copy and the offset.
func garbageMiddle(t testing.TB, data []byte, count int64) ([]byte, int64) {
	t.Helper()
	const garbage = "!REDISDRILL-GARBAGE!"
	var starts []int64 // like the fault's commandStarts: up to the first bad command
	scan(data, 0, visitor{command: func(c Command) bool { starts = append(starts, c.Offset); return true }})
	mid := int64(len(data)) / 2
	off := starts[1]
	for _, o := range starts[1:] {
		if abs(o-mid) < abs(off-mid) {
			off = o
		}
	}
	out := append([]byte(nil), data...)
	for i := int64(0); i < count && off+i < int64(len(out)); i++ {
		out[off+i] = garbage[i%int64(len(garbage))]
	}
	return out, off
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func insert(data []byte, at int64, s string) []byte {
	return append(append(append([]byte(nil), data[:at]...), s...), data[at:]...)
}

// argsOf renders commands for comparison.
func argsOf(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, string(bytes.Join(c.Args, []byte(" "))))
	}
	return out
}

// without returns cmds minus the commands for which drop is true.
func without(cmds []Command, drop func(Command) bool) []Command {
	var out []Command
	for _, c := range cmds {
		if !drop(c) {
			out = append(out, c)
		}
	}
	return out
}

// salvageOK runs Salvage and checks the invariants every result must meet:
// the output passes Check, holds exactly want, and every input byte is
// accounted for once.
func salvageOK(t *testing.T, damaged []byte, want []Command) ([]byte, SalvageReport) {
	t.Helper()
	out, rep, err := Salvage(damaged)
	if err != nil {
		t.Fatalf("salvage: %v", err)
	}
	res, err := Check(out)
	if err != nil || !res.OK() {
		t.Fatalf("salvaged output does not check clean: %+v %v", res, err)
	}
	if res.Commands != rep.CommandsKept {
		t.Errorf("report keeps %d commands, output holds %d", rep.CommandsKept, res.Commands)
	}
	got := argsOf(mustCommands(t, out[rep.PreambleSize:]))
	if w := argsOf(want); strings.Join(got, "\n") != strings.Join(w, "\n") {
		t.Errorf("kept %d commands, want %d\ngot  %q\nwant %q", len(got), len(w), got, w)
	}
	total := rep.BytesKept
	for _, r := range append(append([]Range(nil), rep.Damaged...), rep.Dropped...) {
		total += r.Length
	}
	if rep.Truncated != nil {
		total += rep.Truncated.Length
	}
	if total != rep.Size || rep.Size != int64(len(damaged)) || rep.BytesKept != int64(len(out)) {
		t.Errorf("bytes not accounted for: kept %d + ranges = %d, size %d (%+v)", rep.BytesKept, total, rep.Size, rep)
	}
	if rep.SHA256Before != sha256Hex(damaged) || rep.SHA256After != sha256Hex(out) {
		t.Errorf("checksums wrong")
	}
	return out, rep
}

func wantRanges(t *testing.T, what string, got, want []Range) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s ranges %v, want %v", what, got, want)
	}
}

func TestSalvageNoDamage(t *testing.T) {
	data := workloadAOF(50)
	out, rep := salvageOK(t, data, mustCommands(t, data))
	if &out[0] != &data[0] || !rep.Complete || rep.Damaged != nil || rep.Truncated != nil || rep.CommandsDropped != 0 || rep.SHA256After != rep.SHA256Before {
		t.Fatalf("undamaged input: %+v", rep)
	}
	empty, rep, err := Salvage(nil)
	if err != nil || len(empty) != 0 || !rep.Complete {
		t.Fatalf("empty input: %q %+v %v", empty, rep, err)
	}
}

func TestSalvageFaultGarbageMiddle(t *testing.T) {
	data := workloadAOF(200)
	cmds := mustCommands(t, data)
	damaged, off := garbageMiddle(t, data, 8) // the fault's default
	var x Command
	for _, c := range cmds {
		if c.Offset == off {
			x = c
		}
	}
	_, rep := salvageOK(t, damaged, without(cmds, func(c Command) bool { return c.Offset == off }))
	wantRanges(t, "damaged", rep.Damaged, []Range{{off, x.End - off}})
	if !rep.Complete || rep.CommandsDropped != 1 || rep.Truncated != nil || rep.Dropped != nil {
		t.Fatalf("report: %+v", rep)
	}
	// Redis's own repair loses the whole second half.
	if res, _ := Check(damaged); res.Commands >= len(cmds)-1 || res.ValidUpTo != off {
		t.Fatalf("check: %+v", res)
	}

	// 64 bytes (the reports fixture's size) destroy several commands.
	damaged, off = garbageMiddle(t, data, 64)
	lost := func(c Command) bool { return c.End > off && c.Offset < off+64 }
	want := without(cmds, lost)
	_, rep = salvageOK(t, damaged, want)
	var resumeAt int64 = -1
	for _, c := range cmds {
		if !lost(c) && c.Offset >= off {
			resumeAt = c.Offset
			break
		}
	}
	// The resync point is the first intact command (or its #TS line).
	if len(rep.Damaged) != 1 || rep.Damaged[0].Offset != off || (rep.Damaged[0].End() != resumeAt && !bytes.HasPrefix(damaged[rep.Damaged[0].End():], []byte("#TS:"))) {
		t.Fatalf("damaged %v, want from %d to %d", rep.Damaged, off, resumeAt)
	}
	if n := len(cmds) - len(want); rep.CommandsDropped != n || !rep.Complete {
		t.Errorf("dropped %d, %d commands were hit (%+v)", rep.CommandsDropped, n, rep)
	}
}

func TestSalvageInsertedGarbage(t *testing.T) {
	data := workloadAOF(100)
	cmds := mustCommands(t, data)
	x := cmds[len(cmds)/2]
	const g = "\x00garbage\x7f"

	// Inside a command, as TestAgainstRedis does to compare with --fix.
	damaged := insert(data, x.Offset+3, g)
	_, rep := salvageOK(t, damaged, without(cmds, func(c Command) bool { return c.Offset == x.Offset }))
	wantRanges(t, "damaged", rep.Damaged, []Range{{x.Offset, x.End - x.Offset + int64(len(g))}})
	if rep.CommandsDropped != 1 || !rep.Complete {
		t.Errorf("report: %+v", rep)
	}

	// Between two commands: nothing is lost, though the next command now
	// starts mid-line.
	damaged = insert(data, x.Offset, g)
	_, rep = salvageOK(t, damaged, cmds)
	wantRanges(t, "damaged", rep.Damaged, []Range{{x.Offset, int64(len(g))}})
	if rep.CommandsDropped != 0 || !rep.Complete {
		t.Errorf("report: %+v", rep)
	}
}

func TestSalvageOverwrite(t *testing.T) {
	data := workloadAOF(100)
	cmds := mustCommands(t, data)
	x := cmds[40]
	from, to := x.Offset+5, x.End+7 // the end of x and the start of the next command
	damaged := append([]byte(nil), data...)
	for i := from; i < to; i++ {
		damaged[i] = 'Z'
	}
	lost := func(c Command) bool { return c.End > from && c.Offset < to }
	_, rep := salvageOK(t, damaged, without(cmds, lost))
	// x+1 lost its header too; x+2 is where the parse resumes.
	wantRanges(t, "damaged", rep.Damaged, []Range{{x.Offset, cmds[42].Offset - x.Offset}})
	if !rep.Complete || rep.CommandsDropped < 1 {
		t.Errorf("report: %+v", rep)
	}
}

func TestSalvageGarbageLookingLikeCommands(t *testing.T) {
	data := workloadAOF(60)
	cmds := mustCommands(t, data)
	x := cmds[30]
	cases := map[string]string{
		// A complete SET followed by junk: not confirmed by a next command.
		"complete fake": "\r\n" + resp("SET", "fake", "v") + "!!!",
		// Fragments of a header.
		"fragments": "junk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk",
		"headers":   "*3\r\n$3\r\nSET\r\n*3\r\n$3\r\nSET\r\n",
		// An unknown command name followed by a command: not a candidate.
		"unknown name": "\n" + resp("NOSUCHCMD", "a") + resp("SET", "fake2", "v") + "\x01",
	}
	for name, g := range cases {
		t.Run(name, func(t *testing.T) {
			damaged := insert(data, x.Offset, g)
			_, rep := salvageOK(t, damaged, cmds)
			wantRanges(t, "damaged", rep.Damaged, []Range{{x.Offset, int64(len(g))}})
		})
	}

	// A value holding one command, in a command whose header is destroyed:
	// the bulk's \r\n after it is no command, so no false resync.
	inner := resp("DEL", "victim")
	body := resp("SET", "a", "1") + resp("SET", "holder", inner) + resp("SET", "b", "2") + resp("SET", "c", "3")
	all := mustCommands(t, []byte(body))
	damaged := []byte(body)
	copy(damaged[all[1].Offset:], "!REDISDR")
	_, rep := salvageOK(t, damaged, without(all, func(c Command) bool { return c.Offset == all[1].Offset }))
	wantRanges(t, "damaged", rep.Damaged, []Range{{all[1].Offset, all[1].End - all[1].Offset}})
}

func TestSalvageMulti(t *testing.T) {
	pre := resp("SELECT", "0") + resp("SET", "k0", "v")
	txn := []string{resp("MULTI"), resp("SET", "a", "1"), resp("INCR", "n"), resp("EXEC")}
	post := "#TS:5\r\n" + resp("SET", "k1", "v") + resp("SET", "k2", "v")
	body := pre + strings.Join(txn, "") + post
	cmds := mustCommands(t, []byte(body))
	multi := int64(len(pre))
	offs := []int64{multi}
	for _, s := range txn {
		offs = append(offs, offs[len(offs)-1]+int64(len(s)))
	}
	inTxn := func(c Command) bool { return c.Offset >= multi && c.Offset < offs[4] }
	want := without(cmds, inTxn)

	t.Run("queued command damaged", func(t *testing.T) {
		d := []byte(body)
		copy(d[offs[2]:], "!REDISDR")
		_, rep := salvageOK(t, d, want)
		wantRanges(t, "damaged", rep.Damaged, []Range{{offs[2], offs[3] - offs[2]}})
		wantRanges(t, "dropped", rep.Dropped, []Range{{multi, offs[2] - multi}, {offs[3], offs[4] - offs[3]}})
		if rep.TransactionsDropped != 1 || rep.CommandsDropped != 4 || !rep.Complete {
			t.Errorf("report: %+v", rep)
		}
	})
	t.Run("MULTI damaged", func(t *testing.T) {
		d := []byte(body)
		copy(d[multi:], "!REDISDR")
		_, rep := salvageOK(t, d, want)
		wantRanges(t, "damaged", rep.Damaged, []Range{{multi, offs[1] - multi}})
		wantRanges(t, "dropped", rep.Dropped, []Range{{offs[1], offs[4] - offs[1]}})
		if rep.TransactionsDropped != 1 || rep.CommandsDropped != 4 {
			t.Errorf("report: %+v", rep)
		}
	})
	t.Run("EXEC damaged", func(t *testing.T) {
		d := []byte(body)
		copy(d[offs[3]:], "!REDISDR")
		_, rep := salvageOK(t, d, want)
		wantRanges(t, "damaged", rep.Damaged, []Range{{offs[3], offs[4] - offs[3]}})
		wantRanges(t, "dropped", rep.Dropped, []Range{{multi, offs[3] - multi}})
		if rep.TransactionsDropped != 1 {
			t.Errorf("report: %+v", rep)
		}
	})
	t.Run("EXEC missing", func(t *testing.T) {
		d := pre + strings.Join(txn[:3], "") + strings.Join(txn, "") + post
		_, rep := salvageOK(t, []byte(d), cmds)
		wantRanges(t, "dropped", rep.Dropped, []Range{{multi, offs[3] - multi}})
		if rep.Damaged != nil || rep.TransactionsDropped != 1 || rep.CommandsDropped != 3 {
			t.Errorf("report: %+v", rep)
		}
	})
	t.Run("stray EXEC without damage", func(t *testing.T) {
		d := pre + resp("EXEC") + post
		_, rep := salvageOK(t, []byte(d), mustCommands(t, []byte(pre+post)))
		wantRanges(t, "damaged", rep.Damaged, []Range{{multi, int64(len(resp("EXEC")))}})
		if rep.Dropped != nil || rep.TransactionsDropped != 0 || rep.CommandsDropped != 1 {
			t.Errorf("report: %+v", rep)
		}
	})
	t.Run("truncated inside", func(t *testing.T) {
		d := []byte(body[:offs[2]+6])
		_, rep := salvageOK(t, d, cmds[:2])
		if rep.Truncated == nil || *rep.Truncated != (Range{multi, int64(len(d)) - multi}) || rep.Damaged != nil || !rep.Complete || rep.CommandsDropped != 3 {
			t.Errorf("report: %+v", rep)
		}
	})
	t.Run("unfinished at the end", func(t *testing.T) {
		d := []byte(pre + strings.Join(txn[:3], ""))
		_, rep := salvageOK(t, d, cmds[:2])
		if rep.Truncated == nil || rep.Truncated.Offset != multi || rep.CommandsDropped != 3 {
			t.Errorf("report: %+v", rep)
		}
	})
}

func TestSalvageSeveralRanges(t *testing.T) {
	data := workloadAOF(300)
	cmds := mustCommands(t, data)
	damaged := append([]byte(nil), data...)
	hit := map[int64]bool{}
	var want []Range
	for _, i := range []int{20, 150, 151, 280} {
		c := cmds[i]
		copy(damaged[c.Offset:], "!REDISDRILL-GARBAGE!")
		hit[c.Offset] = true
		if len(want) > 0 && want[len(want)-1].End() == c.Offset {
			want[len(want)-1].Length += c.End - c.Offset
			continue
		}
		want = append(want, Range{c.Offset, c.End - c.Offset})
	}
	_, rep := salvageOK(t, damaged, without(cmds, func(c Command) bool { return hit[c.Offset] }))
	wantRanges(t, "damaged", rep.Damaged, want)
	if !rep.Complete || rep.CommandsDropped != 3 { // 150+151 count as one: the estimate's limit
		t.Errorf("report: %+v", rep)
	}
}

func TestSalvageTruncatedTail(t *testing.T) {
	data := workloadAOF(80)
	cmds := mustCommands(t, data)
	last := cmds[len(cmds)-1]
	short := data[:len(data)-5]
	_, rep := salvageOK(t, short, cmds[:len(cmds)-1])
	if rep.Truncated == nil || *rep.Truncated != (Range{last.Offset, int64(len(short)) - last.Offset}) || rep.Damaged != nil || !rep.Complete || rep.CommandsDropped != 1 {
		t.Fatalf("report: %+v", rep)
	}
	// Damage in the middle and a truncated tail.
	damaged, off := garbageMiddle(t, short, 8)
	_, rep = salvageOK(t, damaged, without(cmds[:len(cmds)-1], func(c Command) bool { return c.Offset == off }))
	if len(rep.Damaged) != 1 || rep.Truncated == nil || !rep.Complete {
		t.Fatalf("report: %+v", rep)
	}
	// Garbage to the end: nothing to resynchronise on, not complete.
	junk := append(append([]byte(nil), data...), "\x00\x01junk at the end"...)
	_, rep = salvageOK(t, junk, cmds)
	wantRanges(t, "damaged", rep.Damaged, []Range{{int64(len(data)), int64(len(junk) - len(data))}})
	if rep.Complete {
		t.Fatalf("garbage tail reported complete: %+v", rep)
	}
}

// testRDB builds a minimal valid RDB (version 11) with string keys in db 0.
func testRDB(keys ...string) []byte {
	var b bytes.Buffer
	b.WriteString("REDIS0011")
	b.Write([]byte{0xfa, 9})
	b.WriteString("redis-ver")
	b.Write([]byte{5})
	b.WriteString("7.2.4")
	if len(keys) > 0 {
		b.Write([]byte{0xfe, 0, 0xfb, byte(len(keys)), 0})
		for _, k := range keys {
			b.Write([]byte{0, byte(len(k))})
			b.WriteString(k)
			b.Write([]byte{1, 'v'})
		}
	}
	b.WriteByte(0xff)
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], rdb.CRC64(b.Bytes()))
	b.Write(sum[:])
	return b.Bytes()
}

func TestSalvagePreamble(t *testing.T) {
	base := testRDB("a", "b")
	tail := workloadAOF(30)
	damaged, off := garbageMiddle(t, tail, 8)
	data := append(append([]byte(nil), base...), damaged...)
	out, rep := salvageOK(t, data, without(mustCommands(t, tail), func(c Command) bool { return c.Offset == off }))
	if rep.PreambleSize != int64(len(base)) || !bytes.HasPrefix(out, base) || rep.Damaged[0].Offset != off+int64(len(base)) {
		t.Fatalf("report: %+v", rep)
	}
	bad := append([]byte(nil), data...)
	bad[12] ^= 0xff
	if _, _, err := Salvage(bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt preamble: %v", err)
	}
}

func TestSalvageFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "appendonly.aof.1.incr.aof")
	damaged, _ := garbageMiddle(t, workloadAOF(40), 8)
	if err := os.WriteFile(src, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SalvageFile(src, src); !errors.Is(err, ErrInPlace) {
		t.Fatalf("in place: %v", err)
	}
	dst := filepath.Join(dir, "salvaged.aof")
	rep, err := SalvageFile(src, dst)
	if err != nil || len(rep.Damaged) != 1 {
		t.Fatalf("salvage file: %+v %v", rep, err)
	}
	if res, err := CheckFile(dst); err != nil || !res.OK() || res.Size != rep.BytesKept {
		t.Fatalf("output: %+v %v", res, err)
	}
	if after, _ := os.ReadFile(src); !bytes.Equal(after, damaged) {
		t.Fatal("source modified")
	}
}

func TestPredictKeys(t *testing.T) {
	now := time.Unix(1700000000, 0)
	future := fmt.Sprint(now.Add(time.Hour).UnixMilli())
	data := workloadAOF(100) // keys rd:<client>:<seq>, all distinct
	p, err := PredictKeys(now, testRDB(), data)
	if err != nil || p.Keys != 100 || p.ByDB[0] != 100 {
		t.Fatalf("workload: %+v %v", p, err)
	}
	// Salvage then predict: one key fewer.
	damaged, _ := garbageMiddle(t, data, 8)
	out, _, _ := Salvage(damaged)
	if p, err := PredictKeys(now, out); err != nil || p.Keys != 99 {
		t.Fatalf("salvaged: %+v %v", p, err)
	}

	mixed := resp("SET", "s", "1") + resp("INCR", "n") + resp("HSET", "h", "a", "1", "b", "2") + resp("HDEL", "h", "a") +
		resp("RPUSH", "l", "1", "2", "3") + resp("LPOP", "l", "2") + resp("LPUSH", "l2", "x") + resp("RPOP", "l2") +
		resp("SADD", "st", "x") + resp("SREM", "st", "x") + resp("ZADD", "z", "1", "m") + resp("ZADD", "z2", "XX", "1", "m") +
		resp("XADD", "x", "*", "f", "v") + resp("XDEL", "x", "0-1") + resp("MSET", "m1", "1", "m2", "2") + resp("DEL", "m1", "nope") +
		resp("SET", "t", "v", "PXAT", future) + resp("PEXPIREAT", "s", future) + resp("PERSIST", "s") + resp("SET", "nx", "1", "NX") + resp("SET", "nx", "2", "NX") +
		resp("MULTI") + resp("SET", "tx", "1") + resp("EXEC") + resp("RENAME", "tx", "tx2") +
		resp("SELECT", "1") + resp("SET", "other", "1") + resp("SELECT", "0")
	// s n h l z x m2 t nx tx2 = 10 in db 0, other in db 1.
	p, err = PredictKeys(now, []byte(mixed))
	if err != nil || p.ByDB[0] != 10 || p.ByDB[1] != 1 || p.Keys != 11 || p.Volatile != 1 {
		t.Fatalf("mixed: %+v %v", p, err)
	}
	if p, err := PredictKeys(now, []byte(mixed+resp("FLUSHALL")+resp("SET", "a", "1"))); err != nil || p.Keys != 1 {
		t.Fatalf("flushall: %+v %v", p, err)
	}

	for name, body := range map[string]string{
		"unknown command":  resp("SET", "a", "1") + resp("LMOVE", "a", "b", "LEFT", "LEFT"),
		"relative ttl":     resp("SET", "a", "1", "EX", "10"),
		"expired key":      resp("SET", "a", "1", "PXAT", "1000"),
		"type mismatch":    resp("SET", "a", "1") + resp("HSET", "a", "f", "v"),
		"rename of absent": resp("RENAME", "a", "b"),
	} {
		if _, err := PredictKeys(now, []byte(body)); !errors.Is(err, ErrUnpredictable) {
			t.Errorf("%s: want ErrUnpredictable, got %v", name, err)
		}
	}
	if p, err := PredictKeys(now, testRDB("k")); err != nil || p.Keys != 1 { // seeded from the base (TestPredictKeysRDBBase)
		t.Errorf("base with keys: %+v %v", p, err)
	}
	if _, err := PredictKeys(now, damaged); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged input: %v", err)
	}
}

// FuzzSalvage: Salvage never panics, its output always passes Check, and
// every input byte is accounted for.
func FuzzSalvage(f *testing.F) {
	data := workloadAOF(20)
	f.Add(data)
	g, _ := garbageMiddle(f, data, 8)
	f.Add(g)
	f.Add([]byte(resp("MULTI") + resp("SET", "a", "1") + "xx" + resp("EXEC") + resp("SET", "b", "2")))
	f.Add([]byte("#TS:1\r\n*1\r\n$4\r\nEXEC\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n"))
	f.Add([]byte("*9223372036854775807\r\n$9223372036854775806\r\nx"))
	f.Add(append(testRDB("a"), resp("SET", "a", "1")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, rep, err := Salvage(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		res, err := Check(out)
		if err != nil || !res.OK() {
			t.Fatalf("output does not check clean: %+v %v\ninput %q\noutput %q", res, err, data, out)
		}
		if res.Commands != rep.CommandsKept {
			t.Fatalf("kept %d, output holds %d", rep.CommandsKept, res.Commands)
		}
		total := rep.BytesKept
		for _, r := range append(append([]Range(nil), rep.Damaged...), rep.Dropped...) {
			total += r.Length
		}
		if rep.Truncated != nil {
			total += rep.Truncated.Length
		}
		if total != int64(len(data)) || rep.BytesKept != int64(len(out)) {
			t.Fatalf("bytes not accounted for: %+v", rep)
		}
		again, rep2, err := Salvage(out)
		if err != nil || !bytes.Equal(again, out) || rep2.Damaged != nil {
			t.Fatalf("salvaging the output changed it: %+v %v", rep2, err)
		}
		_, _ = PredictKeys(time.Unix(0, 0), out)
	})
}

// BenchmarkSalvage: a 100 000-command incr file with the fault's damage.
func BenchmarkSalvage(b *testing.B) {
	data := workloadAOF(100000)
	damaged, _ := garbageMiddle(b, data, 64)
	b.SetBytes(int64(len(damaged)))
	for b.Loop() {
		if _, rep, err := Salvage(damaged); err != nil || len(rep.Damaged) != 1 {
			b.Fatal(rep, err)
		}
	}
}

// rdbRec builds RDB records for the PredictKeys tests: opcodes and type
// bytes as they are, lengths below 64 as one byte.
type rdbRec struct{ b bytes.Buffer }

func (r *rdbRec) op(b ...byte) *rdbRec { r.b.Write(b); return r }

func (r *rdbRec) str(ss ...string) *rdbRec {
	for _, s := range ss {
		r.b.WriteByte(byte(len(s)))
		r.b.WriteString(s)
	}
	return r
}

// expireMS writes an EXPIRETIME_MS record.
func (r *rdbRec) expireMS(ms int64) *rdbRec {
	r.b.WriteByte(0xfc)
	_ = binary.Write(&r.b, binary.LittleEndian, ms)
	return r
}

// file wraps the records in a REDIS0011 header and the EOF + checksum.
func (r *rdbRec) file() []byte {
	out := append([]byte("REDIS0011"), r.b.Bytes()...)
	out = append(out, 0xff)
	return binary.LittleEndian.AppendUint64(out, rdb.CRC64(out))
}

// aggregateBase is an RDB with a key of every aggregate type in db 0 — set
// st, list l, zset z, hash h (the hash with a TTL) — and a string in db 2.
func aggregateBase(hashTTL int64) []byte {
	r := &rdbRec{}
	r.op(0xfe, 0).op(2).str("st").op(1).str("a") // SET: 1 member
	r.op(1).str("l").op(2).str("x", "y")         // LIST: 2 elements
	r.op(3).str("z").op(1).str("m").op(1, '1')   // ZSET: member, score "1"
	r.expireMS(hashTTL).op(4).str("h").op(1).str("f", "v")
	r.op(0xfe, 2).op(0).str("s2", "v")
	return r.file()
}

// TestPredictKeysRDBBase: an RDB base (or preamble) seeds the model with its
// keys; the incr commands apply on top.
func TestPredictKeysRDBBase(t *testing.T) {
	now := time.Unix(1700000000, 0)
	future := now.Add(time.Hour).UnixMilli()
	predict := func(files ...[]byte) (KeyPrediction, error) { return PredictKeys(now, files...) }

	// base keys a b c + new distinct d, h (a is overwritten) − deleted b.
	base := testRDB("a", "b", "c")
	incr := []byte(resp("SELECT", "0") + resp("SET", "d", "1") + resp("SET", "a", "2") + resp("DEL", "b", "nope") +
		resp("HSET", "h", "f", "v") + resp("INCR", "c") + resp("SET", "d", "3"))
	p, err := predict(base, incr)
	if err != nil || p.Keys != 4 || p.ByDB[0] != 4 || p.Volatile != 0 || p.Commands != 7 {
		t.Fatalf("base + incr: %+v %v", p, err)
	}
	// The same as one old-style AOF with an RDB preamble.
	if p, err := predict(append(bytes.Clone(base), incr...)); err != nil || p.Keys != 4 {
		t.Fatalf("preamble + tail: %+v %v", p, err)
	}
	// A base type the commands contradict: INCR on a seeded hash.
	if _, err := predict(aggregateBase(future), []byte(resp("INCR", "h"))); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("incr on a seeded hash: %v", err)
	}

	// Aggregates: members unknown but non-empty.
	agg := aggregateBase(future)
	p, err = predict(agg)
	if err != nil || p.Keys != 5 || p.ByDB[0] != 4 || p.ByDB[2] != 1 || p.Volatile != 1 {
		t.Fatalf("aggregates: %+v %v", p, err)
	}
	grow := resp("SADD", "st", "b") + resp("RPUSH", "l", "z") + resp("ZADD", "z", "2", "n") + resp("HSET", "h", "g", "w") +
		resp("LPUSHX", "l", "w") + resp("ZADD", "z", "XX", "3", "m") + resp("XADD", "x", "*", "f", "v") + resp("LPOP", "l", "0")
	if p, err := predict(agg, []byte(grow)); err != nil || p.Keys != 6 || p.Volatile != 1 {
		t.Errorf("growing seeded aggregates: %+v %v", p, err)
	}
	for name, body := range map[string]string{
		"SREM":              resp("SREM", "st", "a"),
		"ZREM":              resp("ZREM", "z", "m"),
		"HDEL":              resp("HDEL", "h", "f"),
		"LPOP":              resp("LPOP", "l"),
		"RPOP count":        resp("RPOP", "l", "2"),
		"LTRIM":             resp("LTRIM", "l", "0", "0"),
		"SREM after SADD":   resp("SADD", "st", "b") + resp("SREM", "st", "b"),
		"renamed then SREM": resp("RENAME", "st", "st2") + resp("SREM", "st2", "a"),
		"expired base key":  resp("PEXPIREAT", "st", "1000"),
	} {
		if _, err := predict(agg, []byte(body)); !errors.Is(err, ErrUnpredictable) {
			t.Errorf("%s on a seeded key: want ErrUnpredictable, got %v", name, err)
		}
	}
	// Recreated by the commands, the members are known again; and keys the
	// commands delete or replace are gone from the base's count.
	known := resp("DEL", "st") + resp("SADD", "st", "q") + resp("SREM", "st", "q") + // st gone
		resp("SET", "l", "now a string") + resp("PERSIST", "h") + resp("RENAME", "z", "z2") + resp("SELECT", "2") + resp("FLUSHDB")
	if p, err := predict(agg, []byte(known)); err != nil || p.Keys != 3 || p.ByDB[0] != 3 || p.ByDB[2] != 0 || p.Volatile != 0 {
		t.Errorf("recreated keys: %+v %v", p, err)
	}
	// A base key whose TTL passed before at; one that FLUSHALL removed.
	if _, err := predict(aggregateBase(now.Add(-time.Hour).UnixMilli())); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("expired base key: %v", err)
	}
	if p, err := predict(aggregateBase(1000), []byte(resp("FLUSHALL"))); err != nil || p.Keys != 0 {
		t.Errorf("flushed base: %+v %v", p, err)
	}

	// Duplicates make Redis refuse to load: within the RDB, or a second
	// preamble holding a key the model already has.
	if _, err := predict(testRDB("a", "a")); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("duplicate in the rdb: %v", err)
	}
	if _, err := predict(testRDB("a"), append(testRDB("a"), incr...)); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("duplicate across files: %v", err)
	}
	// A module value of the old kind stops the walk: the rest is unknown.
	partial := (&rdbRec{}).op(0xfe, 0).op(0).str("k", "v").op(6).str("m", "module bytes").file()
	if _, err := predict(partial); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("partial rdb: %v", err)
	}
	// A module value of the current kind is a key the model keeps apart.
	mod := (&rdbRec{}).op(0xfe, 0).op(7).str("vs").op(0x3f, 2, 1, 0).file() // module id, UINT 1, EOF
	if p, err := predict(mod, []byte(resp("SET", "k", "v"))); err != nil || p.Keys != 2 {
		t.Errorf("module key: %+v %v", p, err)
	}
	if _, err := predict(mod, []byte(resp("SADD", "vs", "x"))); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("command on a module key: %v", err)
	}
	// A corrupt base is corrupt.
	bad := bytes.Clone(base)
	bad[len(bad)-1] ^= 1
	if _, err := predict(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupt base: %v", err)
	}
}

// TestPredictKeysRealBase: dumps real servers wrote as bases, with hashes
// carrying field TTLs (see recovery/rdb/testdata/README).
func TestPredictKeysRealBase(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "rdb", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	now := time.Unix(1700000000, 0)
	y2100 := time.UnixMilli(4102444800000)

	// Cluster dump: k1..k5, e1 (TTL 2100), h (field a expires 2100).
	cluster := read("redis-8.0.2-cluster.rdb")
	incr := []byte(resp("SET", "new1", "v") + resp("DEL", "k1") + resp("HSET", "h", "c", "3") + resp("SET", "k2", "w") +
		resp("RPUSH", "l", "x") + resp("SET", "new1", "again") + resp("DEL", "absent"))
	p, err := PredictKeys(now, cluster, incr)
	if want := int64(7 + 2 - 1); err != nil || p.Keys != want || p.ByDB[0] != want || p.Volatile != 1 {
		t.Fatalf("cluster base + incr: %+v %v", p, err)
	}
	if _, err := PredictKeys(now, cluster, []byte(resp("HDEL", "h", "a"))); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("HDEL on a seeded hash: %v", err)
	}
	// At or after 2100 the field and key TTLs have passed.
	if _, err := PredictKeys(y2100, cluster, []byte(resp("DEL", "e1"))); !errors.Is(err, ErrUnpredictable) {
		t.Errorf("field TTL passed: %v", err)
	}
	if p, err := PredictKeys(y2100, cluster, []byte(resp("DEL", "e1", "h"))); err != nil || p.Keys != 5 {
		t.Errorf("TTL keys deleted: %+v %v", p, err)
	}

	// Redis and Valkey dumps of the same commands: small, big, s.
	for _, name := range []string{"redis-8.0.2-hfe.rdb", "valkey-9.1.2-hfe.rdb"} {
		p, err := PredictKeys(now, read(name), []byte(resp("SET", "n", "1")+resp("DEL", "s")+resp("HSET", "big", "f0", "x")))
		if err != nil || p.Keys != 3 || p.Volatile != 0 {
			t.Errorf("%s: %+v %v", name, p, err)
		}
		// As an old-style preamble, with the same tail.
		data := append(read(name), resp("DEL", "small")...)
		if p, err := PredictKeys(now, data); err != nil || p.Keys != 2 || p.Volatile != 1 {
			t.Errorf("%s as a preamble: %+v %v", name, p, err)
		}
	}
}
