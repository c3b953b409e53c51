package failover

import (
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// StateName is YARN's lower-case name of an RM's HA state ("active",
// "standby"), as rmadmin prints it.
func StateName(s pb.HAServiceState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "HA_SERVICE_STATE_"))
}
