package ratecontrol

import "errors"

// ErrInvalidConfig is wrapped by every configuration error of this package.
var ErrInvalidConfig = errors.New("ratecontrol: invalid config")
