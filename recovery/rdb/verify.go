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
func Verify(r io.Reader) (Info, error) {
	if r == nil {
		return Info{}, fmt.Errorf("verify rdb: nil reader")
	}
	rd := newReader(r)
	info := Info{Aux: map[string]string{}, DBs: map[uint64]DBStats{}, Structure: StructureFull}
	err := walk(rd, &info)
	info.Size = rd.n
	if err != nil {
		return info, fmt.Errorf("verify rdb at offset %d: %w", rd.n, err)
	}
	rest, err := io.Copy(io.Discard, rd.br)
	if err != nil {
		return info, fmt.Errorf("verify rdb: read trailing bytes: %w", err)
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

// walk parses the header and records up to the checksum.
func walk(r *reader, info *Info) error {
	head, err := r.next(9)
	if err != nil {
		return err
	}
	if string(head[:5]) != "REDIS" {
		return ErrNotRDB
	}
	v, err := strconv.Atoi(string(head[5:9]))
	if err != nil {
		return fmt.Errorf("version %q: %w", head[5:9], ErrNotRDB)
	}
	info.Version = v
	if v < MinVersion || v > MaxVersion {
		return fmt.Errorf("version %d: %w", v, ErrVersion)
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
		case opExpire:
			_, err = r.next(4)
			expiring = true
		case opExpireMS:
			_, err = r.next(8)
			expiring = true
		case opFreq:
			_, err = r.next(1)
		case opIdle:
			_, err = r.plainLength()
		case opModuleAux:
			err = r.skipModuleAux()
		case opFunction2:
			err = r.skipString()
			info.Functions++
		case opFunction:
			err = errPartial
		default:
			if err := r.skipString(); err != nil { // key
				return err
			}
			err = r.skipValue(t)
			if err == nil {
				cur.Keys++
				if expiring {
					cur.Expires++
				}
			}
			expiring = false
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
