package bench

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixture is a result with every kind of figure, built from raw samples.
func fixture() *Result {
	r := &Result{Version: FormatVersion, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Config: DefaultConfig(),
		Machine: Machine{CPUs: 2, CPUModel: "Test CPU", GoVersion: "go1.26", RedisVersion: "7.0.15"}}
	r.Config.Keys = []int{1000, 1_000_000}
	r.Finished = r.Started.Add(5 * time.Minute)
	for _, v := range []float64{7000, 7600, 7300} {
		r.AddSample(1_000_000, NativeFailover, Sample{RTOMS: v, Acked: 1000})
	}
	for _, v := range []float64{300, 200, 250} {
		r.AddSample(1_000_000, EnginePromote, Sample{RTOMS: v, Acked: 1000, Spans: []SpanTime{{"detect", 10}, {"promote", v - 10}}})
	}
	r.AddSample(1_000_000, ReplaceFromRDB, Sample{RTOMS: 3000, Lost: 40, Spans: []SpanTime{{"load data", 500}, {"start container", 1500}}})
	r.AddSample(1_000_000, ReplaceFromRDB, Sample{RTOMS: 2000, Lost: 20, Spans: []SpanTime{{"load data", 300}, {"start container", 1300}}})
	r.AddSample(1_000_000, ReplaceFromRDB, Sample{Error: "boom"})
	r.AddSample(1000, ReplaceFromAOF, Sample{RTOMS: 900})
	r.AddSample(1_000_000, SentinelNative, Sample{RTOMS: 7100, Acked: 1000})
	r.AddSample(1_000_000, SentinelEngine, Sample{RTOMS: 2300, Acked: 1000})
	r.AddSample(1_000_000, SentinelNativeSilent, Sample{RTOMS: 7000, Acked: 1000})
	r.AddSample(1_000_000, SentinelEngineSilent, Sample{RTOMS: 2500, Acked: 1000})
	r.AddSample(1000, SentinelNative, Sample{RTOMS: 7000, Acked: 1000})
	r.AddSample(1000, SentinelEngine, Sample{RTOMS: 2500, Acked: 1000})
	r.Floors = []Floor{{Keys: 1_000_000, Kind: "rdb", Bytes: 12e6, Samples: []FloorSample{{CopyMS: 200, StartMS: 1400, LoadMS: 1000}, {CopyMS: 100, StartMS: 1600, LoadMS: 1100}}}}
	r.Backups = []Backup{{Keys: 1_000_000, Bytes: 100e6, OursMS: []float64{1000, 1200}, RedisCLIMS: []float64{1000, 1000}}}
	r.AddGeneration(1_000_000, 4000)
	r.AddGeneration(1_000_000, 5000)
	r.Summarize()
	return r
}

func TestSummarizeCells(t *testing.T) {
	r := fixture()
	c, ok := r.Cell(1_000_000, ReplaceFromRDB)
	if !ok {
		t.Fatal("no replace-from-rdb cell")
	}
	if c.RTO != (Summary{N: 2, Median: 2500, Min: 2000, Max: 3000}) || c.Errors != 1 {
		t.Errorf("RTO %+v errors %d", c.RTO, c.Errors)
	}
	if c.Lost.Median != 30 {
		t.Errorf("lost median %v, want 30", c.Lost.Median)
	}
	wantSpans := []SpanSummary{{"load data", 400}, {"start container", 1400}}
	if !reflect.DeepEqual(c.Spans, wantSpans) {
		t.Errorf("spans %+v, want %+v", c.Spans, wantSpans)
	}
	f, _ := r.Floor(1_000_000, "rdb")
	if f.TotalMS != 150+1500 {
		t.Errorf("floor total %v, want 1650", f.TotalMS)
	}
	if c.FloorMS != 1650 || c.FloorRatio != 2500.0/1650 {
		t.Errorf("floor %v ratio %v", c.FloorMS, c.FloorRatio)
	}
	if a, _ := r.Cell(1000, ReplaceFromAOF); a.FloorMS != 0 || a.FloorRatio != 0 {
		t.Errorf("cell without a floor got floor %v ratio %v", a.FloorMS, a.FloorRatio)
	}
	b := r.Backups[0]
	if b.OursMBps != 100/1.1 || b.RedisCLIMBps != 100 || b.Ratio != b.OursMBps/100 {
		t.Errorf("backup %+v", b)
	}
	if g := r.Generation[0].Summary; g.Median != 4500 || g.N != 2 {
		t.Errorf("generation %+v", g)
	}
}

func TestTargets(t *testing.T) {
	got := map[string]Target{}
	for _, tg := range fixture().Targets {
		got[strings.SplitN(tg.Name, " @", 2)[0]] = tg
	}
	want := map[string]string{
		"engine promote median":                                          "yes", // 0.25 s
		"promote vs native failover on crash":                            "yes", // 7.3 / 0.25 = 29x
		"replace-from-rdb vs its own (cold) floor":                       "no",  // 2.5 / 1.65 = 1.52x
		"backup throughput vs redis-cli --rdb":                           "yes", // 0.91x
		"promote through Sentinel vs Sentinel's own failover on crash":   "yes", // 7.1 / 2.3 = 3.1x
		"promote through Sentinel vs Sentinel's own failover on silence": "yes", // 7.0 / 2.5 = 2.8x >= 2x
	}
	for name, met := range want {
		tg, ok := got[name]
		if !ok {
			t.Errorf("no target %q in %v", name, got)
			continue
		}
		if tg.Met != met {
			t.Errorf("%s: met %s, want %s (%s)", name, tg.Met, met, tg.Measured)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := fixture()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, back) {
		t.Errorf("round trip differs:\n%+v\n%+v", r, back)
	}
	if _, err := ReadJSON(strings.NewReader(`{"version": 99}`)); err == nil {
		t.Error("ReadJSON accepted an unknown version")
	}
	if _, err := ReadJSON(strings.NewReader(`{`)); err == nil {
		t.Error("ReadJSON accepted broken JSON")
	}
}

func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("%d SVGs, want 3 (RTO for 2 sizes, spans only where a cell has spans)", n)
	}
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Errorf("page has an external reference or script: %q", bad)
		}
	}
	for _, want := range []string{"engine-promote", "replace-from-rdb", "Targets", "Floors", "Backup speed", "(1 failed)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"native-failover", "7.30s", "2 (1 failed)", "rdb cold 1.65s", "1.52x", "engine promote median @1M keys"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	c := DefaultConfig()
	if c.RepeatFor(100_000) != 3 || c.RepeatFor(1_000_000) != 1 {
		t.Errorf("RepeatFor: %d, %d", c.RepeatFor(100_000), c.RepeatFor(1_000_000))
	}
	for _, bad := range []func(*Config){
		func(c *Config) { c.Keys = nil },
		func(c *Config) { c.Keys = []int{0} },
		func(c *Config) { c.Repeat = 0 },
		func(c *Config) { c.ValueSize = 0 },
		func(c *Config) { c.Strategies = []string{"nope"} },
		func(c *Config) { c.NodeTimeout = 0 },
	} {
		c := DefaultConfig()
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("Validate accepted %+v", c)
		}
	}
	if got, err := ParseStrategies(" engine-promote, native-failover,engine-promote"); err != nil || !reflect.DeepEqual(got, []string{EnginePromote, NativeFailover}) {
		t.Errorf("ParseStrategies = %v, %v", got, err)
	}
	if got, _ := ParseStrategies("all"); len(got) != len(AllStrategies()) {
		t.Errorf("ParseStrategies(all) = %v", got)
	}
	if _, err := ParseStrategies("engine-promote,bogus"); err == nil {
		t.Error("ParseStrategies accepted bogus")
	}
}

func TestKeysAndValues(t *testing.T) {
	pool := valuePool(100)
	a, b := value(pool, 1, 100), value(pool, 2, 100)
	if len(a) != 100 || bytes.Equal(a, b) {
		t.Errorf("values not distinct or wrong size: %q %q", a, b)
	}
	if KeyName(7) != "bench:7" || human(100_000) != "100k" || human(1_000_000) != "1M" || human(2500) != "2500" {
		t.Error("names wrong")
	}
}
