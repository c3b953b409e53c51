package chaos

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	// The formats the timeline can be written in.
	_ "gonum.org/v1/plot/vg/vgimg"
	_ "gonum.org/v1/plot/vg/vgsvg"
)

// timelineData is what the timeline plot draws; times are seconds since
// the chaos began.
type timelineData struct {
	// input and processed are records per second, one value per second
	// since start.
	input     []int64
	processed []float64
	// delays are the batches' scheduling delays at their batch times.
	delays []batch
	// kills are marked as vertical lines.
	kills []Kill
	// start is time 0 of the x axis.
	start time.Time
	title string
}

// Colours of the series and of each kind's kill lines.
var (
	inputColor     = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	processedColor = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	delayColor     = color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}
	killColors     = map[Kind]color.RGBA{
		KillExecutor:        {R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		KillAM:              {R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		KillNodeManager:     {R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
		KillResourceManager: {R: 0x17, G: 0x17, B: 0x17, A: 0xff},
		Partition:           {R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
		HostCrash:           {R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
		Slow:                {R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
		PauseKafka:          {R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
		PauseHDFS:           {R: 0x39, G: 0x3b, B: 0x79, A: 0xff},
	}
	killLabels = map[Kind]string{KillExecutor: "exec", KillAM: "AM", KillNodeManager: "NM", KillResourceManager: "RM",
		Partition: "part", HostCrash: "host", Slow: "slow", PauseKafka: "kafka", PauseHDFS: "hdfs"}
)

// writeTimeline draws the input and processed rates over the scheduling
// delay, kills marked on both, to path in the format its extension names
// (svg or png).
func writeTimeline(path string, d timelineData) error {
	rates := plot.New()
	rates.Title.Text = d.title
	rates.Y.Label.Text = "records/s"
	rates.Legend.Top = true
	rates.Legend.Left = true
	delays := plot.New()
	delays.X.Label.Text = "seconds since producing began"
	delays.Y.Label.Text = "scheduling delay (s)"

	in := make(plotter.XYs, 0, len(d.input))
	for i, v := range d.input {
		in = append(in, plotter.XY{X: float64(i) + 0.5, Y: float64(v)})
	}
	proc := make(plotter.XYs, 0, len(d.processed))
	for i, v := range d.processed {
		proc = append(proc, plotter.XY{X: float64(i + 1), Y: v})
	}
	del := make(plotter.XYs, 0, len(d.delays))
	for _, b := range d.delays {
		del = append(del, plotter.XY{X: b.Time.Sub(d.start).Seconds(), Y: b.Scheduling.Seconds()})
	}
	if err := addLine(rates, in, inputColor, "input"); err != nil {
		return err
	}
	if err := addLine(rates, proc, processedColor, "processed"); err != nil {
		return err
	}
	if err := addLine(delays, del, delayColor, ""); err != nil {
		return err
	}
	for _, p := range []*plot.Plot{rates, delays} {
		p.Y.Min = 0
		p.Add(plotter.NewGrid())
	}
	for _, p := range []*plot.Plot{rates, delays} {
		if err := markKills(p, d.kills, d.start, p == rates); err != nil {
			return err
		}
	}
	// Room above the kills' labels for the legend.
	rates.Y.Max *= 1.4
	// Both panels share the x axis.
	xmax := max(rates.X.Max, delays.X.Max)
	for _, p := range []*plot.Plot{rates, delays} {
		p.X.Min, p.X.Max = 0, xmax
	}

	const w, h = 28 * vg.Centimeter, 18 * vg.Centimeter
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return fmt.Errorf("chaos: timeline plot %s: %w", path, err)
	}
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4, PadY: vg.Millimeter * 4}
	plots := [][]*plot.Plot{{rates}, {delays}}
	canvases := plot.Align(plots, tiles, dc)
	for i, row := range plots {
		row[0].Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("chaos: create the timeline plot: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("chaos: write the timeline plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("chaos: write the timeline plot %s: %w", path, err)
	}
	return nil
}

// addLine adds a line of xys in colour c to p, in the legend as name
// unless name is empty. An empty series draws nothing.
func addLine(p *plot.Plot, xys plotter.XYs, c color.Color, name string) error {
	if len(xys) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("chaos: plot %s: %w", name, err)
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1)
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}

// maxLabelledKills is the most kills whose lines get a text label; more
// would overlap, and the colours in the legend tell the kinds apart.
const maxLabelledKills = 20

// markKills draws a dashed vertical line at each fault, in its kind's
// colour, labelled on the top panel when there are few, and a bar along
// the top from its start to its end for a fault that lasted (a network
// fault until healed, a host until it came back).
func markKills(p *plot.Plot, kills []Kill, start time.Time, labelled bool) error {
	top := max(p.Y.Max, 1) * 1.05
	var labels plotter.XYLabels
	inLegend := map[Kind]bool{}
	for _, k := range kills {
		x := k.At.Sub(start).Seconds()
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top}})
		if err != nil {
			return fmt.Errorf("chaos: plot the kill at %v: %w", x, err)
		}
		l.LineStyle.Color = killColors[k.Kind]
		l.LineStyle.Width = vg.Points(1)
		if len(kills) > maxLabelledKills {
			l.LineStyle.Width = vg.Points(0.5)
		}
		l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		p.Add(l)
		if labelled && !inLegend[k.Kind] {
			name := k.Kind.Title()
			if !k.Kind.onHosts() {
				name = "kill " + name
			}
			p.Legend.Add(name, l)
			inLegend[k.Kind] = true
		}
		if end := k.ended(); !end.IsZero() && (k.Kind.lasts() || k.Kind == HostCrash) {
			y := top * 0.98
			bar, err := plotter.NewLine(plotter.XYs{{X: x, Y: y}, {X: end.Sub(start).Seconds(), Y: y}})
			if err != nil {
				return fmt.Errorf("chaos: plot the fault at %v: %w", x, err)
			}
			bar.LineStyle.Color = killColors[k.Kind]
			bar.LineStyle.Width = vg.Points(3)
			p.Add(bar)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: x, Y: top})
		labels.Labels = append(labels.Labels, killLabels[k.Kind])
	}
	if !labelled || len(labels.XYs) == 0 || len(labels.XYs) > maxLabelledKills {
		return nil
	}
	ls, err := plotter.NewLabels(labels)
	if err != nil {
		return fmt.Errorf("chaos: plot the kills' labels: %w", err)
	}
	p.Add(ls)
	return nil
}
