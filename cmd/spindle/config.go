package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/logging"
	"github.com/urfave/cli/v2"
	"go.uber.org/zap"
)

// confFlags are the configuration flags every command takes.
func confFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "conf-dir", Usage: "Spindle's configuration directory (default $SPINDLE_CONF_DIR): spindle-site.xml, and Hadoop's files before $YARN_CONF_DIR, $HADOOP_CONF_DIR and $HADOOP_HOME/etc/hadoop"},
		&cli.StringSliceFlag{Name: "conf", Usage: "override a configuration key: `KEY=VALUE` (repeatable)"},
	}
}

// confSearch is where the command looks for configuration files: --conf-dir
// (exported, see exportConfDir) or SPINDLE_CONF_DIR, then Hadoop's
// directories.
func confSearch(c *cli.Context) (conf.Search, error) {
	var given conf.SearchDir
	if c.IsSet("conf-dir") {
		var err error
		if given, err = exportConfDir(c.String("conf-dir")); err != nil {
			return conf.Search{}, err
		}
	}
	return conf.Discover(given, os.LookupEnv), nil
}

// exportConfDir makes dir, given with --conf-dir, absolute and sets
// SPINDLE_CONF_DIR to it, as Hadoop's --config sets HADOOP_CONF_DIR, so
// that the HDFS client and the processes the command starts (a
// NodeManager's containers) find the same files.
func exportConfDir(dir string) (conf.SearchDir, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return conf.SearchDir{}, fmt.Errorf("--conf-dir %s: %w", dir, err)
		}
		dir = abs
	}
	if err := os.Setenv(conf.EnvConfDir, dir); err != nil {
		return conf.SearchDir{}, fmt.Errorf("--conf-dir %s: set %s: %w", dir, conf.EnvConfDir, err)
	}
	return conf.SearchDir{Path: dir, From: conf.FromConfDirFlag}, nil
}

// readConf loads the configuration named by the command's flags and the
// environment, without printing its warnings.
func readConf(c *cli.Context) (*conf.Config, error) {
	search, err := confSearch(c)
	if err != nil {
		return nil, err
	}
	return conf.Load(conf.LoadOptions{Search: &search, Overrides: c.StringSlice("conf")})
}

// loadConf loads the configuration named by the command's flags and the
// environment, and prints its warnings.
func loadConf(c *cli.Context) (*conf.Config, error) {
	cfg, err := readConf(c)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(c.App.ErrWriter, "warning:", w)
	}
	return cfg, nil
}

// daemonLogger builds a daemon's logger from the spindle.log.* keys: to
// stderr and to <spindle.log.dir>/spindle-<role>-<host>.log.
func daemonLogger(cfg *conf.Config, role string) (*zap.Logger, func(), error) {
	lc := logging.DefaultConfig()
	lc.Level = cfg.Get("spindle.log.level")
	lc.Format = cfg.Get("spindle.log.format")
	host, _ := os.Hostname()
	lc.File = filepath.Join(cfg.Get("spindle.log.dir"), fmt.Sprintf("spindle-%s-%s.log", role, host))
	var err error
	if lc.MaxSize, err = cfg.SizeBytes("spindle.log.maxSize"); err != nil {
		return nil, nil, err
	}
	if lc.MaxAge, err = cfg.Duration("spindle.log.maxAge"); err != nil {
		return nil, nil, err
	}
	backups, err := cfg.Int("spindle.log.maxBackups")
	if err != nil {
		return nil, nil, err
	}
	lc.MaxBackups = int(backups)
	lg, closer, err := logging.New(lc)
	if err != nil {
		return nil, nil, err
	}
	return lg, func() { lg.Sync(); closer.Close() }, nil
}

// writeReadyFile writes a daemon's bound addresses as JSON, atomically, so
// that scripts and tests can find OS-chosen ports once it is serving.
func writeReadyFile(path string, v any) error {
	if path == "" {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("write ready file %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

var readyFileFlag = &cli.StringFlag{Name: "ready-file", Usage: "write the bound addresses as JSON to `FILE` once serving"}
