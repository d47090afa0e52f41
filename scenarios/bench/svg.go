package bench

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart geometry.
const (
	chartWidth  = 900
	labelWidth  = 150
	rowHeight   = 26
	chartTop    = 24
	chartBottom = 28
)

// spanColors colour spans by position in a fixed palette.
var spanColors = [...]string{"#3b5bdb", "#2f9e5b", "#d08a00", "#d64545", "#8e44ad", "#1098ad", "#e8590c", "#5c940d", "#862e9c", "#495057", "#c2255c", "#0b7285", "#f08c00", "#364fc7", "#a61e4d", "#087f5b"}

// rtoChart draws, for one size, each strategy's RTO median as a bar with a
// min..max whisker and its floor as a dashed tick.
func rtoChart(cells []Cell) string {
	maxMS := 0.0
	for _, c := range cells {
		maxMS = math.Max(maxMS, math.Max(c.RTO.Max, c.FloorMS))
	}
	scale := axisMax(maxMS)
	plotW := float64(chartWidth - labelWidth - 20)
	x := func(v float64) float64 { return labelWidth + v/scale*plotW }
	h := chartTop + len(cells)*rowHeight + chartBottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="RTO per strategy">`, chartWidth, h, chartWidth, h)
	axis(&b, scale, x, h)
	for i, c := range cells {
		y := float64(chartTop + i*rowHeight)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" class="lbl">%s</text>`, labelWidth-8, y+17, html.EscapeString(c.Strategy))
		if c.RTO.N == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="err">failed</text>`, labelWidth+4, y+17)
			continue
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="16" rx="3" fill="#3b5bdb" opacity="0.85"><title>%s: median %s (min %s, max %s, n=%d)</title></rect>`,
			labelWidth, y+5, x(c.RTO.Median)-labelWidth, html.EscapeString(c.Strategy), secs(c.RTO.Median), secs(c.RTO.Min), secs(c.RTO.Max), c.RTO.N)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#1f2430" stroke-width="1.5"/>`, x(c.RTO.Min), x(c.RTO.Max), y+13, y+13)
		for _, v := range []float64{c.RTO.Min, c.RTO.Max} {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#1f2430" stroke-width="1.5"/>`, x(v), x(v), y+8, y+18)
		}
		if c.FloorMS > 0 {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#d64545" stroke-width="2" stroke-dasharray="3,2"><title>%s %s floor %s</title></line>`, x(c.FloorMS), x(c.FloorMS), y+2, y+24, c.FloorKind, c.FloorPath, secs(c.FloorMS))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="val">%s</text>`, math.Max(x(c.RTO.Max), x(c.RTO.Median))+6, y+17, secs(c.RTO.Median))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// spanChart draws each strategy's span medians stacked, with a legend.
func spanChart(cells []Cell) string {
	var names []string
	color := map[string]string{}
	maxMS := 0.0
	for _, c := range cells {
		total := 0.0
		for _, s := range c.Spans {
			if _, ok := color[s.Name]; !ok {
				color[s.Name] = spanColors[len(names)%len(spanColors)]
				names = append(names, s.Name)
			}
			total += s.MedianMS
		}
		maxMS = math.Max(maxMS, total)
	}
	scale := axisMax(maxMS)
	plotW := float64(chartWidth - labelWidth - 20)
	x := func(v float64) float64 { return labelWidth + v/scale*plotW }
	legendRows := (len(names) + 5) / 6
	h := chartTop + len(cells)*rowHeight + chartBottom + legendRows*18 + 6
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="spans per strategy">`, chartWidth, h, chartWidth, h)
	axisH := chartTop + len(cells)*rowHeight + chartBottom
	axis(&b, scale, x, axisH)
	for i, c := range cells {
		y := float64(chartTop + i*rowHeight)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" class="lbl">%s</text>`, labelWidth-8, y+17, html.EscapeString(c.Strategy))
		if len(c.Spans) == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="mute">no spans (Redis recovers by itself)</text>`, labelWidth+4, y+17)
			continue
		}
		at := 0.0
		for _, s := range c.Spans {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="16" fill="%s"><title>%s: %s</title></rect>`,
				x(at), y+5, math.Max(x(at+s.MedianMS)-x(at), 0.5), color[s.Name], html.EscapeString(s.Name), secs(s.MedianMS))
			at += s.MedianMS
		}
	}
	for i, n := range names {
		lx := labelWidth + (i%6)*120
		ly := axisH + (i/6)*18 + 4
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" class="leg">%s</text>`, lx, ly, color[n], lx+14, ly+9, html.EscapeString(n))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// axis draws the x axis with 5 ticks in seconds.
func axis(b *strings.Builder, scale float64, x func(float64) float64, h int) {
	base := h - chartBottom
	for i := 0; i <= 5; i++ {
		v := scale * float64(i) / 5
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#e3e6eb"/>`, x(v), x(v), chartTop-6, base)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" class="tick">%s</text>`, x(v), base+16, secs(v))
	}
}

// axisMax rounds a maximum up to a readable axis end (1, 2 or 5 × 10^n ms).
func axisMax(v float64) float64 {
	if v <= 0 {
		return 1000
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
