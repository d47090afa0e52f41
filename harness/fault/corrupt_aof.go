package fault

import (
	"context"
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// aofDir is a node's multi-part AOF directory.
func aofDir(n deploy.Node) string { return n.DataDir() + "/" + rediskit.AOFDirName }

// manifestPath is the AOF manifest (appendfilename is the default).
func manifestPath(n deploy.Node) string { return aofDir(n) + "/appendonly.aof.manifest" }

// lastIncrPath reads the manifest and returns the path of the last incr AOF.
func lastIncrPath(ctx context.Context, n deploy.Node) (string, error) {
	text, err := n.ReadFile(ctx, manifestPath(n))
	if err != nil {
		return "", fmt.Errorf("read aof manifest (is appendonly on?): %w", err)
	}
	entries, err := parseManifest(string(text))
	if err != nil {
		return "", err
	}
	name, err := lastIncr(entries)
	if err != nil {
		return "", err
	}
	return aofDir(n) + "/" + name, nil
}

// truncateAOFTail cuts Params.Bytes (default 5) off the end of the last incr
// AOF: the last command becomes partial, which Redis drops at load
// (aof-load-truncated yes).
func truncateAOFTail(ctx context.Context, n deploy.Node, p Params, onset *Onset) ([]Change, error) {
	path, err := lastIncrPath(ctx, n)
	if err != nil {
		return nil, err
	}
	return truncateTail(ctx, n, path, p.Bytes, func(int64) int64 { return 5 }, onset)
}

// garbage is what aof-garbage-middle writes; it cannot start a command.
const garbage = "!REDISDRILL-GARBAGE!"

// garbageAOFMiddle overwrites Params.Bytes (default 8) bytes at the start of
// the command nearest the middle of the last incr AOF, so the parser meets a
// byte that is not '*' mid-file and Redis refuses to load.
func garbageAOFMiddle(ctx context.Context, n deploy.Node, p Params, onset *Onset) ([]Change, error) {
	path, err := lastIncrPath(ctx, n)
	if err != nil {
		return nil, err
	}
	data, err := n.ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	starts := commandStarts(data)
	if len(starts) < 2 {
		return nil, fmt.Errorf("garbage aof: %s holds %d commands, need at least 2 (write something first)", path, len(starts))
	}
	off := nearest(starts[1:], int64(len(data))/2) // never the first: "middle"
	count := p.Bytes
	if count == 0 {
		count = 8
	}
	if off+count > int64(len(data)) {
		count = int64(len(data)) - off
	}
	before := append([]byte(nil), data[off:off+count]...)
	after := make([]byte, count)
	for i := range after {
		after[i] = garbage[i%len(garbage)]
	}
	onset.Mark()
	if err := overwriteInPlace(ctx, n, path, off, after); err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: path, Action: "overwrite", Offset: off, Length: count,
		Before: hexOf(before), After: hexOf(after), Size: int64(len(data))}}, nil
}

// overwriteInPlace writes b at offset off of path on n's machine without
// truncating or replacing the file: a server that appends to it through
// an open descriptor goes on appending to the same file, after the damage.
func overwriteInPlace(ctx context.Context, n deploy.Node, path string, off int64, b []byte) error {
	var esc strings.Builder
	for _, c := range b {
		fmt.Fprintf(&esc, "\\%03o", c)
	}
	script := fmt.Sprintf("printf '%s' | dd of='%s' bs=1 seek=%d conv=notrunc status=none", esc.String(), path, off)
	if _, err := n.Shell(ctx, script); err != nil {
		return fmt.Errorf("overwrite %d bytes of %s on %s: %w", len(b), path, n.Name(), err)
	}
	return nil
}

// deleteManifest removes the AOF manifest: Redis then starts empty.
func deleteManifest(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	return deleteFile(ctx, n, manifestPath(n), onset)
}

// corruptManifest replaces the AOF manifest with text Redis cannot parse.
func corruptManifest(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	return overwriteFile(ctx, n, manifestPath(n), []byte("file\x00 "+garbage+" seq x type ?\n"), onset)
}

// deleteFile removes path from a stopped node, marking onset just before
// the delete.
func deleteFile(ctx context.Context, n deploy.Node, path string, onset *Onset) ([]Change, error) {
	data, err := n.ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	onset.Mark()
	if _, err := n.Shell(ctx, "rm -f "+path); err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: path, Action: "delete", Length: int64(len(data)),
		Before: hexOf(data), Size: int64(len(data))}}, nil
}

// overwriteFile replaces the whole content of path, marking onset just
// before the write.
func overwriteFile(ctx context.Context, n deploy.Node, path string, content []byte, onset *Onset) ([]Change, error) {
	data, err := n.ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	onset.Mark()
	if err := n.WriteFile(ctx, path, content, 0o644); err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: path, Action: "overwrite", Length: int64(len(content)),
		Before: hexOf(data), After: hexOf(content), Size: int64(len(data))}}, nil
}
