// Command slowjob is a Spindle job for backpressure tests: it emits each
// record's value as it is and spends SLOWJOB_RECORD_DELAY (a Go duration,
// set with spark.executorEnv.SLOWJOB_RECORD_DELAY) per record, so that its
// throughput is known: one sleep of records × delay per partition.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

type slowJob struct {
	delay time.Duration
}

// Configure reads the per-record delay.
func (j *slowJob) Configure(context.Context, sdk.JobContext) error {
	v := os.Getenv("SLOWJOB_RECORD_DELAY")
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("slowjob: SLOWJOB_RECORD_DELAY=%q: want a duration such as 1ms", v)
	}
	j.delay = d
	return nil
}

func (j *slowJob) Parse(rec sdk.Record) ([]string, error) {
	return []string{string(rec.Value)}, nil
}

func (j *slowJob) Emit(ctx context.Context, _ sdk.PartitionInfo, events []string) ([]sdk.Output, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Duration(len(events)) * j.delay):
	}
	out := make([]sdk.Output, len(events))
	for i, e := range events {
		out[i] = sdk.Output{Value: []byte(e)}
	}
	return out, nil
}

func main() { sdk.Serve(&slowJob{}) }
