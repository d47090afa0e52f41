// Package aof checks and repairs Redis 7 append-only files: the multi-part
// manifest, RESP command files with #TS annotations, corruption search and
// the repairs redis-check-aof offers (--fix, --truncate-to-timestamp), plus
// cutting an accidental FLUSHALL/FLUSHDB. Repairs always write a copy.
package aof
