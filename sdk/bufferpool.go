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

// bufferPool is a mem.BufferPool of buffers of any size. Get does not
// clear what a buffer held before; its callers overwrite all of it.
type bufferPool struct {
	pool sync.Pool
}

var _ mem.BufferPool = (*bufferPool)(nil)

// Get returns a buffer of length n, a pooled one when one is large enough.
func (p *bufferPool) Get(n int) *[]byte {
	if b, ok := p.pool.Get().(*[]byte); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	// A pooled buffer that is too small is dropped: the pool ends up
	// holding buffers of the largest size in use.
	b := make([]byte, n)
	return &b
}

// Put returns b to the pool.
func (p *bufferPool) Put(b *[]byte) {
	p.pool.Put(b)
}
