package workload

import (
	"math/rand"
	"strconv"
)

// keyFor returns the key of op seq of client c. Keys differ in their client
// and sequence digits, which spreads them over all 16384 slots.
func keyFor(prefix string, c int, seq int64) string {
	b := make([]byte, 0, len(prefix)+24)
	b = append(b, prefix...)
	b = append(b, ":c"...)
	b = strconv.AppendInt(b, int64(c), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, seq, 10)
	return string(b)
}

// tagFor returns the identity written at the start of a value.
func tagFor(nonce string, c int, seq int64) string {
	b := make([]byte, 0, len(nonce)+24)
	b = append(b, nonce...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(c), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, seq, 10)
	return string(b)
}

// valueFor returns tag|padding, size bytes long (or just the tag when size is
// too small to hold more).
func valueFor(tag string, size int, pad string) string {
	if size <= len(tag)+1 {
		return tag
	}
	return tag + "|" + pad[:size-len(tag)-1]
}

// tagOf extracts the identity tag from a stored value.
func tagOf(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] == '|' {
			return v[:i]
		}
	}
	return v
}

// padding returns n printable bytes drawn from seed.
func padding(seed int64, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}
