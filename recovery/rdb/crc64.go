package rdb

import "hash"

// jonesPolyReflected is the CRC-64-Jones polynomial 0xad93d23594c935a9 in
// reflected (LSB-first) form, as Redis's crc64.c uses it.
const jonesPolyReflected = 0x95ac9329ac4bc9b5

// crcTables holds the slicing-by-8 lookup tables. They are computed once at
// package initialisation and only read afterwards.
var crcTables = makeTables()

func makeTables() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := 0; i < 256; i++ {
		c := uint64(i)
		for j := 0; j < 8; j++ {
			if c&1 == 1 {
				c = c>>1 ^ jonesPolyReflected
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := 0; i < 256; i++ {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	return t
}

// UpdateCRC64 extends crc (initially 0) with p using Redis's CRC-64-Jones
// (reflected, init 0, no final xor), the checksum at the end of RDB files.
func UpdateCRC64(crc uint64, p []byte) uint64 {
	t := crcTables
	for len(p) >= 8 {
		crc ^= uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// CRC64 returns Redis's CRC-64-Jones of p.
func CRC64(p []byte) uint64 { return UpdateCRC64(0, p) }

// Hash64 is a streaming Redis CRC-64-Jones; it implements hash.Hash64.
type Hash64 struct{ crc uint64 }

var _ hash.Hash64 = (*Hash64)(nil)

// NewCRC64 returns a streaming Redis CRC-64-Jones hash.
func NewCRC64() *Hash64 { return &Hash64{} }

// Write adds p to the checksum; it never fails.
func (h *Hash64) Write(p []byte) (int, error) { h.crc = UpdateCRC64(h.crc, p); return len(p), nil }

// Sum64 returns the checksum so far.
func (h *Hash64) Sum64() uint64 { return h.crc }

// Sum appends the checksum in little-endian order (as RDB stores it).
func (h *Hash64) Sum(b []byte) []byte {
	c := h.crc
	return append(b, byte(c), byte(c>>8), byte(c>>16), byte(c>>24), byte(c>>32), byte(c>>40), byte(c>>48), byte(c>>56))
}

// Reset sets the checksum back to 0.
func (h *Hash64) Reset() { h.crc = 0 }

// Size returns 8.
func (h *Hash64) Size() int { return 8 }

// BlockSize returns 8.
func (h *Hash64) BlockSize() int { return 8 }
