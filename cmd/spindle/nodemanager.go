package main

import (
	"context"
	"os/signal"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/nodemanager"
	"github.com/urfave/cli/v2"
)

func nodeManagerCommand() *cli.Command {
	return &cli.Command{
		Name:  "nodemanager",
		Usage: "run a NodeManager daemon",
		Flags: append(confFlags(), readyFileFlag),
		Action: func(c *cli.Context) error {
			cfg, err := loadConf(c)
			if err != nil {
				return err
			}
			lg, closeLog, err := daemonLogger(cfg, "nodemanager")
			if err != nil {
				return err
			}
			defer closeLog()
			nmCfg, err := nodemanager.ConfigFrom(cfg)
			if err != nil {
				return err
			}
			nmCfg.Logger = lg
			nm, err := nodemanager.New(nmCfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := nm.Start(ctx); err != nil {
				return err
			}
			if err := writeReadyFile(c.String("ready-file"), nm.Addresses()); err != nil {
				return err
			}
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return nm.Stop(sctx)
		},
	}
}
