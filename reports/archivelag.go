package reports

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ArchiveLag summarizes a streaming archiver's lag log (archive.Options.
// LagLog): one line per measurement, "<poll unix µs> <primary offset>
// <lag µs>". P50 and P99 are nearest-rank percentiles and Max the
// largest, all in milliseconds, so anyone can recompute them with sort.
type ArchiveLag struct {
	Samples int
	P50MS   float64
	P99MS   float64
	MaxMS   float64
}

// ReadArchiveLag reads a lag log and summarizes it. A line that does not
// parse is an error naming it.
func ReadArchiveLag(r io.Reader) (ArchiveLag, error) {
	var lags []int64
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return ArchiveLag{}, fmt.Errorf("read lag log: line %d: want 3 fields, got %d", n, len(f))
		}
		us, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || us < 0 {
			return ArchiveLag{}, fmt.Errorf("read lag log: line %d: bad lag %q", n, f[2])
		}
		lags = append(lags, us)
	}
	if err := sc.Err(); err != nil {
		return ArchiveLag{}, fmt.Errorf("read lag log: %w", err)
	}
	return summarizeLag(lags), nil
}

// summarizeLag computes the nearest-rank percentiles of lags (µs).
func summarizeLag(lags []int64) ArchiveLag {
	if len(lags) == 0 {
		return ArchiveLag{}
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	rank := func(p float64) int64 {
		i := int(math.Ceil(p/100*float64(len(lags)))) - 1
		return lags[max(0, min(i, len(lags)-1))]
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return ArchiveLag{Samples: len(lags), P50MS: ms(rank(50)), P99MS: ms(rank(99)), MaxMS: ms(lags[len(lags)-1])}
}
