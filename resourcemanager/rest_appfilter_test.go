package resourcemanager

import (
	"errors"
	"net/url"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// FuzzParseAppFilter feeds arbitrary query strings to the filter parser:
// it never panics, refuses with errAppFilter, and a filter it accepts can
// be applied.
func FuzzParseAppFilter(f *testing.F) {
	for _, s := range []string{
		"states=RUNNING,finished&user=alice", "limit=0", "limit=5", "startedTimeBegin=10&startedTimeEnd=5",
		"finalStatus=succeeded", "deSelects=resourceRequests,timeouts", "applicationTags=a,,b", "state=%00", "finishedTimeEnd=-1",
	} {
		f.Add(s)
	}
	rep := &pb.ApplicationReport{ApplicationId: "application_1_0001", User: "alice", Queue: "default", Name: "n",
		State: pb.ApplicationState_APPLICATION_STATE_RUNNING, SubmitTimeUnixMs: 7, Tags: []string{"a"}}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseAppFilter(q)
		if err != nil {
			if !errors.Is(err, errAppFilter) {
				t.Fatalf("error %v does not wrap errAppFilter", err)
			}
			return
		}
		if flt.limit < 0 || flt.startedBegin > flt.startedEnd || flt.finishedBegin > flt.finishedEnd {
			t.Fatalf("accepted an inconsistent filter %+v from %q", flt, raw)
		}
		flt.match(rep)
	})
}
