// Package rdb verifies Redis and Valkey RDB files without loading them:
// magic, version, a structural walk that counts keys per database, the EOF
// opcode and the trailing CRC-64-Jones checksum. It streams, so a 35 MB dump
// is checked in one pass with constant memory.
//
// It reads the files Redis 7.0–8.0 (RDB 10–12, magic "REDIS") and Valkey
// 7.2–9.1 (RDB 11, magic "REDIS"; RDB 80, magic "VALKEY") write, and its
// Loaders table says which of those versions each server series can load.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package rdb
