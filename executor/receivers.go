package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/sdk"
)

// ReceiverHub is an executor's part of receiving, shared by its session
// with the driver and the receivers and tasks its job runner runs: the
// blocks its receivers stored, held in memory until their batch commits;
// the blocks reported to the driver and waiting for its answer, sent
// again on every new session until answered; the receivers' statuses;
// and the rate of each running receiver.
type ReceiverHub struct {
	mu      sync.Mutex
	blocks  map[string][]sdk.Record
	pending map[string]*pendingBlock
	order   []string
	// statuses wait to be sent; they are not sent again on a new session.
	statuses []*pb.ReceiverStatus
	rates    map[int64]chan float64
	// notify is closed, and replaced, when something is to be sent.
	notify chan struct{}
}

// pendingBlock is a block reported to the driver and not yet answered.
type pendingBlock struct {
	msg    *pb.AddBlock
	answer chan string
	sent   bool
}

// NewReceiverHub returns a hub with no blocks.
func NewReceiverHub() *ReceiverHub {
	return &ReceiverHub{blocks: map[string][]sdk.Record{}, pending: map[string]*pendingBlock{}, rates: map[int64]chan float64{}, notify: make(chan struct{})}
}

// wakeLocked tells the sender that something is to be sent.
func (h *ReceiverHub) wakeLocked() {
	close(h.notify)
	h.notify = make(chan struct{})
}

// changed returns a channel closed when something is next to be sent.
func (h *ReceiverHub) changed() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.notify
}

// ErrBlockNotRecorded is wrapped when the driver refused to record a block.
var ErrBlockNotRecorded = errors.New("executor: the driver did not record the block")

// report tells the driver of a stored block and returns once the driver
// has recorded it, or with why not.
func (h *ReceiverHub) report(ctx context.Context, m *pb.AddBlock) error {
	p := &pendingBlock{msg: m, answer: make(chan string, 1)}
	h.mu.Lock()
	h.pending[m.GetBlockId()] = p
	h.order = append(h.order, m.GetBlockId())
	h.wakeLocked()
	h.mu.Unlock()
	select {
	case e := <-p.answer:
		if e != "" {
			return fmt.Errorf("%w %s: %s", ErrBlockNotRecorded, m.GetBlockId(), e)
		}
		return nil
	case <-ctx.Done():
		h.forget(m.GetBlockId())
		return fmt.Errorf("executor: block %s: waiting for the driver to record it: %w", m.GetBlockId(), ctx.Err())
	}
}

func (h *ReceiverHub) forget(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.pending, id)
	for i, o := range h.order {
		if o == id {
			h.order = append(h.order[:i], h.order[i+1:]...)
			break
		}
	}
}

// acked delivers the driver's answer for block id.
func (h *ReceiverHub) acked(id, errText string) {
	h.mu.Lock()
	p := h.pending[id]
	h.mu.Unlock()
	if p == nil {
		return
	}
	h.forget(id)
	p.answer <- errText
}

// resend marks every unanswered block to be sent again: a new session
// has started, and the driver may not have seen them.
func (h *ReceiverHub) resend() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.pending {
		p.sent = false
	}
	if len(h.pending) > 0 {
		h.wakeLocked()
	}
}

// next returns the next message to send, or nil.
func (h *ReceiverHub) next() *pb.ExecutorMessage {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range h.order {
		if p := h.pending[id]; !p.sent {
			p.sent = true
			return &pb.ExecutorMessage{Message: &pb.ExecutorMessage_AddBlock{AddBlock: p.msg}}
		}
	}
	if len(h.statuses) > 0 {
		st := h.statuses[0]
		h.statuses = h.statuses[1:]
		return &pb.ExecutorMessage{Message: &pb.ExecutorMessage_Receiver{Receiver: st}}
	}
	return nil
}

// status queues a receiver's status for the driver.
func (h *ReceiverHub) status(st *pb.ReceiverStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.statuses = append(h.statuses, st)
	h.wakeLocked()
}

// handle applies a driver message meant for the hub; it reports whether
// it was one.
func (h *ReceiverHub) handle(m *pb.DriverMessage) bool {
	switch {
	case m.GetBlockAck() != nil:
		h.acked(m.GetBlockAck().GetBlockId(), m.GetBlockAck().GetError())
	case m.GetReceiverRate() != nil:
		h.setRate(m.GetReceiverRate().GetTid(), m.GetReceiverRate().GetRateLimit())
	case m.GetDropBlocks() != nil:
		h.drop(m.GetDropBlocks().GetBlockIds()...)
	default:
		return false
	}
	return true
}

// rateOf returns the channel that receiver launch tid's rates arrive on.
func (h *ReceiverHub) rateOf(tid int64) <-chan float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan float64, 1)
	h.rates[tid] = ch
	return ch
}

func (h *ReceiverHub) forgetRate(tid int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.rates, tid)
}

// setRate hands the newest rate to receiver launch tid, replacing one it
// has not taken yet.
func (h *ReceiverHub) setRate(tid int64, rate float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.rates[tid]
	if ch == nil {
		return
	}
	select {
	case <-ch:
	default:
	}
	ch <- rate
}

// put keeps a stored block in memory.
func (h *ReceiverHub) put(id string, recs []sdk.Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.blocks[id] = recs
}

// get returns a block held in memory.
func (h *ReceiverHub) get(id string) ([]sdk.Record, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	recs, ok := h.blocks[id]
	return recs, ok
}

// drop frees blocks' memory.
func (h *ReceiverHub) drop(ids ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		delete(h.blocks, id)
	}
}

// Held is the number of blocks in memory.
func (h *ReceiverHub) Held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.blocks)
}
