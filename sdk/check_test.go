package sdk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// wrongEnrich has an Enrich method whose events are not the job's.
type wrongEnrich struct{ minimalJob }

func (wrongEnrich) Enrich(context.Context, PartitionInfo, []string) (Rejections, error) {
	return nil, nil
}

// wrongAggregate aggregates pointers while its events are values.
type wrongAggregate struct{ minimalJob }

func (wrongAggregate) Aggregate(*Record) (string, []byte, bool) { return "", nil, false }
func (wrongAggregate) Reduce(a, _ []byte) ([]byte, error)       { return a, nil }

// stateOnly keeps state but aggregates nothing.
type stateOnly struct{ minimalJob }

func (stateOnly) UpdateState(time.Time, string, [][]byte, []byte) ([]byte, bool, error) {
	return nil, false, nil
}

// oldConfigure has a Configure from another API.
type oldConfigure struct{ minimalJob }

func (oldConfigure) Configure(map[string]string) error { return nil }

func TestCheckJob(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  Job[Record]
		want string
	}{
		{"enrich signature", wrongEnrich{}, "Enrich(context.Context, sdk.PartitionInfo, []sdk.Record) (sdk.Rejections, error)"},
		{"aggregate signature", wrongAggregate{}, "Aggregate(sdk.Record) (string, []byte, bool)"},
		{"state without aggregate", stateOnly{}, "implements StateUpdater but not Aggregator[sdk.Record]"},
		{"configure signature", oldConfigure{}, "Configure(context.Context, sdk.JobContext) error"},
		{"nil", nil, "the job is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkJob(tc.job)
			if !errors.Is(err, ErrInvalidJob) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkJob = %v, want ErrInvalidJob mentioning %q", err, tc.want)
			}
		})
	}
	for name, job := range map[string]Job[Record]{"minimal": minimalJob{}, "state": oldSeer{}} {
		if err := checkJob(job); err != nil {
			t.Errorf("checkJob(%s) = %v", name, err)
		}
	}
	if err := checkJob[word](&testJob{}); err != nil {
		t.Errorf("checkJob(testJob) = %v", err)
	}
}
