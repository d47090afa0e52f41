package rdb

import "errors"

// Errors Verify wraps; test them with errors.Is.
var (
	ErrNotRDB    = errors.New("not an RDB file (bad magic)")
	ErrVersion   = errors.New("unsupported RDB version")
	ErrChecksum  = errors.New("RDB checksum mismatch")
	ErrTruncated = errors.New("RDB truncated")
	ErrCorrupt   = errors.New("RDB structure corrupt")
)
