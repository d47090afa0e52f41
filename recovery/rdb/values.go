package rdb

import (
	"errors"
	"fmt"
)

// Value types (rdb.h, Redis 7.0–7.2).
const (
	typeString          = 0
	typeList            = 1
	typeSet             = 2
	typeZSet            = 3
	typeHash            = 4
	typeZSet2           = 5
	typeModule          = 6
	typeModule2         = 7
	typeHashZipmap      = 9
	typeListZiplist     = 10
	typeSetIntset       = 11
	typeZSetZiplist     = 12
	typeHashZiplist     = 13
	typeListQuicklist   = 14
	typeStreamListpacks = 15
	typeHashListpack    = 16
	typeZSetListpack    = 17
	typeListQuicklist2  = 18
	typeStream2         = 19
	typeSetListpack     = 20
	typeStream3         = 21
)

// errPartial stops the structural walk at a record that cannot be skipped.
var errPartial = errors.New("record cannot be skipped")

// skipValue consumes the value of one key of the given type.
func (r *reader) skipValue(t byte) error {
	switch t {
	case typeString, typeHashZipmap, typeListZiplist, typeSetIntset, typeZSetZiplist,
		typeHashZiplist, typeHashListpack, typeZSetListpack, typeSetListpack:
		return r.skipString()
	case typeList, typeSet, typeListQuicklist:
		return r.skipStrings(1)
	case typeHash:
		return r.skipStrings(2)
	case typeZSet, typeZSet2:
		n, err := r.plainLength()
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if err := r.skipString(); err != nil {
				return err
			}
			if t == typeZSet2 {
				err = r.skip(8)
			} else {
				err = r.skipDoubleString()
			}
			if err != nil {
				return err
			}
		}
		return nil
	case typeListQuicklist2:
		n, err := r.plainLength()
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if _, err := r.plainLength(); err != nil { // container: plain or packed
				return err
			}
			if err := r.skipString(); err != nil {
				return err
			}
		}
		return nil
	case typeStreamListpacks, typeStream2, typeStream3:
		return r.skipStream(t)
	case typeModule2:
		if _, err := r.plainLength(); err != nil { // module id
			return err
		}
		return r.skipModuleOpcodes()
	case typeModule:
		return errPartial
	}
	return fmt.Errorf("read value: unknown type %d at offset %d: %w", t, r.n-1, ErrCorrupt)
}

// skipStrings consumes a length then per×length strings.
func (r *reader) skipStrings(per uint64) error {
	n, err := r.plainLength()
	if err != nil {
		return err
	}
	for n *= per; n > 0; n-- {
		if err := r.skipString(); err != nil {
			return err
		}
	}
	return nil
}

// skipDoubleString consumes an old-style (type 3) zset score.
func (r *reader) skipDoubleString() error {
	b, err := r.byte()
	if err != nil {
		return err
	}
	if b >= 253 { // nan, +inf, -inf
		return nil
	}
	return r.skip(uint64(b))
}

// skipLengths consumes n plain lengths.
func (r *reader) skipLengths(n int) error {
	for ; n > 0; n-- {
		if _, err := r.plainLength(); err != nil {
			return err
		}
	}
	return nil
}

// skipStream consumes a stream value (types 15, 19, 21).
func (r *reader) skipStream(t byte) error {
	nodes, err := r.plainLength()
	if err != nil {
		return err
	}
	for ; nodes > 0; nodes-- {
		if err := r.skipString(); err != nil { // master entry id
			return err
		}
		if err := r.skipString(); err != nil { // listpack
			return err
		}
	}
	// length, last id ms, last id seq
	if err := r.skipLengths(3); err != nil {
		return err
	}
	if t >= typeStream2 { // first id, max deleted id, entries added
		if err := r.skipLengths(5); err != nil {
			return err
		}
	}
	groups, err := r.plainLength()
	if err != nil {
		return err
	}
	for ; groups > 0; groups-- {
		if err := r.skipString(); err != nil { // name
			return err
		}
		if err := r.skipLengths(2); err != nil { // last id
			return err
		}
		if t >= typeStream2 {
			if err := r.skipLengths(1); err != nil { // entries read
				return err
			}
		}
		pel, err := r.plainLength()
		if err != nil {
			return err
		}
		for ; pel > 0; pel-- {
			if err := r.skip(16 + 8); err != nil { // id, delivery time
				return err
			}
			if err := r.skipLengths(1); err != nil { // delivery count
				return err
			}
		}
		consumers, err := r.plainLength()
		if err != nil {
			return err
		}
		for ; consumers > 0; consumers-- {
			if err := r.skipString(); err != nil { // name
				return err
			}
			times := uint64(8) // seen time
			if t >= typeStream3 {
				times += 8 // active time
			}
			if err := r.skip(times); err != nil {
				return err
			}
			cpel, err := r.plainLength()
			if err != nil {
				return err
			}
			if err := r.skip(cpel * 16); err != nil {
				return err
			}
		}
	}
	return nil
}

// Module value opcodes.
const (
	moduleOpEOF    = 0
	moduleOpSInt   = 1
	moduleOpUInt   = 2
	moduleOpFloat  = 3
	moduleOpDouble = 4
	moduleOpString = 5
)

// skipModuleOpcodes consumes a self-describing module value up to its EOF.
func (r *reader) skipModuleOpcodes() error {
	for {
		op, err := r.plainLength()
		if err != nil {
			return err
		}
		switch op {
		case moduleOpEOF:
			return nil
		case moduleOpSInt, moduleOpUInt:
			_, err = r.plainLength()
		case moduleOpFloat:
			err = r.skip(4)
		case moduleOpDouble:
			err = r.skip(8)
		case moduleOpString:
			err = r.skipString()
		default:
			return fmt.Errorf("read module value: unknown opcode %d at offset %d: %w", op, r.n, ErrCorrupt)
		}
		if err != nil {
			return err
		}
	}
}
