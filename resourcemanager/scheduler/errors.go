package scheduler

import "errors"

var (
	// ErrInvalidConfig is wrapped by Config.Validate and New when the
	// configuration cannot be used.
	ErrInvalidConfig = errors.New("scheduler: invalid config")

	// ErrUnknownQueue is wrapped when an application names a queue that is
	// not configured.
	ErrUnknownQueue = errors.New("scheduler: unknown queue")

	// ErrUnknownApplication is wrapped when an attempt id has not been added
	// (or has been removed).
	ErrUnknownApplication = errors.New("scheduler: unknown application")

	// ErrApplicationExists is wrapped by AddApplication when the attempt id
	// is already registered.
	ErrApplicationExists = errors.New("scheduler: application already exists")

	// ErrUnknownNode is wrapped when a node id has not been added (or has
	// been removed).
	ErrUnknownNode = errors.New("scheduler: unknown node")

	// ErrInvalidRequest is wrapped when an argument cannot be accepted: a
	// container ask with non-positive or oversized resources, a node with no
	// capacity, an empty id.
	ErrInvalidRequest = errors.New("scheduler: invalid request")
)
