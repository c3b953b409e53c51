package ids

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed is returned for a string that is not an id of the asked kind.
var ErrMalformed = errors.New("ids: malformed id")

// ApplicationID identifies an application: the RM's start time and a sequence.
type ApplicationID struct {
	ClusterTimestamp int64
	Seq              int64
}

// String formats the id as application_<ts>_<seq:04>.
func (a ApplicationID) String() string {
	return fmt.Sprintf("application_%d_%04d", a.ClusterTimestamp, a.Seq)
}

// AttemptID identifies one attempt of an application.
type AttemptID struct {
	App     ApplicationID
	Attempt int64
}

// String formats the id as appattempt_<ts>_<seq:04>_<attempt:06>.
func (a AttemptID) String() string {
	return fmt.Sprintf("appattempt_%d_%04d_%06d", a.App.ClusterTimestamp, a.App.Seq, a.Attempt)
}

// ContainerID identifies a container of an attempt.
type ContainerID struct {
	Attempt AttemptID
	ID      int64
}

// String formats the id as container_<ts>_<seq:04>_<attempt:02>_<id:06>.
func (c ContainerID) String() string {
	return fmt.Sprintf("container_%d_%04d_%02d_%06d", c.Attempt.App.ClusterTimestamp, c.Attempt.App.Seq, c.Attempt.Attempt, c.ID)
}

// parseParts splits s into prefix_n1_n2… and checks the prefix and count.
func parseParts(s, prefix string, n int) ([]int64, error) {
	parts := strings.Split(s, "_")
	if len(parts) != n+1 || parts[0] != prefix {
		return nil, fmt.Errorf("%w: %q is not of the form %s_%s", ErrMalformed, s, prefix, strings.Repeat("_N", n)[1:])
	}
	out := make([]int64, n)
	for i, p := range parts[1:] {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v < 0 || p == "" || p[0] == '+' {
			return nil, fmt.Errorf("%w: %q: part %q is not a non-negative number", ErrMalformed, s, p)
		}
		out[i] = v
	}
	return out, nil
}

// ParseApplicationID parses application_<ts>_<seq>.
func ParseApplicationID(s string) (ApplicationID, error) {
	p, err := parseParts(s, "application", 2)
	if err != nil {
		return ApplicationID{}, err
	}
	return ApplicationID{ClusterTimestamp: p[0], Seq: p[1]}, nil
}

// ParseAttemptID parses appattempt_<ts>_<seq>_<attempt>.
func ParseAttemptID(s string) (AttemptID, error) {
	p, err := parseParts(s, "appattempt", 3)
	if err != nil {
		return AttemptID{}, err
	}
	return AttemptID{App: ApplicationID{ClusterTimestamp: p[0], Seq: p[1]}, Attempt: p[2]}, nil
}

// ParseContainerID parses container_<ts>_<seq>_<attempt>_<id>.
func ParseContainerID(s string) (ContainerID, error) {
	p, err := parseParts(s, "container", 4)
	if err != nil {
		return ContainerID{}, err
	}
	return ContainerID{Attempt: AttemptID{App: ApplicationID{ClusterTimestamp: p[0], Seq: p[1]}, Attempt: p[2]}, ID: p[3]}, nil
}
