package rdb

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type correctFixture struct {
	name string
	data []byte
}

// correctFixtures returns the dumps the correction tests damage, in a fixed
// order: the real server dumps in testdata and the synthesized ones of the
// other tests.
func correctFixtures(t testing.TB) []correctFixture {
	t.Helper()
	fs := []correctFixture{{"synth", synthRDB(1000, 30)}, {"redis12", redis12()}, {"valkey80", valkey80()}}
	for _, f := range []string{"redis-8.0.2-cluster.rdb", "redis-8.0.2-hfe.rdb", "valkey-9.1.2-hfe.rdb"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, correctFixture{f, b})
	}
	for _, f := range fs {
		if _, err := VerifyBytes(f.data); err != nil {
			t.Fatalf("fixture %s: %v", f.name, err)
		}
	}
	return fs
}

// checkFlip flips bit of byte off in a copy of orig and checks that
// CorrectSingleBit restores orig exactly and reports the flip.
func checkFlip(t *testing.T, orig []byte, keys int64, off int, bit uint8) {
	t.Helper()
	damaged := bytes.Clone(orig)
	damaged[off] ^= 1 << bit
	keep := bytes.Clone(damaged)
	fixed, c, err := CorrectSingleBit(damaged)
	if err != nil {
		t.Fatalf("flip byte %d bit %d: %v", off, bit, err)
	}
	if !bytes.Equal(damaged, keep) {
		t.Fatalf("flip byte %d bit %d: input modified", off, bit)
	}
	if !bytes.Equal(fixed, orig) {
		t.Fatalf("flip byte %d bit %d: corrected copy differs from the original", off, bit)
	}
	inTrailer := off >= len(orig)-8
	if c.Offset != int64(off) || c.Bit != bit || c.InTrailer != inTrailer ||
		c.ByteBefore != damaged[off] || c.ByteAfter != orig[off] || c.Keys != int(keys) ||
		c.SHA256Before != sha256Hex(damaged) || c.SHA256After != sha256Hex(orig) ||
		c.StoredCRC != binary.LittleEndian.Uint64(damaged[len(damaged)-8:]) ||
		c.ComputedCRC != CRC64(damaged[:len(damaged)-8]) {
		t.Fatalf("flip byte %d bit %d: correction %+v", off, bit, c)
	}
	if _, err := VerifyBytes(fixed); err != nil {
		t.Fatalf("flip byte %d bit %d: corrected copy: %v", off, bit, err)
	}
}

func TestCorrectSingleBitPositions(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240601, 7))
	for _, f := range correctFixtures(t) {
		orig := f.data
		t.Run(f.name, func(t *testing.T) {
			info, err := VerifyBytes(orig)
			if err != nil {
				t.Fatal(err)
			}
			n := len(orig)
			for off := 0; off < 9; off++ { // every bit of the header
				for bit := range uint8(8) {
					checkFlip(t, orig, info.Keys, off, bit)
				}
			}
			for range 300 { // random bits of the body
				checkFlip(t, orig, info.Keys, 9+rng.IntN(n-8-9), uint8(rng.IntN(8)))
			}
			checkFlip(t, orig, info.Keys, n-9, 0) // the EOF opcode
			for off := n - 8; off < n; off++ {    // every bit of the checksum
				for bit := range uint8(8) {
					checkFlip(t, orig, info.Keys, off, bit)
				}
			}
		})
	}
}

// TestCorrectVersionDigit: a flip that makes the header claim a version
// without a checksum ("REDIS0012" → "REDIS0002") is still corrected.
func TestCorrectVersionDigit(t *testing.T) {
	orig := redis12()
	damaged := bytes.Clone(orig)
	damaged[7] ^= 1 // '1' → '0'
	if string(damaged[:9]) != "REDIS0002" {
		t.Fatalf("header %q", damaged[:9])
	}
	fixed, c, err := CorrectSingleBit(damaged)
	if err != nil || !bytes.Equal(fixed, orig) || c.Offset != 7 || c.Bit != 0 {
		t.Fatalf("got %+v, %v", c, err)
	}
}

func TestCorrectTwoBitsUncorrectable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range correctFixtures(t) {
		name, orig := f.name, f.data
		n := len(orig)
		pairs := [][2]int{{n / 4, 3*n/4 + 5}, {0, n - 1}, {10, n - 20}}
		for range 20 {
			pairs = append(pairs, [2]int{rng.IntN(n / 2), n/2 + rng.IntN(n/2)})
		}
		for _, p := range pairs {
			damaged := bytes.Clone(orig)
			damaged[p[0]] ^= 0x04
			damaged[p[1]] ^= 0x40
			keep := bytes.Clone(damaged)
			fixed, _, err := CorrectSingleBit(damaged)
			if !errors.Is(err, ErrUncorrectable) || fixed != nil {
				t.Errorf("%s: flips at %d and %d: got %v", name, p[0], p[1], err)
			}
			if !bytes.Equal(damaged, keep) {
				t.Errorf("%s: input modified", name)
			}
		}
	}
}

func TestCorrectNothingToCorrect(t *testing.T) {
	for _, f := range correctFixtures(t) {
		name, orig := f.name, f.data
		keep := bytes.Clone(orig)
		fixed, c, err := CorrectSingleBit(orig)
		if !errors.Is(err, ErrNothingToCorrect) || fixed != nil || c.StoredCRC != c.ComputedCRC {
			t.Errorf("%s: got %+v, %v", name, c, err)
		}
		if !bytes.Equal(orig, keep) {
			t.Errorf("%s: input modified", name)
		}
	}
}

func TestCorrectNoChecksum(t *testing.T) {
	zero := synthRDB(100, 10)
	copy(zero[len(zero)-8:], make([]byte, 8))
	zeroFlip := bytes.Clone(zero)
	zeroFlip[40] ^= 0x10
	// Version 4: no checksum at all (the last 8 bytes are the value).
	var b bytes.Buffer
	b.WriteString("REDIS0004")
	b.WriteByte(opSelectDB)
	writeLen(&b, 0)
	b.WriteByte(typeString)
	writeStr(&b, []byte("key"))
	writeStr(&b, []byte("a value longer than eight bytes"))
	b.WriteByte(opEOF)
	v4 := b.Bytes()
	if info, err := VerifyBytes(v4); err != nil || !info.ChecksumDisabled {
		t.Fatalf("v4 fixture: %+v, %v", info, err)
	}
	v4Flip := bytes.Clone(v4)
	v4Flip[20] ^= 1
	for name, data := range map[string][]byte{"zero": zero, "zero+flip": zeroFlip, "v4": v4, "v4+flip": v4Flip} {
		fixed, _, err := CorrectSingleBit(data)
		if !errors.Is(err, ErrNoChecksum) || fixed != nil {
			t.Errorf("%s: got %v, want ErrNoChecksum", name, err)
		}
	}
	if _, _, err := CorrectSingleBit([]byte("REDIS0012\xff1234567")); !errors.Is(err, ErrTruncated) {
		t.Errorf("17 bytes: got %v, want ErrTruncated", err)
	}
}

// TestCorrectRefusesUnparsable: when the only bit that matches the checksum
// gives a file that does not parse, nothing is returned.
func TestCorrectRefusesUnparsable(t *testing.T) {
	orig := synthRDB(50, 10)
	n := len(orig)
	bad := bytes.Clone(orig)
	bad[n-9] = typeString // the EOF opcode becomes a key record
	binary.LittleEndian.PutUint64(bad[n-8:], CRC64(bad[:n-8]))
	if _, err := VerifyBytes(bad); err == nil {
		t.Fatal("fixture parses")
	}
	damaged := bytes.Clone(bad)
	damaged[30] ^= 0x08
	fixed, c, err := CorrectSingleBit(damaged)
	if !errors.Is(err, ErrUncorrectable) || fixed != nil || c.Offset != 30 || c.Bit != 3 {
		t.Fatalf("got %+v, %v", c, err)
	}
	if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
		t.Fatalf("parse error not wrapped: %v", err)
	}
}

// TestLocateFlip checks the backward walk against the forward CRC of
// all-zero messages with one bit set, for every bit of short messages.
func TestLocateFlip(t *testing.T) {
	for c := uint64(1); c < 1<<20; c = c*3 + 1 {
		fwd := c>>1 ^ (c&1)*jonesPolyReflected
		if crcInvStep(fwd) != c {
			t.Fatalf("inverse step of %016x", c)
		}
	}
	for l := 0; l <= 64; l++ {
		msg := make([]byte, l)
		for i := range l {
			for j := range uint8(8) {
				msg[i] = 1 << j
				off, bit, count := locateFlip(l, CRC64(msg))
				if off != int64(i) || bit != j || count != 1 {
					t.Fatalf("len %d byte %d bit %d: got %d %d count %d", l, i, j, off, bit, count)
				}
				msg[i] = 0
			}
		}
		for k := range 64 {
			off, bit, count := locateFlip(l, 1<<k)
			if off != int64(l+k/8) || bit != uint8(k%8) || count != 1 {
				t.Fatalf("len %d checksum bit %d: got %d %d count %d", l, k, off, bit, count)
			}
		}
	}
}

func TestCorrectFile(t *testing.T) {
	orig := synthRDB(500, 40)
	damaged := bytes.Clone(orig)
	damaged[1234] ^= 0x80
	dir := t.TempDir()
	src := filepath.Join(dir, "dump.rdb")
	if err := os.WriteFile(src, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.rdb")
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{src, filepath.Join(dir, ".", "dump.rdb"), link} {
		if _, err := CorrectFile(src, dst); !errors.Is(err, ErrInPlace) {
			t.Errorf("dst %s: got %v, want ErrInPlace", dst, err)
		}
	}
	dst := filepath.Join(dir, "fixed.rdb")
	c, err := CorrectFile(src, dst)
	if err != nil || c.Offset != 1234 || c.Bit != 7 || c.Keys != 500 {
		t.Fatalf("got %+v, %v", c, err)
	}
	if got, _ := os.ReadFile(src); !bytes.Equal(got, damaged) {
		t.Error("source modified")
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, orig) {
		t.Error("destination is not the original")
	}
	// An undamaged source writes nothing.
	clean := filepath.Join(dir, "clean.rdb")
	none := filepath.Join(dir, "none.rdb")
	if err := os.WriteFile(clean, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CorrectFile(clean, none); !errors.Is(err, ErrNothingToCorrect) {
		t.Errorf("clean: got %v", err)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("clean: destination written (%v)", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	// The report's JSON names.
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"offset":1234`, `"bit":7`, `"byte_before"`, `"byte_after"`, `"stored_crc"`, `"computed_crc"`, `"sha256_before"`, `"sha256_after"`, `"keys":500`, `"in_trailer":false`, `"mis_correction_odds"`} {
		if !bytes.Contains(j, []byte(k)) {
			t.Errorf("json %s lacks %s", j, k)
		}
	}
}

func TestMisCorrectionOdds(t *testing.T) {
	if got := MisCorrectionOdds(100 << 20); got < 4.5e-11 || got > 4.6e-11 {
		t.Errorf("100 MiB: %g", got)
	}
	if MisCorrectionOdds(0) != 0 {
		t.Error("0 bytes")
	}
}

// benchRDB is a ≈ 16 MB synthetic dump with one bit flipped near the start
// (the worst case for the backward walk).
func benchRDB(b *testing.B) []byte {
	data := synthRDB(160_000, 90)
	data[20] ^= 0x02
	b.SetBytes(int64(len(data)))
	return data
}

func BenchmarkCorrectSingleBit(b *testing.B) {
	data := benchRDB(b)
	for b.Loop() {
		if _, c, err := CorrectSingleBit(data); err != nil || c.Offset != 20 {
			b.Fatalf("%+v, %v", c, err)
		}
	}
}

// BenchmarkCorrectSingleBitLocate times the backward walk alone.
func BenchmarkCorrectSingleBitLocate(b *testing.B) {
	data := benchRDB(b)
	n := len(data)
	syn := CRC64(data[:n-8]) ^ binary.LittleEndian.Uint64(data[n-8:])
	for b.Loop() {
		if off, _, count := locateFlip(n-8, syn); off != 20 || count != 1 {
			b.Fatal(off, count)
		}
	}
}
