package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// synthRDB builds a valid version-10 RDB with n string keys of valueSize
// bytes in db 0, the way Redis writes them (aux fields, RESIZEDB, checksum).
func synthRDB(n, valueSize int) []byte {
	var b bytes.Buffer
	b.WriteString("REDIS0010")
	aux := func(k, v string) {
		b.WriteByte(opAux)
		writeStr(&b, []byte(k))
		writeStr(&b, []byte(v))
	}
	aux("redis-ver", "7.0.15")
	aux("redis-bits", "64")
	b.WriteByte(opSelectDB)
	writeLen(&b, 0)
	b.WriteByte(opResizeDB)
	writeLen(&b, uint64(n))
	writeLen(&b, 0)
	val := bytes.Repeat([]byte("v"), valueSize)
	for i := 0; i < n; i++ {
		b.WriteByte(typeString)
		writeStr(&b, fmt.Appendf(nil, "key:%d", i))
		writeStr(&b, val)
	}
	b.WriteByte(opEOF)
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], CRC64(b.Bytes()))
	b.Write(sum[:])
	return b.Bytes()
}

func writeLen(b *bytes.Buffer, n uint64) {
	switch {
	case n < 1<<6:
		b.WriteByte(byte(n))
	case n < 1<<14:
		b.WriteByte(byte(n>>8) | 0x40)
		b.WriteByte(byte(n))
	case n <= 0xffffffff:
		b.WriteByte(0x80)
		_ = binary.Write(b, binary.BigEndian, uint32(n))
	default:
		b.WriteByte(0x81)
		_ = binary.Write(b, binary.BigEndian, n)
	}
}

func writeStr(b *bytes.Buffer, s []byte) {
	writeLen(b, uint64(len(s)))
	b.Write(s)
}

// rdbBuilder writes RDB files record by record for tests.
type rdbBuilder struct{ b bytes.Buffer }

// newBuilder starts a file with the given 9-byte header ("REDIS0012",
// "VALKEY080") and a server version aux field.
func newBuilder(header, auxKey, auxVal string) *rdbBuilder {
	w := &rdbBuilder{}
	w.b.WriteString(header)
	w.aux(auxKey, auxVal)
	return w
}

func (w *rdbBuilder) aux(k, v string) *rdbBuilder {
	w.b.WriteByte(opAux)
	writeStr(&w.b, []byte(k))
	writeStr(&w.b, []byte(v))
	return w
}

func (w *rdbBuilder) op(b ...byte) *rdbBuilder { w.b.Write(b); return w }

func (w *rdbBuilder) len(n uint64) *rdbBuilder { writeLen(&w.b, n); return w }

func (w *rdbBuilder) str(s string) *rdbBuilder { writeStr(&w.b, []byte(s)); return w }

// ms writes an 8-byte little-endian millisecond time.
func (w *rdbBuilder) ms(t int64) *rdbBuilder {
	_ = binary.Write(&w.b, binary.LittleEndian, t)
	return w
}

// done appends the EOF opcode and the checksum.
func (w *rdbBuilder) done() []byte {
	w.b.WriteByte(opEOF)
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], CRC64(w.b.Bytes()))
	w.b.Write(sum[:])
	return w.b.Bytes()
}
