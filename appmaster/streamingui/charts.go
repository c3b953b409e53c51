package streamingui

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// point is one value of a timeline.
type point struct {
	t time.Time
	v float64
}

// series is one line of a chart.
type series struct {
	label  string
	points []point
}

// Chart sizes, in SVG user units.
const (
	chartW, chartH = 620.0, 170.0
	padL, padR     = 100.0, 10.0
	padT, padB     = 10.0, 24.0
	histW          = 260.0
	histBins       = 20
)

// palette colours the lines of a chart with several series.
var palette = []string{"#2f6fcf", "#d9534f", "#3a9d5d", "#e08a1e", "#7b52ab", "#1aa3a3", "#b0457a", "#6b6b6b"}

// timeline draws series over time as SVG: a polyline per series with a
// circle per point (class "pt", its value in a title), and labelled axes.
// Points are in time order.
func timeline(id, unit string, lines []series) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" id="%s" viewBox="0 0 %g %g" width="%g" height="%g" role="img">`, id, chartW, chartH, chartW, chartH)
	var t0, t1 time.Time
	maxV, n := 0.0, 0
	for _, s := range lines {
		for _, p := range s.points {
			if t0.IsZero() || p.t.Before(t0) {
				t0 = p.t
			}
			if p.t.After(t1) {
				t1 = p.t
			}
			maxV = math.Max(maxV, p.v)
			n++
		}
	}
	maxV = niceCeil(maxV)
	axes(&b, maxV, unit, t0, t1)
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="empty">no completed batches yet</text></svg>`, chartW/2-60, chartH/2)
		return template.HTML(b.String())
	}
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span <= 0 {
			return padL + (chartW-padL-padR)/2
		}
		return padL + t.Sub(t0).Seconds()/span*(chartW-padL-padR)
	}
	y := func(v float64) float64 { return chartH - padB - v/maxV*(chartH-padT-padB) }
	// The loops write with strconv: a page draws thousands of points.
	var num []byte
	coord := func(v float64) {
		num = strconv.AppendFloat(num[:0], v, 'f', 1, 64)
		b.Write(num)
	}
	for i, s := range lines {
		colour := palette[i%len(palette)]
		label := html.EscapeString(s.label) + sep(s.label)
		b.WriteString(`<polyline fill="none" stroke-width="1.5" stroke="` + colour + `" points="`)
		for _, p := range s.points {
			coord(x(p.t))
			b.WriteByte(',')
			coord(y(p.v))
			b.WriteByte(' ')
		}
		b.WriteString(`"/>`)
		for _, p := range s.points {
			b.WriteString(`<circle class="pt" cx="`)
			coord(x(p.t))
			b.WriteString(`" cy="`)
			coord(y(p.v))
			b.WriteString(`" r="1.8" fill="` + colour + `"><title>` + label + " ")
			b.WriteString(p.t.UTC().Format("15:04:05.000") + ": " + formatValue(p.v, unit) + "</title></circle>")
		}
	}
	if len(lines) > 1 {
		for i, s := range lines {
			fmt.Fprintf(&b, `<text x="%g" y="%g" fill="%s" class="legend">%s</text>`, padL+4+float64(i%4)*120, padT+10+float64(i/4)*12, palette[i%len(palette)], html.EscapeString(s.label))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func sep(label string) string {
	if label == "" {
		return ""
	}
	return " ·"
}

// axes draws the value axis (0, half, max) and the time axis's ends.
func axes(b *strings.Builder, maxV float64, unit string, t0, t1 time.Time) {
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="axis"/>`, padL, padT, padL, chartH-padB)
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="axis"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	for _, f := range []float64{0, 0.5, 1} {
		yy := chartH - padB - f*(chartH-padT-padB)
		fmt.Fprintf(b, `<text x="%g" y="%g" class="tick" text-anchor="end">%s</text>`, padL-4, yy+4, formatValue(f*maxV, unit))
	}
	if !t0.IsZero() {
		fmt.Fprintf(b, `<text x="%g" y="%g" class="tick">%s</text>`, padL, chartH-6, t0.UTC().Format("15:04:05"))
		fmt.Fprintf(b, `<text x="%g" y="%g" class="tick" text-anchor="end">%s</text>`, chartW-padR, chartH-6, t1.UTC().Format("15:04:05"))
	}
}

// histogram draws the distribution of values in histBins bars, as the
// Streaming tab's histograms beside each timeline.
func histogram(id, unit string, values []float64) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="histogram" id="%s" viewBox="0 0 %g %g" width="%g" height="%g" role="img">`, id, histW, chartH, histW, chartH)
	maxV := 0.0
	for _, v := range values {
		maxV = math.Max(maxV, v)
	}
	maxV = niceCeil(maxV)
	counts := make([]int, histBins)
	for _, v := range values {
		i := int(v / maxV * histBins)
		counts[min(max(i, 0), histBins-1)]++
	}
	top := 1
	for _, c := range counts {
		top = max(top, c)
	}
	const left = 8.0
	plotW, plotH := histW-left-8, chartH-padT-padB
	barW := plotW / histBins
	for i, c := range counts {
		h := float64(c) / float64(top) * plotH
		lo, hi := maxV*float64(i)/histBins, maxV*float64(i+1)/histBins
		fmt.Fprintf(&b, `<rect class="bin" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s – %s: %d batches</title></rect>`,
			left+float64(i)*barW+0.5, chartH-padB-h, barW-1, h, formatValue(lo, unit), formatValue(hi, unit), c)
	}
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="axis"/>`, left, chartH-padB, histW-8, chartH-padB)
	fmt.Fprintf(&b, `<text x="%g" y="%g" class="tick">0</text><text x="%g" y="%g" class="tick" text-anchor="end">%s</text>`, left, chartH-6, histW-8, chartH-6, formatValue(maxV, unit))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// formatValue prints a chart value with its unit: "ms" values as time,
// others with the unit after them.
func formatValue(v float64, unit string) string {
	if unit == "ms" {
		return formatMs(v)
	}
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM %s", v/1e6, unit)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk %s", v/1e3, unit)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f %s", v, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

// formatMs prints milliseconds as Spark's UI does: "350 ms", "1.2 s".
func formatMs(ms float64) string {
	switch {
	case ms >= 60_000:
		return fmt.Sprintf("%.1f min", ms/60_000)
	case ms >= 1000:
		return fmt.Sprintf("%.1f s", ms/1000)
	}
	return fmt.Sprintf("%.0f ms", ms)
}
