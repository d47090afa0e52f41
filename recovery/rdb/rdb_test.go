package rdb

import (
	"bytes"
	"errors"
	"testing"
)

func TestCRC64Vector(t *testing.T) {
	if got := CRC64([]byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(123456789) = %016x, want e9c6d914c4b8d9ca", got)
	}
	// Streaming in odd pieces gives the same result as one call.
	data := bytes.Repeat([]byte("redisdrill-"), 1000)
	h := NewCRC64()
	for i := 0; i < len(data); i += 7 {
		_, _ = h.Write(data[i:min(i+7, len(data))])
	}
	if h.Sum64() != CRC64(data) {
		t.Fatalf("streamed crc %016x != one-shot %016x", h.Sum64(), CRC64(data))
	}
}

func TestLZFRoundTripKnown(t *testing.T) {
	// Literal "ab", then a back-reference of length 9 at distance 2.
	in := []byte{0x01, 'a', 'b', 0xe0, 0x00, 0x01}
	out, err := lzfDecompress(in, 11)
	if err != nil || string(out) != "abababababa" {
		t.Fatalf("lzf got %q, %v", out, err)
	}
	if _, err := lzfDecompress([]byte{0x20, 0x05}, 10); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("bad back-reference: want ErrCorrupt, got %v", err)
	}
}

func TestVerifySynthetic(t *testing.T) {
	data := synthRDB(1000, 30)
	info, err := VerifyBytes(data)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if info.Keys != 1000 || info.Version != 10 || info.RedisVersion() != "7.0.15" || info.Structure != StructureFull {
		t.Fatalf("unexpected info %+v", info)
	}
	if info.Size != int64(len(data)) || info.Trailing != 0 {
		t.Fatalf("size %d trailing %d, file %d", info.Size, info.Trailing, len(data))
	}
}

func TestVerifyRejects(t *testing.T) {
	good := synthRDB(200, 20)
	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 0x01
	zero := bytes.Clone(good)
	copy(zero[len(zero)-8:], make([]byte, 8))
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"bit flip in a value", flip, ErrChecksum},
		{"truncated", good[:len(good)-100], ErrTruncated},
		{"checksum cut", good[:len(good)-3], ErrTruncated},
		{"bad magic", append([]byte("REDIX"), good[5:]...), ErrNotRDB},
		{"version 13", append([]byte("REDIS0013"), good[9:]...), ErrVersion},
		{"empty", nil, ErrTruncated},
	}
	for _, c := range cases {
		if _, err := VerifyBytes(c.data); !errors.Is(err, c.want) {
			t.Errorf("%s: want %v, got %v", c.name, c.want, err)
		}
	}
	if info, err := VerifyBytes(zero); err != nil || !info.ChecksumDisabled {
		t.Errorf("zero checksum: want disabled and no error, got %+v %v", info, err)
	}
}

func TestVerifyTrailing(t *testing.T) {
	data := append(synthRDB(10, 5), []byte("*1\r\n$4\r\nPING\r\n")...)
	info, err := VerifyBytes(data)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if info.Trailing != 14 {
		t.Fatalf("trailing %d, want 14", info.Trailing)
	}
}

func BenchmarkCRC64(b *testing.B) {
	data := make([]byte, 35<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		_ = CRC64(data)
	}
}

func BenchmarkVerify(b *testing.B) {
	data := synthRDB(1_000_000, 20) // ≈ 35 MB, like DEBUG POPULATE 1000000
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		info, err := VerifyBytes(data)
		if err != nil || info.Keys != 1_000_000 {
			b.Fatalf("verify: %v keys %d", err, info.Keys)
		}
	}
}
