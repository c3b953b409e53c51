package sdk

import (
	"sync"

	"google.golang.org/grpc/mem"
)

// columnBuffers holds the buffers of the large columns that calls send:
// the transport gives a buffer back once it has written it (see codec), so
// that one buffer serves call after call rather than a new one being
// allocated, zeroed and paged in for each partition.
var columnBuffers bufferPool

// maxPooled is how many buffers a pool keeps: enough for the calls a busy
// executor has in flight (two columns each), few enough that an idle
// pool holds little.
const maxPooled = 16

// bufferPool is a mem.BufferPool of buffers of any size. Get does not
// clear what a buffer held before; its callers overwrite all of it.
//
// It keeps its buffers across garbage collections, which a sync.Pool
// does not: at the allocation rate of a busy plugin boundary the
// collector runs every few calls, and a sync.Pool would then hand out a
// fresh megabyte-sized buffer for most partitions.
type bufferPool struct {
	mu   sync.Mutex
	free []*[]byte
}

var _ mem.BufferPool = (*bufferPool)(nil)

// Get returns a buffer of length n, a pooled one when one is large enough.
func (p *bufferPool) Get(n int) *[]byte {
	p.mu.Lock()
	for i := len(p.free) - 1; i >= 0; i-- {
		if b := p.free[i]; cap(*b) >= n {
			p.free[i] = p.free[len(p.free)-1]
			p.free[len(p.free)-1] = nil
			p.free = p.free[:len(p.free)-1]
			p.mu.Unlock()
			*b = (*b)[:n]
			return b
		}
	}
	p.mu.Unlock()
	b := make([]byte, n)
	return &b
}

// Put returns b to the pool. When the pool is full, the smallest of its
// buffers and b is dropped, so that the pool ends up holding buffers of
// the largest sizes in use.
func (p *bufferPool) Put(b *[]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < maxPooled {
		p.free = append(p.free, b)
		return
	}
	small := 0
	for i, f := range p.free {
		if cap(*f) < cap(*p.free[small]) {
			small = i
		}
	}
	if cap(*p.free[small]) < cap(*b) {
		p.free[small] = b
	}
}
