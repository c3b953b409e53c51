package kafkasource

import "errors"

var (
	// ErrInvalidConfig is wrapped by every configuration error.
	ErrInvalidConfig = errors.New("kafkasource: invalid config")
	// ErrNoOffset is returned by Plan when auto.offset.reset is none and a
	// partition has no usable offset: it is new, or its offset is out of
	// the range the broker holds.
	ErrNoOffset = errors.New("kafkasource: no valid offset and auto.offset.reset is none")
	// ErrUnknownTopic is returned by Plan when a subscribed topic does not
	// exist on the cluster.
	ErrUnknownTopic = errors.New("kafkasource: unknown topic")
	// ErrRangeUnavailable is returned by ReadRange when the broker no longer
	// (or not yet) holds the requested offsets.
	ErrRangeUnavailable = errors.New("kafkasource: offset range not available")
	// ErrInvalidRange is returned for a range with Until before From or a
	// negative From.
	ErrInvalidRange = errors.New("kafkasource: invalid offset range")
)
