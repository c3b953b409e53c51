package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/urfave/cli/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func queueCommand() *cli.Command {
	return &cli.Command{
		Name:  "queue",
		Usage: "report on a scheduler queue, as `yarn queue`",
		Flags: append(confFlags(),
			&cli.StringFlag{Name: "status", Usage: "print the report of queue `QUEUE`"},
		),
		Action: func(c *cli.Context) error {
			action, err := oneAction(c, "use -status QUEUE", "status")
			if err != nil || action == "" {
				if err == nil {
					err = cli.ShowSubcommandHelp(c)
				}
				return err
			}
			name := strings.TrimSpace(c.String("status"))
			if name == "" {
				return fmt.Errorf("-status: give a queue name")
			}
			return withRM(c, func(s *client.RM) error {
				var resp *pb.GetQueueInfoResponse
				err := s.Call(c.Context, func(ctx context.Context) (err error) {
					resp, err = s.Client.GetQueueInfo(ctx, &pb.GetQueueInfoRequest{QueueName: name})
					return err
				})
				if status.Code(err) == codes.NotFound {
					return fmt.Errorf("cannot get queue from RM by queueName = %s, please check", name)
				}
				if err != nil {
					return fmt.Errorf("queue %s from the ResourceManager at %s: %w", name, s.Addr, err)
				}
				printQueueInfo(c.App.Writer, resp.GetInfo())
				return nil
			})
		},
	}
}

// yarnPercent writes a percentage as YARN's CLI does (DecimalFormat
// "#.0"): one decimal, no leading zero.
func yarnPercent(p float64) string {
	s := strconv.FormatFloat(p, 'f', 1, 64)
	return strings.TrimPrefix(s, "0") + "%"
}

// printQueueInfo prints a queue as `yarn queue -status` does. Spindle has
// no node labels and never preempts.
func printQueueInfo(w io.Writer, q *pb.QueueInfo) {
	fmt.Fprintln(w, "Queue Information : ")
	fmt.Fprintf(w, "Queue Name : %s\n", q.GetQueueName())
	for _, f := range []struct{ key, value string }{
		{"State", "RUNNING"},
		{"Capacity", yarnPercent(q.GetCapacity())},
		{"Current Capacity", yarnPercent(q.GetCurrentCapacity())},
		{"Maximum Capacity", yarnPercent(q.GetMaximumCapacity())},
		{"Default Node Label expression", "<DEFAULT_PARTITION>"},
		{"Accessible Node Labels", "*"},
		{"Preemption", "disabled"},
		{"Intra-queue Preemption", "disabled"},
		{"Used Resources", fmt.Sprintf("<memory:%d, vCores:%d>", q.GetUsed().GetMemoryMb(), q.GetUsed().GetVcores())},
		{"Applications", strconv.Itoa(len(q.GetApplicationIds()))},
		{"Pending Containers", strconv.FormatInt(q.GetPendingContainers(), 10)},
	} {
		fmt.Fprintf(w, "\t%s : %s\n", f.key, f.value)
	}
}
