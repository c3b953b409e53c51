package sdk

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logBridge turns go-plugin's JSON log lines (hclog's format) into entries
// of the framework's zap logger.
type logBridge struct {
	lg *zap.Logger
	// drop is an hclog module whose lines are not passed on: go-plugin
	// logs every line of the plugin's stderr again under the binary's
	// name, and those lines have been routed already.
	drop string
}

// hclogLevels maps hclog's level names to zap's.
var hclogLevels = map[string]zapcore.Level{
	"trace": zapcore.DebugLevel,
	"debug": zapcore.DebugLevel,
	"info":  zapcore.InfoLevel,
	"warn":  zapcore.WarnLevel,
	"error": zapcore.ErrorLevel,
}

// logLine logs one hclog JSON line; a line that is not one is logged as
// text at debug level.
func (b *logBridge) logLine(line []byte) {
	var entry map[string]any
	if err := json.Unmarshal(line, &entry); err != nil {
		b.lg.Debug("go-plugin", zap.ByteString("line", line))
		return
	}
	module, _ := entry["@module"].(string)
	if b.drop != "" && module == b.drop {
		return
	}
	lvl, ok := hclogLevels[strings.ToLower(stringOf(entry["@level"]))]
	if !ok {
		lvl = zapcore.InfoLevel
	}
	ce := b.lg.Check(lvl, "go-plugin")
	if ce == nil {
		return
	}
	fields := make([]zap.Field, 0, len(entry))
	fields = append(fields, zap.String("message", stringOf(entry["@message"])), zap.String("module", module))
	for _, k := range slices.Sorted(maps.Keys(entry)) {
		if !strings.HasPrefix(k, "@") {
			fields = append(fields, zap.Any(k, entry[k]))
		}
	}
	ce.Write(fields...)
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// isSDKLine reports whether a line of the plugin's stderr is go-plugin's
// own log inside the job binary, rather than the job's.
func isSDKLine(line []byte) bool {
	return bytes.HasPrefix(line, []byte(`{"@`)) && bytes.Contains(line, []byte(`"@module":"`+sdkModule))
}
