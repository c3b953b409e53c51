package sdk

import (
	"runtime"
	"testing"
)

func TestBufferPoolGivesTheLengthAsked(t *testing.T) {
	var p bufferPool
	for _, n := range []int{0, 10, 1 << 20, 100, 1 << 21} {
		b := p.Get(n)
		if len(*b) != n {
			t.Fatalf("Get(%d) gave %d bytes", n, len(*b))
		}
		p.Put(b)
	}
}

// TestBufferPoolKeepsBuffersAcrossCollections: a buffer given back is
// handed out again after a garbage collection, and a full pool keeps the
// largest buffers.
func TestBufferPoolKeepsBuffersAcrossCollections(t *testing.T) {
	var p bufferPool
	b := p.Get(1 << 20)
	(*b)[0] = 7
	p.Put(b)
	runtime.GC()
	runtime.GC()
	if again := p.Get(1000); again != b {
		t.Fatal("the pooled buffer was not handed out again after a collection")
	}
	for range maxPooled {
		p.Put(p.Get(10))
		small := make([]byte, 10)
		p.Put(&small)
	}
	big := make([]byte, 1<<16)
	p.Put(&big)
	if got := p.Get(1 << 16); got != &big {
		t.Fatal("a full pool dropped its largest buffer")
	}
}
