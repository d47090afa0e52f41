package bench

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
)

// TestRunSmall runs the real bench on a tiny dataset: two strategies, one
// sample each, floors and backup speed included. Timings are printed, not
// asserted.
func TestRunSmall(t *testing.T) {
	d := testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := DefaultConfig()
	cfg.Keys, cfg.Repeat, cfg.LargeRepeat = []int{2000}, 1, 0
	cfg.Strategies = []string{EnginePromote, ReplaceFromRDB}
	var logs bytes.Buffer
	// Debug level: the harness logs to it too, so the pool's hand-overs show.
	debug := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res, err := Run(ctx, Env{Docker: d, Logger: debug, WorkDir: t.TempDir()}, cfg)
	t.Log(logs.String())
	if err != nil {
		t.Fatalf("run bench: %v", err)
	}
	// Floors, promote, replace: the second and third clusters were started
	// by the pool once the trial before had measured.
	if n := strings.Count(logs.String(), "started ahead of time"); n < 1 {
		t.Errorf("no trial took its cluster from the pool")
	}
	var table bytes.Buffer
	if err := WriteTable(&table, res); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())
	if len(res.Cells) != 2 {
		t.Fatalf("cells = %d, want 2", len(res.Cells))
	}
	for _, c := range res.Cells {
		if c.RTO.N != 1 || c.RTO.Median <= 0 {
			t.Errorf("%s: RTO %+v, want one positive sample (samples %+v)", c.Strategy, c.RTO, c.Samples)
		}
		if c.Samples[0].Acked == 0 {
			t.Errorf("%s: no acked writes recorded", c.Strategy)
		}
	}
	if c, _ := res.Cell(2000, ReplaceFromRDB); c.FloorMS <= 0 || len(c.Spans) == 0 {
		t.Errorf("replace-from-rdb: floor %v ms, spans %v: want a floor and spans", c.FloorMS, c.Spans)
	}
	if len(res.Backups) != 1 || res.Backups[0].Ratio <= 0 {
		t.Errorf("backups = %+v, want one comparison with a ratio", res.Backups)
	}
	for _, f := range res.Floors {
		if f.Load.Median <= 0 && f.Start.Median <= 0 {
			t.Errorf("floor %s: no load measured: %+v", f.Kind, f)
		}
	}
	dir := t.TempDir()
	paths, err := WriteFiles(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", p, err)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	if !strings.Contains(string(page), "<svg") {
		t.Error("bench.html has no SVG")
	}
}
