package aof

import "errors"

// Errors the package wraps; test them with errors.Is.
var (
	ErrManifest = errors.New("invalid AOF manifest")
	ErrCorrupt  = errors.New("AOF corrupt")
	ErrNoFlush  = errors.New("no FLUSHALL or FLUSHDB in AOF")
	ErrInPlace  = errors.New("repair must not overwrite its source")

	// ErrUnpredictable: PredictKeys met a command outside its model, a key
	// whose TTL makes its presence depend on timing, or a base whose key
	// names it cannot know; no key count can be promised.
	ErrUnpredictable = errors.New("key count not predictable")
	// ErrAmbiguous: the file names of an appendonlydir do not determine
	// which files a manifest must list; RebuildManifest refuses to guess.
	ErrAmbiguous = errors.New("AOF file membership ambiguous")
	// ErrNoBase: no base file to rebuild a manifest on.
	ErrNoBase = errors.New("no AOF base file")
	// ErrOrphansOverwritten: Redis, restarted without a manifest, reused
	// the names of the old files (replacing the old base, appending to or
	// truncating an old incr file), so the old data cannot be put back by a
	// manifest alone.
	ErrOrphansOverwritten = errors.New("old AOF files overwritten by Redis's fresh start")
)
