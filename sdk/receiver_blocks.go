package sdk

import (
	"context"
	"sync"
	"time"
)

// blockQueueSize is how many cut blocks wait to be stored before Store
// waits too (Spark's spark.streaming.blockQueueSize).
const blockQueueSize = 10

// blockGenerator cuts the records a receiver stores one at a time into a
// block every block interval and stores the blocks in order, as Spark's
// BlockGenerator. When blocks are stored more slowly than they are cut,
// the queue fills and Store waits.
type blockGenerator struct {
	interval time.Duration
	store    func(ctx context.Context, recs []Record) error

	mu      sync.Mutex
	buf     []Record
	stopped bool

	queue chan []Record
	// failed receives the first error of storing a block.
	failed chan error
	quit   chan struct{}
	cutter sync.WaitGroup
	pusher sync.WaitGroup
}

// newBlockGenerator starts cutting and storing blocks.
func newBlockGenerator(interval time.Duration, store func(ctx context.Context, recs []Record) error) *blockGenerator {
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	g := &blockGenerator{interval: interval, store: store, queue: make(chan []Record, blockQueueSize), failed: make(chan error, 1), quit: make(chan struct{})}
	g.cutter.Add(1)
	go g.cut()
	g.pusher.Add(1)
	go g.push()
	return g
}

// add buffers rec for the next block.
func (g *blockGenerator) add(rec Record) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return ErrReceiverStopped
	}
	g.buf = append(g.buf, rec)
	return nil
}

// cut moves the buffer to the queue every interval; while the queue is
// full it holds the lock, so that add waits too.
func (g *blockGenerator) cut() {
	defer g.cutter.Done()
	t := time.NewTicker(g.interval)
	defer t.Stop()
	for {
		select {
		case <-g.quit:
			return
		case <-t.C:
		}
		g.mu.Lock()
		if len(g.buf) > 0 {
			select {
			case g.queue <- g.buf:
				g.buf = nil
			case <-g.quit:
				g.mu.Unlock()
				return
			}
		}
		g.mu.Unlock()
	}
}

// push stores the queued blocks one after the other.
func (g *blockGenerator) push() {
	defer g.pusher.Done()
	for blk := range g.queue {
		if err := g.store(context.Background(), blk); err != nil {
			select {
			case g.failed <- err:
			default:
			}
		}
	}
}

// stop stops cutting, stores what is buffered as a last block and
// returns once every queued block has been stored or has failed.
func (g *blockGenerator) stop() {
	close(g.quit)
	g.cutter.Wait()
	g.mu.Lock()
	g.stopped = true
	last := g.buf
	g.buf = nil
	g.mu.Unlock()
	if len(last) > 0 {
		g.queue <- last
	}
	close(g.queue)
	g.pusher.Wait()
}
