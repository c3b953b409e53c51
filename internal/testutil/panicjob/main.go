// Command panicjob is a Spindle job for tests of task failures: it panics
// in Parse on a record whose value is "boom" — every time, or only until
// the file named by PANIC_ONCE_FILE exists (it creates it when it panics).
// A record "slow" takes 2 s to parse. Other records are emitted as they are.
package main

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

type panicJob struct{}

func (panicJob) Parse(rec sdk.Record) ([]string, error) {
	if string(rec.Value) == "boom" {
		once := os.Getenv("PANIC_ONCE_FILE")
		if once == "" {
			panic("boom record at offset " + strconv.FormatInt(rec.Offset, 10))
		}
		if _, err := os.Stat(once); err != nil {
			os.WriteFile(once, nil, 0o644)
			panic("boom record at offset " + strconv.FormatInt(rec.Offset, 10) + " (first time)")
		}
	}
	if string(rec.Value) == "slow" {
		time.Sleep(2 * time.Second)
	}
	return []string{string(rec.Value)}, nil
}

func (panicJob) Emit(_ context.Context, _ sdk.PartitionInfo, events []string) ([]sdk.Output, error) {
	out := make([]sdk.Output, len(events))
	for i, e := range events {
		out[i] = sdk.Output{Value: []byte(e)}
	}
	return out, nil
}

func main() { sdk.Serve(panicJob{}) }
