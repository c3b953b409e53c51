package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// receiverStopGrace bounds how long a stopping receiver may take to store
// its last block and return.
const receiverStopGrace = 10 * time.Second

// receiverRunner is implemented by both kinds of job client.
type receiverRunner interface {
	runReceiver(ctx context.Context, run ReceiverRun) error
}

var (
	_ receiverRunner = (*grpcClient)(nil)
	_ receiverRunner = (*inProcess)(nil)
)

// RunReceiver runs the job's receiver run.StreamID until ctx is done
// (then it stops the receiver, lets it store its last block, and returns
// nil) or the receiver fails or stops itself (a *ReceiverError, or the
// reason the job could not be reached). Blocks go to run.Store one at a
// time; the receiver's StoreBlock returns once Store has.
func (c *JobClient) RunReceiver(ctx context.Context, run ReceiverRun) error {
	if run.Store == nil {
		return fmt.Errorf("%w: ReceiverRun.Store is nil", ErrInvalidConfig)
	}
	rr, ok := c.rpc.(receiverRunner)
	if !ok {
		return fmt.Errorf("sdk: job %s: %w", c.name, ErrUnsupported)
	}
	if err := rr.runReceiver(ctx, run); err != nil {
		return fmt.Errorf("sdk: job %s: %w", c.name, err)
	}
	return nil
}

func (c *grpcClient) runReceiver(ctx context.Context, run ReceiverRun) error {
	// The call outlives ctx by the stop: the receiver's last block must
	// still be stored.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stream, err := jobpb.NewReceiverClient(c.conn).Run(sctx)
	if err != nil {
		return callError(err)
	}
	var sendMu sync.Mutex
	send := func(m *jobpb.ReceiverHostMessage) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(m)
	}
	start := &jobpb.ReceiverStart{StreamId: int32(run.StreamID), BlockIntervalNs: int64(run.BlockInterval), RateLimit: run.RateLimit, RestartDelayNs: int64(run.RestartDelay)}
	if err := send(&jobpb.ReceiverHostMessage{Message: &jobpb.ReceiverHostMessage_Start{Start: start}}); err != nil {
		return callError(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case r := <-run.Rates:
				send(&jobpb.ReceiverHostMessage{Message: &jobpb.ReceiverHostMessage_RateLimit{RateLimit: r}})
			case <-ctx.Done():
				send(&jobpb.ReceiverHostMessage{Message: &jobpb.ReceiverHostMessage_Stop{Stop: "stopped by the executor"}})
				select {
				case <-done:
				case <-time.After(receiverStopGrace):
					cancel()
				}
				return
			}
		}
	}()
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if st, ok := status.FromError(err); ok && st.Code() == codes.Aborted {
				return errors.New(st.Message())
			}
			if ctx.Err() != nil {
				return nil
			}
			return callError(err)
		}
		switch x := m.GetMessage().(type) {
		case *jobpb.ReceiverMessage_Block:
			answer := &jobpb.BlockStored{Seq: x.Block.GetSeq()}
			recs, err := recordsFromProto(x.Block.GetRecords(), nil)
			if err == nil {
				err = run.Store(sctx, recs)
			}
			if err != nil {
				answer.Error = cleanText(err.Error())
			}
			if err := send(&jobpb.ReceiverHostMessage{Message: &jobpb.ReceiverHostMessage_Stored{Stored: answer}}); err != nil {
				return callError(err)
			}
		case *jobpb.ReceiverMessage_Report:
			if run.OnReport != nil {
				run.OnReport(ReceiverReport{Kind: reportKindFromProto(x.Report.GetKind()), Message: x.Report.GetMessage()})
			}
		}
	}
}

func (c *inProcess) runReceiver(ctx context.Context, run ReceiverRun) error {
	if c.stopped.Load() {
		return ErrStopped
	}
	src, ok := c.impl.(receiverSource)
	if !ok {
		return ErrUnsupported
	}
	recv, lg, err := src.receiver(run.StreamID)
	if err != nil {
		return err
	}
	limiter := newRateLimiter(run.RateLimit)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case r := <-run.Rates:
				limiter.set(r)
			}
		}
	}()
	sup := &receiverSupervisor{recv: recv, run: run, limiter: limiter, log: lg}
	if err := sup.supervise(ctx); err != nil {
		return errors.New(err.Error())
	}
	return nil
}
