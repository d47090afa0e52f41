package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// KeyEntry is one key of an RDB file, as WalkKeys hands it out.
type KeyEntry struct {
	// DB is the logical database (SELECTDB) the key is in.
	DB int
	// Key is the key's name, decoded (integer and LZF encodings expanded);
	// a copy the callback may keep.
	Key []byte
	// Type is the RDB value type code (0 string, 1 list, 2 set, …; from 22
	// on its meaning depends on the magic, see Kind).
	Type byte
	// ExpireAtMs is the key's expire time in unix milliseconds; 0 when the
	// key has none. A stored time of 0 (1970) is reported as -1, so it
	// still reads as "has a TTL, already past".
	ExpireAtMs int64
	// FieldExpireMinMs is, for a hash whose value type carries field TTLs
	// (Redis 7.4+ types 22–25, Valkey 9's HASH_2), the earliest field
	// expire time in unix milliseconds: once it passes, fields start to
	// expire and the hash may empty and vanish. 0 when no field has a TTL
	// (and for every other type); -1 when the file does not say (the Redis
	// 7.4 release candidates' listpack form, type 23, keeps the TTLs inside
	// the listpack) or the earliest time is not positive.
	FieldExpireMinMs int64
}

// Kind returns the Redis data type of the key's value as TYPE names it:
// "string", "list", "set", "zset", "hash", "stream" or "module" ("" for a
// code WalkKeys never hands out). Every type from 22 on that WalkKeys
// accepts is a hash, whatever the magic.
func (k KeyEntry) Kind() string {
	switch k.Type {
	case typeString:
		return "string"
	case typeList, typeListZiplist, typeListQuicklist, typeListQuicklist2:
		return "list"
	case typeSet, typeSetIntset, typeSetListpack:
		return "set"
	case typeZSet, typeZSet2, typeZSetZiplist, typeZSetListpack:
		return "zset"
	case typeHash, typeHashZipmap, typeHashZiplist, typeHashListpack,
		typeRedisHashMetadataPreGA, typeRedisHashListpackExPreGA, typeRedisHashMetadata, typeRedisHashListpackEx:
		return "hash"
	case typeStreamListpacks, typeStream2, typeStream3:
		return "stream"
	case typeModule, typeModule2:
		return "module"
	}
	return ""
}

// WalkKeys walks an in-memory RDB file exactly as VerifyBytes does — the
// same checks, CRC included, and the same Info — and hands every key to fn
// in file order, after its value was walked. A key is handed out exactly
// when Info counts it: the KeyEntry values fn sees add up to Info.Keys per
// database. When Info.Structure is StructurePartial (an old-style module
// value stopped the walk), fn saw only the keys before that value.
//
// An error from fn stops the walk; WalkKeys returns it wrapped (test it
// with errors.Is) with the Info gathered so far. Because fn runs before
// the checksum at the end is checked, fn may see keys of a file WalkKeys
// then rejects. Reading key names also checks their LZF encoding, which
// Verify skips: a file whose checksum is disabled but whose key names do
// not decompress is rejected with ErrCorrupt. A nil fn makes WalkKeys
// VerifyBytes.
func WalkKeys(b []byte, fn func(k KeyEntry) error) (Info, error) {
	return verify(bytes.NewReader(b), fn, "walk rdb keys")
}

// lzfMaxRatio bounds what an LZF stream expands to: its longest token, a
// 3-byte back-reference, yields 264 bytes.
const lzfMaxRatio = 88

// keyString reads a key: string without a length limit, but an LZF key
// whose stated length its compressed size cannot produce is rejected
// before the buffer is allocated.
func (r *reader) keyString() ([]byte, error) {
	p, err := r.br.Peek(1)
	if err != nil {
		return nil, truncated(err)
	}
	if p[0] != 0xC0|encLZF {
		return r.string(math.MaxUint64)
	}
	if _, err := r.byte(); err != nil {
		return nil, err
	}
	clen, err := r.plainLength()
	if err != nil {
		return nil, err
	}
	ulen, err := r.plainLength()
	if err != nil {
		return nil, err
	}
	if clen < math.MaxUint64/lzfMaxRatio && ulen > clen*lzfMaxRatio {
		return nil, fmt.Errorf("read key: LZF length %d from %d bytes at offset %d: %w", ulen, clen, r.n, ErrCorrupt)
	}
	c, err := r.bytes(clen)
	if err != nil {
		return nil, err
	}
	return lzfDecompress(c, int(ulen))
}

// quoteKey quotes a key for an error message, shortened when long.
func quoteKey(k []byte) string {
	const limit = 64
	if len(k) > limit {
		return fmt.Sprintf("%q… (%d bytes)", k[:limit], len(k))
	}
	return fmt.Sprintf("%q", k)
}

// expireAtOrPast maps a stored expire time of 0 to -1 (see
// KeyEntry.ExpireAtMs).
func expireAtOrPast(ms int64) int64 {
	if ms == 0 {
		return -1
	}
	return ms
}

// valkeyExpiryNone is the field expire time Valkey saves for a field of a
// HASH_2 without a TTL (EXPIRY_NONE, valkey src/server.h).
const valkeyExpiryNone = -1

// hashFieldTTLType reports whether values of type t are hashes that carry
// field TTLs in this file's format (the types skipRedisValue and
// skipValkeyValue accept).
func (r *reader) hashFieldTTLType(t byte) bool {
	switch {
	case t < firstForkedType:
		return false
	case r.valkey:
		return t == typeValkeyHash2
	default:
		return r.version >= 12 && t <= typeRedisHashListpackEx
	}
}

// hashFieldExpireMin consumes a value of a hashFieldTTLType type, like
// skipValue, and returns the earliest field expire time (see
// KeyEntry.FieldExpireMinMs).
func (r *reader) hashFieldExpireMin(t byte) (int64, error) {
	var low int64
	seen := false
	see := func(ms int64) {
		if !seen || ms < low {
			low, seen = ms, true
		}
	}
	result := func() int64 {
		switch {
		case !seen:
			return 0
		case low <= 0:
			return -1
		}
		return low
	}
	ms8 := func() (int64, error) {
		p, err := r.next(8)
		if err != nil {
			return 0, err
		}
		return int64(binary.LittleEndian.Uint64(p)), nil
	}
	switch {
	case r.valkey: // HASH_2: count, [field value expire]...
		n, err := r.plainLength()
		if err != nil {
			return 0, err
		}
		for ; n > 0; n-- {
			if err := r.skipStrings2(); err != nil {
				return 0, err
			}
			ms, err := ms8()
			if err != nil {
				return 0, err
			}
			if ms != valkeyExpiryNone {
				see(ms)
			}
		}
	case t == typeRedisHashListpackExPreGA: // the TTLs are in the listpack
		return -1, r.skipString()
	case t == typeRedisHashListpackEx: // min expire (0: none), listpack
		ms, err := ms8()
		if err != nil {
			return 0, err
		}
		if err := r.skipString(); err != nil {
			return 0, err
		}
		if ms != 0 {
			see(ms)
		}
	default: // HASH_METADATA (min expire, relative TTLs) or its PRE_GA form (absolute TTLs)
		var base int64
		if t == typeRedisHashMetadata {
			ms, err := ms8()
			if err != nil {
				return 0, err
			}
			base = ms
		}
		n, err := r.plainLength()
		if err != nil {
			return 0, err
		}
		for ; n > 0; n-- {
			ttl, err := r.plainLength() // 0: none
			if err != nil {
				return 0, err
			}
			if err := r.skipStrings2(); err != nil { // field, value
				return 0, err
			}
			switch {
			case ttl == 0:
			case t == typeRedisHashMetadata:
				see(base + int64(ttl) - 1)
			default:
				see(int64(ttl))
			}
		}
	}
	return result(), nil
}
