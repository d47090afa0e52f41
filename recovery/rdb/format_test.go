package rdb

import (
	"errors"
	"path/filepath"
	"testing"
)

// redis12 is a Redis 8.0 style file: hashes with field TTLs of every HFE
// type, SLOT_INFO records (cluster mode) and an expiring string.
func redis12() []byte {
	w := newBuilder("REDIS0012", "redis-ver", "8.0.2").op(opSelectDB).len(0).op(opResizeDB).len(5).len(1)
	w.op(opSlotInfo).len(866).len(2).len(0)
	// RDB_TYPE_HASH_METADATA: min expire, count, [ttl field value]...
	w.op(typeRedisHashMetadata).str("h:md").ms(1_900_000_000_000).len(2).len(0).str("f1").str("v1").len(1).str("f2").str("v2")
	// RDB_TYPE_HASH_LISTPACK_EX: min expire, listpack.
	w.op(typeRedisHashListpackEx).str("h:lpex").ms(1_900_000_000_000).str("\x20\x00\x00\x00\x02\x00listpack-bytes\xff")
	w.op(opSlotInfo).len(15495).len(3).len(1)
	// The 7.4 release-candidate forms: no min expire.
	w.op(typeRedisHashMetadataPreGA).str("h:md-rc").len(1).len(1_900_000_000_000).str("f").str("v")
	w.op(typeRedisHashListpackExPreGA).str("h:lpex-rc").str("listpack")
	w.op(opExpireMS).ms(1_900_000_000_000).op(typeString).str("s").str("v")
	return w.done()
}

// valkey80 is a Valkey 9 style file: a hash with field expirations
// (RDB_TYPE_HASH_2), a slot import record and a function library.
func valkey80() []byte {
	w := newBuilder("VALKEY080", "valkey-ver", "9.1.2")
	w.op(opFunction2).str("#!lua name=drill\nredis.register_function('one', function() return 1 end)")
	w.op(opSlotImport).str("0123456789012345678901234567890123456789").len(2).len(0).len(99).len(200).len(300)
	w.op(opSelectDB).len(0).op(opResizeDB).len(2).len(0)
	// RDB_TYPE_HASH_2: count, [field value expire]...
	w.op(typeValkeyHash2).str("h:2").len(2).str("f1").str("v1").ms(-1).str("f2").str("v2").ms(1_900_000_000_000)
	w.op(typeHash).str("h").len(1).str("f").str("v")
	w.op(opSelectDB).len(3).op(opResizeDB).len(1).len(0)
	w.op(typeHashListpack).str("h:lp").str("listpack")
	return w.done()
}

func TestVerifyRedis12(t *testing.T) {
	info, err := VerifyBytes(redis12())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if info.Magic != MagicRedis || info.Version != 12 || info.Keys != 5 || info.Expires != 1 || info.Structure != StructureFull {
		t.Fatalf("unexpected info %+v", info)
	}
	for _, typ := range []byte{typeRedisHashMetadataPreGA, typeRedisHashListpackExPreGA, typeRedisHashMetadata, typeRedisHashListpackEx} {
		if info.valueTypes[typ] != 1 {
			t.Errorf("type %d: walked %d keys, want 1", typ, info.valueTypes[typ])
		}
	}
	if p, v := info.ServerVersion(); p != "redis" || v != "8.0.2" {
		t.Errorf("server version %q %q", p, v)
	}
}

func TestVerifyValkey80(t *testing.T) {
	info, err := VerifyBytes(valkey80())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if info.Magic != MagicValkey || info.Version != 80 || info.Keys != 3 || info.Functions != 1 || info.Structure != StructureFull {
		t.Fatalf("unexpected info %+v", info)
	}
	if info.DBs[0].Keys != 2 || info.DBs[3].Keys != 1 || info.valueTypes[typeValkeyHash2] != 1 {
		t.Fatalf("dbs %v types %v", info.DBs, info.valueTypes)
	}
	if p, v := info.ServerVersion(); p != "valkey" || v != "9.1.2" || info.RedisVersion() != "" {
		t.Errorf("server version %q %q, redis-ver %q", p, v, info.RedisVersion())
	}
}

// TestVerifyFormatRules: the types and opcodes from 22 on are read by the
// magic's rules, and the versions each magic carries are checked.
func TestVerifyFormatRules(t *testing.T) {
	hfe := func(header string, typ byte) []byte {
		return newBuilder(header, "redis-ver", "x").op(opSelectDB).len(0).op(typ).str("k").ms(0).str("lp").done()
	}
	cases := []struct {
		name string
		data []byte
		want error // nil: accepted
	}{
		// Redis HFE types need RDB 12.
		{"listpack-ex in RDB 12", hfe("REDIS0012", typeRedisHashListpackEx), nil},
		{"listpack-ex in RDB 11", hfe("REDIS0011", typeRedisHashListpackEx), ErrCorrupt},
		// Type 25 is not a Valkey type.
		{"type 25 in VALKEY080", hfe("VALKEY080", typeRedisHashListpackEx), ErrCorrupt},
		// Slot import is a Valkey opcode only.
		{"slot import in RDB 12", newBuilder("REDIS0012", "a", "b").op(opSlotImport).str("job").len(0).done(), ErrCorrupt},
		{"slot import in VALKEY080", newBuilder("VALKEY080", "a", "b").op(opSlotImport).str("job").len(0).done(), nil},
		{"slot info in VALKEY080", newBuilder("VALKEY080", "a", "b").op(opSlotInfo).len(1).len(0).len(0).done(), nil},
		// Type 23 is Valkey's path hash in the unreleased RDB 81.
		{"type 23 in VALKEY080", newBuilder("VALKEY080", "a", "b").op(23).str("k").str("v").done(), ErrCorrupt},
		{"version 13", append([]byte("REDIS0013"), synthRDB(1, 1)[9:]...), ErrVersion},
		{"version 80 with REDIS magic", append([]byte("REDIS0080"), synthRDB(1, 1)[9:]...), ErrVersion},
		{"version 11 with VALKEY magic", append([]byte("VALKEY011"), synthRDB(1, 1)[9:]...), ErrVersion},
		{"version 81", append([]byte("VALKEY081"), synthRDB(1, 1)[9:]...), ErrVersion},
		{"signed version", append([]byte("VALKEY+80"), synthRDB(1, 1)[9:]...), ErrNotRDB},
		{"VALKEX magic", append([]byte("VALKEX080"), synthRDB(1, 1)[9:]...), ErrNotRDB},
	}
	for _, c := range cases {
		_, err := VerifyBytes(c.data)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: want %v, got %v", c.name, c.want, err)
		}
	}
}

func TestHasSignature(t *testing.T) {
	for in, want := range map[string]bool{
		"REDIS0012": true, "VALKEY080": true, "REDIS": true, "VALKEY": true,
		"REDI": false, "VALKE": false, "": false, "*2\r\n$6\r\nSELECT": false,
	} {
		if got := HasSignature([]byte(in)); got != want {
			t.Errorf("HasSignature(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestVerifyRealFixtures walks small dumps written by real servers (see
// testdata/README): hashes with field TTLs in both encodings, and Redis
// cluster mode's SLOT_INFO records.
func TestVerifyRealFixtures(t *testing.T) {
	cases := []struct {
		file    string
		magic   string
		version int
		keys    int64
		types   []byte
	}{
		{"redis-8.0.2-cluster.rdb", MagicRedis, 12, 7, []byte{typeString, typeRedisHashListpackEx}},
		{"redis-8.0.2-hfe.rdb", MagicRedis, 12, 3, []byte{typeString, typeRedisHashListpackEx, typeRedisHashMetadata}},
		{"valkey-9.1.2-hfe.rdb", MagicValkey, 80, 3, []byte{typeString, typeValkeyHash2}},
	}
	for _, c := range cases {
		info, err := VerifyFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if info.Magic != c.magic || info.Version != c.version || info.Keys != c.keys || info.Expires != 1 || info.Structure != StructureFull || info.ChecksumDisabled {
			t.Errorf("%s: %+v", c.file, info)
		}
		for _, typ := range c.types {
			if info.valueTypes[typ] == 0 {
				t.Errorf("%s: no key of type %d (%v)", c.file, typ, info.valueTypes)
			}
		}
	}
}
