package rdb

import (
	"bytes"
	"strconv"
)

// Structure says how far Verify walked the file's structure.
type Structure string

// Structure values.
const (
	// StructureFull: every record was parsed or skipped by its encoding.
	StructureFull Structure = "full"
	// StructurePartial: a record Verify cannot skip (an old-style module
	// value) stopped the walk; the rest was checked by the CRC only and key
	// counts are lower bounds.
	StructurePartial Structure = "partial"
)

// Magic strings that open an RDB file. Files with MagicRedis have a
// four-digit version ("REDIS0012"), files with MagicValkey a three-digit one
// ("VALKEY080"): Valkey 9 writes "VALKEY%03d" (valkey src/rdb.c, rdbSaveRio,
// tag 9.0.0: snprintf(magic, sizeof(magic), "VALKEY%03d", RDB_VERSION);
// tag 9.1.0: "%s%03d" with "VALKEY" when rdbUseValkeyMagic(rdbver), i.e.
// rdbver > RDB_FOREIGN_VERSION_MAX = 79, src/rdb.h).
const (
	MagicRedis  = "REDIS"
	MagicValkey = "VALKEY"
)

// Version bounds Verify accepts.
//
// With MagicRedis: MinVersion..MaxVersion. Redis 7.0 writes 10, Redis 7.2
// and Valkey 7.2–8.1 write 11, Redis 7.4–8.0 write 12 (RDB_VERSION in
// src/rdb.h of redis tags 7.0.15, 7.2.6, 7.4.1, 8.0-m01 and valkey tags
// 8.0.1, 8.1.1).
//
// With MagicValkey: MinValkeyVersion..MaxValkeyVersion. Valkey 9.0 and 9.1
// write 80 (RDB_VERSION in valkey src/rdb.h, tags 9.0.0 and 9.1.0; Valkey
// 9.1.2 writes "VALKEY080" too, checked against a real dump). Valkey reserves
// 12..79 for Redis formats it does not share (RDB_FOREIGN_VERSION_MIN/MAX).
const (
	MinVersion       = 1
	MaxVersion       = 12
	MinValkeyVersion = 80
	MaxValkeyVersion = 80
)

// HasSignature reports whether p starts like an RDB file: "REDIS" (any
// Redis, Valkey 7.2–8.1) or "VALKEY" (Valkey 9). An AOF base file or an
// old-style mixed AOF with an RDB preamble starts the same way.
func HasSignature(p []byte) bool {
	return bytes.HasPrefix(p, []byte(MagicRedis)) || bytes.HasPrefix(p, []byte(MagicValkey))
}

// DBStats counts the keys of one logical database.
type DBStats struct {
	Keys    int64 `json:"keys"`
	Expires int64 `json:"expires"`
}

// Info is what Verify learned about an RDB file.
type Info struct {
	// Magic is MagicRedis or MagicValkey (empty when the header was not
	// read).
	Magic            string             `json:"magic,omitempty"`
	Version          int                `json:"version"`
	Aux              map[string]string  `json:"aux,omitempty"`
	Keys             int64              `json:"keys"`
	Expires          int64              `json:"expires"`
	DBs              map[uint64]DBStats `json:"dbs,omitempty"`
	Functions        int                `json:"functions,omitempty"`
	Size             int64              `json:"size"`               // bytes of the RDB, checksum included
	Trailing         int64              `json:"trailing,omitempty"` // bytes after the RDB (e.g. an AOF tail)
	Checksum         uint64             `json:"checksum"`
	ChecksumDisabled bool               `json:"checksum_disabled,omitempty"`
	Structure        Structure          `json:"structure"`

	// valueTypes counts the keys walked per RDB value type (tests).
	valueTypes map[byte]int64
}

// RedisVersion returns the redis-ver aux field ("" when absent). Valkey
// writes valkey-ver instead (src/rdb.c rdbSaveInfoAuxFields, valkey tags
// 8.0.1 to 9.1.0); see ServerVersion.
func (i Info) RedisVersion() string { return i.Aux["redis-ver"] }

// ServerVersion returns the product and version of the server that wrote
// the file, from its aux fields: ("valkey", valkey-ver) or ("redis",
// redis-ver); empty strings when neither is present.
func (i Info) ServerVersion() (product, version string) {
	if v := i.Aux["valkey-ver"]; v != "" {
		return "valkey", v
	}
	if v := i.Aux["redis-ver"]; v != "" {
		return "redis", v
	}
	return "", ""
}

// ReplOffset returns the repl-offset aux field, or -1 when absent.
func (i Info) ReplOffset() int64 {
	v, err := strconv.ParseInt(i.Aux["repl-offset"], 10, 64)
	if err != nil {
		return -1
	}
	return v
}
