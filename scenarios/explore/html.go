package explore

import (
	"bytes"
	"fmt"
	"html/template"
	"time"
)

// Timeline chart geometry.
const (
	chartWidth  = 900.0
	chartHeight = 160.0
	laneHeight  = 18.0
)

// lane is one attempt drawn as a timeline.
type lane struct {
	Title  string
	Width  float64
	Height float64
	SVG    template.HTML
}

// renderHTML draws the original and the minimal run as timelines: the
// availability (ok and failed ops per bucket), one bar per fault and a
// red line at every invariant break.
func renderHTML(rep *Report) ([]byte, error) {
	var lanes []lane
	if rep.Original != nil {
		lanes = append(lanes, drawAttempt("original schedule ("+rep.Mode+")", rep.Original))
	}
	if rep.MinimalRun != nil && rep.MinimalRun != rep.Original {
		lanes = append(lanes, drawAttempt("minimal schedule", rep.MinimalRun))
	}
	var buf bytes.Buffer
	err := pageTemplate().Execute(&buf, map[string]any{"R": rep, "Lanes": lanes})
	if err != nil {
		return nil, fmt.Errorf("render explore html: %w", err)
	}
	return buf.Bytes(), nil
}

// pageTemplate parses the page template (on each call: no package state).
func pageTemplate() *template.Template {
	return template.Must(template.New("explore").Parse(pageHTML))
}

const pageHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>redisdrill explore seed {{.R.Schedule.Seed}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.bad{color:#b00}</style>
</head><body>
<h1>redisdrill {{.R.Mode}} — seed {{.R.Schedule.Seed}}</h1>
<p>{{len .R.Schedule.Events}} fault event(s), {{.R.Schedule.Recovery}} recovery, {{.R.Schedule.Durability}} durability, topology {{.R.Schedule.Topology}}.</p>
{{if .R.Breaks}}<h2 class="bad">Invariant breaks</h2><ul>{{range .R.Breaks}}<li class="bad"><b>{{.Invariant}}</b> (event {{.Event}}): {{.Detail}}</li>{{end}}</ul>{{else}}<h2>Every invariant held</h2>{{end}}
<p>Each timeline: ops per 100 ms bucket (green acknowledged, red failed or unknown), one blue bar per fault from onset to heal, a red line at each invariant break.</p>
{{range .Lanes}}<h3>{{.Title}}</h3><svg width="{{.Width}}" height="{{.Height}}" xmlns="http://www.w3.org/2000/svg">{{.SVG}}</svg>{{end}}
{{if .R.Shrink}}<h2>Shrinking (keeping {{.R.Invariant}})</h2><table><tr><th>#</th><th>change</th><th>events</th><th>length</th><th>reproduced</th><th>took</th></tr>
{{range .R.Shrink}}<tr><td>{{.N}}</td><td>{{.Change}}</td><td>{{.Events}}</td><td>{{.Length.D}}</td><td>{{.Reproduced}}</td><td>{{.Took.D}}</td></tr>{{end}}</table>{{end}}
<h2>Schedules</h2><table><tr><th>schedule</th><th>id</th><th>fault</th><th>target</th><th>gap</th><th>duration</th><th>overlap</th></tr>
{{range .R.Schedule.Events}}<tr><td>original</td><td>{{.ID}}</td><td>{{.Fault}}</td><td>{{.Target}}</td><td>{{.Gap.D}}</td><td>{{.Duration.D}}</td><td>{{.Overlap}}</td></tr>{{end}}
{{if .R.Minimal}}{{range .R.Minimal.Events}}<tr><td>minimal</td><td>{{.ID}}</td><td>{{.Fault}}</td><td>{{.Target}}</td><td>{{.Gap.D}}</td><td>{{.Duration.D}}</td><td>{{.Overlap}}</td></tr>{{end}}{{end}}
</table></body></html>
`

// drawAttempt renders one run: x is time from the run's first fault.
func drawAttempt(title string, a *Attempt) lane {
	l := lane{Title: fmt.Sprintf("%s — %s, %d acked, %d lost", title, a.Name, a.Acked, a.Lost), Width: chartWidth}
	if a.Result == nil {
		return l
	}
	t0 := a.Result.T0
	tl := a.Result.Timeline
	from, to := time.Duration(0), time.Duration(0)
	if n := len(tl.Buckets); n > 0 {
		from, to = tl.Buckets[0].Start.D(), tl.Buckets[n-1].Start.D()+tl.BucketWidth.D()
	}
	for _, f := range a.Faults {
		to = max(to, f.End.Sub(t0))
	}
	if to <= from {
		to = from + time.Second
	}
	x := func(d time.Duration) float64 { return float64(d-from) / float64(to-from) * chartWidth }
	var peak int64 = 1
	for _, b := range tl.Buckets {
		peak = max(peak, b.OK+b.Fail+b.Unknown)
	}
	var svg bytes.Buffer
	bw := max(x(from+tl.BucketWidth.D())-x(from), 1)
	for _, b := range tl.Buckets {
		h := float64(b.OK) / float64(peak) * (chartHeight - 20)
		bad := float64(b.Fail+b.Unknown) / float64(peak) * (chartHeight - 20)
		fmt.Fprintf(&svg, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#6a6"/>`, x(b.Start.D()), chartHeight-h, bw, h)
		if bad > 0 {
			fmt.Fprintf(&svg, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#c44"/>`, x(b.Start.D()), chartHeight-h-bad, bw, bad)
		}
	}
	for i, f := range a.Faults {
		end := f.End
		if end.IsZero() {
			end = t0.Add(to)
		}
		y := chartHeight + 4 + float64(i)*laneHeight
		fmt.Fprintf(&svg, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#88c"/><text x="%.1f" y="%.1f" font-size="11">%s</text>`,
			x(f.Start.Sub(t0)), y, max(x(end.Sub(t0))-x(f.Start.Sub(t0)), 2), laneHeight-4, x(f.Start.Sub(t0))+2, y+laneHeight-7, template.HTMLEscapeString(f.ID))
	}
	l.Height = chartHeight + 8 + float64(len(a.Faults))*laneHeight
	for _, b := range a.Breaks {
		if b.At.IsZero() {
			continue
		}
		fmt.Fprintf(&svg, `<line x1="%.1f" x2="%.1f" y1="0" y2="%.1f" stroke="#d00" stroke-width="2"><title>%s</title></line>`,
			x(b.At.Sub(t0)), x(b.At.Sub(t0)), l.Height, template.HTMLEscapeString(b.Invariant+": "+b.Detail))
	}
	l.SVG = template.HTML(svg.String()) // #nosec G203 -- built from numbers and escaped text
	return l
}
