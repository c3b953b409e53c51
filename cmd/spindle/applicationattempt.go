package main

import (
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/ids"
	"github.com/urfave/cli/v2"
)

// applicationAttemptUsage is what `spindle applicationattempt` takes, for errors.
const applicationAttemptUsage = "use -list APP_ID or -status ATTEMPT_ID"

func applicationAttemptCommand() *cli.Command {
	return &cli.Command{
		Name:  "applicationattempt",
		Usage: "list and report on application attempts, as `yarn applicationattempt`",
		Flags: append(confFlags(),
			&cli.StringFlag{Name: "list", Usage: "list the attempts of application `APP_ID`"},
			&cli.StringFlag{Name: "status", Usage: "print the report of attempt `ATTEMPT_ID`"},
		),
		Action: func(c *cli.Context) error {
			action, err := oneAction(c, applicationAttemptUsage, "list", "status")
			if err != nil {
				return err
			}
			switch action {
			case "list":
				return listAttempts(c)
			case "status":
				return attemptStatus(c)
			}
			return cli.ShowSubcommandHelp(c)
		},
	}
}

// listAttempts is `yarn applicationattempt -list`.
func listAttempts(c *cli.Context) error {
	appID, err := parseAppIDFlag("list", c.String("list"))
	if err != nil {
		return err
	}
	return withRM(c, func(s *client.RM) error {
		attempts, err := s.Attempts(c.Context, appID)
		if err != nil {
			return err
		}
		printAttempts(c.App.Writer, attempts)
		return nil
	})
}

// attemptStatus is `yarn applicationattempt -status`.
func attemptStatus(c *cli.Context) error {
	value := strings.TrimSpace(c.String("status"))
	if value == "" {
		return fmt.Errorf("-status: give an application attempt id (%s)", attemptIDForm)
	}
	want, err := ids.ParseAttemptID(value)
	if err != nil {
		return fmt.Errorf("-status: %w; an attempt id is %s", err, attemptIDForm)
	}
	return withRM(c, func(s *client.RM) error {
		attempts, err := s.Attempts(c.Context, want.App.String())
		if err != nil {
			return err
		}
		for _, a := range attempts {
			if got, err := ids.ParseAttemptID(a.GetAttemptId()); err == nil && got == want {
				printAttemptReport(c.App.Writer, a)
				return nil
			}
		}
		return fmt.Errorf("application attempt with id '%s' doesn't exist in RM", want)
	})
}
