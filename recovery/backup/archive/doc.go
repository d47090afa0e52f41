// Package archive is a streaming archiver: it follows a Redis primary over
// Redis's own replication protocol (to the primary it is one more replica)
// and keeps a verified archive on disk from which the data set at any
// millisecond can be materialized as a loadable multi-part AOF.
//
// # Protocol
//
// The archiver connects (backup.NodeOptions: dialer, ACL user, password,
// TLS), sends AUTH when a password is given, REPLCONF listening-port when
// Options.ListeningPort is set, REPLCONF capa eof capa psync2 and PSYNC:
// "PSYNC ? -1" for a new archive, else "PSYNC <replid> <offset+1>" where
// offset is the replication offset of the last durable byte. +FULLRESYNC
// starts a new base (the RDB payload, "$<len>" or diskless "$EOF:<mark>",
// is verified with rdb.Verify while it is written); +CONTINUE [<replid>]
// appends to the current base, recording a new replication id (PSYNC2,
// after a failover). Error replies (-LOADING, -NOMASTERLINK, -ERR ...) and
// connection errors are retried with backoff. Follow switches to another
// node the same way.
//
// The command stream is cut into whole commands. Every byte counts in the
// replication offset, but PING and REPLCONF (GETACK) are not data and are
// not archived. Commands are appended to the open segment and fsync'ed in
// group commits (Options.CommitEvery); "REPLCONF ACK <offset>" is only ever
// sent for an offset whose bytes are durable (the segment and its index are
// fsync'ed), at once on "REPLCONF GETACK *" — so WAIT on the primary counts
// the archiver only once the write is on its disk — after each commit that
// moved the durable offset, and at least once a second.
//
// A +FULLRESYNC after the first base (the primary could not continue from
// our offset) is a gap: a new base starts and the gap is recorded in it.
//
// # On-disk format
//
// An archive directory holds:
//
//	archive.json    metadata, rewritten atomically (temp, fsync, rename,
//	                fsync dir)
//	archive.lock    flock'ed by the running archiver
//	base-000001/    one folder per base: a Redis ≥ 7.0 multi-part AOF dir
//	base-000002/    ...
//
// archive.json:
//
//	{"format": "redisdrill-archive/1", "addr": "<node followed>",
//	 "replid": "<replication id to PSYNC with>", "updated": "<RFC3339Nano>",
//	 "bases": [{"id": "base-000001", "replid": "...", "start_offset": N,
//	   "time": "<RFC3339Nano, when +FULLRESYNC arrived>",
//	   "rdb_sha256": "<hex>", "rdb_size": N, "keys": N,
//	   "gap": null | {"time": "...", "reason": "...",
//	                  "previous_end_offset": N, "previous_replid": "..."},
//	   "replids": [{"replid": "...", "offset": N, "time": "...", "addr": "..."}],
//	   "segments": [{"file": "appendonly.aof.1.incr.aof", "seq": 1,
//	     "start_offset": N, "end_offset": N, "first_ms": N, "last_ms": N,
//	     "bytes": N, "sha256": "<hex>", "commands": N, "end_db": N,
//	     "index": "appendonly.aof.1.incr.idx"}, ...]}]}
//
// Only sealed segments are listed; the open one (the tail) is the next
// sequence number. Offsets are replication offsets: start_offset is the
// offset of the RDB (bytes start_offset+1... follow it), a segment holds the
// stream bytes start_offset+1 .. end_offset. first_ms and last_ms are the
// receive clock (unix milliseconds) of its first and last command.
//
// A base folder holds appendonly.aof.1.base.rdb (the RDB as received),
// appendonly.aof.N.incr.aof (segments), appendonly.aof.N.incr.idx (their
// indexes) and appendonly.aof.manifest in Redis's format ("file
// appendonly.aof.1.base.rdb seq 1 type b", then "file
// appendonly.aof.N.incr.aof seq N type i" per segment, the open one
// included), rewritten atomically whenever a segment is opened. Copied as
// appendonlydir into a data dir with appendonly yes, it loads as it is.
//
// An incr file is the stream's data commands, verbatim, in RESP. A
// "#TS:<unix seconds>\r\n" annotation (Redis's aof-timestamp format) comes
// before the first command of each new receive second, outside MULTI, so
// redis-check-aof --truncate-to-timestamp works. Each file loads in a fresh
// client (database 0), so when the stream is in another database at a
// segment's start a "SELECT <db>" is written before its first command.
// Segments are sealed (fsync'ed, hashed, listed in archive.json) and the
// next one opened every Options.SegmentAge after their first command or
// once they reach Options.SegmentBytes, always between transactions.
//
// The index of a segment is text, one line per entry:
//
//	<file position> <replication offset> <receive unix ms> <db>\n
//
// The first entry (position 0) is written when the segment opens; then,
// at each group commit after the data is fsync'ed, one entry for every
// receive millisecond that ended in the group, each at a command boundary
// outside MULTI (never inside a transaction): everything before the
// position was received by that millisecond, and the replication offset
// after it (skipped PING and REPLCONF bytes included) is durable. An entry
// is what a restore cuts at, and the last entry is what a restart keeps.
//
// # Crash and restart
//
// Start on an existing archive resumes it: each unsealed segment is
// scanned and cut back to its last index entry that is a valid command
// boundary outside MULTI (bytes after it were never acknowledged), sealed
// (or removed when empty), and the archiver resumes with PSYNC from the
// last sealed offset. A base folder not listed in archive.json (an RDB
// being received at the crash) is removed.
//
// # Reading
//
// ReadMeta returns archive.json (bases, gaps, sealed segments). Check
// verifies an archive: every base RDB (sha256, rdb.Verify), every
// sealed segment (size, sha256, RESP parse, index) and the tail's durable
// prefix. Materialize writes a loadable multi-part AOF dir holding a base
// and its segments cut at the last index entry received strictly before a
// time.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package archive
