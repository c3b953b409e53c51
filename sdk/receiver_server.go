package sdk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// receiverServer serves the Receiver service inside the plugin: it runs
// one receiver per Run call under a receiverSupervisor, whose blocks go
// to the host over the call.
type receiverServer struct {
	jobpb.UnimplementedReceiverServer
	impl processor
}

// Run runs the receiver the first message names until the host stops it.
func (s *receiverServer) Run(stream jobpb.Receiver_RunServer) error {
	src, ok := s.impl.(receiverSource)
	if !ok {
		return status.Error(codes.Unimplemented, "sdk: this job runs no receivers")
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	start := first.GetStart()
	if start == nil {
		return status.Error(codes.InvalidArgument, "sdk: a receiver's first message must start it")
	}
	recv, lg, err := src.receiver(int(start.GetStreamId()))
	switch {
	case errors.Is(err, errNoReceiver):
		return status.Error(codes.InvalidArgument, err.Error())
	case err != nil:
		return statusOf(err)
	}
	link := newReceiverLink(stream.Send)
	limiter := newRateLimiter(start.GetRateLimit())
	runCtx, stop := context.WithCancel(stream.Context())
	defer stop()
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				stop()
				link.close(fmt.Errorf("sdk: the host is gone: %w", err))
				return
			}
			switch x := m.GetMessage().(type) {
			case *jobpb.ReceiverHostMessage_Stored:
				link.stored(x.Stored.GetSeq(), x.Stored.GetError())
			case *jobpb.ReceiverHostMessage_RateLimit:
				limiter.set(x.RateLimit)
			case *jobpb.ReceiverHostMessage_Stop:
				stop()
			}
		}
	}()
	sup := &receiverSupervisor{recv: recv, limiter: limiter, log: lg, run: ReceiverRun{
		StreamID: int(start.GetStreamId()), BlockInterval: time.Duration(start.GetBlockIntervalNs()),
		RestartDelay: time.Duration(start.GetRestartDelayNs()), Store: link.store,
		OnReport: func(r ReceiverReport) {
			link.send(&jobpb.ReceiverMessage{Message: &jobpb.ReceiverMessage_Report{Report: &jobpb.ReceiverReport{Kind: reportKindToProto(r.Kind), Message: r.Message}}})
		},
	}}
	if err := sup.supervise(runCtx); err != nil {
		return status.Error(codes.Aborted, err.Error())
	}
	return nil
}

// receiverLink sends a receiver's blocks to the host and waits for each
// block's answer.
type receiverLink struct {
	sendMu sync.Mutex
	sendFn func(*jobpb.ReceiverMessage) error

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan string
	closed  error
}

func newReceiverLink(send func(*jobpb.ReceiverMessage) error) *receiverLink {
	return &receiverLink{sendFn: send, waiting: map[uint64]chan string{}}
}

func (l *receiverLink) send(m *jobpb.ReceiverMessage) error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	return l.sendFn(m)
}

// store sends recs as a block and returns once the host has stored it.
func (l *receiverLink) store(ctx context.Context, recs []Record) error {
	l.mu.Lock()
	if l.closed != nil {
		l.mu.Unlock()
		return l.closed
	}
	l.next++
	seq := l.next
	ch := make(chan string, 1)
	l.waiting[seq] = ch
	l.mu.Unlock()
	forget := func() {
		l.mu.Lock()
		delete(l.waiting, seq)
		l.mu.Unlock()
	}
	if err := l.send(&jobpb.ReceiverMessage{Message: &jobpb.ReceiverMessage_Block{Block: &jobpb.ReceivedBlock{Seq: seq, Records: recordsToProto(recs, nil)}}}); err != nil {
		forget()
		return fmt.Errorf("sdk: send block to the host: %w", err)
	}
	select {
	case e, ok := <-ch:
		if !ok {
			l.mu.Lock()
			defer l.mu.Unlock()
			return l.closed
		}
		if e != "" {
			return fmt.Errorf("sdk: block not stored: %s", e)
		}
		return nil
	case <-ctx.Done():
		forget()
		return ctx.Err()
	}
}

// stored delivers the host's answer for block seq.
func (l *receiverLink) stored(seq uint64, errText string) {
	l.mu.Lock()
	ch := l.waiting[seq]
	delete(l.waiting, seq)
	l.mu.Unlock()
	if ch != nil {
		ch <- errText
	}
}

// close fails every block waiting for an answer, and those stored later.
func (l *receiverLink) close(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed != nil {
		return
	}
	l.closed = err
	for seq, ch := range l.waiting {
		close(ch)
		delete(l.waiting, seq)
	}
}

func reportKindToProto(k ReportKind) jobpb.ReceiverReport_Kind {
	switch k {
	case ReportStarted:
		return jobpb.ReceiverReport_KIND_STARTED
	case ReportError:
		return jobpb.ReceiverReport_KIND_ERROR
	case ReportRestarting:
		return jobpb.ReceiverReport_KIND_RESTARTING
	}
	return jobpb.ReceiverReport_KIND_UNSPECIFIED
}

func reportKindFromProto(k jobpb.ReceiverReport_Kind) ReportKind {
	switch k {
	case jobpb.ReceiverReport_KIND_STARTED:
		return ReportStarted
	case jobpb.ReceiverReport_KIND_ERROR:
		return ReportError
	case jobpb.ReceiverReport_KIND_RESTARTING:
		return ReportRestarting
	}
	return 0
}
