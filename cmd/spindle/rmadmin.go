package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"github.com/urfave/cli/v2"
)

func rmAdminCommand() *cli.Command {
	return &cli.Command{
		Name:  "rmadmin",
		Usage: "administer the ResourceManagers, as `yarn rmadmin`",
		Flags: append(confFlags(),
			&cli.StringFlag{Name: "getServiceState", Usage: "print the HA state (active or standby) of the RM `ID`"},
			&cli.BoolFlag{Name: "getAllServiceState", Usage: "print the HA state of every RM of yarn.resourcemanager.ha.rm-ids"},
			&cli.StringFlag{Name: "transitionToActive", Usage: "make the RM `ID` active: the active RM hands it the lead"},
			&cli.StringFlag{Name: "transitionToStandby", Usage: "make the RM `ID` standby: if active, it hands the lead to another"},
			&cli.BoolFlag{Name: "refreshQueues", Usage: "read the queues from the configuration again"},
			&cli.BoolFlag{Name: "refreshNodes", Usage: "read the node include and exclude lists again"},
		),
		Action: func(c *cli.Context) error {
			cfg, err := loadConf(c)
			if err != nil {
				return err
			}
			a := rmAdmin{cfg: cfg, out: c.App.Writer}
			switch {
			case c.IsSet("getServiceState"):
				return a.getServiceState(c.Context, c.String("getServiceState"))
			case c.Bool("getAllServiceState"):
				return a.getAllServiceState(c.Context)
			case c.IsSet("transitionToActive"):
				return a.transitionToActive(c.Context, c.String("transitionToActive"))
			case c.IsSet("transitionToStandby"):
				return a.onRM(c.Context, c.String("transitionToStandby"), func(ctx context.Context, rm *client.RM) error {
					_, err := rm.Admin.TransitionToStandby(ctx, &pb.TransitionToStandbyRequest{})
					return err
				})
			case c.Bool("refreshQueues"):
				return a.onActive(c.Context, func(ctx context.Context, rm *client.RM) error {
					_, err := rm.Admin.RefreshQueues(ctx, &pb.RefreshQueuesRequest{})
					return err
				})
			case c.Bool("refreshNodes"):
				return a.onActive(c.Context, func(ctx context.Context, rm *client.RM) error {
					_, err := rm.Admin.RefreshNodes(ctx, &pb.RefreshNodesRequest{})
					return err
				})
			}
			return cli.ShowSubcommandHelp(c)
		},
	}
}

type rmAdmin struct {
	cfg *conf.Config
	out io.Writer
}

// errNoHA is an HA command on a configuration without a group.
var errNoHA = errors.New("rmadmin: yarn.resourcemanager.ha.enabled is false: the HA commands need an RM group")

// onRM runs fn on the RM id, without failover.
func (a rmAdmin) onRM(ctx context.Context, id string, fn func(context.Context, *client.RM) error) error {
	if on, err := failover.HAEnabled(a.cfg); err != nil {
		return err
	} else if !on {
		return errNoHA
	}
	addr, err := failover.IDAddress(a.cfg, failover.ServiceClient, id)
	if err != nil {
		return err
	}
	rm, err := dialRM(addr, a.cfg, failover.DefaultPolicy())
	if err != nil {
		return err
	}
	defer rm.Close()
	if err := rm.Call(ctx, func(ctx context.Context) error { return fn(ctx, rm) }); err != nil {
		return fmt.Errorf("ResourceManager %s at %s: %w", id, addr, err)
	}
	return nil
}

// onActive runs fn on the active RM, failing over to it.
func (a rmAdmin) onActive(ctx context.Context, fn func(context.Context, *client.RM) error) error {
	rm, err := dialConfRM(a.cfg)
	if err != nil {
		return err
	}
	defer rm.Close()
	return rm.Call(ctx, func(ctx context.Context) error { return fn(ctx, rm) })
}

// state asks the RM id for its HA state.
func (a rmAdmin) state(ctx context.Context, id string) (*pb.GetServiceStatusResponse, error) {
	var st *pb.GetServiceStatusResponse
	err := a.onRM(ctx, id, func(ctx context.Context, rm *client.RM) (err error) {
		st, err = rm.Admin.GetServiceStatus(ctx, &pb.GetServiceStatusRequest{})
		return err
	})
	return st, err
}

func (a rmAdmin) getServiceState(ctx context.Context, id string) error {
	st, err := a.state(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out, failover.StateName(st.GetState()))
	return nil
}

// getAllServiceState prints one line per RM in YARN's layout: its address
// and its state, or why it could not be reached.
func (a rmAdmin) getAllServiceState(ctx context.Context) error {
	targets, err := failover.Targets(a.cfg, failover.ServiceClient)
	if err != nil {
		return err
	}
	if len(targets) == 1 && targets[0].ID == "" {
		return errNoHA
	}
	for _, t := range targets {
		state := ""
		if st, err := a.state(ctx, t.ID); err != nil {
			state = "Failed to connect: " + firstLineOf(err.Error())
		} else {
			state = failover.StateName(st.GetState())
		}
		fmt.Fprintf(a.out, "%-50s %-10s\n", t.Addr, state)
	}
	return nil
}

// transitionToActive asks the active RM to hand the lead to id.
func (a rmAdmin) transitionToActive(ctx context.Context, id string) error {
	targets, err := failover.Targets(a.cfg, failover.ServiceClient)
	if err != nil {
		return err
	}
	for _, t := range targets {
		st, err := a.state(ctx, t.ID)
		if err != nil || st.GetState() != pb.HAServiceState_HA_SERVICE_STATE_ACTIVE {
			continue
		}
		return a.onRM(ctx, t.ID, func(ctx context.Context, rm *client.RM) error {
			_, err := rm.Admin.TransitionToActive(ctx, &pb.TransitionToActiveRequest{RmId: id})
			return err
		})
	}
	return fmt.Errorf("rmadmin: transitionToActive %s: no ResourceManager of %s is active now: the group elects one by itself within seconds, retry then", id, failover.Encode(targets))
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
