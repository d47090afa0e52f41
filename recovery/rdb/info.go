package rdb

import "strconv"

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

// Version bounds Verify accepts. Redis 7.0 writes 10, 7.2 writes 11.
const (
	MinVersion = 1
	MaxVersion = 11
)

// DBStats counts the keys of one logical database.
type DBStats struct {
	Keys    int64 `json:"keys"`
	Expires int64 `json:"expires"`
}

// Info is what Verify learned about an RDB file.
type Info struct {
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
}

// RedisVersion returns the redis-ver aux field ("" when absent).
func (i Info) RedisVersion() string { return i.Aux["redis-ver"] }

// ReplOffset returns the repl-offset aux field, or -1 when absent.
func (i Info) ReplOffset() int64 {
	v, err := strconv.ParseInt(i.Aux["repl-offset"], 10, 64)
	if err != nil {
		return -1
	}
	return v
}
