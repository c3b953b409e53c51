package appmaster

import (
	"fmt"
	"time"

	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
)

// DefaultRMUnreachableTimeout is how long an ApplicationMaster goes on
// without reaching the ResourceManager before it exits
// (conf.KeyAMRMUnreachableTimeout's default): long enough for a supervised
// ResourceManager to restart, during which running AMs carry on. The RM
// side of the same bound is its node liveness expiry: an AM whose host is
// cut off from the RM is lost with its node, and the RM starts a new
// attempt elsewhere; the old one, if it still runs, must not run on for
// long. (It cannot commit meanwhile: the new attempt has fenced the
// checkpoint and the sink.)
const DefaultRMUnreachableTimeout = 60 * time.Second

// rmUnreachable reports, with a diagnostic, whether the RM has not
// answered for longer than the configured bound since the AM last heard
// from it.
func (am *AppMaster) rmUnreachable(now time.Time, lastErr error) (bool, string) {
	silent := now.Sub(am.rmSeen)
	if silent <= am.cfg.RMUnreachableTimeout {
		return false, ""
	}
	diag := fmt.Sprintf("appmaster %s: the ResourceManager at %s has not answered for %v (%s = %v): exiting, since the RM has most likely started another attempt; last error: %v",
		am.cfg.AttemptID, am.cfg.RMAddress, silent.Round(time.Second), conf.KeyAMRMUnreachableTimeout, am.cfg.RMUnreachableTimeout, lastErr)
	am.lg.Error("resourcemanager unreachable; exiting", zap.Duration("silent", silent), zap.Duration("timeout", am.cfg.RMUnreachableTimeout), zap.Error(lastErr))
	return true, diag
}
