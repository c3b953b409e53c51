package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "node",
		Usage: "list NodeManagers, as `yarn node`",
		Flags: append(confFlags(),
			&cli.BoolFlag{Name: "list", Usage: "list the nodes (RUNNING ones unless -all or -states)"},
			&cli.BoolFlag{Name: "all", Usage: "with -list, nodes in every state"},
			&cli.StringFlag{Name: "states", Usage: "with -list, a comma list of `STATES` (NEW, RUNNING, UNHEALTHY, DECOMMISSIONED, LOST, REBOOTED, SHUTDOWN)"},
		),
		Action: func(c *cli.Context) error {
			if !c.Bool("list") {
				return cli.ShowSubcommandHelp(c)
			}
			states, err := nodeStates(c.Bool("all"), c.String("states"))
			if err != nil {
				return err
			}
			cfg, err := loadConf(c)
			if err != nil {
				return err
			}
			rm, err := client.Dial(cfg.Get("yarn.resourcemanager.address"), nil)
			if err != nil {
				return err
			}
			defer rm.Close()
			var resp *pb.GetClusterNodesResponse
			err = rm.Call(c.Context, func(ctx context.Context) (err error) {
				resp, err = rm.Client.GetClusterNodes(ctx, &pb.GetClusterNodesRequest{States: states})
				return err
			})
			if err != nil {
				return fmt.Errorf("list nodes from the ResourceManager at %s: %w", rm.Addr, err)
			}
			printNodes(c.App.Writer, resp.GetNodes())
			return nil
		},
	}
}

// nodeStates turns -all / -states into a filter; nil = RUNNING only.
func nodeStates(all bool, list string) ([]pb.NodeState, error) {
	if all {
		var out []pb.NodeState
		for v := range pb.NodeState_name {
			if v != 0 {
				out = append(out, pb.NodeState(v))
			}
		}
		return out, nil
	}
	var out []pb.NodeState
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		st, ok := resourcemanager.ParseNodeState(name)
		if !ok {
			return nil, fmt.Errorf("-states: %q is not a node state: use NEW, RUNNING, UNHEALTHY, DECOMMISSIONED, LOST, REBOOTED or SHUTDOWN", name)
		}
		out = append(out, st)
	}
	return out, nil
}

// printNodes prints nodes with `yarn node -list`'s columns.
func printNodes(w io.Writer, nodes []*pb.NodeReport) {
	fmt.Fprintf(w, "Total Nodes:%d\n", len(nodes))
	fmt.Fprintf(w, "%16s\t%15s\t%17s\t%28s\n", "Node-Id", "Node-State", "Node-Http-Address", "Number-of-Running-Containers")
	for _, n := range nodes {
		fmt.Fprintf(w, "%16s\t%15s\t%17s\t%28d\n", n.GetNodeId(), resourcemanager.NodeStateName(n.GetState()), n.GetHttpAddress(), n.GetNumContainers())
	}
}
