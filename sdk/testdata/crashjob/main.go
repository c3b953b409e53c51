// Command crashjob is a job binary for the sdk's process tests: it prints
// to stdout, and the record "crash" makes it crash in a goroutine of its
// own, which no stage can recover.
package main

import (
	"context"
	"fmt"

	"github.com/spindlehq/spindle/sdk"
)

type crashJob struct{}

func (crashJob) Parse(rec sdk.Record) ([]string, error) {
	fmt.Printf("stdout from the job: offset %d\n", rec.Offset)
	return []string{string(rec.Value)}, nil
}

func (crashJob) Emit(ctx context.Context, _ sdk.PartitionInfo, events []string) ([]sdk.Output, error) {
	for _, e := range events {
		if e == "crash" {
			go func() { panic("crashjob: unrecoverable") }()
			<-ctx.Done()
			return nil, ctx.Err()
		}
	}
	return nil, nil
}

func main() {
	sdk.Serve(crashJob{})
}
