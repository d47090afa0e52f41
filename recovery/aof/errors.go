package aof

import "errors"

// Errors the package wraps; test them with errors.Is.
var (
	ErrManifest = errors.New("invalid AOF manifest")
	ErrCorrupt  = errors.New("AOF corrupt")
	ErrNoFlush  = errors.New("no FLUSHALL or FLUSHDB in AOF")
	ErrInPlace  = errors.New("repair must not overwrite its source")
)
