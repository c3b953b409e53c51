package sdk

import (
	"context"
	"time"
)

// jobCalls is the host's side of the protocol in Go types, as a JobClient
// makes its calls: to a job over gRPC (grpcClient) or to one running in
// the caller's process (inProcess). Errors are the same for both: a
// *StageError for a failure of the job's code, or ErrNotConfigured,
// ErrAlreadyConfigured, ErrUnsupported, ErrProtocol or the reason the
// call did not reach the job.
type jobCalls interface {
	configure(ctx context.Context, conf map[string]string, args []string) (Capabilities, []StageSpec, error)
	processPartition(ctx context.Context, p *Partition) (Result, error)
	reduce(ctx context.Context, groups []KeyValues) ([]KeyValue, error)
	updateState(ctx context.Context, batchTime time.Time, in []StateInput) ([]StateOutput, error)
	reduceKeys(ctx context.Context, call *ReduceKeysCall) (ReduceKeysResult, error)
}

var (
	_ jobCalls = (*grpcClient)(nil)
	_ jobCalls = (*inProcess)(nil)
)
