package ha

import (
	"bytes"
	"strings"

	"go.uber.org/zap"
)

// zapWriter passes Raft's text log lines to zap.
type zapWriter struct{ lg *zap.Logger }

func (w *zapWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		s := string(line)
		switch {
		case strings.Contains(s, "[ERROR]"):
			w.lg.Error("raft", zap.String("line", s))
		case strings.Contains(s, "[WARN]"):
			w.lg.Warn("raft", zap.String("line", s))
		case strings.Contains(s, "[DEBUG]"), strings.Contains(s, "[TRACE]"):
			w.lg.Debug("raft", zap.String("line", s))
		default:
			w.lg.Info("raft", zap.String("line", s))
		}
	}
	return len(p), nil
}
