package fault

import (
	"context"
	"fmt"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// rdbPath is a node's RDB file.
func rdbPath(n deploy.Node) string { return n.DataDir() + "/" + rediskit.RDBFileName }

// flipRDB inverts Params.Bytes (default 1) bytes in the middle of dump.rdb,
// so the CRC64 check (or the parser) fails at load.
func flipRDB(ctx context.Context, n deploy.Node, p Params, onset *Onset) ([]Change, error) {
	data, err := n.ReadFile(ctx, rdbPath(n))
	if err != nil {
		return nil, err
	}
	if len(data) < 32 {
		return nil, fmt.Errorf("flip rdb: %s has only %d bytes", rdbPath(n), len(data))
	}
	count := p.Bytes
	if count == 0 {
		count = 1
	}
	off := int64(len(data)) / 2
	if off+count > int64(len(data))-9 { // keep the 9-byte trailer (EOF + CRC) intact
		count = int64(len(data)) - 9 - off
	}
	before := append([]byte(nil), data[off:off+count]...)
	for i := off; i < off+count; i++ {
		data[i] ^= 0xFF
	}
	onset.Mark()
	if err := n.WriteFile(ctx, rdbPath(n), data, 0o644); err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: rdbPath(n), Action: "flip", Offset: off, Length: count,
		Before: hexOf(before), After: hexOf(data[off : off+count]), Size: int64(len(data))}}, nil
}

// flipRDBBit inverts one bit of the byte in the middle of dump.rdb (which
// bit follows from the offset): the smallest damage, one a CRC-64 can
// locate and undo.
func flipRDBBit(ctx context.Context, n deploy.Node, _ Params, onset *Onset) ([]Change, error) {
	data, err := n.ReadFile(ctx, rdbPath(n))
	if err != nil {
		return nil, err
	}
	if len(data) < 32 {
		return nil, fmt.Errorf("flip rdb bit: %s has only %d bytes", rdbPath(n), len(data))
	}
	off := int64(len(data)) / 2
	before := data[off]
	data[off] ^= 1 << (off % 8)
	onset.Mark()
	if err := n.WriteFile(ctx, rdbPath(n), data, 0o644); err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: rdbPath(n), Action: "flip-bit", Offset: off, Length: 1,
		Before: hexOf([]byte{before}), After: hexOf(data[off : off+1]), Size: int64(len(data))}}, nil
}

// truncateRDB cuts Params.Bytes (default half the file) off the end of dump.rdb.
func truncateRDB(ctx context.Context, n deploy.Node, p Params, onset *Onset) ([]Change, error) {
	return truncateTail(ctx, n, rdbPath(n), p.Bytes, func(size int64) int64 { return size / 2 }, onset)
}

// truncateTail cuts bytes off the end of path (def gives the default from the
// size), marking onset just before the cut.
func truncateTail(ctx context.Context, n deploy.Node, path string, cut int64, def func(int64) int64, onset *Onset) ([]Change, error) {
	data, err := n.ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	size := int64(len(data))
	if size < 2 {
		return nil, fmt.Errorf("truncate %s: file has %d bytes, nothing to cut", path, size)
	}
	if cut == 0 {
		cut = def(size)
	}
	if cut >= size {
		cut = size - 1
	}
	keep := size - cut
	onset.Mark()
	if _, err := n.Shell(ctx, fmt.Sprintf("truncate -s %d %s", keep, path)); err != nil {
		return nil, err
	}
	return []Change{{Node: n.Name(), Path: path, Action: "truncate", Offset: keep, Length: cut,
		Before: hexOf(data[keep:]), Size: size}}, nil
}
