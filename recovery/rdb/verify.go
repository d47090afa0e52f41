package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Opcodes (rdb.h).
const (
	// opSlotImport (243) exists in VALKEY-magic files only: Valkey 9 saves
	// the slot imports under way in cluster mode (valkey src/rdb.h tag
	// 9.0.0: "#define RDB_OPCODE_SLOT_IMPORT 243"; the record is written by
	// clusterRDBSaveSlotImports in src/cluster_migrateslots.c: job name
	// string, number of ranges, then start and end slot lengths per range).
	// In a REDIS-magic file 243 is not an opcode (Valkey 9 rejects types
	// and opcodes RDB_FOREIGN_TYPE_MIN..MAX = 22..243 there).
	opSlotImport = 0xF3
	// opSlotInfo (244): slot id, keys in the slot, expiring keys in the
	// slot, three lengths, before the keys of each slot. Redis 7.4+ writes
	// it in cluster mode (redis src/rdb.h tags 7.4.0 and 8.0-m01:
	// "#define RDB_OPCODE_SLOT_INFO  244", src/rdb.c rdbSaveDb); Valkey 9
	// reads and ignores it (valkey src/rdb.h tag 9.0.0: "Foreign slot info,
	// safe to ignore").
	opSlotInfo    = 0xF4
	opFunction2   = 0xF5
	opFunction    = 0xF6
	opModuleAux   = 0xF7
	opIdle        = 0xF8
	opFreq        = 0xF9
	opAux         = 0xFA
	opResizeDB    = 0xFB
	opExpireMS    = 0xFC
	opExpire      = 0xFD
	opSelectDB    = 0xFE
	opEOF         = 0xFF
	auxValueLimit = 1 << 20
)

// Verify reads a whole RDB stream and checks it: magic, version, structure
// (key counts, EOF opcode) and the CRC-64 checksum. It consumes r to its end;
// bytes after the checksum are counted in Info.Trailing. On error the Info
// gathered so far is returned too.
func Verify(r io.Reader) (Info, error) { return verify(r, nil, "verify rdb") }

// verify is Verify, handing every key to onKey when it is not nil (see
// WalkKeys); op prefixes the errors.
func verify(r io.Reader, onKey func(KeyEntry) error, op string) (Info, error) {
	if r == nil {
		return Info{}, fmt.Errorf("%s: nil reader", op)
	}
	rd := newReader(r)
	info := Info{Aux: map[string]string{}, DBs: map[uint64]DBStats{}, Structure: StructureFull, valueTypes: map[byte]int64{}}
	err := walk(rd, &info, onKey)
	info.Size = rd.n
	if err != nil {
		return info, fmt.Errorf("%s at offset %d: %w", op, rd.n, err)
	}
	rest, err := io.Copy(io.Discard, rd.br)
	if err != nil {
		return info, fmt.Errorf("%s: read trailing bytes: %w", op, err)
	}
	info.Trailing = rest
	return info, nil
}

// VerifyBytes is Verify over an in-memory file.
func VerifyBytes(b []byte) (Info, error) { return Verify(bytes.NewReader(b)) }

// VerifyFile is Verify over a file on disk.
func VerifyFile(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("verify rdb: %w", err)
	}
	defer f.Close()
	return Verify(f)
}

// walk parses the header and records up to the checksum. With onKey set it
// reads each key's name (and the field TTLs of hashes that have them)
// instead of skipping them, and hands the key to onKey once its value has
// been walked; an onKey error stops the walk.
func walk(r *reader, info *Info, onKey func(KeyEntry) error) error {
	if err := readHeader(r, info); err != nil {
		return err
	}
	var db uint64
	var cur DBStats // counts of db, flushed into info.DBs on SELECTDB and at the end
	flush := func() {
		if cur.Keys > 0 || cur.Expires > 0 {
			s := info.DBs[db]
			s.Keys += cur.Keys
			s.Expires += cur.Expires
			info.DBs[db] = s
		}
		info.Keys += cur.Keys
		info.Expires += cur.Expires
		cur = DBStats{}
	}
	defer flush()
	expiring := false
	var expireAt int64 // of the next key, in unix ms, when expiring
	for {
		t, err := r.byte()
		if err != nil {
			return err
		}
		switch t {
		case opEOF:
			return checkCRC(r, info)
		case opAux:
			k, err := r.string(auxValueLimit)
			if err != nil {
				return err
			}
			val, err := r.string(auxValueLimit)
			if err != nil {
				return err
			}
			info.Aux[string(k)] = string(val)
		case opSelectDB:
			flush()
			if db, err = r.plainLength(); err != nil {
				return err
			}
		case opResizeDB:
			err = r.skipLengths(2)
		case opExpire: // seconds, int32 little-endian
			var p []byte
			if p, err = r.next(4); err == nil {
				expireAt = int64(int32(binary.LittleEndian.Uint32(p))) * 1000
			}
			expiring = true
		case opExpireMS: // milliseconds, int64 little-endian
			var p []byte
			if p, err = r.next(8); err == nil {
				expireAt = int64(binary.LittleEndian.Uint64(p))
			}
			expiring = true
		case opFreq:
			_, err = r.next(1)
		case opIdle:
			_, err = r.plainLength()
		case opModuleAux:
			err = r.skipModuleAux()
		case opSlotInfo:
			err = r.skipLengths(3)
		case opSlotImport:
			if !r.valkey {
				return unknownType(r, t)
			}
			err = r.skipSlotImport()
		case opFunction2:
			err = r.skipString()
			info.Functions++
		case opFunction:
			err = errPartial
		default:
			var key []byte
			if onKey != nil {
				key, err = r.keyString()
			} else {
				err = r.skipString()
			}
			if err != nil {
				return err
			}
			var fieldExpire int64
			if onKey != nil && r.hashFieldTTLType(t) {
				fieldExpire, err = r.hashFieldExpireMin(t)
			} else {
				err = r.skipValue(t)
			}
			if err == nil {
				info.valueTypes[t]++
				cur.Keys++
				if expiring {
					cur.Expires++
				}
				if onKey != nil {
					e := KeyEntry{DB: int(db), Key: key, Type: t, FieldExpireMinMs: fieldExpire}
					if expiring {
						e.ExpireAtMs = expireAtOrPast(expireAt)
					}
					if err := onKey(e); err != nil {
						return fmt.Errorf("key %s (db %d): %w", quoteKey(key), db, err)
					}
				}
			}
			expiring, expireAt = false, 0
		}
		if errors.Is(err, errPartial) {
			info.Structure = StructurePartial
			return checkCRCRaw(r, info)
		}
		if err != nil {
			return err
		}
	}
}

// readHeader reads the magic and the version: "REDIS" and four digits, or
// "VALKEY" and three digits (both loaders read 9 bytes; Valkey 9 takes
// atoi(buf + 6) after "REDIS0" or "VALKEY", valkey src/rdb.c
// rdbLoadRioWithLoadingCtx, tags 9.0.0 and 9.1.0).
func readHeader(r *reader, info *Info) error {
	head, err := r.next(9)
	if err != nil {
		return err
	}
	var digits string
	lo, hi := MinVersion, MaxVersion
	switch {
	case string(head[:len(MagicRedis)]) == MagicRedis:
		info.Magic, digits = MagicRedis, string(head[len(MagicRedis):])
	case string(head[:len(MagicValkey)]) == MagicValkey:
		info.Magic, digits = MagicValkey, string(head[len(MagicValkey):])
		lo, hi = MinValkeyVersion, MaxValkeyVersion
		r.valkey = true
	default:
		return ErrNotRDB
	}
	v, err := strconv.Atoi(digits)
	if err != nil || digits[0] < '0' || digits[0] > '9' {
		return fmt.Errorf("version %q: %w", digits, ErrNotRDB)
	}
	info.Version, r.version = v, v
	if v < lo || v > hi {
		return fmt.Errorf("version %d with magic %s: %w", v, info.Magic, ErrVersion)
	}
	return nil
}

// skipSlotImport consumes a Valkey slot import record (after its opcode).
func (r *reader) skipSlotImport() error {
	if err := r.skipString(); err != nil { // job name
		return err
	}
	n, err := r.plainLength()
	if err != nil {
		return err
	}
	for ; n > 0; n-- {
		if err := r.skipLengths(2); err != nil { // start slot, end slot
			return err
		}
	}
	return nil
}

// skipModuleAux consumes a module aux record (module id, when opcode, when,
// then the opcode-described value).
func (r *reader) skipModuleAux() error {
	if _, err := r.plainLength(); err != nil {
		return err
	}
	op, err := r.plainLength()
	if err != nil {
		return err
	}
	if op != moduleOpUInt {
		return fmt.Errorf("module aux: when opcode %d: %w", op, ErrCorrupt)
	}
	if _, err := r.plainLength(); err != nil {
		return err
	}
	return r.skipModuleOpcodes()
}

// checkCRC reads the 8-byte checksum that follows the EOF opcode.
func checkCRC(r *reader, info *Info) error {
	if info.Version < 5 {
		info.ChecksumDisabled = true
		return nil
	}
	want := r.crc
	p, err := r.next(8)
	if err != nil {
		return err
	}
	return compareCRC(info, binary.LittleEndian.Uint64(p), want)
}

func compareCRC(info *Info, stored, computed uint64) error {
	info.Checksum = stored
	if stored == 0 {
		info.ChecksumDisabled = true
		return nil
	}
	if stored != computed {
		return fmt.Errorf("stored %016x, computed %016x: %w", stored, computed, ErrChecksum)
	}
	return nil
}

// checkCRCRaw reads the rest of the stream without parsing it: the last 8
// bytes are the checksum and the byte before them must be the EOF opcode.
func checkCRCRaw(r *reader, info *Info) error {
	if info.Version < 5 {
		return fmt.Errorf("structure walk stopped and version %d has no checksum: %w", info.Version, ErrCorrupt)
	}
	var hold []byte // the last ≤ 8 bytes read, not yet in the CRC
	var last byte = 0
	haveLast := false
	buf := make([]byte, readBufSize)
	for {
		n, err := r.br.Read(buf)
		if n > 0 {
			data := append(hold, buf[:n]...)
			if len(data) > 8 {
				body := data[:len(data)-8]
				r.crc = UpdateCRC64(r.crc, body)
				r.n += int64(len(body))
				last, haveLast = body[len(body)-1], true
				hold = append([]byte(nil), data[len(data)-8:]...)
			} else {
				hold = data
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(hold) < 8 || !haveLast {
		return fmt.Errorf("no checksum at end: %w", ErrTruncated)
	}
	r.n += 8
	if last != opEOF {
		return fmt.Errorf("byte before checksum is 0x%02x, not EOF: %w", last, ErrCorrupt)
	}
	return compareCRC(info, binary.LittleEndian.Uint64(hold), r.crc)
}
