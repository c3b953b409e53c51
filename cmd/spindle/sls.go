package main

import (
	"fmt"

	"github.com/spindlehq/spindle/internal/sls"
	"github.com/spindlehq/spindle/pki"
	"github.com/urfave/cli/v2"
)

// slsCommand runs the scheduler load simulator against a running RM.
func slsCommand() *cli.Command {
	d := sls.DefaultConfig()
	return &cli.Command{
		Name:  "sls",
		Usage: "drive a ResourceManager with simulated NodeManagers and AMs and report its scheduling throughput, as YARN's SLS",
		Flags: append(confFlags(),
			&cli.IntFlag{Name: "nodes", Value: d.Nodes, Usage: "simulated NodeManagers"},
			&cli.IntFlag{Name: "apps", Value: d.Apps, Usage: "simulated ApplicationMasters (unmanaged)"},
			&cli.Int64Flag{Name: "node-memory-mb", Value: d.NodeMemoryMB, Usage: "memory of each node"},
			&cli.IntFlag{Name: "node-vcores", Value: int(d.NodeVCores), Usage: "vcores of each node"},
			&cli.Int64Flag{Name: "container-memory-mb", Value: d.ContainerMemoryMB, Usage: "memory of each container, overhead included"},
			&cli.DurationFlag{Name: "container-lifetime", Value: d.ContainerLifetime, Usage: "how long each container runs before its AM releases it"},
			&cli.Float64Flag{Name: "fill", Value: d.Fill, Usage: "share of the cluster's containers the AMs keep running"},
			&cli.DurationFlag{Name: "am-interval", Value: d.AMInterval, Usage: "each AM's allocate interval"},
			&cli.DurationFlag{Name: "warmup", Value: d.Warmup, Usage: "time before the measurement"},
			&cli.DurationFlag{Name: "duration", Value: d.Duration, Usage: "length of the measurement"},
			&cli.IntFlag{Name: "rm-pid", Usage: "the RM's process id, to report its CPU and memory (same host only)"},
			&cli.StringFlag{Name: "nm-cert", Usage: "a NodeManager's certificate `FILE` (spindle tls cert create --nm) for the simulated nodes, against an RM with TLS; its key is beside it (-key.pem); the user's certificate is spindle.tls.cert-file"},
		),
		Action: func(c *cli.Context) error {
			conf, err := loadConf(c)
			if err != nil {
				return err
			}
			cfg := d
			cfg.ClientAddress = conf.Get("yarn.resourcemanager.address")
			cfg.TrackerAddress = conf.Get("yarn.resourcemanager.resource-tracker.address")
			cfg.Nodes, cfg.Apps = c.Int("nodes"), c.Int("apps")
			cfg.NodeMemoryMB, cfg.NodeVCores = c.Int64("node-memory-mb"), int32(c.Int("node-vcores"))
			cfg.ContainerMemoryMB, cfg.ContainerLifetime = c.Int64("container-memory-mb"), c.Duration("container-lifetime")
			cfg.Fill, cfg.AMInterval = c.Float64("fill"), c.Duration("am-interval")
			cfg.Warmup, cfg.Duration, cfg.RMPid = c.Duration("warmup"), c.Duration("duration"), c.Int("rm-pid")
			if cfg.ClientTLS, err = clientTLS(conf); err != nil {
				return err
			}
			if cfg.ClientTLS != nil {
				if c.String("nm-cert") == "" {
					return fmt.Errorf("sls: the RM runs with TLS: give --nm-cert, a NodeManager's certificate for the simulated nodes")
				}
				if cfg.NodeTLS, err = pki.LoadFiles(pki.Files{CA: conf.Get(pki.KeyCAFile), Cert: c.String("nm-cert"), Key: pki.KeyFileFor(c.String("nm-cert"))}, nil); err != nil {
					return fmt.Errorf("sls: --nm-cert: %w", err)
				}
			}
			r, err := sls.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, r)
			return nil
		},
	}
}
