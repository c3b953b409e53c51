package logging

import (
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New builds a logger that writes every entry at or above cfg.Level to
// cfg.Stderr and, when cfg.File is set, to a RollingFile at that path. The
// returned Closer syncs and closes the file; it is a no-op without a file.
// Entries logged after Close reach Stderr only.
func New(cfg Config) (*zap.Logger, io.Closer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	level, err := parseLevel(cfg.Level)
	if err != nil {
		return nil, nil, err
	}
	var stderr io.Writer = os.Stderr
	if cfg.Stderr != nil {
		stderr = cfg.Stderr
	}
	// Lock because a caller-supplied writer need not be safe for
	// concurrent use.
	errSink := zapcore.Lock(zapcore.AddSync(stderr))

	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if cfg.Format == FormatJSON {
		enc = zapcore.NewJSONEncoder(encCfg)
	} else {
		enc = zapcore.NewConsoleEncoder(encCfg)
	}

	// Stderr is kept out of Sync: syncing a terminal or pipe fails with
	// EINVAL on Linux, which would make every logger.Sync report an error.
	// One core feeding both sinks encodes each entry once.
	var out zapcore.WriteSyncer = noSync{errSink}
	var closer io.Closer = nopCloser{}
	if cfg.File != "" {
		file, err := OpenRolling(cfg.rolling())
		if err != nil {
			return nil, nil, err
		}
		out = zapcore.NewMultiWriteSyncer(out, closedFile{file})
		closer = fileCloser{file}
	}
	core := zapcore.NewCore(enc, out, level)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(errSink)), closer, nil
}
