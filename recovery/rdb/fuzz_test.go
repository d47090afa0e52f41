package rdb

import "testing"

// FuzzVerify: no input may panic or make Verify report more bytes than it
// was given.
func FuzzVerify(f *testing.F) {
	f.Add(synthRDB(3, 30))
	f.Add(redis12())
	f.Add(valkey80())
	f.Add([]byte("REDIS0010\xfa\x09redis-ver\xc3\x05\x0a\x00a\xe0\x00\x00\xff"))
	f.Add([]byte("REDIS0010\x0f\x01k\x81\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, _ := VerifyBytes(data)
		if info.Size+info.Trailing > int64(len(data)) {
			t.Fatalf("size %d + trailing %d > input %d", info.Size, info.Trailing, len(data))
		}
	})
}
