package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/appmaster"
	"github.com/spindlehq/spindle/logging"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
	"google.golang.org/protobuf/proto"
)

// appMasterCommand runs inside the AM container, started by the RM through
// an NM; everything it needs is in its environment and launch spec.
func appMasterCommand() *cli.Command {
	return &cli.Command{
		Name:   "appmaster",
		Usage:  "run an ApplicationMaster (started by a NodeManager)",
		Hidden: true,
		Action: func(c *cli.Context) error {
			spec, err := appmaster.ReadSpec(".")
			if err != nil {
				return err
			}
			cfg, err := appmaster.ConfigFromSpec(spec)
			if err != nil {
				return err
			}
			raw, err := base64.StdEncoding.DecodeString(os.Getenv(resourcemanager.EnvAttemptToken))
			if err != nil {
				return fmt.Errorf("appmaster: %s is not base64: %w", resourcemanager.EnvAttemptToken, err)
			}
			tok := &pb.Token{}
			if err := proto.Unmarshal(raw, tok); err != nil {
				return fmt.Errorf("appmaster: %s: %w", resourcemanager.EnvAttemptToken, err)
			}
			cfg.AttemptToken = tok
			cfg.RMAddress = os.Getenv(resourcemanager.EnvRMAddress)
			cfg.AttemptID = os.Getenv(resourcemanager.EnvAttemptID)
			cfg.Host = os.Getenv("NM_HOST")
			lg, closer, err := logging.New(logging.DefaultConfig())
			if err != nil {
				return err
			}
			defer closer.Close()
			cfg.Logger = lg.Named("appmaster")
			am, err := appmaster.New(cfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			code, err := am.Run(ctx)
			if code != 0 {
				return cli.Exit(fmt.Sprintf("appmaster: %v", err), code)
			}
			return nil
		},
	}
}
