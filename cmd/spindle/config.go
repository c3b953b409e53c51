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
		&cli.StringFlag{Name: "conf-dir", EnvVars: []string{"SPINDLE_CONF_DIR"}, Usage: "directory with yarn-site.xml, capacity-scheduler.xml and spindle-site.xml"},
		&cli.StringSliceFlag{Name: "conf", Usage: "override a configuration key: `KEY=VALUE` (repeatable)"},
	}
}

// loadConf loads the configuration named by the command's flags.
func loadConf(c *cli.Context) (*conf.Config, error) {
	cfg, err := conf.Load(conf.LoadOptions{Dir: c.String("conf-dir"), Overrides: c.StringSlice("conf")})
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
