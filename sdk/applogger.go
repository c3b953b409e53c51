package sdk

import (
	"fmt"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ConfLogLevel is the configuration key that sets the job's log level, as
// in Spark: ALL, TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF, in any
// case. Unset means INFO.
const ConfLogLevel = "spark.log.level"

// offLevel is above every level zap logs at, so nothing is logged.
const offLevel = zapcore.FatalLevel + 1

var sparkLevels = map[string]zapcore.Level{
	"ALL":   zapcore.DebugLevel,
	"TRACE": zapcore.DebugLevel,
	"DEBUG": zapcore.DebugLevel,
	"INFO":  zapcore.InfoLevel,
	"WARN":  zapcore.WarnLevel,
	"ERROR": zapcore.ErrorLevel,
	"FATAL": zapcore.FatalLevel,
	"OFF":   offLevel,
}

// parseLogLevel reads a spark.log.level value.
func parseLogLevel(v string) (zapcore.Level, error) {
	lvl, ok := sparkLevels[strings.ToUpper(strings.TrimSpace(v))]
	if !ok {
		return 0, fmt.Errorf("%s %q: valid levels are ALL, TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF", ConfLogLevel, v)
	}
	return lvl, nil
}

// newAppLogger builds the job's logger: JSON lines to w, which inside a
// plugin is the process's original stderr, the stream the host reads the
// job's log from.
func newAppLogger(w zapcore.WriteSyncer) (*zap.Logger, zap.AtomicLevel) {
	level := zap.NewAtomicLevelAt(zapcore.InfoLevel)
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	locked := zapcore.Lock(w)
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), locked, level)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(locked)), level
}
