package aof

import "testing"

// FuzzCheck: no input may panic, and the valid prefix must re-check clean.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(resp("SET", "a", "1") + "#TS:5\r\n" + resp("MULTI") + resp("EXEC")))
	f.Add([]byte("*9223372036854775807\r\n$9223372036854775806\r\nx"))
	f.Add([]byte("REDIS0010\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Check(data)
		if err != nil {
			return
		}
		if res.ValidUpTo < 0 || res.ValidUpTo > int64(len(data)) {
			t.Fatalf("valid up to %d of %d", res.ValidUpTo, len(data))
		}
		again, err := Check(data[:res.ValidUpTo])
		if err != nil || !again.OK() {
			t.Fatalf("repaired prefix does not check clean: %+v %v", again, err)
		}
		_, _, _ = CutFlush(data)
		_, _, _ = TruncateToTimestamp(data, 3)
		_, _ = ParseManifest(data)
	})
}
