package chaos

import (
	"testing"
	"time"
)

func TestZZView(t *testing.T) {
	start := time.Unix(1000, 0)
	var input []int64
	var batches []batch
	for i := 0; i < 120; i++ {
		input = append(input, 500)
	}
	for i := 2; i < 120; i++ {
		if i >= 30 && i < 33 {
			continue
		}
		b := batch{Time: start.Add(time.Duration(i) * time.Second), Records: 500, Processing: 200 * time.Millisecond, Scheduling: 5 * time.Millisecond}
		if i == 33 {
			b.Records = 2000
			b.Scheduling = 3 * time.Second
		}
		batches = append(batches, b)
	}
	proc := processedSeries(start, start.Add(120*time.Second), batches, recoveryWindow)
	kills := []Kill{{Kind: KillAM, At: start.Add(30 * time.Second)}, {Kind: KillNodeManager, At: start.Add(60 * time.Second)}, {Kind: KillExecutor, At: start.Add(80 * time.Second)}, {Kind: KillResourceManager, At: start.Add(100 * time.Second)}}
	if err := writeTimeline("/tmp/zzview.png", timelineData{input: input, processed: proc, delays: batches, kills: kills, start: start, title: "test"}); err != nil {
		t.Fatal(err)
	}
}
