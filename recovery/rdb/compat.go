package rdb

import (
	"strconv"
	"strings"
)

// Loader says which RDB files one server release series loads at startup
// (and by replication and RESTORE, which use the same version check).
//
// An RDB version implies its magic: every server writes versions below 80
// with the REDIS magic and versions from 80 with the VALKEY magic (valkey
// src/rdb.h tag 9.1.0: rdbUseValkeyMagic(rdbver) is rdbver >
// RDB_FOREIGN_VERSION_MAX = 79), so the methods take the version alone.
type Loader struct {
	// Product is "redis" or "valkey".
	Product string `json:"product"`
	// Series is the major.minor release series ("8.0").
	Series string `json:"series"`
	// Writes is the RDB version the series writes (RDB_VERSION).
	Writes int `json:"writes"`
	// Max is the highest RDB version the loader accepts with the default
	// configuration. Versions from 1 to Max are accepted except
	// ForeignMin..ForeignMax.
	Max int `json:"max"`
	// ForeignMin..ForeignMax is a range below Max the default loader
	// refuses: Valkey 9 reserves 12..79 for Redis formats it does not share
	// (RDB_FOREIGN_VERSION_MIN/MAX), so it refuses Redis 7.4/8.0 files (12)
	// although it loads 80. Zero when there is none.
	ForeignMin int `json:"foreign_min,omitempty"`
	ForeignMax int `json:"foreign_max,omitempty"`
	// RelaxedFuture: with "rdb-version-check relaxed" (Valkey 8.1+, default
	// strict) the loader also tries VALKEY-magic files above Max.
	RelaxedFuture bool `json:"relaxed_future,omitempty"`
	// RelaxedForeign: with "rdb-version-check relaxed" the loader also
	// tries REDIS-magic files of the foreign versions, and aborts at the
	// first type or opcode byte in 22..243 (RDB_FOREIGN_TYPE_MIN..MAX): a
	// Redis 8.0 file loads only if it holds no hash with field TTLs (types
	// 22–25) and no module values of modules Valkey lacks (vectorset).
	RelaxedForeign bool `json:"relaxed_foreign,omitempty"`
	// Source is where the limits come from.
	Source string `json:"source"`
}

// Accepts reports whether the loader accepts RDB version v with the default
// configuration. The file's contents can still fail to load (a module
// value of a module that is not loaded, say); the version is what is known
// before reading it.
func (l Loader) Accepts(v int) bool {
	if v < 1 || v > l.Max {
		return false
	}
	return l.ForeignMin == 0 || v < l.ForeignMin || v > l.ForeignMax
}

// AcceptsRelaxed reports whether the loader accepts RDB version v with
// "rdb-version-check relaxed". Loading such a file is best effort: it aborts
// at the first type or opcode the loader does not know.
func (l Loader) AcceptsRelaxed(v int) bool {
	switch {
	case l.Accepts(v):
		return true
	case v > l.Max && v > RDBForeignVersionMax:
		return l.RelaxedFuture
	case v >= l.ForeignMin && v <= l.ForeignMax && l.ForeignMin > 0:
		return l.RelaxedForeign
	}
	return false
}

// RDBForeignVersionMax is the highest version written with the REDIS magic;
// Valkey reserves 12..79 for Redis formats (valkey src/rdb.h, tags 8.1.1,
// 9.0.0, 9.1.0: "#define RDB_FOREIGN_VERSION_MIN 12", "#define
// RDB_FOREIGN_VERSION_MAX 79").
const RDBForeignVersionMax = 79

// The loaders' version checks, quoted from the servers' src/rdb.c
// (rdbLoadRioWithLoadingCtx):
//
// Redis 6.0–8.0 (redis tags 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1, 8.0-m01)
// and Valkey 7.2–8.0 (valkey tags 7.2.7, 8.0.1):
//
//	if (memcmp(buf,"REDIS",5) != 0) { ... "Wrong signature trying to load DB from file"
//	rdbver = atoi(buf+5);
//	if (rdbver < 1 || rdbver > RDB_VERSION) { ... "Can't handle RDB format version %d"
//
// Valkey 8.1 (tag 8.1.1; "REDIS0" or "VALKEY" magic, rdb-version-check
// added by "Relaxed RDB version check (#1604)"):
//
//	rdbver = atoi(buf + 6);
//	if (rdbver < 1 ||
//	    (rdbver >= RDB_FOREIGN_VERSION_MIN && !is_valkey_magic) ||
//	    (rdbver > RDB_VERSION && server.rdb_version_check == RDB_VERSION_CHECK_STRICT)) {
//
// Valkey 9.0–9.1 (tags 9.0.0, 9.1.0), rdbIsVersionAccepted:
//
//	if (rdbver < 1) return false;
//	if (is_valkey_magic && rdbver <= RDB_FOREIGN_VERSION_MAX) return false;
//	if (is_redis_magic && rdbver > RDB_FOREIGN_VERSION_MAX) return false;
//	if (server.rdb_version_check == RDB_VERSION_CHECK_STRICT) {
//	    if (rdbver > RDB_VERSION) return false; /* future version */
//	    if (rdbIsForeignVersion(rdbver)) return false;
//	}
//
// and, while reading records:
//
//	if (is_redis_magic && type >= RDB_FOREIGN_TYPE_MIN && type <= RDB_FOREIGN_TYPE_MAX) {
//	    serverLog(LL_WARNING, "Can't handle foreign type or opcode %d in RDB with version %d", ...
//
// RDB_VERSION per series: redis src/rdb.h 6.0.20/6.2.16 9, 7.0.15 10, 7.2.6
// 11, 7.4.1 and 8.0-m01 12 (Redis 8.0.2 writes "REDIS0012"); valkey
// src/rdb.h 7.2.7, 8.0.1, 8.1.1 11, 9.0.0 and 9.1.0 80 (Valkey 9.1.2 writes
// "VALKEY080"). Checked by loading real dumps of Redis 7.0.15 and 8.0.2 and
// Valkey 8.0.1, 8.1.1 and 9.1.2 into each of those servers, with both
// rdb-version-check settings where it exists.
var loaders = []Loader{
	redisLoader("6.0", 9, "redis 6.0.20"),
	redisLoader("6.2", 9, "redis 6.2.16"),
	redisLoader("7.0", 10, "redis 7.0.15"),
	redisLoader("7.2", 11, "redis 7.2.6"),
	redisLoader("7.4", 12, "redis 7.4.1"),
	redisLoader("8.0", 12, "redis 8.0-m01; Redis 8.0.2 dumps"),
	{Product: "valkey", Series: "7.2", Writes: 11, Max: 11, Source: "valkey 7.2.7 src/rdb.h, src/rdb.c"},
	{Product: "valkey", Series: "8.0", Writes: 11, Max: 11, Source: "valkey 8.0.1 src/rdb.h, src/rdb.c"},
	{Product: "valkey", Series: "8.1", Writes: 11, Max: 11, RelaxedFuture: true, Source: "valkey 8.1.1 src/rdb.h, src/rdb.c"},
	valkey9Loader("9.0", "valkey 9.0.0"),
	valkey9Loader("9.1", "valkey 9.1.0; Valkey 9.1.2 dumps"),
}

func redisLoader(series string, v int, tag string) Loader {
	return Loader{Product: "redis", Series: series, Writes: v, Max: v, Source: tag + " src/rdb.h, src/rdb.c"}
}

func valkey9Loader(series, tag string) Loader {
	return Loader{Product: "valkey", Series: series, Writes: 80, Max: 80, ForeignMin: 12, ForeignMax: RDBForeignVersionMax,
		RelaxedFuture: true, RelaxedForeign: true, Source: tag + " src/rdb.h, src/rdb.c"}
}

// Loaders returns the table of server series and the RDB versions they
// load, oldest first per product.
func Loaders() []Loader { return append([]Loader(nil), loaders...) }

// LookupLoader returns the loader of product ("redis" or "valkey") at
// version ("7.0.15", "9.1.2", "8.0"; a "v" prefix and a "-rc1" style
// suffix are ignored). ok is false for a product or series not in the
// table: newer releases may load more, so treat that as unknown.
func LookupLoader(product, version string) (Loader, bool) {
	series, ok := seriesOf(version)
	if !ok {
		return Loader{}, false
	}
	product = strings.ToLower(strings.TrimSpace(product))
	for _, l := range loaders {
		if l.Product == product && l.Series == series {
			return l, true
		}
	}
	return Loader{}, false
}

// MaxLoadable returns the highest RDB version product at version loads with
// the default configuration; ok is false when the server is not in the
// table. It is an upper bound only: Valkey 9 loads 80 but refuses 12..79
// (Redis 7.4/8.0 files), so use CanLoad to decide about a given file.
func MaxLoadable(product, version string) (int, bool) {
	l, ok := LookupLoader(product, version)
	if !ok {
		return 0, false
	}
	return l.Max, true
}

// CanLoad reports whether product at version loads an RDB file of version
// rdbVersion with the default configuration; known is false when the
// server is not in the table.
func CanLoad(product, version string, rdbVersion int) (ok, known bool) {
	l, known := LookupLoader(product, version)
	if !known {
		return false, false
	}
	return l.Accepts(rdbVersion), true
}

// seriesOf returns "major.minor" of a version string.
func seriesOf(version string) (string, bool) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return "", false
	}
	var nums [2]int
	for i, p := range parts[:2] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return "", false
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return "", false
		}
		nums[i] = n
	}
	return strconv.Itoa(nums[0]) + "." + strconv.Itoa(nums[1]), true
}
