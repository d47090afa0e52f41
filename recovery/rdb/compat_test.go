package rdb

import "testing"

func TestMaxLoadable(t *testing.T) {
	cases := []struct {
		product, version string
		want             int
		ok               bool
	}{
		{"redis", "6.2.16", 9, true},
		{"redis", "7.0.15", 10, true},
		{"redis", "7.2.4", 11, true},
		{"redis", "7.4.1", 12, true},
		{"redis", "8.0.2", 12, true},
		{"Redis", "v8.0.0-rc1", 12, true},
		{"valkey", "7.2.5", 11, true},
		{"valkey", "8.0.1", 11, true},
		{"valkey", "8.1.1", 11, true},
		{"valkey", "9.0.0", 80, true},
		{"valkey", "9.1.2", 80, true},
		{"valkey", "9.1", 80, true},
		// Not in the table: unknown, not a guess.
		{"redis", "8.2.1", 0, false},
		{"valkey", "9.2.0", 0, false},
		{"valkey", "9", 0, false},
		{"keydb", "6.3.4", 0, false},
		{"redis", "", 0, false},
		{"redis", "x.y", 0, false},
		{"redis", "7.-1", 0, false},
	}
	for _, c := range cases {
		got, ok := MaxLoadable(c.product, c.version)
		if got != c.want || ok != c.ok {
			t.Errorf("MaxLoadable(%q, %q) = %d, %v; want %d, %v", c.product, c.version, got, ok, c.want, c.ok)
		}
	}
}

// TestCanLoad is the matrix observed by loading real dumps (Redis 7.0.15
// writes 10, Valkey 8.x 11, Redis 8.0.2 12, Valkey 9.1.2 80) into each
// server.
func TestCanLoad(t *testing.T) {
	servers := []struct{ product, version string }{
		{"redis", "7.0.15"}, {"redis", "8.0.2"}, {"valkey", "8.0.1"}, {"valkey", "8.1.1"}, {"valkey", "9.1.2"},
	}
	files := []int{10, 11, 12, 80}
	// want[server][file]
	want := [][]bool{
		{true, false, false, false}, // redis 7.0: up to 10
		{true, true, true, false},   // redis 8.0: up to 12, no VALKEY magic
		{true, true, false, false},  // valkey 8.0
		{true, true, false, false},  // valkey 8.1
		{true, true, false, true},   // valkey 9: 12 is foreign
	}
	// With rdb-version-check relaxed (Valkey 8.1+ only).
	relaxed := [][]bool{
		{true, false, false, false},
		{true, true, true, false},
		{true, true, false, false},
		{true, true, false, true}, // 8.1 tries VALKEY080, never REDIS0012
		{true, true, true, true},  // 9 tries REDIS0012 up to its first type 22..243
	}
	for i, s := range servers {
		l, ok := LookupLoader(s.product, s.version)
		if !ok {
			t.Fatalf("%s %s not in the table", s.product, s.version)
		}
		for j, v := range files {
			got, known := CanLoad(s.product, s.version, v)
			if !known || got != want[i][j] || l.Accepts(v) != got {
				t.Errorf("%s %s, RDB %d: CanLoad %v (known %v), want %v", s.product, s.version, v, got, known, want[i][j])
			}
			if got := l.AcceptsRelaxed(v); got != relaxed[i][j] {
				t.Errorf("%s %s, RDB %d relaxed: %v, want %v", s.product, s.version, v, got, relaxed[i][j])
			}
		}
	}
	if ok, known := CanLoad("redis", "9.9.9", 10); ok || known {
		t.Errorf("unknown server: %v %v", ok, known)
	}
}

func TestLoaderTable(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range Loaders() {
		key := l.Product + " " + l.Series
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if l.Source == "" || l.Writes < 1 || l.Max < l.Writes {
			t.Errorf("%s: %+v", key, l)
		}
		// Every server loads what it writes and everything older it
		// does not reserve, and nothing newer by default.
		if !l.Accepts(l.Writes) || l.Accepts(0) || l.Accepts(l.Max+1) {
			t.Errorf("%s: accepts its own %d %v, 0 %v, %d %v", key, l.Writes, l.Accepts(l.Writes), l.Accepts(0), l.Max+1, l.Accepts(l.Max+1))
		}
		// Versions Verify understands are the ones the table can name.
		if l.Writes > MaxVersion && (l.Writes < MinValkeyVersion || l.Writes > MaxValkeyVersion) {
			t.Errorf("%s writes %d, which Verify rejects", key, l.Writes)
		}
	}
	if l, _ := LookupLoader("valkey", "9.0.0"); l.Accepts(12) || l.Accepts(79) || !l.Accepts(11) || !l.AcceptsRelaxed(79) || !l.AcceptsRelaxed(81) {
		t.Errorf("valkey 9 foreign range: %+v", l)
	}
}
