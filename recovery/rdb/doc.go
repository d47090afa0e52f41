// Package rdb verifies Redis RDB files without loading them: magic, version,
// a structural walk that counts keys per database, the EOF opcode and the
// trailing CRC-64-Jones checksum. It streams, so a 35 MB dump is checked in
// one pass with constant memory.
package rdb
