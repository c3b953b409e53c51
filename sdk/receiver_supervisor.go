package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// receiverSupervisor runs one receiver in the job's process, as Spark's
// ReceiverSupervisor: it starts it, cuts and stores its blocks, and stops
// and starts it again when it asks to restart or a block cannot be
// stored.
type receiverSupervisor struct {
	recv    Receiver
	run     ReceiverRun
	limiter *rateLimiter
	log     *zap.Logger
}

// receiverRequest is a receiver's Restart or Stop.
type receiverRequest struct {
	restart bool
	msg     string
	err     error
}

func (q receiverRequest) String() string {
	if q.err != nil {
		return q.msg + ": " + q.err.Error()
	}
	return q.msg
}

// ReceiverError is a receiver's failure: its start failed, or it stopped
// itself with an error.
type ReceiverError struct {
	StreamID int
	Message  string
}

func (e *ReceiverError) Error() string {
	return fmt.Sprintf("receiver %d: %s", e.StreamID, e.Message)
}

// supervise runs the receiver until ctx is done (nil), it stops itself
// (a *ReceiverError with its reason, which is a failure only when it gave
// an error) or its start fails (a *ReceiverError).
func (s *receiverSupervisor) supervise(ctx context.Context) error {
	for {
		req, err := s.runOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return &ReceiverError{StreamID: s.run.StreamID, Message: err.Error()}
		case !req.restart:
			return &ReceiverError{StreamID: s.run.StreamID, Message: "stopped itself: " + req.String()}
		}
		s.log.Warn("restarting receiver", zap.Int("stream", s.run.StreamID), zap.String("reason", req.String()), zap.Duration("delay", s.run.RestartDelay))
		s.reportf(ReportRestarting, "%s", req)
		t := time.NewTimer(s.run.RestartDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (s *receiverSupervisor) reportf(kind ReportKind, format string, a ...any) {
	if s.run.OnReport != nil {
		s.run.OnReport(ReceiverReport{Kind: kind, Message: cleanText(fmt.Sprintf(format, a...))})
	}
}

// runOnce starts the receiver once and runs it until ctx is done or it
// asks to restart or stop; err is a failed start.
func (s *receiverSupervisor) runOnce(ctx context.Context) (receiverRequest, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	asked := make(chan receiverRequest, 1)
	ask := func(restart bool, msg string, err error) {
		select {
		case asked <- receiverRequest{restart: restart, msg: msg, err: err}:
		default: // the first request wins
		}
	}
	gen := newBlockGenerator(s.run.BlockInterval, s.run.Store)
	rc := &ReceiverContext{
		streamID: s.run.StreamID, log: s.log, limiter: s.limiter, blocks: gen, store: s.run.Store, done: rctx.Done(), ask: ask,
		report: func(msg string, err error) {
			if err != nil {
				msg += ": " + err.Error()
			}
			s.log.Warn("receiver reported an error", zap.Int("stream", s.run.StreamID), zap.String("error", msg))
			s.reportf(ReportError, "%s", msg)
		},
	}
	if err := guardCall(func() error { return s.recv.OnStart(rctx, rc) }); err != nil {
		cancel()
		gen.stop()
		s.log.Error("receiver failed to start", zap.Int("stream", s.run.StreamID), zap.Error(err))
		return receiverRequest{}, fmt.Errorf("OnStart: %w", err)
	}
	s.reportf(ReportStarted, "started")
	var req receiverRequest
	select {
	case <-ctx.Done():
	case req = <-asked:
	case err := <-gen.failed:
		req = receiverRequest{restart: true, msg: "a block could not be stored", err: err}
	}
	cancel()
	if err := guardCall(func() error { s.recv.OnStop(); return nil }); err != nil {
		s.log.Error("receiver's OnStop failed", zap.Int("stream", s.run.StreamID), zap.Error(err))
	}
	gen.stop()
	return req, nil
}

// guardCall runs fn, turning a panic into an error.
func guardCall(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return fn()
}

// errNoReceiver is returned for a stream id the job has no receiver for.
var errNoReceiver = errors.New("sdk: no such receiver")
