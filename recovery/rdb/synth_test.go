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
