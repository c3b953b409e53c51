package failover

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// standbyReason marks a standby's refusal in its error details.
const standbyReason = "RM_STANDBY"

// errorDomain is the domain of Spindle's error details.
const errorDomain = "spindle.resourcemanager"

// StandbyError is a standby RM's answer to any call: Unavailable, naming
// the active RM when known, so that a caller moves on to it.
func StandbyError(self, activeID string) error {
	msg := "ResourceManager " + self + " is in standby state"
	if activeID != "" {
		msg += "; the active ResourceManager is " + activeID
	}
	st := status.New(codes.Unavailable, msg)
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: standbyReason, Domain: errorDomain, Metadata: map[string]string{"self": self, "active": activeID}}); err == nil {
		st = d
	}
	return st.Err()
}

// Standby reports whether err is a standby's answer, and which RM it
// named as active ("" when it knew none).
func Standby(err error) (activeID string, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus || st.Code() != codes.Unavailable {
		return "", false
	}
	for _, d := range st.Details() {
		if info, isInfo := d.(*errdetails.ErrorInfo); isInfo && info.GetReason() == standbyReason && info.GetDomain() == errorDomain {
			return info.GetMetadata()["active"], true
		}
	}
	return "", false
}

// ErrExhausted is returned when every attempt failed over and none
// reached an active RM.
var ErrExhausted = errors.New("failover: no active ResourceManager answered")
