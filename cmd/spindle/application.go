package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/conf"
	"github.com/urfave/cli/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// applicationUsage is what `spindle application` takes, for errors.
const applicationUsage = "use -list [-appStates STATES] [-appTypes TYPES] [-appTags TAGS], -status APP_ID, -kill APP_ID, -stop APP_ID [-stagingDir URI] [-stopTimeout DURATION] [-moveCheckpoint], -movetoqueue APP_ID -queue QUEUE or -appId APP_ID -updatePriority PRIORITY"

// killTimeout bounds how long -kill waits for the RM to end the application.
const killTimeout = 30 * time.Second

// killPollInterval is how often -kill checks whether the kill completed
// (YARN's yarn.client.application-client-protocol.poll-interval-ms).
const killPollInterval = 200 * time.Millisecond

func applicationCommand() *cli.Command {
	return &cli.Command{
		Name:  "application",
		Usage: "list, report on and kill applications, as `yarn application`",
		Flags: append(confFlags(),
			&cli.BoolFlag{Name: "list", Usage: "list applications (SUBMITTED, ACCEPTED and RUNNING ones unless -appStates)"},
			&cli.StringSliceFlag{Name: "appStates", Usage: "with -list, a comma list of `STATES`: ALL, NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED"},
			&cli.StringSliceFlag{Name: "appTypes", Usage: "with -list, a comma list of application `TYPES`"},
			&cli.StringSliceFlag{Name: "appTags", Usage: "with -list, a comma list of `TAGS` (spark.yarn.tags): applications with any of them, in any case"},
			&cli.StringFlag{Name: "status", Usage: "print the report of application `APP_ID`"},
			&cli.StringFlag{Name: "kill", Usage: "kill application `APP_ID`"},
			&cli.StringFlag{Name: "stop", Usage: "stop streaming application `APP_ID` gracefully at a batch boundary: place its shutdown marker and wait for it to end"},
			&cli.StringFlag{Name: "stagingDir", Usage: "with -stop, the staging dir `URI` the application was submitted with (spark.yarn.stagingDir; default file://<spindle.tmp.dir>/staging)"},
			&cli.DurationFlag{Name: "stopTimeout", Value: defaultStopTimeout, Usage: "with -stop, how long to wait for the application to end: a `DURATION` such as 90s or 10m; past it the marker is removed and the application keeps running"},
			&cli.BoolFlag{Name: "moveCheckpoint", Usage: "with -stop, move the checkpoint dir aside to <dir>.<yyyyMMddHHmmss> once the application stopped gracefully, so that the next submission starts afresh"},
			&cli.StringFlag{Name: "movetoqueue", Usage: "move application `APP_ID` to the queue -queue names"},
			&cli.StringFlag{Name: "queue", Usage: "with -movetoqueue, the target `QUEUE`"},
			&cli.StringFlag{Name: "appId", Usage: "with -updatePriority, the application `APP_ID`"},
			&cli.StringFlag{Name: "updatePriority", Usage: "with -appId, the application's new `PRIORITY` (a whole number; higher runs first in its queue)"},
		),
		Action: func(c *cli.Context) error {
			action, err := oneAction(c, applicationUsage, "list", "status", "kill", "stop", "movetoqueue", "updatePriority")
			if err != nil {
				return err
			}
			if (action == "movetoqueue") != c.IsSet("queue") || (action == "updatePriority") != c.IsSet("appId") {
				return fmt.Errorf("-queue goes with -movetoqueue and -appId with -updatePriority: %s", applicationUsage)
			}
			if action != "list" {
				for _, f := range []string{"appStates", "appTypes", "appTags"} {
					if c.IsSet(f) {
						return fmt.Errorf("-%s works with -list only: %s", f, applicationUsage)
					}
				}
			}
			if action != "stop" {
				for _, f := range []string{"stagingDir", "stopTimeout", "moveCheckpoint"} {
					if c.IsSet(f) {
						return fmt.Errorf("-%s works with -stop only: %s", f, applicationUsage)
					}
				}
			}
			switch action {
			case "list":
				return listApplications(c)
			case "status":
				return applicationStatus(c)
			case "kill":
				return killApplication(c)
			case "stop":
				return stopApplication(c)
			case "movetoqueue":
				return moveApplication(c)
			case "updatePriority":
				return updateApplicationPriority(c)
			}
			return cli.ShowSubcommandHelp(c)
		},
	}
}

// listApplications is `yarn application -list`.
func listApplications(c *cli.Context) error {
	states, err := parseAppStates(c.StringSlice("appStates"))
	if err != nil {
		return err
	}
	if len(states) == 0 {
		states = defaultListStates
	}
	types := parseAppTypes(c.StringSlice("appTypes"))
	tags := conf.SplitList(strings.Join(c.StringSlice("appTags"), ","))
	return withRM(c, func(s *client.RM) error {
		var resp *pb.GetApplicationsResponse
		err := s.Call(c.Context, func(ctx context.Context) (err error) {
			resp, err = s.Client.GetApplications(ctx, &pb.GetApplicationsRequest{States: states, ApplicationTags: tags})
			return err
		})
		if err != nil {
			return fmt.Errorf("list applications from the ResourceManager at %s: %w", s.Addr, err)
		}
		apps := resp.GetApplications()
		if len(types) > 0 {
			// YARN matches types case-insensitively; filter here so that a
			// type submitted in any case is found.
			apps = slices.DeleteFunc(slices.Clone(apps), func(a *pb.ApplicationReport) bool {
				return !slices.Contains(types, strings.ToUpper(a.GetApplicationType()))
			})
		}
		printApplications(c.App.Writer, types, states, tags, apps)
		return nil
	})
}

// applicationStatus is `yarn application -status`.
func applicationStatus(c *cli.Context) error {
	appID, err := parseAppIDFlag("status", c.String("status"))
	if err != nil {
		return err
	}
	return withRM(c, func(s *client.RM) error {
		rep, err := s.Report(c.Context, appID)
		if err != nil {
			return err
		}
		printApplicationReport(c.App.Writer, rep)
		return nil
	})
}

// killApplication is `yarn application -kill`: it returns once the RM
// reports the application ended.
func killApplication(c *cli.Context) error {
	appID, err := parseAppIDFlag("kill", c.String("kill"))
	if err != nil {
		return err
	}
	return withRM(c, func(s *client.RM) error {
		rep, err := s.Report(c.Context, appID)
		if err != nil {
			return err
		}
		w := c.App.Writer
		if client.Finished(rep.GetState()) {
			fmt.Fprintf(w, "Application %s has already finished\n", appID)
			return nil
		}
		fmt.Fprintf(w, "Killing application %s\n", appID)
		ctx, cancel := context.WithTimeout(c.Context, killTimeout)
		defer cancel()
		var resp *pb.KillApplicationResponse
		err = s.Call(ctx, func(ctx context.Context) (err error) {
			resp, err = s.Client.KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: appID})
			return err
		})
		if status.Code(err) == codes.NotFound {
			return fmt.Errorf("application with id '%s' doesn't exist in RM", appID)
		}
		if err != nil {
			return fmt.Errorf("kill %s at the ResourceManager at %s: %w", appID, s.Addr, err)
		}
		if !resp.GetIsKillCompleted() {
			if _, err := s.WaitFinished(ctx, appID, killPollInterval, nil); err != nil {
				return fmt.Errorf("kill %s: %w (waited %v)", appID, err, killTimeout)
			}
		}
		fmt.Fprintf(w, "Killed application %s\n", appID)
		return nil
	})
}

// defaultStopTimeout is how long -stop waits by default for the
// application to end: the marker is seen within
// spindle.streaming.shutdownMarker.pollInterval and the stop then takes at
// most spark.streaming.gracefulStopTimeout.
const defaultStopTimeout = 10 * time.Minute

// stopApplication is `spindle application -stop`: it places the shutdown
// marker of a Spindle streaming application, in the checkpoint dir named
// by the launch spec staged at submit, and waits for the application to
// end. It fails unless the application SUCCEEDED.
func stopApplication(c *cli.Context) error {
	appID, err := parseAppIDFlag("stop", c.String("stop"))
	if err != nil {
		return err
	}
	timeout := c.Duration("stopTimeout")
	if timeout <= 0 {
		return fmt.Errorf("-stopTimeout %v: want a positive duration", timeout)
	}
	stagingRoot := c.String("stagingDir")
	if stagingRoot == "" {
		// Warnings are printed once, by withRM's load.
		cfg, err := readConf(c)
		if err != nil {
			return err
		}
		stagingRoot = client.StagingRoot(cfg.Get("spindle.tmp.dir"))
	}
	return withRM(c, func(s *client.RM) error {
		return client.Stop(c.Context, s, client.StopConfig{AppID: appID, StagingRoot: stagingRoot, Timeout: timeout, MoveCheckpoint: c.Bool("moveCheckpoint"), Out: c.App.Writer})
	})
}

// moveApplication is `yarn application -movetoqueue APP_ID -queue QUEUE`.
func moveApplication(c *cli.Context) error {
	appID, err := parseAppIDFlag("movetoqueue", c.String("movetoqueue"))
	if err != nil {
		return err
	}
	queue := strings.TrimSpace(c.String("queue"))
	if queue == "" {
		return fmt.Errorf("-queue: give the queue to move %s to", appID)
	}
	return withRM(c, func(s *client.RM) error {
		fmt.Fprintf(c.App.Writer, "Moving application %s to queue %s\n", appID, queue)
		err := s.Call(c.Context, func(ctx context.Context) error {
			_, err := s.Client.MoveApplicationAcrossQueues(ctx, &pb.MoveApplicationAcrossQueuesRequest{ApplicationId: appID, TargetQueue: queue})
			return err
		})
		if err != nil {
			return fmt.Errorf("move %s to queue %s: %s", appID, queue, status.Convert(err).Message())
		}
		fmt.Fprintln(c.App.Writer, "Successfully completed move.")
		return nil
	})
}

// updateApplicationPriority is `yarn application -appId APP_ID
// -updatePriority PRIORITY`.
func updateApplicationPriority(c *cli.Context) error {
	appID, err := parseAppIDFlag("appId", c.String("appId"))
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(c.String("updatePriority"))
	priority, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return fmt.Errorf("-updatePriority %q: give a whole number, such as 5", raw)
	}
	return withRM(c, func(s *client.RM) error {
		fmt.Fprintf(c.App.Writer, "Updating priority of an application %s\n", appID)
		var resp *pb.UpdateApplicationPriorityResponse
		err := s.Call(c.Context, func(ctx context.Context) (err error) {
			resp, err = s.Client.UpdateApplicationPriority(ctx, &pb.UpdateApplicationPriorityRequest{ApplicationId: appID, Priority: int32(priority)})
			return err
		})
		if err != nil {
			return fmt.Errorf("update priority of %s: %s", appID, status.Convert(err).Message())
		}
		fmt.Fprintf(c.App.Writer, "Successfully updated the application with id %s with priority '%d'\n", appID, resp.GetPriority())
		return nil
	})
}
