package rdb

import (
	"errors"
	"fmt"
)

// Value types shared by every Redis and Valkey (rdb.h, Redis 7.0–8.0,
// Valkey 7.2–9.1).
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

// Value types from 22 on mean different things in Redis and in Valkey
// files, told apart by the magic (REDIS or VALKEY).
//
// Redis 7.4+ hash field expiration (HFE), RDB 12 (redis src/rdb.h, tags
// 7.4.0 and 8.0-m01; the same list in the rdb_type_string table of the
// Redis 8.0.2 binary: "hash-hashtable-md-pre-release",
// "hash-listpack-md-pre-release", "hash-hashtable-md", "hash-listpack-md"):
//
//	#define RDB_TYPE_HASH_METADATA_PRE_GA 22      /* Hash with HFEs. Doesn't attach min TTL at start (7.4 RC) */
//	#define RDB_TYPE_HASH_LISTPACK_EX_PRE_GA 23   /* Hash LP with HFEs. Doesn't attach min TTL at start (7.4 RC) */
//	#define RDB_TYPE_HASH_METADATA 24             /* Hash with HFEs. Attach min TTL at start */
//	#define RDB_TYPE_HASH_LISTPACK_EX 25          /* Hash LP with HFEs. Attach min TTL at start */
//
// Layouts (src/rdb.c rdbSaveObject / rdbLoadObject, tag 8.0-m01):
// HASH_METADATA is the min expire time (8 bytes, rdbSaveMillisecondTime),
// the field count, then per field a TTL length (0 = none, else relative to
// the min expire plus 1), the field and the value; the PRE_GA form has no
// min expire time and absolute TTLs. HASH_LISTPACK_EX is the min expire
// time (8 bytes) then the listpack as one string; the PRE_GA form is the
// listpack only.
const (
	typeRedisHashMetadataPreGA   = 22
	typeRedisHashListpackExPreGA = 23
	typeRedisHashMetadata        = 24
	typeRedisHashListpackEx      = 25
)

// Valkey 9.0+ hash field expiration, RDB 80 (valkey src/rdb.h, tags 9.0.0
// and 9.1.0: "RDB_TYPE_HASH_2 = 22, /* Hash with field-level expiration
// (Valkey 9.0) */"; "hash-volatile-items" in the Valkey 9.1.2 binary's
// rdb_type_string table). Layout (src/rdb.c rdbSaveObject, tags 9.0.0 and
// 9.1.0): the field count, then per field the field, the value and its
// expire time (8 bytes, rdbSaveMillisecondTime; EXPIRY_NONE when none).
// Valkey's unreleased RDB 81 (valkey unstable, commit 01756301: "{81,
// 0x090200}" in RDB_VERSION_MAP) adds type 23, RDB_TYPE_PATH_HASH; Verify
// rejects the version.
const typeValkeyHash2 = 22

// firstForkedType is the first value type whose meaning depends on the
// magic.
const firstForkedType = 22

// unknownType is the error for a type or opcode byte Verify does not know
// in this file's format.
func unknownType(r *reader, t byte) error {
	magic := MagicRedis
	if r.valkey {
		magic = MagicValkey
	}
	return fmt.Errorf("read value: unknown type %d in a %s%d file at offset %d: %w", t, magic, r.version, r.n-1, ErrCorrupt)
}

// errPartial stops the structural walk at a record that cannot be skipped.
var errPartial = errors.New("record cannot be skipped")

// skipValue consumes the value of one key of the given type.
func (r *reader) skipValue(t byte) error {
	if t >= firstForkedType {
		if r.valkey {
			return r.skipValkeyValue(t)
		}
		return r.skipRedisValue(t)
	}
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
	return unknownType(r, t)
}

// skipRedisValue consumes a value of a Redis-only type (REDIS magic, RDB 12).
func (r *reader) skipRedisValue(t byte) error {
	if r.version < 12 {
		return unknownType(r, t)
	}
	switch t {
	case typeRedisHashListpackExPreGA:
		return r.skipString()
	case typeRedisHashListpackEx:
		if err := r.skip(8); err != nil { // min expire time
			return err
		}
		return r.skipString()
	case typeRedisHashMetadataPreGA, typeRedisHashMetadata:
		if t == typeRedisHashMetadata {
			if err := r.skip(8); err != nil { // min expire time
				return err
			}
		}
		n, err := r.plainLength()
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if _, err := r.plainLength(); err != nil { // TTL
				return err
			}
			if err := r.skipStrings2(); err != nil { // field, value
				return err
			}
		}
		return nil
	}
	return unknownType(r, t)
}

// skipValkeyValue consumes a value of a Valkey-only type (VALKEY magic).
func (r *reader) skipValkeyValue(t byte) error {
	switch t {
	case typeValkeyHash2:
		n, err := r.plainLength()
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if err := r.skipStrings2(); err != nil { // field, value
				return err
			}
			if err := r.skip(8); err != nil { // expire time
				return err
			}
		}
		return nil
	}
	return unknownType(r, t)
}

// skipStrings2 consumes two strings.
func (r *reader) skipStrings2() error {
	if err := r.skipString(); err != nil {
		return err
	}
	return r.skipString()
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
