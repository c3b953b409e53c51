package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spindlehq/spindle/conf"
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
	// propLevel and propAppLevel are logPropertiesFile's keys.
	propLevel    = "level"
	propAppLevel = "app.level"
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

// frameworkLevel normalises a framework level as spindle.log.level takes
// it ("" stays "").
func frameworkLevel(v string) (string, error) {
	return level(conf.KeyAppFrameworkLogLevel, v, strings.ToLower)
}

// appLevel normalises a Spark level as spindle.log.app.level takes it (""
// stays "").
func appLevel(v string) (string, error) {
	return level(conf.KeyAppJobLogLevel, v, strings.ToUpper)
}

// level checks a level of the properties file against key's.
func level(key, v string, norm func(string) string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	k, _ := conf.LookupAppKey(key)
	if err := conf.CheckValue(k, v); err != nil {
		return "", err
	}
	return norm(v), nil
}

// resolveLogLevels gives the levels of a container's logs: those of
// spindle-log.properties in dir, if there is one, overridden by
// spindle.log.level and spindle.log.app.level as submit checked them, as a
// spark.log.level given on the command line overrides log4j.properties.
func resolveLogLevels(dir string, settings conf.AppConf) (containerLogLevels, error) {
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
	if settings.IsSet(conf.KeyAppFrameworkLogLevel) {
		lv.framework = strings.ToLower(settings.String(conf.KeyAppFrameworkLogLevel))
	}
	if settings.IsSet(conf.KeyAppJobLogLevel) {
		lv.app = strings.ToUpper(settings.String(conf.KeyAppJobLogLevel))
	}
	return lv, nil
}

// containerLoggers returns the framework logger of an AM or executor and
// the writer for the job's own log lines. In a container (SPINDLE_LOG_DIR
// set) they are spindle.log and app.log in its log dir, rolling like its
// stdout; elsewhere the framework log goes to stderr and the job's too.
// Their levels are set apart (see resolveLogLevels, read from the working
// dir and the spec's settings): the job's level is written into the
// spec's Conf as spark.log.level, which the job's logger reads; a spec
// without Conf (none was read) leaves it alone.
func containerLoggers(spec launch.Spec) (*zap.Logger, io.Writer, func(), error) {
	levels, err := resolveLogLevels(".", spec.Settings)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("container log levels: %w", err)
	}
	if levels.app != "" && spec.Conf != nil {
		spec.Conf[sdk.ConfLogLevel] = levels.app
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
