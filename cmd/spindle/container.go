package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// containerUsage is what `spindle container` takes, for errors.
const containerUsage = "use -list APP_ATTEMPT_ID or -status CONTAINER_ID"

// containersPattern is the column layout of `yarn container -list`.
const containersPattern = "%30s\t%20s\t%20s\t%20s\t%20s\t%20s\t%35s\n"

// yarnTimeLayout is how YARN's CLI writes times (Times.format).
const yarnTimeLayout = "Mon Jan 02 15:04:05 -0700 2006"

func containerCommand() *cli.Command {
	return &cli.Command{
		Name:  "container",
		Usage: "list an attempt's containers and report on one, as `yarn container`",
		Flags: append(confFlags(),
			&cli.StringFlag{Name: "list", Usage: "list the containers of application attempt `APP_ATTEMPT_ID`"},
			&cli.StringFlag{Name: "status", Usage: "print the report of container `CONTAINER_ID`"},
		),
		Action: func(c *cli.Context) error {
			action, err := oneAction(c, containerUsage, "list", "status")
			if err != nil {
				return err
			}
			switch action {
			case "list":
				return listContainers(c)
			case "status":
				return containerStatus(c)
			}
			return cli.ShowSubcommandHelp(c)
		},
	}
}

// listContainers is `yarn container -list <attempt>`.
func listContainers(c *cli.Context) error {
	raw := strings.TrimSpace(c.String("list"))
	attempt, err := ids.ParseAttemptID(raw)
	if err != nil {
		return fmt.Errorf("-list: %w; an attempt id is %s", err, attemptIDForm)
	}
	return withRM(c, func(s *client.RM) error {
		var resp *pb.GetContainersResponse
		err := s.Call(c.Context, func(ctx context.Context) (err error) {
			resp, err = s.Client.GetContainers(ctx, &pb.GetContainersRequest{ApplicationAttemptId: attempt.String()})
			return err
		})
		if status.Code(err) == codes.NotFound {
			return fmt.Errorf("application attempt with id '%s' doesn't exist in RM", attempt)
		}
		if err != nil {
			return fmt.Errorf("containers of %s from the ResourceManager at %s: %w", attempt, s.Addr, err)
		}
		printContainers(c.App.Writer, resp.GetContainers())
		return nil
	})
}

// containerStatus is `yarn container -status <container>`.
func containerStatus(c *cli.Context) error {
	raw := strings.TrimSpace(c.String("status"))
	id, err := ids.ParseContainerID(raw)
	if err != nil {
		return fmt.Errorf("-status: %w; a container id is container_<clusterTimestamp>_<sequence>_<attempt>_<id>", err)
	}
	return withRM(c, func(s *client.RM) error {
		var resp *pb.GetContainerReportResponse
		err := s.Call(c.Context, func(ctx context.Context) (err error) {
			resp, err = s.Client.GetContainerReport(ctx, &pb.GetContainerReportRequest{ContainerId: id.String()})
			return err
		})
		if status.Code(err) == codes.NotFound {
			return fmt.Errorf("container with id '%s' doesn't exist in RM", id)
		}
		if err != nil {
			return fmt.Errorf("report of %s from the ResourceManager at %s: %w", id, s.Addr, err)
		}
		printContainerReport(c.App.Writer, resp.GetReport())
		return nil
	})
}

// yarnTime writes ms since the epoch as YARN's CLI does; 0 is N/A.
func yarnTime(ms int64) string {
	if ms <= 0 {
		return "N/A"
	}
	return time.UnixMilli(ms).Format(yarnTimeLayout)
}

// nodeHTTPURL is the container's NM web address as a URL, with the scheme
// of the log URL the RM gave (https, or http on a cluster without TLS).
func nodeHTTPURL(ct *pb.ContainerReport) string {
	addr := ct.GetNodeHttpAddress()
	if addr == "" {
		return "N/A"
	}
	scheme, _, ok := strings.Cut(ct.GetLogUrl(), "://")
	if !ok {
		scheme = "http"
	}
	return scheme + "://" + addr
}

// printContainers prints containers as `yarn container -list` does.
func printContainers(w io.Writer, cs []*pb.ContainerReport) {
	fmt.Fprintf(w, "Total number of containers :%d\n", len(cs))
	fmt.Fprintf(w, containersPattern, "Container-Id", "Start Time", "Finish Time", "State", "Host", "Node Http Address", "LOG-URL")
	for _, ct := range cs {
		fmt.Fprintf(w, containersPattern, ct.GetContainerId(), yarnTime(ct.GetCreationTimeUnixMs()), yarnTime(ct.GetFinishTimeUnixMs()),
			resourcemanager.ContainerStateName(ct.GetState()), orNA(ct.GetNodeId()), nodeHTTPURL(ct), orNA(ct.GetLogUrl()))
	}
}

// printContainerReport prints a container as `yarn container -status`
// does, with its exit status once it has completed.
func printContainerReport(w io.Writer, ct *pb.ContainerReport) {
	fmt.Fprintln(w, "Container Report : ")
	fields := []struct{ key, value string }{
		{"Container-Id", ct.GetContainerId()},
		{"Start-Time", strconv.FormatInt(ct.GetCreationTimeUnixMs(), 10)},
		{"Finish-Time", strconv.FormatInt(ct.GetFinishTimeUnixMs(), 10)},
		{"State", resourcemanager.ContainerStateName(ct.GetState())},
		{"Execution-Type", "GUARANTEED"},
		{"LOG-URL", orNA(ct.GetLogUrl())},
		{"Host", orNA(ct.GetNodeId())},
		{"NodeHttpAddress", nodeHTTPURL(ct)},
	}
	if ct.GetState() == pb.ContainerState_CONTAINER_STATE_COMPLETE {
		fields = append(fields, struct{ key, value string }{"Exit-Status", strconv.Itoa(int(ct.GetExitStatus()))})
	}
	fields = append(fields, struct{ key, value string }{"Diagnostics", ct.GetDiagnostics()})
	for _, f := range fields {
		fmt.Fprintf(w, "\t%s : %s\n", f.key, f.value)
	}
}
