package sdk

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// Receiving is implemented by jobs whose input comes from receivers:
// sources that push records and cannot read them again, such as a message
// queue or a socket, as Spark's receiver input streams. Spindle runs each
// receiver as a long-running task on an executor; every batch then holds
// the blocks its receivers stored during its interval, processed by the
// job's stages like a Kafka partition's records.
type Receiving interface {
	// Receivers returns the job's receivers, called once the job is
	// configured; the first is stream 0. It must return the same number,
	// in the same order, every time: a stream's id names it in the
	// checkpoint.
	Receivers() []Receiver
}

// Receiver receives records from one source, as Spark's Receiver: OnStart
// starts receiving and returns; the goroutines it starts hand records to
// the ReceiverContext's Store or StoreBlock until ctx is done; OnStop then
// releases what OnStart set up. A receiver may be stopped and started
// again, in the same process (Restart) or on another executor.
type Receiver interface {
	// OnStart starts receiving and returns without waiting for records.
	// An error fails the start: it is reported, and the receiver is
	// started again after spark.streaming.receiverRestartDelay, on this
	// executor or another; after spindle.streaming.receiver.maxFailures
	// failed starts in a row the application fails with the error.
	OnStart(ctx context.Context, rc *ReceiverContext) error
	// OnStop is called once ctx is done; what OnStart started must stop.
	OnStop()
}

// ReceiverName is implemented by receivers that name their stream; the
// name is the Topic of the records the job is given and names the stream
// in the Streaming tab. Without it a receiver is "receiver-<stream id>".
type ReceiverName interface {
	Name() string
}

// ReceiverLocation is implemented by receivers that should run on a
// given host (Spark's preferredLocation), such as the host of a socket
// that only accepts local clients. The driver places the receiver on an
// executor of that host when there is one.
type ReceiverLocation interface {
	PreferredLocation() string
}

// ReceiverInfo describes one of a job's receivers, as the host learns of
// it from Configure.
type ReceiverInfo struct {
	// Name is the receiver's stream name (ReceiverName).
	Name string
	// PreferredLocation is a host, or "" (ReceiverLocation).
	PreferredLocation string
}

// ErrReceiverStopped is returned by a ReceiverContext's Store methods once
// the receiver is being stopped: the records were not stored.
var ErrReceiverStopped = errors.New("sdk: receiver stopped")

// ReceiverContext is what a receiver stores its records through, for one
// start of it. Its methods are safe for concurrent use.
type ReceiverContext struct {
	streamID int
	log      *zap.Logger
	limiter  *rateLimiter
	blocks   *blockGenerator
	// store stores one block durably and returns once it is, or fails.
	store func(ctx context.Context, recs []Record) error
	// done is closed when the receiver is stopping.
	done <-chan struct{}
	// report passes ReportError on; ask passes Restart and Stop.
	report func(msg string, err error)
	ask    func(restart bool, msg string, err error)
}

// StreamID is the receiver's stream id: its index in Receivers().
func (rc *ReceiverContext) StreamID() int { return rc.streamID }

// Logger writes to the job's log (the container's app.log).
func (rc *ReceiverContext) Logger() *zap.Logger { return rc.log }

// Store stores one record, as Spark's store(single record): it waits for
// the receiver's rate (spark.streaming.receiver.maxRate and
// backpressure), then buffers the record; every
// spark.streaming.blockInterval the buffer becomes a block. It returns
// before the record is durable, so a record stored this way may be lost
// with the executor; a receiver that acknowledges its source uses
// StoreBlock.
func (rc *ReceiverContext) Store(ctx context.Context, rec Record) error {
	if err := rc.limiter.wait(ctx, rc.done, 1); err != nil {
		return err
	}
	return rc.blocks.add(rec)
}

// StoreBlock stores records as one block and returns once the block is
// durable: written to the write-ahead log when
// spark.streaming.receiver.writeAheadLog.enable is set, and recorded by
// the driver, so that it will be in a batch whatever fails after. Only
// then should the receiver acknowledge the records to its source. It
// first waits for the receiver's rate to allow len(recs) records. An
// error means the block may not be stored: do not acknowledge it.
func (rc *ReceiverContext) StoreBlock(ctx context.Context, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := rc.limiter.wait(ctx, rc.done, len(recs)); err != nil {
		return err
	}
	select {
	case <-rc.done:
		return ErrReceiverStopped
	default:
	}
	return rc.store(ctx, recs)
}

// ReportError reports an error the receiver goes on after: it is logged,
// counted in the receiver's metrics and shown as its last error.
func (rc *ReceiverContext) ReportError(msg string, err error) { rc.report(msg, err) }

// Restart stops the receiver (ctx is done, OnStop is called) and starts
// it again in this process after spark.streaming.receiverRestartDelay.
func (rc *ReceiverContext) Restart(msg string, err error) { rc.ask(true, msg, err) }

// Stop stops the receiver for good in this process; with an error it
// counts as a failure. The driver starts it again, here or elsewhere,
// unless the application is stopping.
func (rc *ReceiverContext) Stop(msg string, err error) { rc.ask(false, msg, err) }

// BlockInterval is spark.streaming.blockInterval: how often records
// stored one at a time become a block. A receiver that stores whole
// blocks may cut them as often.
func (rc *ReceiverContext) BlockInterval() time.Duration { return rc.blocks.interval }

// RateLimit is the receiver's current rate limit in records per second;
// 0 for none. A receiver that fetches from its source in batches may
// size them by it.
func (rc *ReceiverContext) RateLimit() float64 { return rc.limiter.limit() }

// ReceiverRun is how a host runs one receiver (JobClient.RunReceiver).
type ReceiverRun struct {
	// StreamID is the receiver's index among the job's receivers.
	StreamID int
	// BlockInterval is spark.streaming.blockInterval.
	BlockInterval time.Duration
	// RateLimit is the starting rate in records per second; 0 for none.
	RateLimit float64
	// RestartDelay is spark.streaming.receiverRestartDelay.
	RestartDelay time.Duration
	// Rates carries later rate limits (backpressure); may be nil.
	Rates <-chan float64
	// Store stores one block durably; the receiver's StoreBlock returns
	// its error. It is called for one block at a time.
	Store func(ctx context.Context, recs []Record) error
	// OnReport is told when the receiver has started, reports an error
	// or restarts; may be nil.
	OnReport func(ReceiverReport)
}

// ReceiverReport is a change in a receiver's life.
type ReceiverReport struct {
	Kind    ReportKind
	Message string
}

// ReportKind is what a ReceiverReport tells.
type ReportKind int

const (
	// ReportStarted: OnStart returned without error.
	ReportStarted ReportKind = iota + 1
	// ReportError: the receiver reported an error and goes on.
	ReportError
	// ReportRestarting: the receiver is stopped and started again.
	ReportRestarting
)
