package bench

import (
	"slices"
	"time"
)

// FormatVersion is the version of bench.json.
const FormatVersion = 1

// Result is one bench run: configuration, machine, every raw sample and the
// summaries derived from them.
type Result struct {
	Version  int       `json:"version"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Machine  Machine   `json:"machine"`
	Config   Config    `json:"config"`
	Cells    []Cell    `json:"cells"`
	Floors   []Floor   `json:"floors,omitempty"`
	Backups  []Backup  `json:"backups,omitempty"`
	// Generation holds dataset generation times (ms) per size, one per deployment populated.
	Generation []Generation `json:"generation"`
	Targets    []Target     `json:"targets,omitempty"`
}

// Machine describes where the bench ran.
type Machine struct {
	CPUs         int    `json:"cpus"`
	CPUModel     string `json:"cpu_model,omitempty"`
	GoVersion    string `json:"go_version"`
	RedisVersion string `json:"redis_version,omitempty"`
	// Server and ServerVersion name the server the bench ran on
	// ("valkey-8.1", "8.1.1"); see reports.ScenarioResult.Server.
	Server        string `json:"server,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	Image         string `json:"image,omitempty"`
}

// Sample is one trial of one strategy at one size.
type Sample struct {
	// RTOMS is t_ready − t0 in ms (for replica-resync: REPLICATE to caught up).
	RTOMS float64 `json:"rto_ms"`
	// DetectMS is the engine's detect span (0 without the engine).
	DetectMS float64 `json:"detect_ms,omitempty"`
	// Spans are the engine's span durations in ms, summed by name, in order.
	Spans []SpanTime `json:"spans,omitempty"`
	// Acked / Lost are the workload's acked writes and those lost at the final read.
	Acked int `json:"acked"`
	Lost  int `json:"lost"`
	// DecidedMS is when the engine had decided, ms after t0 (the end of
	// its decide span; 0 without the engine): RTO − DecidedMS is the part
	// of the RTO the chosen strategy and the clients' rerouting take.
	DecidedMS float64 `json:"decided_ms,omitempty"`
	// Chosen is the engine strategy that ran.
	Chosen string `json:"chosen,omitempty"`
	// GenMS is the time to generate the dataset of this trial.
	GenMS float64 `json:"gen_ms"`
	// Verdict is the drill session\'s verdict on the trial.
	Verdict string `json:"verdict,omitempty"`
	Error   string `json:"error,omitempty"`
}

// SpanTime is one named span's duration.
type SpanTime struct {
	Name string  `json:"name"`
	MS   float64 `json:"ms"`
}

// Cell is one strategy at one dataset size.
type Cell struct {
	Keys     int      `json:"keys"`
	Strategy string   `json:"strategy"`
	Samples  []Sample `json:"samples"`
	// Derived from Samples by Summarize.
	RTO   Summary       `json:"rto_ms"`
	Spans []SpanSummary `json:"span_medians,omitempty"`
	Lost  Summary       `json:"lost"`
	// FloorKind is the files the cell's floor loads ("rdb", "aof"; "" none).
	FloorKind string `json:"floor_kind,omitempty"`
	// FloorPath is which floor of those files is the cell's own: "cold"
	// (the restore starts a container: copy + container start with raw
	// load) or "warm" (it loads into a running server: copy + raw load).
	FloorPath string `json:"floor_path,omitempty"`
	// FloorMS is that floor (Floor.TotalMS or Floor.WarmMS).
	FloorMS float64 `json:"floor_ms,omitempty"`
	// FloorRatio is RTO median ÷ FloorMS.
	FloorRatio float64 `json:"floor_ratio,omitempty"`
	// AfterDecide summarizes RTO − DecidedMS over the samples that have
	// both: the restore after detection and decision, clients included.
	AfterDecide Summary `json:"after_decide_ms"`
	// AfterDecideRatio is AfterDecide's median ÷ FloorMS.
	AfterDecideRatio float64 `json:"after_decide_ratio,omitempty"`
	Errors           int     `json:"errors,omitempty"`
}

// SpanSummary is the median duration of a named span.
type SpanSummary struct {
	Name     string  `json:"name"`
	MedianMS float64 `json:"median_ms"`
}

// FloorSample is one raw load of a backup into a throwaway container.
type FloorSample struct {
	// CopyMS is the copy of the staged files into the container (Docker API).
	CopyMS float64 `json:"copy_ms"`
	// StartMS is container start to PING answering (includes the load).
	StartMS float64 `json:"start_ms"`
	// LoadMS is what redis-server logged as its load time ("DB loaded from ...").
	LoadMS float64 `json:"load_ms"`
}

// Floor is the floor of one kind of file at one size.
type Floor struct {
	Keys    int           `json:"keys"`
	Kind    string        `json:"kind"` // rdb or aof
	Bytes   int64         `json:"bytes"`
	Samples []FloorSample `json:"samples"`
	Copy    Summary       `json:"copy_ms"`
	Start   Summary       `json:"start_ms"`
	Load    Summary       `json:"load_ms"`
	// TotalMS is the cold floor: median copy + median start (container
	// start + raw load).
	TotalMS float64 `json:"total_ms"`
	// WarmMS is the warm floor, for a restore into a running server that
	// starts no container: median copy + median raw load.
	WarmMS float64 `json:"warm_ms"`
}

// Floor paths (Cell.FloorPath).
const (
	FloorCold = "cold"
	FloorWarm = "warm"
)

// OwnMS returns the floor on path (FloorCold or FloorWarm).
func (f Floor) OwnMS(path string) float64 {
	if path == FloorWarm {
		return f.WarmMS
	}
	return f.TotalMS
}

// Backup compares backup.LiveRDB with redis-cli --rdb on one node.
type Backup struct {
	Keys       int       `json:"keys"`
	Bytes      int64     `json:"bytes"`
	OursMS     []float64 `json:"ours_ms"`
	RedisCLIMS []float64 `json:"redis_cli_ms"`
	Ours       Summary   `json:"ours"`
	RedisCLI   Summary   `json:"redis_cli"`
	// OursMBps / RedisCLIMBps are throughputs at the medians (MB = 10^6 bytes).
	OursMBps     float64 `json:"ours_mbps"`
	RedisCLIMBps float64 `json:"redis_cli_mbps"`
	// Ratio is OursMBps ÷ RedisCLIMBps.
	Ratio float64 `json:"ratio"`
}

// Generation is the dataset generation times at one size.
type Generation struct {
	Keys    int       `json:"keys"`
	MS      []float64 `json:"ms"`
	Summary Summary   `json:"summary"`
}

// Target is one published goal with its measured figure.
type Target struct {
	Name     string `json:"name"`
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	// Met is "yes", "no" or "n/a" (not measured).
	Met string `json:"met"`
}

// Summarize fills every derived field from the raw samples (idempotent).
func (r *Result) Summarize() {
	for i := range r.Floors {
		f := &r.Floors[i]
		var c, s, l []float64
		for _, x := range f.Samples {
			c, s, l = append(c, x.CopyMS), append(s, x.StartMS), append(l, x.LoadMS)
		}
		f.Copy, f.Start, f.Load = Summarize(c), Summarize(s), Summarize(l)
		f.TotalMS = f.Copy.Median + f.Start.Median
		f.WarmMS = f.Copy.Median + f.Load.Median
	}
	for i := range r.Backups {
		b := &r.Backups[i]
		b.Ours, b.RedisCLI = Summarize(b.OursMS), Summarize(b.RedisCLIMS)
		b.OursMBps = Ratio(float64(b.Bytes)/1e6, b.Ours.Median/1000)
		b.RedisCLIMBps = Ratio(float64(b.Bytes)/1e6, b.RedisCLI.Median/1000)
		b.Ratio = Ratio(b.OursMBps, b.RedisCLIMBps)
	}
	for i := range r.Generation {
		r.Generation[i].Summary = Summarize(r.Generation[i].MS)
	}
	for i := range r.Cells {
		r.summarizeCell(&r.Cells[i])
	}
	r.Targets = Targets(r)
}

func (r *Result) summarizeCell(c *Cell) {
	var rto, lost, after []float64
	spans := map[string][]float64{}
	var order []string
	c.Errors = 0
	for _, s := range c.Samples {
		if s.Error != "" {
			c.Errors++
			continue
		}
		rto, lost = append(rto, s.RTOMS), append(lost, float64(s.Lost))
		if s.DecidedMS > 0 && s.RTOMS > s.DecidedMS {
			after = append(after, s.RTOMS-s.DecidedMS)
		}
		for _, sp := range s.Spans {
			if !slices.Contains(order, sp.Name) {
				order = append(order, sp.Name)
			}
			spans[sp.Name] = append(spans[sp.Name], sp.MS)
		}
	}
	c.RTO, c.Lost, c.AfterDecide = Summarize(rto), Summarize(lost), Summarize(after)
	c.Spans = nil
	for _, name := range order {
		c.Spans = append(c.Spans, SpanSummary{Name: name, MedianMS: Median(spans[name])})
	}
	c.FloorKind, c.FloorPath = OwnFloor(c.Strategy)
	c.FloorMS, c.FloorRatio, c.AfterDecideRatio = 0, 0, 0
	if f, ok := r.Floor(c.Keys, c.FloorKind); ok && c.RTO.N > 0 {
		c.FloorMS = f.OwnMS(c.FloorPath)
		c.FloorRatio = Ratio(c.RTO.Median, c.FloorMS)
		if c.AfterDecide.N > 0 {
			c.AfterDecideRatio = Ratio(c.AfterDecide.Median, c.FloorMS)
		}
	}
}

// OwnFloor returns the floor a strategy is measured against: the files it
// loads (kind "rdb" or "aof"; "" = no floor) and the path (FloorCold when
// its RTO includes a container start, FloorWarm when it loads into a
// server that runs already: the warm spares, and a replica's full sync,
// timed from REPLICATE on a started node).
func OwnFloor(strategy string) (kind, path string) {
	switch strategy {
	case ReplaceFromRDB, ClusterRoll:
		return "rdb", FloorCold
	case ReplaceWarm, ReplicaResync:
		return "rdb", FloorWarm
	case ReplaceFromAOF:
		return "aof", FloorCold
	case ReplaceAOFWarm:
		return "aof", FloorWarm
	}
	return "", ""
}

// Floor returns the floor of a kind at a size.
func (r *Result) Floor(keys int, kind string) (Floor, bool) {
	for _, f := range r.Floors {
		if f.Keys == keys && f.Kind == kind {
			return f, true
		}
	}
	return Floor{}, false
}

// Cell returns the cell of a strategy at a size.
func (r *Result) Cell(keys int, strategy string) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Keys == keys && c.Strategy == strategy {
			return c, true
		}
	}
	return Cell{}, false
}

// AddSample appends a sample to its cell, creating the cell when needed.
func (r *Result) AddSample(keys int, strategy string, s Sample) {
	for i := range r.Cells {
		if r.Cells[i].Keys == keys && r.Cells[i].Strategy == strategy {
			r.Cells[i].Samples = append(r.Cells[i].Samples, s)
			return
		}
	}
	r.Cells = append(r.Cells, Cell{Keys: keys, Strategy: strategy, Samples: []Sample{s}})
}

// AddGeneration records one dataset generation time.
func (r *Result) AddGeneration(keys int, ms float64) {
	for i := range r.Generation {
		if r.Generation[i].Keys == keys {
			r.Generation[i].MS = append(r.Generation[i].MS, ms)
			return
		}
	}
	r.Generation = append(r.Generation, Generation{Keys: keys, MS: []float64{ms}})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
