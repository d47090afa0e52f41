package reports

import (
	"strconv"
	"strings"
	"testing"
)

// TestReadArchiveLag checks the nearest-rank percentiles and that a bad
// line is refused.
func TestReadArchiveLag(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 100; i++ {
		b.WriteString("1700000000000000 100 ")
		b.WriteString(strconv.Itoa(i * 1000))
		b.WriteString("\n")
	}
	got, err := ReadArchiveLag(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Samples != 100 || got.P50MS != 50 || got.P99MS != 99 || got.MaxMS != 100 {
		t.Fatalf("got %+v, want 100 samples, p50 50, p99 99, max 100 ms", got)
	}
	if _, err := ReadArchiveLag(strings.NewReader("1 2\n")); err == nil {
		t.Fatal("a line of 2 fields: want an error")
	}
	if empty, err := ReadArchiveLag(strings.NewReader("")); err != nil || empty.Samples != 0 {
		t.Fatalf("empty log: got %+v, %v", empty, err)
	}
}
