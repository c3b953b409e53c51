package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/logging"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/submit"
	"go.uber.org/zap"
)

const (
	// logPropertiesFile is the log configuration an application may ship
	// with --files, as Spark users ship log4j.properties; it is read from
	// the container's working dir.
	logPropertiesFile = "spindle-log.properties"
	// keyFrameworkLevel is the framework's log level (spindle.log).
	keyFrameworkLevel = "spindle.log.level"
	// keyAppLevel is the job's log level (app.log), mapped onto
	// spark.log.level, which the job's logger reads.
	keyAppLevel = "spindle.log.app.level"
	// propLevel and propAppLevel are logPropertiesFile's keys.
	propLevel    = "level"
	propAppLevel = "app.level"
)

// frameworkLevels are the levels spindle.log takes; sparkLevels those of
// the job's logger, as Spark's.
var (
	frameworkLevels = []string{logging.LevelDebug, logging.LevelInfo, logging.LevelWarn, logging.LevelError}
	sparkLevels     = []string{"ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"}
)

// containerLogLevels are the levels of an AM's or executor's two logs.
type containerLogLevels struct {
	// framework is spindle.log's level; "" = info.
	framework string
	// app is the job's level, a Spark level; "" = spark.log.level as given.
	app string
	// ignored are keys of the properties file that mean nothing here.
	ignored []string
}

// parseLogProperties reads a spindle-log.properties file: level (the
// framework's: debug, info, warn or error, in any case) and app.level (the
// job's: a Spark level). Errors name the file, the key and what is valid.
func parseLogProperties(data []byte, name string) (containerLogLevels, error) {
	props, err := submit.ParsePropertiesFile(data, name)
	if err != nil {
		return containerLogLevels{}, err
	}
	var lv containerLogLevels
	for k, v := range props {
		switch k {
		case propLevel:
			if lv.framework, err = frameworkLevel(v); err != nil {
				return containerLogLevels{}, fmt.Errorf("%s: %s: %w", name, propLevel, err)
			}
		case propAppLevel:
			if lv.app, err = appLevel(v); err != nil {
				return containerLogLevels{}, fmt.Errorf("%s: %s: %w", name, propAppLevel, err)
			}
		default:
			lv.ignored = append(lv.ignored, k)
		}
	}
	sort.Strings(lv.ignored)
	return lv, nil
}

// frameworkLevel normalises a framework level ("" stays "").
func frameworkLevel(v string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(v))
	if l == "" || slices.Contains(frameworkLevels, l) {
		return l, nil
	}
	return "", fmt.Errorf("level %q: valid levels are %s", v, strings.Join(frameworkLevels, ", "))
}

// appLevel normalises a Spark level ("" stays "").
func appLevel(v string) (string, error) {
	l := strings.ToUpper(strings.TrimSpace(v))
	if l == "" || slices.Contains(sparkLevels, l) {
		return l, nil
	}
	return "", fmt.Errorf("level %q: valid levels are %s", v, strings.Join(sparkLevels, ", "))
}

// resolveLogLevels gives the levels of a container's logs: those of
// spindle-log.properties in dir, if there is one, overridden by
// spindle.log.level and spindle.log.app.level in conf, as a
// spark.log.level given on the command line overrides log4j.properties.
func resolveLogLevels(dir string, conf map[string]string) (containerLogLevels, error) {
	var lv containerLogLevels
	path := filepath.Join(dir, logPropertiesFile)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return lv, fmt.Errorf("read %s: %w", path, err)
	default:
		if lv, err = parseLogProperties(data, logPropertiesFile); err != nil {
			return lv, err
		}
	}
	if v, ok := conf[keyFrameworkLevel]; ok && strings.TrimSpace(v) != "" {
		if lv.framework, err = frameworkLevel(v); err != nil {
			return lv, fmt.Errorf("%s: %w", keyFrameworkLevel, err)
		}
	}
	if v, ok := conf[keyAppLevel]; ok && strings.TrimSpace(v) != "" {
		if lv.app, err = appLevel(v); err != nil {
			return lv, fmt.Errorf("%s: %w", keyAppLevel, err)
		}
	}
	return lv, nil
}

// containerLoggers returns the framework logger of an AM or executor and
// the writer for the job's own log lines. In a container (SPINDLE_LOG_DIR
// set) they are spindle.log and app.log in its log dir, rolling like its
// stdout; elsewhere the framework log goes to stderr and the job's too.
// Their levels are set apart (see resolveLogLevels, read from the working
// dir): the job's level is written into conf as spark.log.level, which
// the job's logger reads, so conf must be the map the job is configured
// with; a nil conf leaves the job's level alone.
func containerLoggers(conf map[string]string) (*zap.Logger, io.Writer, func(), error) {
	levels, err := resolveLogLevels(".", conf)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("container log levels: %w", err)
	}
	if levels.app != "" && conf != nil {
		conf[sdk.ConfLogLevel] = levels.app
	}
	lc := logging.DefaultConfig()
	if levels.framework != "" {
		lc.Level = levels.framework
	}
	dir := os.Getenv(launch.EnvLogDir)
	if dir == "" {
		lg, closer, err := logging.New(lc)
		if err != nil {
			return nil, nil, nil, err
		}
		warnIgnoredLogKeys(lg, levels)
		return lg, os.Stderr, func() { closer.Close() }, nil
	}
	lc.File = filepath.Join(dir, "spindle.log")
	lc.Stderr = io.Discard
	lg, closer, err := logging.New(lc)
	if err != nil {
		return nil, nil, nil, err
	}
	warnIgnoredLogKeys(lg, levels)
	app, err := logging.OpenRolling(logging.RollingConfig{Path: filepath.Join(dir, "app.log"), MaxSize: lc.MaxSize, MaxBackups: lc.MaxBackups, MaxAge: lc.MaxAge})
	if err != nil {
		closer.Close()
		return nil, nil, nil, err
	}
	return lg, app, func() { app.Close(); closer.Close() }, nil
}

// warnIgnoredLogKeys says which keys of spindle-log.properties were not used.
func warnIgnoredLogKeys(lg *zap.Logger, levels containerLogLevels) {
	if len(levels.ignored) > 0 {
		lg.Warn("unknown keys in the log properties file ignored", zap.String("file", logPropertiesFile),
			zap.Strings("keys", levels.ignored), zap.Strings("known", []string{propLevel, propAppLevel}))
	}
}
