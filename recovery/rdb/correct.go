package rdb

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/redisdrill/redisdrill/internal/atomicfile"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
)

// Errors CorrectSingleBit and CorrectFile wrap; test them with errors.Is.
var (
	// ErrNothingToCorrect: the stored checksum matches the content, so there
	// is no flipped bit to correct (the file may still be checked with
	// Verify).
	ErrNothingToCorrect = errors.New("RDB checksum matches, nothing to correct")
	// ErrUncorrectable: no single flipped bit explains the checksum
	// mismatch (damage wider than one bit), more than one does, or the
	// corrected file does not parse.
	ErrUncorrectable = errors.New("RDB damage wider than one bit, not correctable")
	// ErrNoChecksum: the file carries no checksum to correct against (RDB
	// version < 5, or a stored checksum of 0: rdbchecksum no).
	ErrNoChecksum = errors.New("RDB has no checksum")
	// ErrInPlace: CorrectFile was asked to write over its source.
	ErrInPlace = errors.New("destination is the source file")
)

// minChecksummedSize is the smallest RDB with a checksum: 9-byte header,
// EOF opcode, 8-byte checksum.
const minChecksummedSize = 9 + 1 + 8

// Correction describes a single-bit correction CorrectSingleBit made (or,
// on error, the fields it had established: StoredCRC, ComputedCRC,
// SHA256Before and MisCorrectionOdds).
type Correction struct {
	// Offset is the byte offset of the flipped bit in the file.
	Offset int64 `json:"offset"`
	// Bit is the flipped bit of that byte, 0 the least significant.
	Bit uint8 `json:"bit"`
	// ByteBefore and ByteAfter are that byte in the damaged and the
	// corrected file.
	ByteBefore byte `json:"byte_before"`
	ByteAfter  byte `json:"byte_after"`
	// StoredCRC is the checksum in the damaged file's trailer, ComputedCRC
	// the CRC-64 of its content (both before the correction).
	StoredCRC   uint64 `json:"stored_crc"`
	ComputedCRC uint64 `json:"computed_crc"`
	// SHA256Before and SHA256After are hex SHA-256 digests of the damaged
	// and the corrected file.
	SHA256Before string `json:"sha256_before"`
	SHA256After  string `json:"sha256_after,omitempty"`
	// Keys is the number of keys of the corrected file (all databases).
	Keys int `json:"keys"`
	// InTrailer says the flipped bit was in the 8-byte checksum itself,
	// not in the content.
	InTrailer bool `json:"in_trailer"`
	// MisCorrectionOdds is MisCorrectionOdds(file size): about the
	// probability that damage wider than one bit passes for a single bit.
	MisCorrectionOdds float64 `json:"mis_correction_odds"`
}

// MisCorrectionOdds returns about the probability that an error of two or
// more bits in an RDB file of size bytes (checksum included) is taken for a
// single flipped bit: the file has 8·size bit positions, each with its own
// 64-bit syndrome, and a wider error leaves an essentially uniform
// syndrome, which hits one of them with probability 8·size/2^64 (about
// 4.5e-11 for 100 MiB). Such a miscorrection must also leave a file that
// parses in full before CorrectSingleBit returns it.
func MisCorrectionOdds(size int64) float64 {
	if size <= 0 {
		return 0
	}
	return float64(size) * 8 / math.Exp2(64)
}

// CorrectSingleBit corrects one flipped bit in an RDB file (version ≥ 5,
// checksum enabled, nothing after the checksum) and returns a corrected copy;
// data is never modified.
//
// The correction is provably exact under a single-bit-error hypothesis.
// Redis's CRC-64 starts from 0 and has no final xor, so it is linear over
// GF(2): CRC(m ⊕ e) = CRC(m) ⊕ CRC(e). The syndrome s = CRC(content) ⊕
// stored checksum is therefore CRC(e) for a flip e in the content, or the
// flipped bit itself for a flip in the stored checksum. CRC(e) for the bit
// at byte i, bit j of an L-byte content is x^(8(L-i)) applied to 1<<j, and
// the map is invertible, so walking the syndrome backwards one byte at a
// time (an 8-step inverse, 256-entry table) reaches a single set bit in the
// low byte exactly at the damaged byte: one pass, O(n). The walk covers every
// position and insists on exactly one match, so a flip is never ambiguous.
//
// A wider error passes for a single bit with probability about 8n/2^64 for
// an n-byte file (see MisCorrectionOdds), and the full parse must still
// succeed: the corrected copy is re-checksummed and walked by VerifyBytes,
// and a copy that does not parse is never returned.
//
// Errors: ErrNothingToCorrect (checksum matches), ErrNoChecksum (version < 5
// or a stored checksum of 0), ErrUncorrectable (no single bit, or the
// corrected file does not parse; the parse error is wrapped too), and
// ErrTruncated for a file too short to hold a checksum.
func CorrectSingleBit(data []byte) ([]byte, Correction, error) {
	fixed, c, err := correctSingleBit(data)
	if err != nil {
		return nil, c, fmt.Errorf("correct rdb: %w", err)
	}
	return fixed, c, nil
}

func correctSingleBit(data []byte) ([]byte, Correction, error) {
	n := len(data)
	c := Correction{MisCorrectionOdds: MisCorrectionOdds(int64(n))}
	if n < minChecksummedSize {
		return nil, c, fmt.Errorf("%d bytes, too short for a checksum: %w", n, ErrTruncated)
	}
	payload := data[:n-8]
	c.StoredCRC = binary.LittleEndian.Uint64(data[n-8:])
	c.ComputedCRC = CRC64(payload)
	c.SHA256Before = sha256Hex(data)
	if c.StoredCRC == 0 {
		return nil, c, fmt.Errorf("stored checksum is 0 (checksums disabled): %w", ErrNoChecksum)
	}
	v, hasVersion := headerVersion(data)
	noSum := hasVersion && v < 5
	syn := c.ComputedCRC ^ c.StoredCRC
	if syn == 0 {
		if noSum {
			return nil, c, fmt.Errorf("version %d: %w", v, ErrNoChecksum)
		}
		return nil, c, fmt.Errorf("checksum %016x: %w", c.StoredCRC, ErrNothingToCorrect)
	}
	off, bit, count := locateFlip(len(payload), syn)
	switch {
	case count == 0 && noSum:
		// A header that says version < 5 may itself be the flipped bit
		// ("REDIS0012" → "REDIS0002"), so it is only believed once no
		// single bit explains the trailer as a checksum.
		return nil, c, fmt.Errorf("version %d: %w", v, ErrNoChecksum)
	case count == 0:
		return nil, c, fmt.Errorf("stored %016x, computed %016x, no single bit matches: %w", c.StoredCRC, c.ComputedCRC, ErrUncorrectable)
	case count > 1:
		return nil, c, fmt.Errorf("stored %016x, computed %016x, %d single bits match: %w", c.StoredCRC, c.ComputedCRC, count, ErrUncorrectable)
	}
	fixed := bytes.Clone(data)
	fixed[off] ^= 1 << bit
	c.Offset, c.Bit, c.InTrailer = off, bit, off >= int64(len(payload))
	c.ByteBefore, c.ByteAfter = data[off], fixed[off]
	if got, want := CRC64(fixed[:n-8]), binary.LittleEndian.Uint64(fixed[n-8:]); got != want {
		// Unreachable unless locateFlip is wrong.
		return nil, c, fmt.Errorf("flip bit %d of byte %d: stored %016x, computed %016x: %w", bit, off, want, got, ErrUncorrectable)
	}
	info, err := VerifyBytes(fixed)
	if err != nil {
		return nil, c, fmt.Errorf("flip bit %d of byte %d matches the checksum but the file does not parse: %w: %w", bit, off, ErrUncorrectable, err)
	}
	switch {
	case info.Version < 5 || info.ChecksumDisabled:
		return nil, c, fmt.Errorf("flip bit %d of byte %d gives version %d without a checksum: %w", bit, off, info.Version, ErrUncorrectable)
	case info.Trailing != 0 || info.Size != int64(n):
		return nil, c, fmt.Errorf("flip bit %d of byte %d: the RDB ends at byte %d of %d: %w", bit, off, info.Size, n, ErrUncorrectable)
	}
	c.Keys = int(info.Keys)
	c.SHA256After = sha256Hex(fixed)
	return fixed, c, nil
}

// crcInv8 undoes eight zero-bit steps of the reflected CRC register:
// inv8(c) = c<<8 ^ crcInv8[c>>56].
var crcInv8 = makeInv8()

func makeInv8() *[256]uint64 {
	t := new([256]uint64)
	for i := range t {
		c := uint64(i) << 56
		for range 8 {
			c = crcInvStep(c)
		}
		t[i] = c
	}
	return t
}

// crcInvStep inverts one zero-bit step c' = c>>1 ^ (c&1)·P: the top bit of
// c' is set exactly when P was folded in (P has its top bit set).
func crcInvStep(c uint64) uint64 {
	if c>>63 == 1 {
		return (c^jonesPolyReflected)<<1 | 1
	}
	return c << 1
}

// locateFlip finds the single bits whose flip gives syndrome syn (≠ 0) for
// a payloadLen-byte content followed by its 8-byte checksum. It returns the
// last match found (the earliest offset) and the number of matches. Offsets
// ≥ payloadLen are in the checksum.
func locateFlip(payloadLen int, syn uint64) (off int64, bit uint8, count int) {
	if syn&(syn-1) == 0 { // one bit: the checksum's own bit k
		k := bits.TrailingZeros64(syn)
		off, bit, count = int64(payloadLen+k/8), uint8(k%8), 1
	}
	t := crcInv8
	d := syn
	for i := payloadLen - 1; i >= 0; i-- {
		// d is now x^-(8(L-i)) · syn; the flip of bit j of byte i leaves
		// exactly 1<<j. d is never 0 (the steps are invertible).
		d = d<<8 ^ t[d>>56]
		if d&^0xff == 0 && d&(d-1) == 0 {
			off, bit = int64(i), uint8(bits.TrailingZeros64(d))
			count++
		}
	}
	return off, bit, count
}

// headerVersion reads the version digits after a REDIS or VALKEY magic.
func headerVersion(data []byte) (int, bool) {
	var digits []byte
	switch {
	case len(data) < 9:
		return 0, false
	case bytes.HasPrefix(data, []byte(MagicRedis)):
		digits = data[len(MagicRedis):9]
	case bytes.HasPrefix(data, []byte(MagicValkey)):
		digits = data[len(MagicValkey):9]
	default:
		return 0, false
	}
	v, err := strconv.Atoi(string(digits))
	if err != nil || digits[0] < '0' || digits[0] > '9' {
		return 0, false
	}
	return v, true
}

func sha256Hex(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

// CorrectFile reads the RDB file src, corrects a single flipped bit with
// CorrectSingleBit and writes the corrected copy to dst atomically (a
// temporary file in dst's directory, fsync, rename, directory fsync). It
// refuses a dst that is src (ErrInPlace), so the damaged original is never
// overwritten; on any error nothing is written.
func CorrectFile(src, dst string) (Correction, error) {
	if err := notSameFile(src, dst); err != nil {
		return Correction{}, fmt.Errorf("correct rdb %s: %w", src, err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return Correction{}, fmt.Errorf("correct rdb: %w", err)
	}
	fixed, c, err := correctSingleBit(data)
	if err != nil {
		return c, fmt.Errorf("correct rdb %s: %w", src, err)
	}
	if err := atomicfile.Write(dst, fixed); err != nil {
		return c, fmt.Errorf("correct rdb %s: %w", src, err)
	}
	return c, nil
}

// notSameFile refuses a destination that is the source (same path, or the
// same file through a link).
func notSameFile(src, dst string) error {
	a, errA := filepath.Abs(src)
	b, errB := filepath.Abs(dst)
	if errA == nil && errB == nil && a == b {
		return ErrInPlace
	}
	si, err := os.Stat(src)
	if err != nil {
		return err
	}
	if di, err := os.Stat(dst); err == nil && os.SameFile(si, di) {
		return ErrInPlace
	}
	return nil
}
