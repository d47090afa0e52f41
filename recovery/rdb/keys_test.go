package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// walkAll runs WalkKeys over b and returns the keys it handed out.
func walkAll(t *testing.T, b []byte) ([]KeyEntry, Info) {
	t.Helper()
	var keys []KeyEntry
	info, err := WalkKeys(b, func(k KeyEntry) error { keys = append(keys, k); return nil })
	if err != nil {
		t.Fatalf("walk keys: %v", err)
	}
	want, err := VerifyBytes(b)
	if err != nil || !reflect.DeepEqual(info, want) {
		t.Fatalf("WalkKeys info %+v differs from VerifyBytes %+v (%v)", info, want, err)
	}
	checkCounts(t, keys, info)
	return keys, info
}

// checkCounts: the keys handed out add up to Info's counts, per database.
func checkCounts(t *testing.T, keys []KeyEntry, info Info) {
	t.Helper()
	got := map[uint64]DBStats{}
	for _, k := range keys {
		s := got[uint64(k.DB)]
		s.Keys++
		if k.ExpireAtMs != 0 {
			s.Expires++
		}
		got[uint64(k.DB)] = s
	}
	if int64(len(keys)) != info.Keys || !reflect.DeepEqual(got, info.DBs) {
		t.Fatalf("walked %d keys %v, info has %d %v", len(keys), got, info.Keys, info.DBs)
	}
}

// summary is "db:name:kind:expire:fieldexpire" per key, sorted.
func summary(keys []KeyEntry) []string {
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%d:%s:%s:%d:%d", k.DB, k.Key, k.Kind(), k.ExpireAtMs, k.FieldExpireMinMs))
	}
	slices.Sort(out)
	return out
}

// TestWalkKeysRealFixtures: the dumps real servers wrote (testdata/README).
func TestWalkKeysRealFixtures(t *testing.T) {
	cases := map[string][]string{
		"redis-8.0.2-cluster.rdb": {
			"0:e1:string:4102444800000:0", "0:h:hash:0:4102444800000",
			"0:k1:string:0:0", "0:k2:string:0:0", "0:k3:string:0:0", "0:k4:string:0:0", "0:k5:string:0:0",
		},
		"redis-8.0.2-hfe.rdb":  {"0:big:hash:0:4102444800000", "0:s:string:4102444800000:0", "0:small:hash:0:4102444800000"},
		"valkey-9.1.2-hfe.rdb": {"0:big:hash:0:4102444800000", "0:s:string:4102444800000:0", "0:small:hash:0:4102444800000"},
	}
	for file, want := range cases {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		keys, info := walkAll(t, b)
		if got := summary(keys); !slices.Equal(got, want) {
			t.Errorf("%s: keys\n%v\nwant\n%v", file, got, want)
		}
		if info.Expires != 1 {
			t.Errorf("%s: %d expires", file, info.Expires)
		}
	}
}

func TestWalkKeysSynthetic(t *testing.T) {
	keys, info := walkAll(t, synthRDB(1000, 30))
	if info.Keys != 1000 {
		t.Fatalf("info %+v", info)
	}
	for i, k := range keys { // file order
		if string(k.Key) != fmt.Sprintf("key:%d", i) || k.DB != 0 || k.Type != typeString || k.ExpireAtMs != 0 {
			t.Fatalf("key %d: %+v", i, k)
		}
	}

	const t19 = 1_900_000_000_000
	keys, _ = walkAll(t, redis12())
	want := []string{
		"0:h:lpex-rc:hash:0:-1", // TTLs inside the listpack: unknown
		"0:h:lpex:hash:0:" + fmt.Sprint(t19),
		"0:h:md-rc:hash:0:" + fmt.Sprint(t19),
		"0:h:md:hash:0:" + fmt.Sprint(t19),
		"0:s:string:" + fmt.Sprint(t19) + ":0",
	}
	if got := summary(keys); !slices.Equal(got, want) {
		t.Errorf("redis12:\n%v\nwant\n%v", got, want)
	}
	keys, _ = walkAll(t, valkey80())
	want = []string{"0:h:2:hash:0:" + fmt.Sprint(t19), "0:h:hash:0:0", "3:h:lp:hash:0:0"}
	if got := summary(keys); !slices.Equal(got, want) {
		t.Errorf("valkey80:\n%v\nwant\n%v", got, want)
	}
	if keys[0].Type != typeValkeyHash2 || keys[2].Type != typeHashListpack {
		t.Errorf("types %d %d", keys[0].Type, keys[2].Type)
	}
}

// lzfKey is "abcabcabcabc" as an LZF-encoded RDB string: literal "abc",
// then a 9-byte back-reference at distance 3.
func lzfKey(ulen byte) []byte {
	c := []byte{0x02, 'a', 'b', 'c', 0xe0, 0x00, 0x02}
	return append([]byte{0xC0 | encLZF, byte(len(c)), ulen}, c...)
}

// TestWalkKeysEncodings: key names in every string encoding, every value
// type, expire times in seconds and milliseconds, an old version without a
// checksum.
func TestWalkKeysEncodings(t *testing.T) {
	w := newBuilder("REDIS0009", "redis-ver", "5.0.14").op(opSelectDB).len(2)
	w.op(typeString, 0xC0, 0x85).str("v")                                     // int8 -123
	w.op(typeString, 0xC1, 0x39, 0x30).str("v")                               // int16 12345
	w.op(typeString, 0xC2, 0x00, 0x00, 0x00, 0x80).str("v")                   // int32 min
	w.op(typeString).op(lzfKey(12)...).str("v")                               // LZF
	w.op(opExpire, 0x00, 0xca, 0x9a, 0x3b).op(typeString).str("sec").str("v") // 1e9 s
	w.op(opExpireMS).ms(0).op(typeString).str("zero").str("v")                // 1970: past
	w.op(opExpireMS).ms(1_900_000_000_123).op(opIdle).len(5).op(typeList).str("l").len(1).str("x")
	w.op(opFreq, 3).op(typeSetIntset).str("st").str("intset")
	w.op(typeZSet).str("z").len(1).str("m").op(3, '1', '.', '5')
	w.op(typeZSet2).str("z2").len(1).str("m").ms(0)
	w.op(typeHashZiplist).str("hz").str("zl")
	w.op(typeListQuicklist).str("lq").len(1).str("zl")
	w.op(typeStreamListpacks).str("x").len(0).len(0).len(0).len(0).len(0)
	w.op(typeModule2).str("mod").len(42).len(moduleOpUInt).len(7).len(moduleOpEOF)
	keys, info := walkAll(t, w.done())
	want := []string{
		"2:-123:string:0:0", "2:-2147483648:string:0:0", "2:12345:string:0:0", "2:abcabcabcabc:string:0:0",
		"2:hz:hash:0:0", "2:l:list:1900000000123:0", "2:lq:list:0:0", "2:mod:module:0:0",
		"2:sec:string:1000000000000:0", "2:st:set:0:0", "2:x:stream:0:0", "2:z2:zset:0:0", "2:z:zset:0:0",
		"2:zero:string:-1:0",
	}
	if got := summary(keys); !slices.Equal(got, want) {
		t.Errorf("keys\n%v\nwant\n%v", got, want)
	}
	if info.Expires != 3 {
		t.Errorf("expires %d", info.Expires)
	}

	// RDB 3 has no checksum: the 8 bytes done appends are trailing.
	old := newBuilder("REDIS0003", "a", "b").op(opSelectDB).len(0).op(typeString).str("k").str("v").done()
	keys, info = walkAll(t, old)
	if len(keys) != 1 || string(keys[0].Key) != "k" || !info.ChecksumDisabled || info.Trailing != 8 {
		t.Errorf("rdb 3: %v %+v", summary(keys), info)
	}
}

func TestWalkKeysErrors(t *testing.T) {
	// An error from fn stops the walk and comes back wrapped.
	stop := errors.New("stop here")
	calls := 0
	info, err := WalkKeys(synthRDB(10, 5), func(k KeyEntry) error {
		calls++
		if string(k.Key) == "key:2" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 || info.Keys != 3 {
		t.Fatalf("fn error: %v after %d calls, info %+v", err, calls, info)
	}
	if want := `walk rdb keys at offset `; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("message %q", err)
	}

	// Damage: the same errors as VerifyBytes.
	good := synthRDB(200, 20)
	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 0x01
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"bit flip":  {flip, ErrChecksum},
		"truncated": {good[:len(good)-100], ErrTruncated},
		"bad magic": {append([]byte("REDIX"), good[5:]...), ErrNotRDB},
		"empty":     {nil, ErrTruncated},
	} {
		n := 0
		_, err := WalkKeys(c.data, func(KeyEntry) error { n++; return nil })
		if !errors.Is(err, c.want) {
			t.Errorf("%s: want %v, got %v", name, c.want, err)
		}
		if name == "truncated" && n == 0 {
			t.Errorf("truncated: no key handed out before the cut")
		}
	}

	// An LZF key claiming more than its compressed bytes can hold is
	// rejected before anything is allocated for it.
	w := newBuilder("REDIS0011", "a", "b").op(opSelectDB).len(0).op(typeString)
	w.op(0xC0|encLZF).len(7).op(0x81).op(0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00).op(lzfKey(12)[3:]...).str("v")
	if _, err := WalkKeys(w.done(), func(KeyEntry) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Errorf("huge LZF length: %v", err)
	}

	// An old-style module value stops the structural walk: the keys before
	// it are handed out, Info says partial.
	w = newBuilder("REDIS0010", "a", "b").op(opSelectDB).len(0)
	w.op(typeString).str("before").str("v").op(typeModule).str("m").str("opaque module bytes")
	keys, info := walkAll(t, w.done())
	if info.Structure != StructurePartial || len(keys) != 1 || string(keys[0].Key) != "before" {
		t.Errorf("partial: %v %+v", summary(keys), info)
	}

	// A nil fn is VerifyBytes.
	if info, err := WalkKeys(valkey80(), nil); err != nil || info.Keys != 3 {
		t.Errorf("nil fn: %+v %v", info, err)
	}
}

// FuzzWalkKeys: WalkKeys never panics, agrees with VerifyBytes on every
// file VerifyBytes accepts (or finds a corrupt LZF key name in it), and
// hands out as many keys as Info counts.
func FuzzWalkKeys(f *testing.F) {
	f.Add(synthRDB(3, 30))
	f.Add(redis12())
	f.Add(valkey80())
	f.Add(newBuilder("REDIS0009", "a", "b").op(typeString).op(lzfKey(12)...).str("v").done())
	f.Fuzz(func(t *testing.T, data []byte) {
		var keys []KeyEntry
		info, err := WalkKeys(data, func(k KeyEntry) error { keys = append(keys, k); return nil })
		want, verr := VerifyBytes(data)
		if verr != nil {
			return
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("VerifyBytes accepts, WalkKeys: %v", err)
			}
			return
		}
		if !reflect.DeepEqual(info, want) {
			t.Fatalf("info %+v, VerifyBytes %+v", info, want)
		}
		checkCounts(t, keys, info)
	})
}

// BenchmarkWalkKeys: the cost of reading the key names over Verify.
func BenchmarkWalkKeys(b *testing.B) {
	data := synthRDB(1_000_000, 20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		if _, err := WalkKeys(data, func(KeyEntry) error { n++; return nil }); err != nil || n != 1_000_000 {
			b.Fatal(err, n)
		}
	}
}
