package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const readBufSize = 256 << 10

// reader reads an RDB stream, folding every consumed byte into the CRC.
type reader struct {
	br  *bufio.Reader
	crc uint64
	n   int64
	// version and valkey (a VALKEY-magic file) select the value types:
	// Redis and Valkey gave the types from 22 on different meanings.
	version int
	valkey  bool
}

func newReader(r io.Reader) *reader {
	return &reader{br: bufio.NewReaderSize(r, readBufSize)}
}

// truncated maps end-of-input errors to ErrTruncated.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read at end of input: %w", ErrTruncated)
	}
	return err
}

// peek returns the next n (≤ readBufSize) bytes and consumes them. The slice
// is valid until the next read.
func (r *reader) next(n int) ([]byte, error) {
	p, err := r.br.Peek(n)
	if err != nil {
		return nil, truncated(err)
	}
	r.crc = UpdateCRC64(r.crc, p)
	r.n += int64(n)
	if _, err := r.br.Discard(n); err != nil {
		return nil, truncated(err)
	}
	return p, nil
}

func (r *reader) byte() (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		return 0, truncated(err)
	}
	r.crc = crcTables[0][byte(r.crc)^b] ^ r.crc>>8
	r.n++
	return b, nil
}

// skip consumes n bytes.
func (r *reader) skip(n uint64) error {
	for n > 0 {
		chunk := uint64(readBufSize)
		if n < chunk {
			chunk = n
		}
		if _, err := r.next(int(chunk)); err != nil {
			return err
		}
		n -= chunk
	}
	return nil
}

// bytes reads n bytes into a new slice.
func (r *reader) bytes(n uint64) ([]byte, error) {
	out := make([]byte, 0, min(n, 1<<20))
	for n > 0 {
		chunk := min(n, readBufSize)
		p, err := r.next(int(chunk))
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
		n -= chunk
	}
	return out, nil
}

// length reads an RDB length; encoded is true for the special string
// encodings (then the value is the encoding type).
func (r *reader) length() (v uint64, encoded bool, err error) {
	b, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case 0:
		return uint64(b & 0x3f), false, nil
	case 1:
		b2, err := r.byte()
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case 2:
		switch b {
		case 0x80:
			p, err := r.next(4)
			if err != nil {
				return 0, false, err
			}
			return uint64(binary.BigEndian.Uint32(p)), false, nil
		case 0x81:
			p, err := r.next(8)
			if err != nil {
				return 0, false, err
			}
			return binary.BigEndian.Uint64(p), false, nil
		}
		return 0, false, fmt.Errorf("read length: bad length byte 0x%02x at offset %d: %w", b, r.n-1, ErrCorrupt)
	default:
		return uint64(b & 0x3f), true, nil
	}
}

// plainLength reads a length that must not be a string encoding.
func (r *reader) plainLength() (uint64, error) {
	v, enc, err := r.length()
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, fmt.Errorf("read length: encoded value at offset %d: %w", r.n-1, ErrCorrupt)
	}
	return v, nil
}

// String encodings.
const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// skipString consumes one RDB string of any encoding.
func (r *reader) skipString() error {
	v, enc, err := r.length()
	if err != nil {
		return err
	}
	if !enc {
		return r.skip(v)
	}
	switch v {
	case encInt8:
		return r.skip(1)
	case encInt16:
		return r.skip(2)
	case encInt32:
		return r.skip(4)
	case encLZF:
		clen, err := r.plainLength()
		if err != nil {
			return err
		}
		if _, err := r.plainLength(); err != nil {
			return err
		}
		return r.skip(clen)
	}
	return fmt.Errorf("read string: unknown encoding %d at offset %d: %w", v, r.n, ErrCorrupt)
}

// string reads one RDB string, decoding integers and LZF. Strings longer than
// limit are skipped and returned as nil.
func (r *reader) string(limit uint64) ([]byte, error) {
	v, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		if v > limit {
			return nil, r.skip(v)
		}
		return r.bytes(v)
	}
	switch v {
	case encInt8:
		p, err := r.next(1)
		if err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "%d", int8(p[0])), nil
	case encInt16:
		p, err := r.next(2)
		if err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "%d", int16(binary.LittleEndian.Uint16(p))), nil
	case encInt32:
		p, err := r.next(4)
		if err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "%d", int32(binary.LittleEndian.Uint32(p))), nil
	case encLZF:
		clen, err := r.plainLength()
		if err != nil {
			return nil, err
		}
		ulen, err := r.plainLength()
		if err != nil {
			return nil, err
		}
		if ulen > limit || clen > limit {
			return nil, r.skip(clen)
		}
		c, err := r.bytes(clen)
		if err != nil {
			return nil, err
		}
		return lzfDecompress(c, int(ulen))
	}
	return nil, fmt.Errorf("read string: unknown encoding %d at offset %d: %w", v, r.n, ErrCorrupt)
}
