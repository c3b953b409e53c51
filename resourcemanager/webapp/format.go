package webapp

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// funcs are the helpers the templates use.
var funcs = template.FuncMap{
	"appState": func(s pb.ApplicationState) string { return strings.TrimPrefix(s.String(), "APPLICATION_STATE_") },
	"final": func(s pb.FinalApplicationStatus) string {
		return strings.TrimPrefix(s.String(), "FINAL_APPLICATION_STATUS_")
	},
	"attempt": func(s pb.ApplicationAttemptState) string {
		return strings.TrimPrefix(s.String(), "APPLICATION_ATTEMPT_STATE_")
	},
	"nodeState":  func(s pb.NodeState) string { return strings.TrimPrefix(s.String(), "NODE_STATE_") },
	"ctrState":   func(s pb.ContainerState) string { return strings.TrimPrefix(s.String(), "CONTAINER_STATE_") },
	"mb":         formatMB,
	"ms":         formatTime,
	"ago":        formatAgo,
	"elapsed":    formatElapsed,
	"pct":        percent,
	"pct32":      func(used, total int32) float64 { return percent(int64(used), int64(total)) },
	"progress":   func(p float32) float64 { return float64(p) * 100 },
	"pctf":       func(f float64) string { return fmt.Sprintf("%.1f%%", f) },
	"width":      barWidth,
	"join":       strings.Join,
	"host":       hostOf,
	"exitStatus": exitStatus,
	"lower":      strings.ToLower,
	"sub64":      func(a, b int64) int64 { return a - b },
	"add": func(a ...int) int {
		t := 0
		for _, v := range a {
			t += v
		}
		return t
	},
	"sub32": func(a, b int32) int32 { return a - b },
}

// formatMB prints MiB as YARN's UI does: "1.5 GB", "512 MB".
func formatMB(mb int64) string {
	if mb >= 1024 {
		return fmt.Sprintf("%.1f GB", float64(mb)/1024)
	}
	return fmt.Sprintf("%d MB", mb)
}

// formatTime prints ms since the epoch in UTC, or "N/A" for 0.
func formatTime(ms int64) string {
	if ms <= 0 {
		return "N/A"
	}
	return time.UnixMilli(ms).UTC().Format("Mon Jan 2 15:04:05 MST 2006")
}

// formatAgo prints how long ago ms was, in whole seconds.
func formatAgo(ms int64) string {
	if ms <= 0 {
		return "never"
	}
	return formatDuration(time.Since(time.UnixMilli(ms))) + " ago"
}

// formatElapsed prints finish − start, or now − start while running.
func formatElapsed(startMs, finishMs int64) string {
	if startMs <= 0 {
		return "N/A"
	}
	end := time.Now()
	if finishMs > 0 {
		end = time.UnixMilli(finishMs)
	}
	return formatDuration(end.Sub(time.UnixMilli(startMs)))
}

func formatDuration(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %dm %ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// percent is used over total in percent, 0 for no total.
func percent(used, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return math.Round(float64(used)/float64(total)*1000) / 10
}

// barWidth clamps a percentage for a bar's CSS width.
func barWidth(p float64) string {
	return fmt.Sprintf("%.1f%%", min(max(p, 0), 100))
}

func hostOf(nodeID string) string {
	if i := strings.LastIndexByte(nodeID, ':'); i >= 0 {
		return nodeID[:i]
	}
	return nodeID
}

// exitStatus prints a container's exit status, blank while it runs.
func exitStatus(c *pb.ContainerReport) string {
	if c.GetState() != pb.ContainerState_CONTAINER_STATE_COMPLETE {
		return ""
	}
	return fmt.Sprint(c.GetExitStatus())
}
