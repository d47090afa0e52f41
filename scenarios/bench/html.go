package bench

import (
	"fmt"
	"html/template"
	"io"
	"time"
)

// WriteHTML writes a self-contained page (inline CSS and SVG, no external
// assets): per size, RTO per strategy with its spread and floor, and the
// engine's spans stacked; then floors, backup speed and targets.
func WriteHTML(w io.Writer, r *Result) error {
	type size struct {
		Keys        string
		RTO, Spans  template.HTML
		Cells       []Cell
		HasAnySpans bool
	}
	var sizes []size
	for _, k := range r.sizes() {
		var cells []Cell
		spans := false
		for _, c := range r.Cells {
			if c.Keys == k {
				cells = append(cells, c)
				spans = spans || len(c.Spans) > 0
			}
		}
		if len(cells) == 0 {
			continue
		}
		// The SVG is built from numbers and escaped names only.
		sizes = append(sizes, size{Keys: human(k), RTO: template.HTML(rtoChart(cells)), Spans: template.HTML(spanChart(cells)), Cells: cells, HasAnySpans: spans})
	}
	data := struct {
		R     *Result
		Sizes []size
		Took  string
	}{r, sizes, r.Finished.Sub(r.Started).Round(time.Second).String()}
	t, err := template.New("bench").Funcs(template.FuncMap{
		"secs":  secs,
		"human": human,
		"mb":    func(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) },
		"f2":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
		"f0":    func(v float64) string { return fmt.Sprintf("%.0f", v) },
		"ms":    func(d time.Duration) int64 { return d.Milliseconds() },
	}).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("parse bench html template: %w", err)
	}
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("write bench html: %w", err)
	}
	return nil
}

const pageTemplate = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>redisdrill bench: rollback speed</title>
<style>
:root{--bg:#f4f5f7;--card:#fff;--ink:#1f2430;--mute:#626a7a;--line:#e3e6eb;--pass:#2f9e5b;--fail:#d64545;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#1f2430;color:#fff;padding:22px 32px}
header h1{margin:0 0 4px;font-size:22px;font-weight:650}
header .meta{color:#b7bdc9;font-size:13px}header .meta span{margin-right:18px}
main{max-width:1080px;margin:0 auto;padding:24px 24px 48px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:0 0 22px;box-shadow:0 1px 2px rgba(20,30,50,.04);overflow-x:auto}
h2{font-size:18px;margin:0 0 8px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.6px;color:var(--mute);margin:22px 0 8px;font-weight:600}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--mute);font-weight:600;text-transform:uppercase;letter-spacing:.4px}
td.num,th.num{text-align:right}
.yes{color:var(--pass);font-weight:650}.no{color:var(--fail);font-weight:650}.mute{color:var(--mute)}
svg.chart{max-width:100%;height:auto}
svg .lbl{font-size:12px;fill:#1f2430}svg .tick{font-size:11px;fill:#626a7a}svg .val{font-size:11px;fill:#1f2430}
svg .err{font-size:12px;fill:#d64545}svg .mute{font-size:12px;fill:#626a7a}svg .leg{font-size:11px;fill:#444c5c}
</style></head><body>
<header><h1>How fast is rollback?</h1>
<div class="meta"><span>{{.R.Machine.CPUs}} CPUs {{.R.Machine.CPUModel}}</span><span>{{if .R.Machine.Server}}{{.R.Machine.Server}} {{.R.Machine.ServerVersion}}{{else}}redis {{.R.Machine.RedisVersion}}{{end}}</span><span>{{.R.Machine.GoVersion}}</span><span>started {{.R.Started.Format "2006-01-02 15:04:05 MST"}}</span><span>took {{.Took}}</span></div>
<div class="meta"><span>3x1 cluster, node-timeout {{ms .R.Config.NodeTimeout}} ms</span>{{if .R.Config.DetectMode}}<span>engine detection {{.R.Config.DetectMode}}</span>{{end}}<span>values {{.R.Config.ValueSize}} B</span><span>repeat {{.R.Config.Repeat}}{{if .R.Config.LargeRepeat}} ({{.R.Config.LargeRepeat}} from {{human .R.Config.LargeKeys}} keys){{end}}</span></div>
</header><main>
{{if .R.Targets}}<section class="card"><h2>Targets</h2><table><thead><tr><th>Target</th><th>Goal</th><th>Measured</th><th>Met</th></tr></thead><tbody>
{{range .R.Targets}}<tr><td>{{.Name}}</td><td>{{.Goal}}</td><td>{{.Measured}}</td><td class="{{.Met}}">{{.Met}}</td></tr>
{{end}}</tbody></table></section>{{end}}
{{range .Sizes}}<section class="card"><h2>{{.Keys}} keys</h2>
<h3>RTO per strategy — bar: median, whisker: min..max, red dash: the restore's own floor (cold: copy + container start + raw load; warm spare: copy + raw load)</h3>
{{.RTO}}
{{if .HasAnySpans}}<h3>Spans (medians), stacked</h3>
{{.Spans}}{{end}}
<h3>Cells</h3><table><thead><tr><th>Strategy</th><th class="num">n</th><th class="num">RTO median</th><th class="num">min</th><th class="num">max</th><th class="num">acked lost (median)</th><th class="num">floor</th><th class="num">RTO / floor</th><th class="num">after decide</th><th class="num">after decide / floor</th></tr></thead><tbody>
{{range .Cells}}<tr><td>{{.Strategy}}{{if .Errors}} <span class="no">({{.Errors}} failed)</span>{{end}}</td><td class="num">{{.RTO.N}}</td><td class="num">{{secs .RTO.Median}}</td><td class="num">{{secs .RTO.Min}}</td><td class="num">{{secs .RTO.Max}}</td><td class="num">{{f0 .Lost.Median}}</td><td class="num">{{if .FloorMS}}{{.FloorKind}} {{.FloorPath}} {{secs .FloorMS}}{{else}}-{{end}}</td><td class="num">{{if .FloorRatio}}{{f2 .FloorRatio}}x{{else}}-{{end}}</td><td class="num">{{if .AfterDecide.N}}{{secs .AfterDecide.Median}}{{else}}-{{end}}</td><td class="num">{{if .AfterDecideRatio}}{{f2 .AfterDecideRatio}}x{{else}}-{{end}}</td></tr>
{{end}}</tbody></table></section>
{{end}}
{{if .R.Floors}}<section class="card"><h2>Floors</h2><p class="mute">A throwaway container on the same network loads shard 0's files: the copy into it (Docker API, same staging as the strategies), then container start until PING answers; raw load is what redis-server logged. A cold restore (it starts a container) is measured against copy + start with load; a warm-spare restore (it loads into a running server) against copy + raw load.</p>
<table><thead><tr><th>Kind</th><th>Keys</th><th class="num">Size</th><th class="num">Copy</th><th class="num">Start + load</th><th class="num">Raw load</th><th class="num">Cold floor</th><th class="num">Warm floor</th></tr></thead><tbody>
{{range .R.Floors}}<tr><td>{{.Kind}}</td><td>{{human .Keys}}</td><td class="num">{{mb .Bytes}}</td><td class="num">{{secs .Copy.Median}}</td><td class="num">{{secs .Start.Median}}</td><td class="num">{{secs .Load.Median}}</td><td class="num">{{secs .TotalMS}}</td><td class="num">{{secs .WarmMS}}</td></tr>
{{end}}</tbody></table></section>{{end}}
{{if .R.Backups}}<section class="card"><h2>Backup speed</h2><table><thead><tr><th>Keys</th><th class="num">RDB</th><th class="num">backup.LiveRDB (verified)</th><th class="num">redis-cli --rdb</th><th class="num">Ratio</th></tr></thead><tbody>
{{range .R.Backups}}<tr><td>{{human .Keys}}</td><td class="num">{{mb .Bytes}}</td><td class="num">{{secs .Ours.Median}} ({{f0 .OursMBps}} MB/s)</td><td class="num">{{secs .RedisCLI.Median}} ({{f0 .RedisCLIMBps}} MB/s)</td><td class="num">{{f2 .Ratio}}x</td></tr>
{{end}}</tbody></table></section>{{end}}
{{if .R.Generation}}<section class="card"><h2>Dataset generation</h2><table><thead><tr><th>Keys</th><th class="num">n</th><th class="num">Median</th><th class="num">min</th><th class="num">max</th></tr></thead><tbody>
{{range .R.Generation}}<tr><td>{{human .Keys}}</td><td class="num">{{.Summary.N}}</td><td class="num">{{secs .Summary.Median}}</td><td class="num">{{secs .Summary.Min}}</td><td class="num">{{secs .Summary.Max}}</td></tr>
{{end}}</tbody></table></section>{{end}}
</main></body></html>
`
