package reports

import (
	"fmt"
	"math"
	"time"
)

// Chart colours (constants, never user data).
const (
	colOK      = "#2f9e5b"
	colFail    = "#d64545"
	colUnknown = "#e3a21a"
	colP99     = "#3b5bdb"
	colFault   = "#d64545"
	colReady   = "#2f9e5b"
	colGrid    = "#e6e8ec"
	colAxis    = "#8a909c"
	colText    = "#4a5060"
	colOther   = "#c9ced6"
)

var spanPalette = []string{"#6c5ce7", "#00a8a8", "#f08c00", "#d6336c", "#1c7ed6", "#5c940d", "#9c36b5", "#a0522d"}

func spanColor(i int) string { return spanPalette[i%len(spanPalette)] }

// svgChart is an SVG drawing computed in Go and rendered by html/template.
type svgChart struct {
	ID, Class, Label string
	W, H             float64
	Rects            []svgRect
	Lines            []svgLine
	Paths            []svgPath
	Texts            []svgText
}

type svgRect struct {
	X, Y, W, H float64
	Fill       string
	Opacity    float64
	Title      string
	Class      string
}

type svgLine struct {
	X1, Y1, X2, Y2 float64
	Stroke         string
	Width          float64
	Dash           string
}

type svgPath struct {
	D      string
	Stroke string
	Width  float64
	Class  string
}

type svgText struct {
	X, Y   float64
	Text   string
	Anchor string
	Fill   string
	Size   float64
	Bold   bool
}

// Timeline chart geometry.
const (
	tlW      = 960.0
	tlLeft   = 56.0
	tlRight  = 60.0
	tlTop    = 34.0
	tlPlotH  = 190.0
	tlLaneH  = 16.0
	tlLaneGp = 5.0
)

// timelineChart draws ops per bucket (stacked ok/unknown/fail), p99 latency,
// the fault window, t0 / t_ready markers and one lane per recovery span.
func timelineChart(id string, s ScenarioResult) svgChart {
	tl := s.Timeline
	width := tl.BucketWidth.D()
	if width <= 0 {
		width = 100 * time.Millisecond
	}
	// X domain in ms relative to t0.
	lo, hi := 0.0, 0.0
	grow := func(v float64) { lo, hi = math.Min(lo, v), math.Max(hi, v) }
	for _, b := range tl.Buckets {
		grow(b.Start.Ms())
		grow(b.Start.Ms() + float64(width.Milliseconds()))
	}
	grow(s.Fault.Start.Ms())
	grow(s.Fault.End.Ms())
	if s.Ready {
		grow(s.RTO.Ms())
	}
	for _, sp := range s.Spans {
		grow(sp.Start.Ms())
		grow(sp.End.Ms())
	}
	if hi-lo < 1000 {
		hi = lo + 1000
	}
	plotW := tlW - tlLeft - tlRight
	x := func(ms float64) float64 { return tlLeft + (ms-lo)/(hi-lo)*plotW }
	laneTop := tlTop + tlPlotH + 34
	h := laneTop + float64(len(s.Spans))*(tlLaneH+tlLaneGp) + 8
	c := svgChart{ID: id, Class: "chart timeline", Label: "availability timeline of " + s.Name, W: tlW, H: h}

	// Y scales.
	maxOps, maxP99 := 0.0, 0.0
	for _, b := range tl.Buckets {
		maxOps = math.Max(maxOps, float64(b.OK+b.Fail+b.Unknown))
		maxP99 = math.Max(maxP99, b.P99.Ms())
	}
	maxOps, maxP99 = niceCeil(math.Max(maxOps, 1)), niceCeil(math.Max(maxP99, 1))
	yOps := func(v float64) float64 { return tlTop + tlPlotH - v/maxOps*tlPlotH }
	yLat := func(v float64) float64 { return tlTop + tlPlotH - v/maxP99*tlPlotH }

	// Grid and Y axes.
	for i := 0; i <= 4; i++ {
		y := tlTop + tlPlotH*float64(i)/4
		c.Lines = append(c.Lines, svgLine{X1: tlLeft, Y1: y, X2: tlW - tlRight, Y2: y, Stroke: colGrid, Width: 1})
		c.Texts = append(c.Texts,
			svgText{X: tlLeft - 6, Y: y + 4, Text: trimFloat(maxOps * float64(4-i) / 4), Anchor: "end", Fill: colText, Size: 10},
			svgText{X: tlW - tlRight + 6, Y: y + 4, Text: trimFloat(maxP99*float64(4-i)/4) + "ms", Anchor: "start", Fill: colP99, Size: 10})
	}
	c.Texts = append(c.Texts,
		svgText{X: tlLeft - 6, Y: tlTop - 8, Text: "ops / " + FormatDuration(width), Anchor: "end", Fill: colText, Size: 10},
		svgText{X: tlW - tlRight + 6, Y: tlTop - 8, Text: "p99", Anchor: "start", Fill: colP99, Size: 10, Bold: true})

	// Fault window.
	if s.Fault.End > s.Fault.Start || s.Fault.Name != "" {
		fx1, fx2 := x(s.Fault.Start.Ms()), x(s.Fault.End.Ms())
		if fx2-fx1 < 2 {
			fx2 = fx1 + 2
		}
		c.Rects = append(c.Rects,
			svgRect{X: fx1, Y: tlTop, W: fx2 - fx1, H: tlPlotH, Fill: colFault, Opacity: 0.07, Title: fmt.Sprintf("fault %s: %s … %s", s.Fault.Name, s.Fault.Start, s.Fault.End), Class: "fault-window"},
			svgRect{X: fx1, Y: tlTop - 4, W: fx2 - fx1, H: 4, Fill: colFault, Opacity: 0.8, Class: "fault-bar"})
		c.Texts = append(c.Texts, svgText{X: fx1 + 4, Y: tlTop - 8, Text: "fault: " + s.Fault.Name, Fill: colFault, Size: 11, Bold: true})
	}
	// Recovery spans, shaded lightly in the plot.
	for i, sp := range s.Spans {
		c.Rects = append(c.Rects, svgRect{X: x(sp.Start.Ms()), Y: tlTop, W: math.Max(x(sp.End.Ms())-x(sp.Start.Ms()), 1), H: tlPlotH,
			Fill: spanColor(i), Opacity: 0.06, Title: sp.Name, Class: "span-shade"})
	}

	// Stacked bars.
	bw := math.Max(float64(width.Milliseconds())/(hi-lo)*plotW-1, 1)
	for _, b := range tl.Buckets {
		bx := x(b.Start.Ms()) + 0.5
		base := 0.0
		for _, part := range []struct {
			n     int64
			fill  string
			class string
		}{{b.OK, colOK, "bar-ok"}, {b.Unknown, colUnknown, "bar-unknown"}, {b.Fail, colFail, "bar-fail"}} {
			if part.n == 0 {
				continue
			}
			y1, y2 := yOps(base+float64(part.n)), yOps(base)
			c.Rects = append(c.Rects, svgRect{X: bx, Y: y1, W: bw, H: y2 - y1, Fill: part.fill, Opacity: 0.9, Class: part.class,
				Title: fmt.Sprintf("%s: ok %d, fail %d, unknown %d, p99 %s", b.Start, b.OK, b.Fail, b.Unknown, b.P99)})
			base += float64(part.n)
		}
	}
	// p99 line, broken where a bucket had no traffic.
	d := ""
	pen := false
	for _, b := range tl.Buckets {
		if b.OK+b.Fail+b.Unknown == 0 {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		d += fmt.Sprintf("%s%.1f %.1f ", cmd, x(b.Start.Ms())+bw/2, yLat(b.P99.Ms()))
		pen = true
	}
	if d != "" {
		c.Paths = append(c.Paths, svgPath{D: d, Stroke: colP99, Width: 1.6, Class: "p99-line"})
	}

	// t0 and t_ready markers.
	c.Lines = append(c.Lines, svgLine{X1: x(0), Y1: tlTop, X2: x(0), Y2: tlTop + tlPlotH, Stroke: colFault, Width: 1.5, Dash: "4 3"})
	if s.Ready {
		rx := x(s.RTO.Ms())
		c.Lines = append(c.Lines, svgLine{X1: rx, Y1: tlTop, X2: rx, Y2: tlTop + tlPlotH, Stroke: colReady, Width: 1.5, Dash: "4 3"})
		c.Texts = append(c.Texts, svgText{X: rx + 4, Y: tlTop + 12, Text: "ready +" + s.RTO.String(), Fill: colReady, Size: 11, Bold: true})
	}

	// X axis.
	axisY := tlTop + tlPlotH
	c.Lines = append(c.Lines, svgLine{X1: tlLeft, Y1: axisY, X2: tlW - tlRight, Y2: axisY, Stroke: colAxis, Width: 1})
	step := tickStep(hi - lo)
	for t := math.Ceil(lo/step) * step; t <= hi+1e-9; t += step {
		tx := x(t)
		c.Lines = append(c.Lines, svgLine{X1: tx, Y1: axisY, X2: tx, Y2: axisY + 4, Stroke: colAxis, Width: 1})
		label := FormatDuration(time.Duration(t * float64(time.Millisecond)))
		if t > 0 {
			label = "+" + label
		}
		c.Texts = append(c.Texts, svgText{X: tx, Y: axisY + 16, Text: label, Anchor: "middle", Fill: colText, Size: 10})
	}
	c.Texts = append(c.Texts, svgText{X: tlW - tlRight, Y: axisY + 30, Text: "time from fault (t0)", Anchor: "end", Fill: colAxis, Size: 10})

	// Span lanes.
	if len(s.Spans) > 0 {
		c.Texts = append(c.Texts, svgText{X: tlLeft - 6, Y: laneTop - 6, Text: "recovery", Anchor: "end", Fill: colText, Size: 10, Bold: true})
	}
	for i, sp := range s.Spans {
		y := laneTop + float64(i)*(tlLaneH+tlLaneGp)
		x1, x2 := x(sp.Start.Ms()), x(sp.End.Ms())
		w := math.Max(x2-x1, 2)
		c.Rects = append(c.Rects, svgRect{X: x1, Y: y, W: w, H: tlLaneH, Fill: spanColor(i), Opacity: 0.85, Class: "span-lane",
			Title: fmt.Sprintf("%s: %s → %s (%s)", sp.Name, sp.Start, sp.End, sp.Duration())})
		label := sp.Name + " " + sp.Duration().String()
		if x2+6+float64(len(label))*6 < tlW {
			c.Texts = append(c.Texts, svgText{X: x1 + w + 5, Y: y + 12, Text: label, Fill: colText, Size: 10.5})
		} else {
			c.Texts = append(c.Texts, svgText{X: x1 - 5, Y: y + 12, Text: label, Anchor: "end", Fill: colText, Size: 10.5})
		}
	}
	return c
}

// rtoSegment is one piece of the RTO breakdown bar.
type rtoSegment struct {
	Name  string
	Color string
	Dur   Millis
	Pct   float64
}

// rtoChart draws the RTO as one bar split into the recovery spans (clipped to
// [0, RTO], in time order) and the unattributed remainder.
func rtoChart(id string, s ScenarioResult) (svgChart, []rtoSegment) {
	const w, barH, top = tlW, 26.0, 4.0
	c := svgChart{ID: id, Class: "chart rto-bar", Label: "RTO breakdown of " + s.Name, W: w, H: barH + 2*top}
	total := s.RTO.Ms()
	if !s.Ready || total <= 0 {
		c.Rects = append(c.Rects, svgRect{X: 0, Y: top, W: w, H: barH, Fill: colOther, Opacity: 0.5})
		c.Texts = append(c.Texts, svgText{X: w / 2, Y: top + 17, Text: "no RTO: the deployment never became ready", Anchor: "middle", Fill: colText, Size: 12})
		return c, nil
	}
	var segs []rtoSegment
	covered := 0.0
	cursor := 0.0
	for i, sp := range s.Spans {
		a, b := math.Max(sp.Start.Ms(), cursor), math.Min(sp.End.Ms(), total)
		if b <= a {
			continue
		}
		c.Rects = append(c.Rects, svgRect{X: a / total * w, Y: top, W: (b - a) / total * w, H: barH, Fill: spanColor(i), Opacity: 0.9, Class: "rto-seg",
			Title: fmt.Sprintf("%s %s", sp.Name, Millis((b-a)*float64(time.Millisecond)))})
		if (b-a)/total*w > float64(len(sp.Name))*7+8 {
			c.Texts = append(c.Texts, svgText{X: (a + b) / 2 / total * w, Y: top + 17, Text: sp.Name, Anchor: "middle", Fill: "#fff", Size: 11, Bold: true})
		}
		d := Millis((b - a) * float64(time.Millisecond))
		segs = append(segs, rtoSegment{Name: sp.Name, Color: spanColor(i), Dur: d, Pct: 100 * (b - a) / total})
		covered += b - a
		cursor = b
	}
	if rest := total - covered; rest > 0.5 {
		segs = append(segs, rtoSegment{Name: "unattributed", Color: colOther, Dur: Millis(rest * float64(time.Millisecond)), Pct: 100 * rest / total})
		// Draw the background under the spans so gaps show as grey.
		c.Rects = append([]svgRect{{X: 0, Y: top, W: w, H: barH, Fill: colOther, Opacity: 0.7, Class: "rto-rest"}}, c.Rects...)
	}
	return c, segs
}

// niceCeil rounds v up to 1, 2 or 5 × 10^k.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// tickStep picks an x tick step in ms giving at most 12 ticks over span ms.
func tickStep(span float64) float64 {
	for _, s := range []float64{100, 200, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000} {
		if span/s <= 12 {
			return s
		}
	}
	return niceCeil(span / 12)
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
