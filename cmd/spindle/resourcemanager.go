package main

import (
	"context"
	"os/signal"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
)

func resourceManagerCommand() *cli.Command {
	return &cli.Command{
		Name:  "resourcemanager",
		Usage: "run the ResourceManager daemon",
		Flags: append(confFlags(), readyFileFlag),
		Action: func(c *cli.Context) error {
			cfg, err := loadConf(c)
			if err != nil {
				return err
			}
			lg, closeLog, err := daemonLogger(cfg, "resourcemanager")
			if err != nil {
				return err
			}
			defer closeLog()
			rmCfg, err := resourcemanager.ConfigFrom(cfg)
			if err != nil {
				return err
			}
			rmCfg.Logger = lg
			resourcemanager.Version = version
			rm, err := resourcemanager.New(rmCfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := rm.Start(ctx); err != nil {
				return err
			}
			if err := writeReadyFile(c.String("ready-file"), rm.Addresses()); err != nil {
				return err
			}
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return rm.Stop(sctx)
		},
	}
}
