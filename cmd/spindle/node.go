package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "node",
		Usage: "list NodeManagers and report on one, as `yarn node`",
		Flags: append(confFlags(),
			&cli.BoolFlag{Name: "list", Usage: "list the nodes (RUNNING ones unless -all or -states)"},
			&cli.BoolFlag{Name: "all", Usage: "with -list, nodes in every state"},
			&cli.StringFlag{Name: "states", Usage: "with -list, a comma list of `STATES` (NEW, RUNNING, UNHEALTHY, DECOMMISSIONED, LOST, REBOOTED, SHUTDOWN)"},
			&cli.StringFlag{Name: "status", Usage: "print the report of node `NODE_ID` (host:port), in any state"},
		),
		Action: func(c *cli.Context) error {
			if c.IsSet("status") {
				if c.Bool("list") {
					return fmt.Errorf("-list and -status given together: use one")
				}
				return nodeStatus(c)
			}
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
			rm, err := dialConfRM(cfg)
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
				return explainNoRM(cfg, fmt.Errorf("list nodes from the ResourceManager at %s: %w", rm.Addr, err), rmByConf)
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

// nodeHealthLayout is how `yarn node -status` writes Last-Health-Update
// (SimpleDateFormat "E dd/MMM/yy hh:mm:ss:SSzz").
const nodeHealthLayout = "Mon 02/Jan/06 03:04:05:000MST"

// nodeStatus is `yarn node -status <NodeId>`.
func nodeStatus(c *cli.Context) error {
	id := strings.TrimSpace(c.String("status"))
	if id == "" {
		return fmt.Errorf("-status: give a node id (host:port, as -list prints)")
	}
	all, err := nodeStates(true, "")
	if err != nil {
		return err
	}
	return withRM(c, func(s *client.RM) error {
		var resp *pb.GetClusterNodesResponse
		err := s.Call(c.Context, func(ctx context.Context) (err error) {
			resp, err = s.Client.GetClusterNodes(ctx, &pb.GetClusterNodesRequest{States: all})
			return err
		})
		if err != nil {
			return fmt.Errorf("nodes from the ResourceManager at %s: %w", s.Addr, err)
		}
		for _, n := range resp.GetNodes() {
			if n.GetNodeId() == id {
				printNodeReport(c.App.Writer, n)
				return nil
			}
		}
		return fmt.Errorf("could not find the node report for node id : %s", id)
	})
}

// printNodeReport prints a node as `yarn node -status` does.
func printNodeReport(w io.Writer, n *pb.NodeReport) {
	fmt.Fprintln(w, "Node Report : ")
	health := "N/A"
	if ms := n.GetLastHealthUpdateUnixMs(); ms > 0 {
		health = time.UnixMilli(ms).Format(nodeHealthLayout)
	}
	for _, f := range []struct{ key, value string }{
		{"Node-Id", n.GetNodeId()},
		{"Rack", n.GetRack()},
		{"Node-State", resourcemanager.NodeStateName(n.GetState())},
		{"Node-Http-Address", n.GetHttpAddress()},
		{"Last-Health-Update", health},
		{"Health-Report", n.GetHealthReport()},
		{"Containers", fmt.Sprint(n.GetNumContainers())},
		{"Memory-Used", fmt.Sprintf("%dMB", n.GetUsed().GetMemoryMb())},
		{"Memory-Capacity", fmt.Sprintf("%dMB", n.GetCapability().GetMemoryMb())},
		{"CPU-Used", fmt.Sprintf("%d vcores", n.GetUsed().GetVcores())},
		{"CPU-Capacity", fmt.Sprintf("%d vcores", n.GetCapability().GetVcores())},
		{"Node-Labels", ""},
	} {
		fmt.Fprintf(w, "\t%s : %s\n", f.key, f.value)
	}
}
