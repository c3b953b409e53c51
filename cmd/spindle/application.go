package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// applicationUsage is what `spindle application` takes, for errors.
const applicationUsage = "use -list [-appStates STATES] [-appTypes TYPES], -status APP_ID or -kill APP_ID"

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
			&cli.StringFlag{Name: "status", Usage: "print the report of application `APP_ID`"},
			&cli.StringFlag{Name: "kill", Usage: "kill application `APP_ID`"},
		),
		Action: func(c *cli.Context) error {
			action, err := oneAction(c, applicationUsage, "list", "status", "kill")
			if err != nil {
				return err
			}
			if action != "list" {
				for _, f := range []string{"appStates", "appTypes"} {
					if c.IsSet(f) {
						return fmt.Errorf("-%s works with -list only: %s", f, applicationUsage)
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
	return withRM(c, func(s rmSession) error {
		var resp *pb.GetApplicationsResponse
		err := s.call(c.Context, func(ctx context.Context) (err error) {
			resp, err = s.client.GetApplications(ctx, &pb.GetApplicationsRequest{States: states})
			return err
		})
		if err != nil {
			return fmt.Errorf("list applications from the ResourceManager at %s: %w", s.addr, err)
		}
		apps := resp.GetApplications()
		if len(types) > 0 {
			// YARN matches types case-insensitively; filter here so that a
			// type submitted in any case is found.
			apps = slices.DeleteFunc(slices.Clone(apps), func(a *pb.ApplicationReport) bool {
				return !slices.Contains(types, strings.ToUpper(a.GetApplicationType()))
			})
		}
		printApplications(c.App.Writer, types, states, apps)
		return nil
	})
}

// applicationStatus is `yarn application -status`.
func applicationStatus(c *cli.Context) error {
	appID, err := parseAppIDFlag("status", c.String("status"))
	if err != nil {
		return err
	}
	return withRM(c, func(s rmSession) error {
		rep, err := s.report(c.Context, appID)
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
	return withRM(c, func(s rmSession) error {
		rep, err := s.report(c.Context, appID)
		if err != nil {
			return err
		}
		w := c.App.Writer
		if appFinished(rep.GetState()) {
			fmt.Fprintf(w, "Application %s has already finished\n", appID)
			return nil
		}
		fmt.Fprintf(w, "Killing application %s\n", appID)
		ctx, cancel := context.WithTimeout(c.Context, killTimeout)
		defer cancel()
		var resp *pb.KillApplicationResponse
		err = s.call(ctx, func(ctx context.Context) (err error) {
			resp, err = s.client.KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: appID})
			return err
		})
		if status.Code(err) == codes.NotFound {
			return fmt.Errorf("application with id '%s' doesn't exist in RM", appID)
		}
		if err != nil {
			return fmt.Errorf("kill %s at the ResourceManager at %s: %w", appID, s.addr, err)
		}
		if !resp.GetIsKillCompleted() {
			if err := waitFinished(ctx, s, appID); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "Killed application %s\n", appID)
		return nil
	})
}

// waitFinished polls appID's report until it is in a final state.
func waitFinished(ctx context.Context, s rmSession, appID string) error {
	tick := time.NewTicker(killPollInterval)
	defer tick.Stop()
	for {
		rep, err := s.report(ctx, appID)
		if err != nil {
			return err
		}
		if appFinished(rep.GetState()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kill %s: still %s after %v: %w", appID, resourcemanager.ApplicationStateName(rep.GetState()), killTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// appFinished reports whether s is one of YARN's final application states.
func appFinished(s pb.ApplicationState) bool {
	switch s {
	case pb.ApplicationState_APPLICATION_STATE_FINISHED, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.ApplicationState_APPLICATION_STATE_KILLED:
		return true
	}
	return false
}
