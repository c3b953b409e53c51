package chaos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteTimeline(t *testing.T) {
	start := time.Unix(4_000_000, 0)
	batches := steadyBatches(start, 1, 60, 500)
	d := timelineData{
		input: make([]int64, 60), processed: processedSeries(start, start.Add(time.Minute), batches, recoveryWindow),
		delays: batches, start: start, title: "chaos",
		kills: []Kill{{Kind: KillAM, At: start.Add(20 * time.Second)}, {Kind: KillResourceManager, At: start.Add(40 * time.Second)},
			{Kind: RMActive, At: start.Add(50 * time.Second), FailoverAt: start.Add(52300 * time.Millisecond)}},
	}
	dir := t.TempDir()
	svg := filepath.Join(dir, "timeline.svg")
	if err := writeTimeline(svg, d); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "records/s", "scheduling delay", "kill AM (driver)", "kill ResourceManager", "kill active RM", ">RM* 2.3s<"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	png := filepath.Join(dir, "timeline.png")
	if err := writeTimeline(png, d); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(png); len(raw) < 8 || string(raw[1:4]) != "PNG" {
		t.Fatal("timeline.png is not a PNG")
	}
	if err := writeTimeline(filepath.Join(dir, "timeline.xyz"), d); err == nil || !strings.Contains(err.Error(), "timeline.xyz") {
		t.Fatalf("unknown format: %v", err)
	}
	// A run that ended before any batch still gets a plot.
	if err := writeTimeline(filepath.Join(dir, "empty.svg"), timelineData{start: start}); err != nil {
		t.Fatalf("empty timeline: %v", err)
	}
}

// TestTimelineLabelsFewKillsOnly: a long run's many kills are told apart
// by colour only, their labels would overlap.
func TestTimelineLabelsFewKillsOnly(t *testing.T) {
	start := time.Unix(4_000_000, 0)
	count := func(kills int) int {
		d := timelineData{start: start, input: make([]int64, 100)}
		for i := range kills {
			d.kills = append(d.kills, Kill{Kind: KillAM, At: start.Add(time.Duration(i) * time.Second)})
		}
		p := filepath.Join(t.TempDir(), "t.svg")
		if err := writeTimeline(p, d); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(p)
		return strings.Count(string(raw), ">AM<")
	}
	if n := count(3); n != 3 {
		t.Fatalf("3 kills gave %d AM labels, want 3", n)
	}
	if n := count(maxLabelledKills + 1); n != 0 {
		t.Fatalf("%d kills gave %d AM labels, want none", maxLabelledKills+1, n)
	}
}
