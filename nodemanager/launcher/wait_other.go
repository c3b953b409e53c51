//go:build !linux

package launcher

import "errors"

// waitExitedNoReap is unavailable here: waitid on other systems may return
// for stopped processes too. The caller then skips killing leftovers.
func waitExitedNoReap(int) error {
	return errors.New("waitid without reaping is not supported on this system")
}
