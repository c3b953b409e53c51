package resourcemanager

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// AppFilterParams are the query parameters of /ws/v1/cluster/apps, every
// filter YARN documents; the applications page takes the same.
var AppFilterParams = []string{
	"state", "states", "finalStatus", "user", "queue", "limit",
	"startedTimeBegin", "startedTimeEnd", "finishedTimeBegin", "finishedTimeEnd",
	"applicationTypes", "applicationTags", "name", "deSelects",
}

// deSelectable are the values deSelects takes: YARN's DeSelectType, the
// fields of an app that a caller may leave out.
var deSelectable = []string{"resourceRequests", "timeouts", "appNodeLabelExpression", "amNodeLabelExpression", "resourceInfo"}

// errAppFilter marks a malformed filter.
var errAppFilter = errors.New("resourcemanager: bad application filter")

// appFilter is a parsed set of YARN's application filters. Zero values
// mean "any".
type appFilter struct {
	states      map[pb.ApplicationState]bool
	finalStatus pb.FinalApplicationStatus
	hasFinal    bool
	user, queue string
	name        string
	limit       int
	// Time ranges in ms since the epoch, both ends included.
	startedBegin, startedEnd   int64
	finishedBegin, finishedEnd int64
	// types and tags are lower case: YARN compares both without case.
	types, tags map[string]bool
	deSelects   map[string]bool
}

// parseAppFilter reads YARN's filters from q. A value that does not parse
// is an error naming the parameter and what it takes.
func parseAppFilter(q url.Values) (appFilter, error) {
	f := appFilter{startedEnd: math.MaxInt64, finishedEnd: math.MaxInt64}
	bad := func(format string, args ...any) (appFilter, error) {
		return appFilter{}, fmt.Errorf("%w: "+format, append([]any{errAppFilter}, args...)...)
	}
	if list := listParam(q, "states", "state"); len(list) > 0 {
		f.states = map[pb.ApplicationState]bool{}
		for _, name := range list {
			st, ok := ParseApplicationState(name)
			if !ok {
				return bad("Invalid application-state %s specified. It should be one of [%s]", name, ApplicationStateNames())
			}
			f.states[st] = true
		}
	}
	if v := strings.TrimSpace(q.Get("finalStatus")); v != "" {
		st, ok := ParseFinalStatus(v)
		if !ok {
			return bad("Invalid final status %s specified. It should be one of [UNDEFINED, SUCCEEDED, FAILED, KILLED]", v)
		}
		f.finalStatus, f.hasFinal = st, true
	}
	f.user = strings.TrimSpace(q.Get("user"))
	f.queue = strings.TrimSpace(q.Get("queue"))
	f.name = strings.TrimSpace(q.Get("name"))
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return bad("limit %q: limit value must be a whole number greater than 0", v)
		}
		f.limit = n
	}
	var err error
	if f.startedBegin, f.startedEnd, err = timeRange(q, "startedTimeBegin", "startedTimeEnd"); err != nil {
		return appFilter{}, err
	}
	if f.finishedBegin, f.finishedEnd, err = timeRange(q, "finishedTimeBegin", "finishedTimeEnd"); err != nil {
		return appFilter{}, err
	}
	f.types = lowerSet(listParam(q, "applicationTypes"))
	f.tags = lowerSet(listParam(q, "applicationTags"))
	if list := listParam(q, "deSelects"); len(list) > 0 {
		f.deSelects = map[string]bool{}
		for _, d := range list {
			if !slices.Contains(deSelectable, d) {
				return bad("Invalid deSelects string %s specified. It should be one of [%s]", d, strings.Join(deSelectable, ", "))
			}
			f.deSelects[d] = true
		}
	}
	return f, nil
}

// timeRange reads a Begin/End pair in ms since the epoch: Begin defaults to
// 0 and End to no end, as YARN's.
func timeRange(q url.Values, beginKey, endKey string) (begin, end int64, err error) {
	end = math.MaxInt64
	read := func(key string, into *int64) error {
		v := strings.TrimSpace(q.Get(key))
		if v == "" {
			return nil
		}
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 0 {
			return fmt.Errorf("%w: %s %q: it must be a time in ms since the epoch, 0 or more", errAppFilter, key, v)
		}
		*into = n
		return nil
	}
	if err = read(beginKey, &begin); err != nil {
		return
	}
	if err = read(endKey, &end); err != nil {
		return
	}
	if begin > end {
		err = fmt.Errorf("%w: %s %d must not be after %s %d", errAppFilter, beginKey, begin, endKey, end)
	}
	return
}

// match reports whether rep passes every filter but limit.
func (f appFilter) match(rep *pb.ApplicationReport) bool {
	switch {
	case f.states != nil && !f.states[rep.GetState()]:
		return false
	case f.hasFinal && rep.GetFinalStatus() != f.finalStatus:
		return false
	case f.user != "" && rep.GetUser() != f.user:
		return false
	case f.queue != "" && rep.GetQueue() != f.queue:
		return false
	case f.name != "" && rep.GetName() != f.name:
		return false
	case rep.GetSubmitTimeUnixMs() < f.startedBegin || rep.GetSubmitTimeUnixMs() > f.startedEnd:
		return false
	case rep.GetFinishTimeUnixMs() < f.finishedBegin || rep.GetFinishTimeUnixMs() > f.finishedEnd:
		return false
	case f.types != nil && !f.types[strings.ToLower(rep.GetApplicationType())]:
		return false
	}
	if f.tags != nil {
		return slices.ContainsFunc(rep.GetTags(), func(t string) bool { return f.tags[strings.ToLower(t)] })
	}
	return true
}

// listParam gathers a query parameter that may repeat and hold comma
// lists, as YARN's states and applicationTypes do; blanks are dropped.
func listParam(q url.Values, keys ...string) []string {
	var out []string
	for _, key := range keys {
		for _, v := range q[key] {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

func lowerSet(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	out := make(map[string]bool, len(list))
	for _, v := range list {
		out[strings.ToLower(v)] = true
	}
	return out
}

// ParseFinalStatus parses YARN's name of a final status, case-insensitively.
func ParseFinalStatus(name string) (pb.FinalApplicationStatus, bool) {
	v, ok := pb.FinalApplicationStatus_value["FINAL_APPLICATION_STATUS_"+strings.ToUpper(strings.TrimSpace(name))]
	return pb.FinalApplicationStatus(v), ok
}
